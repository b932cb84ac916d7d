/**
 * An app's Ed25519 key set: which key signs now, which public keys are published, rotation
 * and withdrawal. Rotation keeps every retired public key published, so files and answers
 * signed before it keep verifying, until the vendor withdraws that key.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { generateSigningKeyPair, signUtf8 } from '../../crypto/signing.js';
import { appsCollection, type AppDocument, type SigningKeyDocument } from '../../data/apps.js';
import { db } from '../../data/firestore.js';
import { ApiError, conflict, notFound } from '../../domain/errors.js';
import type { SigningKeySetResponse } from '../../schemas/signingKeys.js';
import { loadOwnedApp } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import { signingKeySetView } from '../../views/signingKeys.js';

/** Keys an app holds at most (active + retired); rotating past it asks for a withdrawal first. */
export const maxSigningKeysKept = 10;

/**
 * The app's active signing key. Every signature the server makes for an app goes through
 * here (or `activeSigner`), so how a private key is stored is decided in one place.
 */
export function activeSigningKey(app: AppDocument): SigningKeyDocument {
  const key = app.signingKeys.find((candidate) => candidate.keyId === app.activeSigningKeyId);
  if (!key) throw new ApiError('system_error', 'The app has no active signing key');
  return key;
}

export interface Signer {
  keyId: string;
  /** Ed25519 over the UTF-8 bytes of `message`, standard base64. */
  sign(message: string): string;
}

/** Signs with the app's active key; `keyId` names it (for `kid` fields and `Key-Id` headers). */
export function activeSigner(app: AppDocument): Signer {
  const key = activeSigningKey(app);
  return { keyId: key.keyId, sign: (message) => signUtf8(key, message) };
}

/** The key ring after a rotation: a fresh active key, every earlier one retired but kept. */
export function rotatedKeyRing(app: AppDocument, now: Timestamp): Pick<AppDocument, 'signingKeys' | 'activeSigningKeyId'> {
  if (app.signingKeys.length >= maxSigningKeysKept) {
    throw conflict(`The app holds ${app.signingKeys.length} signing keys (at most ${maxSigningKeysKept}); withdraw a retired key before rotating`);
  }
  const fresh = generateSigningKeyPair();
  const retired = app.signingKeys.map((key) => (key.retiredAt ? key : { ...key, retiredAt: now }));
  return { signingKeys: [...retired, { ...fresh, createdAt: now, retiredAt: null }], activeSigningKeyId: fresh.keyId };
}

export async function getSigningKeySet(principal: Principal, appId: string): Promise<SigningKeySetResponse> {
  return signingKeySetView(appId, await loadOwnedApp(principal, appId));
}

/** Makes a new key the active one; the previous keys stay published. */
export async function rotateSigningKey(principal: Principal, appId: string): Promise<SigningKeySetResponse> {
  const now = Timestamp.now();
  const app = await db().runTransaction(async (transaction) => {
    const current = await loadOwnedApp(principal, appId, transaction);
    const next: AppDocument = { ...current, ...rotatedKeyRing(current, now), updatedAt: now };
    transaction.set(appsCollection().doc(appId), next);
    return next;
  });
  return signingKeySetView(appId, app);
}

/**
 * Withdraws a retired key: it is no longer published and its private key is deleted, so
 * nothing signed with it verifies against the published set any more. The active key cannot
 * be withdrawn (rotate first).
 */
export async function withdrawSigningKey(principal: Principal, appId: string, keyId: string): Promise<SigningKeySetResponse> {
  const now = Timestamp.now();
  const app = await db().runTransaction(async (transaction) => {
    const current = await loadOwnedApp(principal, appId, transaction);
    if (!current.signingKeys.some((key) => key.keyId === keyId)) throw notFound('No such signing key on this app');
    if (keyId === current.activeSigningKeyId) throw conflict('The active signing key cannot be withdrawn; rotate first');
    const next: AppDocument = { ...current, signingKeys: current.signingKeys.filter((key) => key.keyId !== keyId), updatedAt: now };
    transaction.set(appsCollection().doc(appId), next);
    return next;
  });
  return signingKeySetView(appId, app);
}
