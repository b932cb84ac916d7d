/**
 * Opening a presented session token: the I/O around the pure rules of sessions.ts (the token's
 * app is loaded from the instance cache between reading the claims and checking the MAC).
 */
import type { Timestamp } from 'firebase-admin/firestore';
import type { SessionClaims } from '../../crypto/sessionTokens.js';
import type { AppDocument } from '../../data/apps.js';
import { loadClientAppConfig } from './clientApps.js';
import { acceptedSession, presentedSessionClaims } from './sessions.js';

/**
 * Verifies a session token: its app (`expectedAppId` where the door names one), the app's MAC,
 * then expiry. Returns the claims and the app; every refusal is 401 `session_expired`.
 */
export async function openSession(token: string, now: Timestamp, expectedAppId?: string): Promise<{ claims: SessionClaims; app: AppDocument }> {
  const claims = presentedSessionClaims(token, expectedAppId);
  // An app that is gone (or cannot be read) makes the token invalid, not a 404 or a 500.
  const app = await loadClientAppConfig(claims.app).then((client) => client.app, () => undefined);
  return acceptedSession(token, claims, app, now);
}
