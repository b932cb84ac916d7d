/**
 * Secrets the documents hold sealed at rest (crypto/envelope.ts): an app's session HMAC secret
 * (with the previous one during a rotation's overlap) and its webhooks' signing secrets.
 * Signing keys are sealed and opened by crypto/signing.ts itself.
 */
import { randomBytes } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { sessions } from '../../config/constants.js';
import { keyEncryptionKey } from '../../config/secrets.js';
import { open, seal } from '../../crypto/envelope.js';
import type { AppDocument } from '../../data/apps.js';

export const sealSecret = (plaintext: string): string => seal(plaintext, keyEncryptionKey.value());
export const openSecret = (stored: string): string => open(stored, keyEncryptionKey.value());

/** A new session HMAC secret (32 random bytes, base64url), sealed. */
export const newSealedSessionSecret = (): string => sealSecret(randomBytes(32).toString('base64url'));

/** The part of an app document that holds its session secrets (all these rules read). */
export type AppSessionSecrets = Pick<AppDocument, 'sessionSecret' | 'previousSessionSecret'>;

/** The session secret new tokens are issued with. */
export const currentSessionSecret = (app: AppSessionSecrets): string => openSecret(app.sessionSecret);

/** Secrets a presented session token may be signed with: the current one, and the previous one during its overlap. */
export function acceptedSessionSecrets(app: AppSessionSecrets, now: Timestamp): string[] {
  const previous = app.previousSessionSecret;
  const accepted = [currentSessionSecret(app)];
  if (previous && previous.validUntil.toMillis() > now.toMillis()) accepted.push(openSecret(previous.secret));
  return accepted;
}

/**
 * A fresh session secret; the one it replaces keeps verifying tokens for a short overlap
 * (sessions.secretRotationOverlapSeconds) so devices in the middle of a call are not cut off,
 * then every token issued with it is refused and its device validates again.
 */
export function rotatedSessionSecret(app: AppSessionSecrets, now: Timestamp): AppSessionSecrets {
  return {
    sessionSecret: newSealedSessionSecret(),
    previousSessionSecret: { secret: app.sessionSecret, validUntil: Timestamp.fromMillis(now.toMillis() + sessions.secretRotationOverlapSeconds * 1000) },
  };
}
