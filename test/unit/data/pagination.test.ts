import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../functions/src/data/pagination.js';
import { apiErrorOf } from '../apiErrors.js';

const raw = (payload: unknown) => Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');

const invalid = (cursor: string, arity: number) => apiErrorOf(() => decodeCursor(cursor, arity));

describe('encodeCursor', () => {
  it('is base64url JSON of the sort values, timestamps as [seconds, nanoseconds]', () => {
    const cursor = encodeCursor([new Timestamp(1_700_000_000, 123_456_789), 42, 'lic_1']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).toEqual({
      after: [{ ts: [1_700_000_000, 123_456_789] }, 42, 'lic_1'],
    });
  });
});

describe('decodeCursor', () => {
  it('round-trips strings, numbers and timestamps exactly', () => {
    const at = new Timestamp(1_700_000_000, 999_999_999);
    const [time, count, text, id] = decodeCursor(encodeCursor([at, -1.5, 'ünïcode', 'A3K9-BFWX-7NP2-QHDT']), 4);
    expect(time).toBeInstanceOf(Timestamp);
    expect((time as Timestamp).isEqual(at)).toBe(true);
    expect(count).toBe(-1.5);
    expect(text).toBe('ünïcode');
    expect(id).toBe('A3K9-BFWX-7NP2-QHDT');
  });

  it('reads a hand-written cursor (the format is stable across deploys)', () => {
    const [time, id] = decodeCursor(raw({ after: [{ ts: [10, 20] }, 'doc'] }), 2);
    expect((time as Timestamp).seconds).toBe(10);
    expect((time as Timestamp).nanoseconds).toBe(20);
    expect(id).toBe('doc');
  });

  it('accepts one to four values', () => {
    expect(decodeCursor(raw({ after: ['a'] }), 1)).toEqual(['a']);
    expect(decodeCursor(raw({ after: [1, 2, 3, 'd'] }), 4)).toEqual([1, 2, 3, 'd']);
  });

  it('accepts a string value of 1500 characters, not 1501', () => {
    expect(decodeCursor(raw({ after: ['x'.repeat(1500), 'id'] }), 2)[0]).toHaveLength(1500);
    expect(invalid(raw({ after: ['x'.repeat(1501), 'id'] }), 2).code).toBe('bad_request');
  });

  it('answers 400 bad_request "Invalid cursor"', () => {
    const error = invalid('not a cursor', 1);
    expect(error.code).toBe('bad_request');
    expect(error.status).toBe(400);
    expect(error.message).toBe('Invalid cursor');
  });

  it.each([
    ['not base64 JSON', 'bm90IGpzb24', 1],
    ['JSON without after', raw({ before: ['a'] }), 1],
    ['an empty after', raw({ after: [] }), 0],
    ['five values', raw({ after: [1, 2, 3, 4, 'e'] }), 5],
    ['fewer values than the query orders by', raw({ after: ['a'] }), 2],
    ['more values than the query orders by', raw({ after: ['a', 'b'] }), 1],
    ['a number as the last (id) value', raw({ after: ['a', 7] }), 2],
    ['a timestamp as the last (id) value', raw({ after: [{ ts: [1, 2] }] }), 1],
    ['an empty id', raw({ after: [1, ''] }), 2],
    ['an id with a slash', raw({ after: [1, 'apps/x'] }), 2],
    ['a fractional timestamp', raw({ after: [{ ts: [1.5, 0] }, 'id'] }), 2],
    ['a boolean value', raw({ after: [true, 'id'] }), 2],
    ['a null value', raw({ after: [null, 'id'] }), 2],
  ])('refuses %s', (_label, cursor, arity) => {
    const error = invalid(cursor, arity);
    expect(error.code).toBe('bad_request');
    expect(error.message).toBe('Invalid cursor');
  });
});
