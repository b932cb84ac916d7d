/**
 * Client sessions: issuing a session token (bounded by the absolute lifetime) and the rules that
 * accept one (its app, the app's MAC, then expiry). Pure: sessionOpening.ts loads the token's app
 * and applies them.
 */
import { randomUUID } from 'node:crypto';
import type { Timestamp } from 'firebase-admin/firestore';
import { sessions } from '../../config/constants.js';
import { issueSessionToken, peekSessionClaims, sessionTokenAuthentic, type SessionClaims } from '../../crypto/sessionTokens.js';
import type { AppDocument } from '../../data/apps.js';
import { ApiError } from '../../domain/errors.js';
import { acceptedSessionSecrets, currentSessionSecret } from '../access/storedSecrets.js';

/**
 * Issues a session token. `openedMs`: when the session was opened (a refresh passes the old
 * token's); its expiry never passes `sessions.maxLifetimeSeconds` after that. `epoch`: the
 * license's sessionEpoch as read in the call's transaction (an ending committed after that read
 * bumps it, and so ends this session).
 */
export function newSession(app: AppDocument, scope: { appId: string; licenseKey: string; hwid: string; epoch: number }, ttlSeconds: number, now: Timestamp, openedMs = now.toMillis()) {
  const iat = now.seconds;
  const exp = Math.min(iat + ttlSeconds, Math.floor(openedMs / 1000) + sessions.maxLifetimeSeconds);
  const claims: SessionClaims = { sid: randomUUID(), app: scope.appId, lic: scope.licenseKey, hwid: scope.hwid, iat, iatMs: now.toMillis(), openedMs, ep: scope.epoch, exp };
  return { token: issueSessionToken(currentSessionSecret(app), claims), claims };
}

/**
 * The claims a presented token carries, read before its MAC can be checked (they name the app
 * whose secret verifies it). An unreadable token, or another app's where the door names the app:
 * 401 `session_expired`, before any lookup.
 */
export function presentedSessionClaims(token: string, expectedAppId?: string): SessionClaims {
  const claims = peekSessionClaims(token);
  if (!claims || (expectedAppId !== undefined && claims.app !== expectedAppId)) {
    throw new ApiError('session_expired', 'Invalid session token');
  }
  return claims;
}

/**
 * Accepts a token whose claims were read by `presentedSessionClaims`: the MAC of one of its app's
 * session secrets (storedSecrets.acceptedSessionSecrets), then expiry. `app`: undefined when the
 * token's app could not be loaded. Forged, altered, foreign and expired tokens all answer 401
 * `session_expired`.
 */
export function acceptedSession(token: string, claims: SessionClaims, app: AppDocument | undefined, now: Timestamp): { claims: SessionClaims; app: AppDocument } {
  // The current secret first: a token it signed never opens the previous one, which may be sealed
  // under a KEK the deployment no longer lists (README, Rotating each secret).
  const authentic =
    app !== undefined &&
    (sessionTokenAuthentic(currentSessionSecret(app), token) || acceptedSessionSecrets(app, now).some((secret) => sessionTokenAuthentic(secret, token)));
  if (!app || !authentic) throw new ApiError('session_expired', 'Invalid session token');
  if (claims.exp <= now.seconds) throw new ApiError('session_expired', 'Session expired; validate again');
  return { claims, app };
}

/** When a session was issued, in ms (tokens from before `iatMs` existed: the start of their second). */
export const sessionIssuedAtMs = (claims: SessionClaims) => claims.iatMs ?? claims.iat * 1000;

/** The session a token stands for, as the client decision reads it (tokens before `openedMs`: opened when issued; before `ep`: no epoch). */
export const sessionOf = (claims: SessionClaims) => ({
  hwid: claims.hwid,
  issuedAtMs: sessionIssuedAtMs(claims),
  openedAtMs: claims.openedMs ?? sessionIssuedAtMs(claims),
  ...(claims.ep === undefined ? {} : { epoch: claims.ep }),
});
