/**
 * Envelope encryption of the secrets the functions must use in clear (Ed25519 private keys,
 * session HMAC secrets, webhook signing secrets). Each value gets its own random AES-256-GCM
 * data key; the data key is wrapped (AES-256-GCM) by the key-encryption key (KEK) derived from
 * the Firebase secret KEYWARDEN_KEK, which lives in Secret Manager, never in Firestore. A
 * database export alone therefore opens nothing.
 *
 * Sealed form: `kw1.<kekId>.<iv>.<wrapped data key + tag>.<iv>.<ciphertext + tag>` (base64url parts).
 * KEYWARDEN_KEK holds one or more KEKs separated by commas: the first seals, every one opens
 * (rotation: put the new KEK first and keep the old one after it; see README, Security).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const version = 'kw1';
const ivBytes = 12;
const tagBytes = 16;
/** A KEK shorter than this is refused: it would be guessable. */
export const minKekLength = 32;

interface Kek {
  id: string;
  key: Buffer;
}

function deriveKek(material: string): Kek {
  if (material.length < minKekLength) throw new Error(`KEYWARDEN_KEK entries must be at least ${minKekLength} characters`);
  const key = Buffer.from(hkdfSync('sha256', material, 'keywarden-kek', 'aes-256-gcm key-encryption key', 32));
  const id = createHash('sha256').update(`keywarden-kek-id:${material}`).digest('base64url').slice(0, 10);
  return { id, key };
}

/** At least one: the type lets `seal` take the first without a check that could never fail. */
type Keks = [Kek, ...Kek[]];

let cached: { source: string; keks: Keks } | undefined;

/** The KEKs of a KEYWARDEN_KEK value (first one seals). Throws when none is configured. */
function keks(source: string): Keks {
  if (cached?.source === source) return cached.keks;
  const [first, ...rest] = source.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (first === undefined) throw new Error('KEYWARDEN_KEK is not set: this function cannot seal or open stored secrets');
  cached = { source, keks: [deriveKek(first), ...rest.map(deriveKek)] };
  return cached.keks;
}

function encrypt(key: Buffer, plaintext: Buffer): [Buffer, Buffer] {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return [iv, body];
}

function decrypt(key: Buffer, iv: Buffer, body: Buffer): Buffer {
  if (iv.length !== ivBytes || body.length < tagBytes) throw new Error('Malformed sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(body.subarray(body.length - tagBytes));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - tagBytes)), decipher.final()]);
}

/**
 * A 32-byte key for one purpose (`purpose` names it), derived with HKDF from the current KEK:
 * what the functions sign with but never store (the customer portal's tokens and code hashes).
 * Independent of the sealing key and of every other purpose's; a KEK rotation changes it.
 */
export function derivedKey(kekSource: string, purpose: string): Buffer {
  const entries = kekSource.split(',').map((entry) => entry.trim()).filter(Boolean);
  const [material] = entries;
  if (!material) throw new Error('KEYWARDEN_KEK is not set');
  if (material.length < minKekLength) throw new Error(`KEYWARDEN_KEK entries must be at least ${minKekLength} characters`);
  return Buffer.from(hkdfSync('sha256', material, 'keywarden-derived-key', purpose, 32));
}

export function isSealed(value: string): boolean {
  return value.startsWith(`${version}.`);
}

/** Seals a secret with a fresh data key wrapped by the current KEK. */
export function seal(plaintext: string, kekSource: string): string {
  const [kek] = keks(kekSource);
  const dataKey = randomBytes(32);
  const [wrapIv, wrapped] = encrypt(kek.key, dataKey);
  const [iv, body] = encrypt(dataKey, Buffer.from(plaintext, 'utf8'));
  return [version, kek.id, ...[wrapIv, wrapped, iv, body].map((bytes) => bytes.toString('base64url'))].join('.');
}

const opened = new Map<string, string>();

/**
 * Opens a sealed secret with whichever configured KEK sealed it. A value stored before sealing
 * existed (no `kw1.` prefix) is returned as it is, so older apps keep working until they
 * rotate the secret (which stores it sealed).
 */
export function open(stored: string, kekSource: string): string {
  if (!isSealed(stored)) return stored;
  const hit = opened.get(stored);
  if (hit !== undefined) return hit;
  const [, kekId, wrapIv, wrapped, iv, body, extra] = stored.split('.');
  if (!kekId || !wrapIv || !wrapped || !iv || !body || extra !== undefined) throw new Error('Malformed sealed secret');
  const kek = keks(kekSource).find((candidate) => candidate.id === kekId);
  if (!kek) throw new Error(`Sealed with a key-encryption key (${kekId}) that KEYWARDEN_KEK no longer lists`);
  const dataKey = decrypt(kek.key, Buffer.from(wrapIv, 'base64url'), Buffer.from(wrapped, 'base64url'));
  const plaintext = decrypt(dataKey, Buffer.from(iv, 'base64url'), Buffer.from(body, 'base64url')).toString('utf8');
  if (opened.size >= 1_000) opened.clear();
  opened.set(stored, plaintext);
  return plaintext;
}

/** The id of the KEK that sealed a value (undefined for a legacy clear value). */
export function sealedWith(stored: string): string | undefined {
  return isSealed(stored) ? stored.split('.')[1] : undefined;
}
