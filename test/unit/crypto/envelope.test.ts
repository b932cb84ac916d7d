/**
 * Envelope encryption of stored secrets: the sealed form `kw1.<kekId>.<iv>.<wrapped data key +
 * tag>.<iv>.<ciphertext + tag>`, opened here by an independent reader written from that
 * description (node:crypto only); a value sealed before these tests were written that must
 * keep opening; KEK rotation (first seals, all open); refusals with their messages; the derived
 * per-purpose keys; and the memory of opened values a warm instance keeps.
 *
 * The module keeps state (the parsed KEK list, the opened values), so each test imports a
 * fresh copy of it.
 */
import { createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Envelope = typeof import('../../../functions/src/crypto/envelope.js');
let envelope: Envelope;
beforeEach(async () => {
  vi.resetModules();
  envelope = await import('../../../functions/src/crypto/envelope.js');
});

const kekA = 'pinned-kek-for-unit-tests-0123456789';
const kekB = 'second-kek-for-unit-tests-abcdefghij';
const kekIdOf = (material: string) => createHash('sha256').update(`keywarden-kek-id:${material}`).digest('base64url').slice(0, 10);

/** Sealed by this module with kekA before these tests existed: stored secrets must keep opening. */
const pinnedSealed =
  'kw1.fqFkZi61bc.u5RSYAFiF5ZRFE1j.lmYZVtPzlSh0dz9Ll_wMxAqpt5BmrqyuOBHAWs1-KLq3RhAeHKIqVmrKt44p9PS0.UkKZ-vD9gQ1GNqM5.gPx47Gj2W0yWg8WEn_16IrbMfs3SSND_1DKU2EHlig2pE4uVtvc7XolJQVlNcaGpgVfF';
const pinnedPlaintext = 'stored before this test was written';

/** An independent reader of the sealed form: HKDF-SHA256 KEK, AES-256-GCM twice, 16-byte tags. */
function openIndependently(sealed: string, material: string): string {
  const [version, kekId, ...encoded] = sealed.split('.');
  const [wrapIv, wrapped, iv, body] = encoded.map((part) => Buffer.from(part, 'base64url'));
  if (version !== 'kw1' || kekId !== kekIdOf(material) || !wrapIv || !wrapped || !iv || !body) throw new Error('not sealed with this KEK');
  const gcmOpen = (key: Buffer, nonce: Buffer, sealedBytes: Buffer) => {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAuthTag(sealedBytes.subarray(sealedBytes.length - 16));
    return Buffer.concat([decipher.update(sealedBytes.subarray(0, sealedBytes.length - 16)), decipher.final()]);
  };
  const kek = Buffer.from(hkdfSync('sha256', material, 'keywarden-kek', 'aes-256-gcm key-encryption key', 32));
  return gcmOpen(gcmOpen(kek, wrapIv, wrapped), iv, body).toString('utf8');
}

/** A sealed value with its parts replaced (index 0 is `kw1`). */
const withParts = (sealed: string, edit: (parts: string[]) => string[]) => edit(sealed.split('.')).join('.');

describe('seal', () => {
  it('writes kw1, the KEK id and four base64url parts: 12-byte IVs, a 32-byte data key and the text, each with its 16-byte tag', () => {
    const sealed = envelope.seal('héllo', kekA);
    const [version, kekId, wrapIv, wrapped, iv, body, ...rest] = sealed.split('.');
    expect(version).toBe('kw1');
    expect(kekId).toBe(kekIdOf(kekA));
    expect(rest).toEqual([]);
    for (const part of [wrapIv, wrapped, iv, body]) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(wrapIv ?? '', 'base64url')).toHaveLength(12);
    expect(Buffer.from(wrapped ?? '', 'base64url')).toHaveLength(32 + 16);
    expect(Buffer.from(iv ?? '', 'base64url')).toHaveLength(12);
    expect(Buffer.from(body ?? '', 'base64url')).toHaveLength(Buffer.byteLength('héllo', 'utf8') + 16);
    expect(openIndependently(sealed, kekA)).toBe('héllo');
  });

  it('uses a fresh data key and IVs each time', () => {
    const first = envelope.seal('same', kekA).split('.');
    const second = envelope.seal('same', kekA).split('.');
    for (const index of [2, 3, 4, 5]) expect(second[index]).not.toBe(first[index]);
  });

  it('seals with the first KEK of the list, trimmed, skipping empty entries', () => {
    expect(envelope.sealedWith(envelope.seal('x', `${kekB},${kekA}`))).toBe(kekIdOf(kekB));
    expect(openIndependently(envelope.seal('x', ` , ${kekB} ,${kekA}, `), kekB)).toBe('x');
  });

  it('refuses an empty KEYWARDEN_KEK, or one of commas and spaces', () => {
    for (const source of ['', ' , ,', ',']) expect(() => envelope.seal('x', source)).toThrow('KEYWARDEN_KEK is not set: this function cannot seal or open stored secrets');
  });

  it('accepts a KEK of exactly 32 characters and refuses one of 31, wherever it is in the list', () => {
    expect(openIndependently(envelope.seal('x', 'k'.repeat(32)), 'k'.repeat(32))).toBe('x');
    expect(() => envelope.seal('x', 'k'.repeat(31))).toThrow('KEYWARDEN_KEK entries must be at least 32 characters');
    expect(() => envelope.seal('x', `${kekA},${'k'.repeat(31)}`)).toThrow('KEYWARDEN_KEK entries must be at least 32 characters');
    expect(envelope.minKekLength).toBe(32);
  });

  it('seals the empty string', () => {
    const sealed = envelope.seal('', kekA);
    expect(Buffer.from(sealed.split('.')[5] ?? 'x', 'base64url')).toHaveLength(16);
    expect(envelope.open(sealed, kekA)).toBe('');
  });
});

