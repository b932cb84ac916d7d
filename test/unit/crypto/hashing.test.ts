import { describe, expect, it } from 'vitest';
import { secretsEqual, sha256Hex } from '../../../functions/src/crypto/hashing.js';

describe('sha256Hex', () => {
  it('is the SHA-256 hex digest (FIPS 180-2 vectors)', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes the UTF-8 bytes of non-ASCII text', () => {
    // "é" is the two bytes c3 a9 in UTF-8 (its latin1 byte e9 would hash to de2e331d…).
    expect(sha256Hex('é')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });
});

describe('secretsEqual', () => {
  it('accepts the same secret', () => {
    expect(secretsEqual('kw_live_abc', 'kw_live_abc')).toBe(true);
    expect(secretsEqual('', '')).toBe(true);
  });

  it('refuses a different secret of the same length', () => {
    expect(secretsEqual('kw_live_abc', 'kw_live_abd')).toBe(false);
  });

  it('refuses secrets of other lengths without throwing', () => {
    expect(secretsEqual('kw_live_ab', 'kw_live_abc')).toBe(false);
    expect(secretsEqual('kw_live_abcd', 'kw_live_abc')).toBe(false);
    expect(secretsEqual('', 'x')).toBe(false);
  });

  it('is case-sensitive', () => {
    expect(secretsEqual('Secret', 'secret')).toBe(false);
  });
});
