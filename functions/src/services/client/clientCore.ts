/**
 * The steps every client call (SDK protocol and seed 004 client endpoints) shares:
 * finding the app, checking its secret, rate limits, sessions and signed answers.
 */
import { randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { sessions } from '../../config/constants.js';
import { secretsEqual, sha256Hex } from '../../crypto/hashing.js';
import { issueSessionToken, peekSessionClaims, sessionTokenAuthentic, type SessionClaims } from '../../crypto/sessionTokens.js';
import { signUtf8 } from '../../crypto/signing.js';
import type { AppDocument } from '../../data/apps.js';
import { ApiError } from '../../domain/errors.js';
import { assertGuessesAllowed, recordFailedGuess } from '../access/credentialGuesses.js';
import { loadClientAppConfig, type ClientApp } from './clientApps.js';
import type { RequestLogger } from '../../domain/logger.js';
import { acceptedSessionSecrets, currentSessionSecret } from '../access/storedSecrets.js';

/** What a client call knows about its caller. */
export interface ClientContext {
  ip: string;
  requestId: string;
  log: RequestLogger;
}

/** The app (from this instance's cache, services/client/clientApps.ts), or `invalid_app`. */
export async function loadClientApp(appId: string): Promise<AppDocument> {
  return (await loadClientAppConfig(appId)).app;
}

export function assertAppSecret(app: AppDocument, appSecret: string): void {
  if (!secretsEqual(sha256Hex(appSecret), app.appSecretHash)) throw new ApiError('invalid_app', 'Invalid app credentials');
}

/**
 * The app a call names with its secret (SDK validate, app-secret selfban). A wrong app id or
 * secret is a failed credential guess: past the per-IP allowance (services/access/credentialGuesses.ts,
 * shared with the admin doors) the IP is answered 429 before anything is read.
 */
export async function loadAppWithSecret(appId: string, appSecret: string, ctx: ClientContext): Promise<ClientApp> {
  assertGuessesAllowed(ctx.ip);
  try {
    const client = await loadClientAppConfig(appId);
    assertAppSecret(client.app, appSecret);
    return client;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'invalid_app') recordFailedGuess(ctx.ip, ctx.log);
    throw error;
  }
}

export function assertAppEnabled(app: AppDocument): void {
  if (app.disabled) throw new ApiError('app_disabled', 'This app is disabled');
}

/**
 * Issues a session token. `openedMs`: when the session was opened (a refresh passes the old
 * token's); its expiry never passes `sessions.maxLifetimeSeconds` after that.
 */
export function newSession(app: AppDocument, scope: { appId: string; licenseKey: string; hwid: string }, ttlSeconds: number, now: Timestamp, openedMs = now.toMillis()) {
  const iat = now.seconds;
  const exp = Math.min(iat + ttlSeconds, Math.floor(openedMs / 1000) + sessions.maxLifetimeSeconds);
  const claims: SessionClaims = { sid: randomUUID(), app: scope.appId, lic: scope.licenseKey, hwid: scope.hwid, iat, iatMs: now.toMillis(), openedMs, exp };
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

/** The session a token stands for, as the client decision reads it (tokens before `openedMs`: opened when issued). */
export const sessionOf = (claims: SessionClaims) => ({ hwid: claims.hwid, issuedAtMs: sessionIssuedAtMs(claims), openedAtMs: claims.openedMs ?? sessionIssuedAtMs(claims) });

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
