import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertSafeJson, describeIssues, parseInput } from '../../../functions/src/http/validation.js';
import { apiErrorOf } from '../apiErrors.js';

const schema = z.object({ name: z.string(), items: z.array(z.object({ qty: z.number().int() })).optional() });

describe('describeIssues', () => {
  it('prefixes each issue with its dotted path (array indexes included)', () => {
    const result = schema.safeParse({ name: 1, items: [{ qty: 1 }, { qty: 1.5 }] });
    expect(result.success).toBe(false);
    if (result.success) return;
    const text = describeIssues(result.error);
    expect(text).toMatch(/^name: .+; items\.1\.qty: .+$/);
  });

  it('gives a root issue its message alone', () => {
    const result = z.string().safeParse(1);
    if (result.success) throw new Error('parsed');
    expect(describeIssues(result.error)).toBe(result.error.issues[0]?.message);
  });

  it('keeps the first five issues, joined by "; "', () => {
    const six = z.object({ a: z.string(), b: z.string(), c: z.string(), d: z.string(), e: z.string(), f: z.string() });
    const result = six.safeParse({});
    if (result.success) throw new Error('parsed');
    const parts = describeIssues(result.error).split('; ');
    expect(parts.map((part) => part.split(':')[0])).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('parseInput', () => {
  it('returns the parsed (transformed) value', () => {
    const trimmed = z.object({ key: z.string().transform((value) => value.trim()) });
    expect(parseInput(trimmed, { key: '  K  ', extra: 1 })).toEqual({ key: 'K' });
  });

  it('turns invalid input into 400 bad_request "Invalid request: <issues>"', () => {
    const error = apiErrorOf(() => parseInput(schema, { name: 7 }));
    expect(error.code).toBe('bad_request');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^Invalid request: name: /);
  });

  it('names what was invalid', () => {
    expect(apiErrorOf(() => parseInput(schema, {}, 'query')).message).toMatch(/^Invalid query: name: /);
  });
});

describe('assertSafeJson', () => {
  it('accepts values nested exactly maxDepth levels deep', () => {
    expect(() => assertSafeJson({ a: { b: 1 } }, 2)).not.toThrow();
    expect(() => assertSafeJson([[1]], 2)).not.toThrow();
    expect(() => assertSafeJson([[[]]], 2)).not.toThrow();
    expect(() => assertSafeJson('scalar', 0)).not.toThrow();
    expect(() => assertSafeJson({}, 0)).not.toThrow();
  });

  it('refuses one level more with 400 bad_request', () => {
    for (const deep of [{ a: { b: { c: 1 } } }, [[[1]]], { a: [{ b: 1 }] }]) {
      const error = apiErrorOf(() => assertSafeJson(deep, 2));
      expect(error.code).toBe('bad_request');
      expect(error.message).toBe('JSON nested deeper than 2 levels');
    }
    expect(apiErrorOf(() => assertSafeJson({ a: null }, 0)).message).toBe('JSON nested deeper than 0 levels');
  });

  it('refuses prototype keys at any depth', () => {
    const cases: Array<[unknown, string]> = [
      [JSON.parse('{"__proto__": {"admin": true}}'), '__proto__'],
      [{ constructor: { prototype: {} } }, 'constructor'],
      [{ a: [{ prototype: 1 }] }, 'prototype'],
      [[1, { b: { constructor: 1 } }], 'constructor'],
    ];
    for (const [value, key] of cases) {
      const error = apiErrorOf(() => assertSafeJson(value, 10));
      expect(error.code).toBe('bad_request');
      expect(error.message).toBe(`Forbidden key "${key}" in request body`);
    }
  });

  it('accepts lookalike keys, nulls and scalars', () => {
    expect(() => assertSafeJson({ proto: 1, Constructor: 2, _prototype: null, list: [null, 'x', 1, true] }, 10)).not.toThrow();
  });
});