describe('open', () => {
  it('opens a value sealed before these tests were written', () => {
    expect(envelope.open(pinnedSealed, kekA)).toBe(pinnedPlaintext);
    expect(envelope.sealedWith(pinnedSealed)).toBe(kekIdOf(kekA));
  });

  it('opens what seal wrote, UTF-8 included', () => {
    expect(envelope.open(envelope.seal('clé secrète ✓', kekA), kekA)).toBe('clé secrète ✓');
  });

  it('opens with any KEK of the list (rotation: the old one after the new one), trimmed', () => {
    const sealedWithA = envelope.seal('rotated', kekA);
    expect(envelope.open(sealedWithA, ` ${kekB} , ${kekA} `)).toBe('rotated');
    expect(envelope.open(envelope.seal('other', kekB), `${kekA},${kekB}`)).toBe('other');
  });

  it('refuses a value whose KEK the list no longer holds, naming its id', () => {
    const sealedWithA = envelope.seal('gone', kekA);
    expect(() => envelope.open(sealedWithA, kekB)).toThrow(`Sealed with a key-encryption key (${kekIdOf(kekA)}) that KEYWARDEN_KEK no longer lists`);
  });

  it('refuses to open anything sealed when KEYWARDEN_KEK is empty', () => {
    expect(() => envelope.open(pinnedSealed, '')).toThrow('KEYWARDEN_KEK is not set: this function cannot seal or open stored secrets');
  });

  it('returns a value stored before sealing existed (no kw1. prefix) as it is', () => {
    expect(envelope.open('legacy-clear-secret', kekA)).toBe('legacy-clear-secret');
    expect(envelope.open('kw1', '')).toBe('kw1');
    expect(envelope.open('kw1x.a.b.c.d.e', '')).toBe('kw1x.a.b.c.d.e');
    expect(envelope.open('', kekA)).toBe('');
  });

  it.each([
    ['an extra part', (parts: string[]) => [...parts, 'extra']],
    ['an empty extra part', (parts: string[]) => [...parts, '']],
    ['no ciphertext', (parts: string[]) => parts.slice(0, 5)],
    ['an empty ciphertext', (parts: string[]) => [...parts.slice(0, 5), '']],
    ['an empty KEK id', (parts: string[]) => [parts[0] ?? '', '', ...parts.slice(2)]],
    ['an empty IV', (parts: string[]) => [...parts.slice(0, 4), '', parts[5] ?? '']],
    ['an empty wrapped key', (parts: string[]) => [...parts.slice(0, 3), '', ...parts.slice(4)]],
    ['an empty wrapping IV', (parts: string[]) => [...parts.slice(0, 2), '', ...parts.slice(3)]],
    ['an 11-byte wrapping IV', (parts: string[]) => [...parts.slice(0, 2), Buffer.alloc(11).toString('base64url'), ...parts.slice(3)]],
    ['a 13-byte IV', (parts: string[]) => [...parts.slice(0, 4), Buffer.alloc(13).toString('base64url'), parts[5] ?? '']],
    ['a ciphertext shorter than its tag', (parts: string[]) => [...parts.slice(0, 5), Buffer.alloc(15).toString('base64url')]],
    ['a wrapped key shorter than its tag', (parts: string[]) => [...parts.slice(0, 3), Buffer.alloc(15).toString('base64url'), ...parts.slice(4)]],
  ])('refuses a sealed value with %s as malformed', (_label, edit) => {
    expect(() => envelope.open(withParts(pinnedSealed, edit), kekA)).toThrow(/^Malformed sealed secret$/);
  });

  it('refuses an altered ciphertext or wrapped key (the GCM tag fails)', () => {
    const flip = (part: string) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString('base64url');
    };
    expect(() => envelope.open(withParts(pinnedSealed, (parts) => parts.map((part, index) => (index === 5 ? flip(part) : part))), kekA)).toThrow();
    expect(() => envelope.open(withParts(pinnedSealed, (parts) => parts.map((part, index) => (index === 3 ? flip(part) : part))), kekA)).toThrow();
  });
});

