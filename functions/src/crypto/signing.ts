import { createPrivateKey, generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { keyEncryptionKey } from '../config/secrets.js';
import { open, seal } from './envelope.js';
import { randomId } from './random.js';

/**
 * An app's Ed25519 key pair as stored: the raw public key, base64url (JWK `x`), and the raw
 * private key (JWK `d`) sealed with the key-encryption key (crypto/envelope.ts), so a key
 * pair never exists in clear outside this module.
 */
export interface SigningKeyPair {
  keyId: string;
  publicKey: string;
  privateKey: string;
}

/** The raw public (`x`) and private (`d`) halves of an exported Ed25519 JWK; an export missing either is refused. */
export function ed25519RawHalves(jwk: JsonWebKey): { x: string; d: string } {
  if (!jwk.x || !jwk.d) throw new Error('Ed25519 key export failed');
  return { x: jwk.x, d: jwk.d };
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const { x, d } = ed25519RawHalves(privateKey.export({ format: 'jwk' }));
  return { keyId: randomId('sk', 16), publicKey: x, privateKey: seal(d, keyEncryptionKey.value()) };
}

const keyCache = new Map<string, KeyObject>();

function privateKeyObject(pair: Pick<SigningKeyPair, 'keyId' | 'publicKey' | 'privateKey'>): KeyObject {
  let key = keyCache.get(pair.keyId);
  if (!key) {
    const d = open(pair.privateKey, keyEncryptionKey.value());
    key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: pair.publicKey, d }, format: 'jwk' });
    keyCache.set(pair.keyId, key);
  }
  return key;
}

/** Ed25519 signature over the UTF-8 bytes of `message`, standard base64. */
export function signUtf8(pair: Pick<SigningKeyPair, 'keyId' | 'publicKey' | 'privateKey'>, message: string): string {
  return sign(null, Buffer.from(message, 'utf8'), privateKeyObject(pair)).toString('base64');
}

/** Public keys are published as standard base64 of the 32 raw bytes, as SDKs expect. */
export function publicKeyBase64(pair: Pick<SigningKeyPair, 'publicKey'>): string {
  return Buffer.from(pair.publicKey, 'base64url').toString('base64');
}
