import { describe, expect, it } from 'vitest';
import { base62Alphabet, randomId, randomString } from '../../../functions/src/crypto/random.js';

describe('randomString', () => {
  it('has exactly the requested length', () => {
    expect(randomString(0, 'ab')).toBe('');
    expect(randomString(1, 'ab')).toHaveLength(1);
    expect(randomString(37, 'ab')).toHaveLength(37);
  });

  it('draws only from the alphabet', () => {
    expect(randomString(8, 'x')).toBe('xxxxxxxx');
    expect(randomString(500, 'abc')).toMatch(/^[abc]{500}$/);
  });

  it('reaches every symbol, the last one included', () => {
    // 4000 draws over 4 symbols: missing one has probability 4 × 0.75^4000 (never).
    const drawn = new Set(randomString(4000, 'abcd'));
    expect([...drawn].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('differs between calls (CSPRNG, not a fixed sequence)', () => {
    expect(randomString(32, base62Alphabet)).not.toBe(randomString(32, base62Alphabet));
  });
});

describe('base62Alphabet', () => {
  it('is the 62 digits and letters, each once', () => {
    expect(base62Alphabet).toHaveLength(62);
    expect(new Set(base62Alphabet).size).toBe(62);
    expect(base62Alphabet).toMatch(/^[0-9A-Za-z]+$/);
  });
});

describe('randomId', () => {
  it('is the prefix, an underscore and 20 base62 symbols by default', () => {
    expect(randomId('acc')).toMatch(/^acc_[0-9A-Za-z]{20}$/);
  });

  it('takes another length', () => {
    expect(randomId('whk', 32)).toMatch(/^whk_[0-9A-Za-z]{32}$/);
    expect(randomId('x', 1)).toMatch(/^x_[0-9A-Za-z]$/);
  });

  it('is unique across many draws', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomId('evt')));
    expect(ids.size).toBe(1000);
  });
});