describe('the memory of opened values', () => {
  it('answers a value it opened before from memory, even once its KEK has left the list', () => {
    const sealed = envelope.seal('remembered', kekA);
    const other = envelope.seal('other', kekA);
    expect(envelope.open(sealed, kekA)).toBe('remembered');
    expect(envelope.open(other, kekA)).toBe('other');
    expect(envelope.open(sealed, kekB)).toBe('remembered');
    expect(envelope.open(other, kekB)).toBe('other');
  });

  it('holds 1 000 values: the 1 001st distinct value empties it first', () => {
    const sealed = Array.from({ length: 1001 }, (_unused, index) => envelope.seal(`v${index}`, kekA));
    for (const value of sealed.slice(0, 1000)) envelope.open(value, kekA);
    // All 1 000 are remembered: the first still opens without its KEK.
    expect(envelope.open(sealed[0] ?? '', kekB)).toBe('v0');
    envelope.open(sealed[1000] ?? '', kekA);
    expect(() => envelope.open(sealed[0] ?? '', kekB)).toThrow('no longer lists');
    expect(envelope.open(sealed[1000] ?? '', kekB)).toBe('v1000');
  });
});

describe('sealedWith and isSealed', () => {
  it('names the KEK of a sealed value and nothing for a clear one', () => {
    expect(envelope.sealedWith(envelope.seal('x', kekB))).toBe(kekIdOf(kekB));
    expect(envelope.sealedWith('legacy')).toBeUndefined();
    expect(envelope.sealedWith('kw1x.a')).toBeUndefined();
  });

  it('a sealed value starts with "kw1."', () => {
    expect(envelope.isSealed('kw1.')).toBe(true);
    expect(envelope.isSealed('kw1')).toBe(false);
    expect(envelope.isSealed('xkw1.a')).toBe(false);
    expect(envelope.isSealed('.a')).toBe(false);
  });
});

describe('derivedKey', () => {
  it('is HKDF-SHA256 of the first KEK, salt keywarden-derived-key, info the purpose, 32 bytes', () => {
    // Known answer for this KEK and purpose (node:crypto hkdfSync, computed once).
    expect(envelope.derivedKey(kekA, 'portal-token').toString('hex')).toBe('e529e50e629c0252fe923c7e6094441ca996af62711d3e6da08a3ebc3fb5122c');
  });

  it('depends on the purpose and on the first KEK only, trimmed, skipping empty entries', () => {
    const key = envelope.derivedKey(kekA, 'portal-token');
    expect(envelope.derivedKey(kekA, 'portal-code').equals(key)).toBe(false);
    expect(envelope.derivedKey(`${kekA},${kekB}`, 'portal-token').equals(key)).toBe(true);
    expect(envelope.derivedKey(` , ${kekA} ,${kekB}`, 'portal-token').equals(key)).toBe(true);
    expect(envelope.derivedKey(`${kekB},${kekA}`, 'portal-token').equals(key)).toBe(false);
  });

  it('refuses an empty KEYWARDEN_KEK and a first KEK shorter than 32 characters', () => {
    for (const source of ['', ' , ']) expect(() => envelope.derivedKey(source, 'p')).toThrow(/^KEYWARDEN_KEK is not set$/);
    expect(() => envelope.derivedKey('k'.repeat(31), 'p')).toThrow('KEYWARDEN_KEK entries must be at least 32 characters');
    expect(envelope.derivedKey('k'.repeat(32), 'p')).toHaveLength(32);
  });
});
