/**
 * Ed25519 signing keys: RFC 8032's test vectors signed through the stored (sealed) form, the
 * published public key format (standard base64 of the 32 raw bytes), fresh key pairs that
 * verify with node:crypto, and the per-key-id memory of opened private keys.
 */
import { describe, expect, it } from 'vitest';
import { open, seal, sealedWith } from '../../../functions/src/crypto/envelope.js';
import { ed25519Verifies, useTestKek } from '../fixtures.js';
import { ed25519RawHalves, generateSigningKeyPair, publicKeyBase64, signUtf8 } from '../../../functions/src/crypto/signing.js';

const kek = 'signing-unit-test-kek-0123456789abcdef';
useTestKek(kek);

const hexToBase64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');

/** RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (the one byte 0x72, "r"). */
const rfcTest1 = {
  d: hexToBase64url('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'),
  x: hexToBase64url('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'),
  signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};
const rfcTest2 = {
  d: hexToBase64url('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'),
  x: hexToBase64url('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c'),
  signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
};

const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

describe('signUtf8', () => {
  it('gives RFC 8032 TEST 1 and TEST 2 signatures, standard base64, from sealed private keys', () => {
    const test1 = { keyId: 'sk_rfcTest1', publicKey: rfcTest1.x, privateKey: seal(rfcTest1.d, kek) };
    const test2 = { keyId: 'sk_rfcTest2', publicKey: rfcTest2.x, privateKey: seal(rfcTest2.d, kek) };
    expect(signUtf8(test1, '')).toBe(hexToBase64(rfcTest1.signature));
    expect(signUtf8(test2, 'r')).toBe(hexToBase64(rfcTest2.signature));
  });

  it('signs with a private key stored before sealing existed (kept in clear)', () => {
    expect(signUtf8({ keyId: 'sk_rfcClear', publicKey: rfcTest2.x, privateKey: rfcTest2.d }, 'r')).toBe(hexToBase64(rfcTest2.signature));
  });

  it('signs the UTF-8 bytes of the message', () => {
    const pair = { keyId: 'sk_rfcUtf8', publicKey: rfcTest1.x, privateKey: seal(rfcTest1.d, kek) };
    const signature = signUtf8(pair, 'clé ✓');
    expect(signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(ed25519Verifies(rfcTest1.x, 'clé ✓', signature)).toBe(true);
    expect(ed25519Verifies(rfcTest1.x, 'cle ✓', signature)).toBe(false);
  });

  it('opens a key id once: later calls with that id sign with the key it opened first', () => {
    const pair = { keyId: 'sk_rfcMemory', publicKey: rfcTest2.x, privateKey: seal(rfcTest2.d, kek) };
    expect(signUtf8(pair, 'r')).toBe(hexToBase64(rfcTest2.signature));
    expect(signUtf8({ ...pair, privateKey: 'kw1.unreadable' }, 'r')).toBe(hexToBase64(rfcTest2.signature));
    expect(() => signUtf8({ ...pair, keyId: 'sk_rfcOther', privateKey: 'kw1.unreadable' }, 'r')).toThrow('Malformed sealed secret');
  });
});

describe('publicKeyBase64', () => {
  it('publishes the 32 raw bytes in standard base64 (with + / and padding), as SDKs expect', () => {
    expect(publicKeyBase64({ publicKey: rfcTest1.x })).toBe('11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=');
    expect(publicKeyBase64({ publicKey: rfcTest2.x })).toBe('PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=');
  });
});

describe('generateSigningKeyPair', () => {
  it('makes an sk_ key id of 16 base62 characters, a 32-byte public key and a private key sealed with the KEK', () => {
    const pair = generateSigningKeyPair();
    expect(pair.keyId).toMatch(/^sk_[0-9A-Za-z]{16}$/);
    expect(Buffer.from(pair.publicKey, 'base64url')).toHaveLength(32);
    expect(pair.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sealedWith(pair.privateKey)).toBeDefined();
    expect(Buffer.from(open(pair.privateKey, kek), 'base64url')).toHaveLength(32);
  });

  it('makes a pair whose signatures verify with its published public key, and a new pair each time', () => {
    const pair = generateSigningKeyPair();
    const other = generateSigningKeyPair();
    expect(other.keyId).not.toBe(pair.keyId);
    expect(other.publicKey).not.toBe(pair.publicKey);
    const signature = signUtf8(pair, 'payload');
    expect(ed25519Verifies(pair.publicKey, 'payload', signature)).toBe(true);
    expect(ed25519Verifies(other.publicKey, 'payload', signature)).toBe(false);
    expect(publicKeyBase64(pair)).toBe(Buffer.from(pair.publicKey, 'base64url').toString('base64'));
  });
});

describe('ed25519RawHalves', () => {
  it('returns x and d of an exported key', () => {
    expect(ed25519RawHalves({ kty: 'OKP', crv: 'Ed25519', x: rfcTest1.x, d: rfcTest1.d })).toEqual({ x: rfcTest1.x, d: rfcTest1.d });
  });

  it.each([
    ['no d (a public key)', { x: rfcTest1.x }],
    ['no x', { d: rfcTest1.d }],
    ['an empty x', { x: '', d: rfcTest1.d }],
    ['an empty d', { x: rfcTest1.x, d: '' }],
  ])('refuses an export with %s', (_label, jwk) => {
    expect(() => ed25519RawHalves(jwk)).toThrow('Ed25519 key export failed');
  });
});
