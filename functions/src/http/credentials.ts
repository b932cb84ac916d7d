import { credentialFormat } from '../config/constants.js';
import type { PresentedCredentials } from '../services/authentication.js';
import { badRequest } from './errors.js';
import type { RequestContext } from './endpoint.js';

/** Only a single string counts as a credential; arrays and objects are rejected outright. */
function single(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`${where} must be a single string`);
  return value;
}

/**
 * Reads the credentials a caller presented, wherever seed 004 and seed 001 allow them:
 * admin secret in the body (`adminSecret`), the query or `X-Admin-Secret`; API key in
 * `X-API-Key`, the `apiKey` query parameter, the `apiKey` body field or `Authorization: Bearer`.
 */
export function presentedCredentials(ctx: RequestContext): PresentedCredentials {
  const bearer = ctx.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  const adminSecret =
    single(ctx.body.adminSecret, 'adminSecret') ??
    single(ctx.query.adminSecret, 'adminSecret') ??
    ctx.header('x-admin-secret') ??
    (bearer && !bearer.startsWith(credentialFormat.apiKeyPrefix) ? bearer : undefined);
  const apiKey =
    ctx.header('x-api-key') ??
    single(ctx.query.apiKey, 'apiKey') ??
    single(ctx.body.apiKey, 'apiKey') ??
    (bearer?.startsWith(credentialFormat.apiKeyPrefix) ? bearer : undefined);
  return { adminSecret, apiKey };
}

/** The request's parameters without the credential fields, for schema validation. */
export function withoutCredentials(source: Record<string, unknown>): Record<string, unknown> {
  const { apiKey: _apiKey, adminSecret: _adminSecret, ...rest } = source;
  return rest;
}
