import { credentialFormat } from '../config/constants.js';
import { queryCredentials } from '../config/settings.js';
import type { PresentedCredentials } from '../services/access/authentication.js';
import { looksLikeIdToken } from '../services/access/consoleUsers.js';
import { badRequest } from '../domain/errors.js';
import type { RequestContext } from './endpoint.js';

/** Only a single string counts as a credential; arrays and objects are rejected outright. */
function single(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`${where} must be a single string`);
  return value;
}

/**
 * Reads the credentials a caller presented, wherever seed 004 and seed 001 allow them:
 * admin secret in the body (`adminSecret`) or `X-Admin-Secret`; API key in `X-API-Key`, the
 * `apiKey` body field or `Authorization: Bearer`; in the query string only those the
 * deployment's KEYWARDEN_QUERY_CREDENTIALS lists (default: `apiKey`, seed 004's compatibility).
 * A console user's Firebase ID token travels as `Authorization: Bearer <JWT>` with the account
 * in `X-Keywarden-Account`.
 */
export function presentedCredentials(ctx: RequestContext): PresentedCredentials {
  const bearer = ctx.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  const allowedInQuery = queryCredentials();
  // A URL is written to Cloud Run's request logs: credentials there are refused unless the
  // deployment opts in (KEYWARDEN_QUERY_CREDENTIALS), the admin secret never by default.
  for (const name of ['apiKey', 'adminSecret'] as const) {
    if (ctx.query[name] !== undefined && !allowedInQuery.includes(name)) {
      throw badRequest(`${name} is not accepted in the URL (URLs are logged); send it in a header or the JSON body`);
    }
  }
  const idToken = bearer && looksLikeIdToken(bearer) ? bearer : undefined;
  const adminSecret =
    single(ctx.body.adminSecret, 'adminSecret') ??
    single(ctx.query.adminSecret, 'adminSecret') ??
    ctx.header('x-admin-secret') ??
    (bearer && !idToken && !bearer.startsWith(credentialFormat.apiKeyPrefix) ? bearer : undefined);
  const apiKey =
    ctx.header('x-api-key') ??
    single(ctx.query.apiKey, 'apiKey') ??
    single(ctx.body.apiKey, 'apiKey') ??
    (bearer?.startsWith(credentialFormat.apiKeyPrefix) ? bearer : undefined);
  return { adminSecret, apiKey, idToken, accountId: idToken ? ctx.header('x-keywarden-account') : undefined };
}

/** What a client door's caller proves itself with: the license key is one (seed 004), a session token, an app secret. */
const clientCredentialNames = ['licenseKey', 'sessionToken', 'appSecret'] as const;

/**
 * The client doors (seed 004's client functions, the SDK door) take their credentials from the
 * JSON body only: a URL is written to Cloud Run's request logs, so one carrying a license key,
 * a session token or an app secret is refused before anything is read, as the admin doors
 * refuse an API key or the admin secret there.
 */
export function assertNoClientCredentialsInUrl(query: Record<string, unknown>): void {
  for (const name of clientCredentialNames) {
    if (query[name] !== undefined) throw badRequest(`${name} is not accepted in the URL (URLs are logged); send it in the JSON body`);
  }
}

/** The request's parameters without the credential fields, for schema validation. */
export function withoutCredentials(source: Record<string, unknown>): Record<string, unknown> {
  const { apiKey: _apiKey, adminSecret: _adminSecret, ...rest } = source;
  return rest;
}
