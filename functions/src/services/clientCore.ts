/**
 * The steps every client call (SDK protocol and seed 004 client endpoints) shares:
 * finding the app, checking its secret, rate limits, sessions and signed answers.
 */
import { randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { activationAttemptsPerHour } from '../config/constants.js';
import { secretsEqual, sha256Hex } from '../crypto/hashing.js';
import { issueSessionToken, peekSessionClaims, sessionTokenAuthentic, type SessionClaims } from '../crypto/sessionTokens.js';
import { signUtf8 } from '../crypto/signing.js';
import type { AppDocument } from '../data/apps.js';
import { authLogsCollection, type AuthAction } from '../data/authLogs.js';
import { ApiError } from '../http/errors.js';
import { loadClientAppConfig } from './clientApps.js';
import type { RequestLogger } from '../http/logger.js';
import { acceptedSessionSecrets, currentSessionSecret } from './storedSecrets.js';

/** What a client call knows about its caller. */
export interface ClientContext {
  ip: string;
  requestId: string;
  log: RequestLogger;
}

/** The app (from this instance's cache, services/clientApps.ts), or `invalid_app`. */
export async function loadClientApp(appId: string): Promise<AppDocument> {
  return (await loadClientAppConfig(appId)).app;
}

export function assertAppSecret(app: AppDocument, appSecret: string): void {
  if (!secretsEqual(sha256Hex(appSecret), app.appSecretHash)) throw new ApiError('invalid_app', 'Invalid app credentials');
}

export function assertAppEnabled(app: AppDocument): void {
  if (app.disabled) throw new ApiError('app_disabled', 'This app is disabled');
}

async function countSince(filters: Array<[string, string]>, action: AuthAction, since: Timestamp): Promise<number> {
  let query = authLogsCollection().where('action', '==', action).where('createdAt', '>', since);
  for (const [field, value] of filters) query = query.where(field, '==', value);
  return (await query.count().get()).data().count;
}

/** seed 004: 15 activation attempts per hour per key. */
export async function assertActivationRate(appId: string, licenseKey: string, now: Timestamp): Promise<void> {
  const attempts = await countSince([['appId', appId], ['licenseKey', licenseKey]], 'activate', Timestamp.fromMillis(now.toMillis() - 3_600_000));
  if (attempts >= activationAttemptsPerHour) {
    throw new ApiError('rate_limited', `Too many activation attempts: at most ${activationAttemptsPerHour} per hour per key`, { retryAfterSeconds: 3_600 });
  }
}

export function newSession(app: AppDocument, scope: { appId: string; licenseKey: string; hwid: string }, ttlSeconds: number, now: Timestamp) {
  const iat = now.seconds;
  const claims: SessionClaims = { sid: randomUUID(), app: scope.appId, lic: scope.licenseKey, hwid: scope.hwid, iat, iatMs: now.toMillis(), exp: iat + ttlSeconds };
  return { token: issueSessionToken(currentSessionSecret(app), claims), claims };
}

/**
 * Verifies a session token: the app's MAC, then expiry. Returns the claims and the app.
 * Forged, altered, foreign and expired tokens all answer 401 `session_expired`.
 */
export async function openSession(token: string, now: Timestamp, expectedAppId?: string): Promise<{ claims: SessionClaims; app: AppDocument }> {
  const claims = peekSessionClaims(token);
  if (!claims || (expectedAppId !== undefined && claims.app !== expectedAppId)) {
    throw new ApiError('session_expired', 'Invalid session token');
  }
  const app = await loadClientAppConfig(claims.app).then((client) => client.app, () => undefined);
  if (!app || !acceptedSessionSecrets(app, now).some((secret) => sessionTokenAuthentic(secret, token))) {
    throw new ApiError('session_expired', 'Invalid session token');
  }
  if (claims.exp <= now.seconds) throw new ApiError('session_expired', 'Session expired; validate again');
  return { claims, app };
}

/** When a session was issued, in ms (tokens from before `iatMs` existed: the start of their second). */
export const sessionIssuedAtMs = (claims: SessionClaims) => claims.iatMs ?? claims.iat * 1000;

export interface SignedAnswer {
  status: 'ok';
  payload: string;
  signature: string;
  keyId: string;
}

/** `payload` is base64 of the JSON; `signature` is Ed25519 over the payload string's bytes. */
export function signAnswer(app: AppDocument, body: Record<string, unknown>): SignedAnswer {
  const key = app.signingKeys.find((candidate) => candidate.keyId === app.activeSigningKeyId);
  if (!key) throw new ApiError('system_error', 'The app has no active signing key');
  const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64');
  return { status: 'ok', payload, signature: signUtf8(key, payload), keyId: key.keyId };
}
