/**
 * Who is calling a client door: the request's context, and the app a call names with its
 * secret (a wrong id or secret counts as a failed credential guess).
 */
import type { AppDocument } from '../../data/apps.js';
import { secretsEqual, sha256Hex } from '../../crypto/hashing.js';
import { ApiError } from '../../domain/errors.js';
import type { RequestLogger } from '../../domain/logger.js';
import { assertGuessesAllowed, recordFailedGuess } from '../access/credentialGuesses.js';
import { loadClientAppConfig, type ClientApp } from './clientApps.js';

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
