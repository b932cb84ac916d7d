import { z } from 'zod';
import { displayName, pageCursor, pageLimit, resourceId } from './common.js';

export const createApiKeyInput = z.strictObject({
  /** The account the key belongs to; omitted by an account creating one of its own keys. */
  accountId: resourceId.optional(),
  /** Operator only: create a new account and its first key in one call. */
  accountName: displayName.optional(),
  accountEmail: z.email().max(320).optional(),
  name: displayName.optional(),
  /** admin (default): everything, including keys and webhooks; licenses: licenses only; read: reads only. */
  role: z.enum(['admin', 'licenses', 'read']).default('admin'),
});
export type CreateApiKeyInput = z.infer<typeof createApiKeyInput>;

export const listApiKeysInput = z.strictObject({
  accountId: resourceId.optional(),
  limit: pageLimit,
  cursor: pageCursor,
});
export type ListApiKeysInput = z.infer<typeof listApiKeysInput>;

export const revokeApiKeyInput = z.strictObject({ keyId: resourceId });
export type RevokeApiKeyInput = z.infer<typeof revokeApiKeyInput>;

/** What a client sees of a key: never the key or its hash. */
export const apiKeyView = z.object({
  keyId: z.string(),
  accountId: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: z.enum(['admin', 'licenses', 'read']),
  /** Who made the key: `operator` or `apiKey:<keyId>`. */
  createdBy: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  status: z.enum(['active', 'revoked']),
});
export type ApiKeyView = z.infer<typeof apiKeyView>;
