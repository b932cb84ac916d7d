import { z } from 'zod';
import { limits } from '../config/constants.js';
import { documentIdRule } from '../data/shared.js';

/*
 * Every id a request carries that reaches a document path passes the one id rule
 * (data/shared.ts `documentIdRule`: no `/`, not `.` or `..`, not `__…__`), whatever else its
 * own shape says; map keys that become field names pass `fieldNameRule` (variablesSchema).
 */

/** Identifiers we mint: a type prefix, an underscore, base62. */
export const resourceId = documentIdRule(z.string().regex(/^[a-z]{2,8}_[0-9A-Za-z]{8,40}$/, 'not a valid id'));

/** An identifier chosen outside Keywarden (an order id, a Stripe session id) that becomes part of a Firestore document id. */
export const externalId = documentIdRule(z.string().trim().min(1).max(200));

/** A document id we minted elsewhere (Firestore auto-ids, `<eventId>~<webhookId>`): letters, digits, `_`, `-`, `~`. */
export const storedId = documentIdRule(z.string().regex(/^[0-9A-Za-z_~-]{1,200}$/, 'not a valid id'));

/** An app id as the AuthForge SDKs send it (any string up to 64 characters that can name a document). */
export const clientAppId = documentIdRule(z.string().min(1).max(64));

export const displayName = z.string().trim().min(1).max(limits.maxNameLength);

/** Query-string integers arrive as strings; bodies send numbers. Both are accepted. */
export const pageLimit = z.coerce.number().int().min(1).max(limits.maxPageSize).default(limits.defaultPageSize);
export const pageCursor = z.string().min(1).max(2048).optional();

/**
 * seed 004 calls an app a product: `productId` and `appId` name the same id, and a request may
 * send either. The inputs that accept both resolve them here, at the edge (`.transform(
 * resolvingAppAlias)`), so the rules behind them see `appId` only.
 */
export const appAlias = { productId: resourceId.optional(), appId: resourceId.optional() };

/** Where the app is only a check (seed 004 client endpoints): optional, and `productId` wins as it always has. */
export const resolvingOptionalAppAlias = <T extends { productId?: string | undefined; appId?: string | undefined }>({ productId, appId, ...rest }: T) => ({
  ...rest,
  appId: productId ?? appId,
});

export function resolvingAppAlias<T extends { productId?: string | undefined; appId?: string | undefined }>(
  input: T,
  ctx: z.RefinementCtx,
): Omit<T, 'productId' | 'appId'> & { appId: string } {
  const { productId, appId, ...rest } = input;
  const resolved = productId ?? appId;
  if (!resolved) {
    ctx.addIssue({ code: 'custom', message: 'productId (or appId) is required' });
    return z.NEVER;
  }
  if (productId && appId && productId !== appId) {
    ctx.addIssue({ code: 'custom', message: 'productId and appId differ' });
    return z.NEVER;
  }
  return { ...rest, appId: resolved };
}
