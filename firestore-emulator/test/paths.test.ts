import { describe, expect, it } from 'vitest';
import {
  compareSegments,
  compareUtf8,
  formatFieldPath,
  parseDocumentName,
  parseFieldPath,
  parseParentName,
} from '../src/paths.js';

const DB = 'projects/demo/databases/(default)';

describe('field paths', () => {
  it('parses plain and backtick-quoted segments', () => {
    expect(parseFieldPath('a.b.c')).toEqual(['a', 'b', 'c']);
    expect(parseFieldPath('`a.b`.c')).toEqual(['a.b', 'c']);
    expect(parseFieldPath('`we\\`ird`')).toEqual(['we`ird']);
    expect(parseFieldPath('`back\\\\slash`.x')).toEqual(['back\\slash', 'x']);
    expect(parseFieldPath('__name__')).toEqual(['__name__']);
    expect(parseFieldPath('`1st`')).toEqual(['1st']);
  });

  it('rejects malformed paths', () => {
    for (const bad of ['', 'a.', '.a', 'a..b', '`open', 'a`b`', '`a`b']) {
      expect(() => parseFieldPath(bad), bad).toThrow();
    }
  });

  it('formats paths so that they parse back to the same segments', () => {
    for (const segments of [['a'], ['a', 'b.c'], ['x`y', '1st'], ['back\\', 'é'], ['with space']]) {
      expect(parseFieldPath(formatFieldPath(segments))).toEqual(segments);
    }
    expect(formatFieldPath(['a', 'b.c'])).toBe('a.`b.c`');
  });
});

describe('resource names', () => {
  it('parses document names', () => {
    expect(parseDocumentName(`${DB}/documents/users/alice/posts/p1`)).toEqual({
      database: DB,
      path: 'users/alice/posts/p1',
      segments: ['users', 'alice', 'posts', 'p1'],
    });
  });

  it('rejects collection paths, foreign databases, empty and reserved ids', () => {
    expect(() => parseDocumentName(`${DB}/documents/users`)).toThrow(/odd number/);
    expect(() => parseDocumentName(`${DB}/documents`)).toThrow();
    expect(() => parseDocumentName(`${DB}/documents/users//x`)).toThrow(/empty/);
    expect(() => parseDocumentName(`${DB}/documents/users/__bad__`)).toThrow(/reserved/);
    expect(() => parseDocumentName(`${DB}/documents/a/b`, 'projects/other/databases/(default)')).toThrow(/not in database/);
    expect(parseDocumentName(`${DB}/documents/users/__id42__`).path).toBe('users/__id42__');
  });

  it('parses query parents (root or document)', () => {
    expect(parseParentName(`${DB}/documents`).path).toBe('');
    expect(parseParentName(`${DB}/documents/a/b`).path).toBe('a/b');
    expect(() => parseParentName(`${DB}/documents/a`)).toThrow();
    expect(() => parseParentName('projects/x/documents')).toThrow();
  });
});

describe('ordering helpers', () => {
  it('compares strings by code point', () => {
    expect(compareUtf8('a', 'b')).toBeLessThan(0);
    expect(compareUtf8('ab', 'a')).toBeGreaterThan(0);
    expect(compareUtf8('\uFF5E', '\u{1F600}')).toBeLessThan(0);
    expect(compareUtf8('\u{1F600}', '\u{1F601}')).toBeLessThan(0);
    expect(compareUtf8('same', 'same')).toBe(0);
  });

  it('orders numeric document ids before string ids, by value', () => {
    expect(compareSegments('__id-5__', '__id3__')).toBeLessThan(0);
    expect(compareSegments('__id3__', '__id10__')).toBeLessThan(0);
    expect(compareSegments('__id10__', '0')).toBeLessThan(0);
    expect(compareSegments('A', '__id1__')).toBeGreaterThan(0);
    // Out of int64 range: just a string.
    expect(compareSegments('__id9223372036854775808__', 'A')).toBeGreaterThan(0);
  });
});
