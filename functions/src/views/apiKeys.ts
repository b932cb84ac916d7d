/** What callers see of an API key: its prefix and metadata, never the key. */
import type { ApiKeyDocument } from '../data/apiKeys.js';
import type { ApiKeyView } from '../schemas/apiKeys.js';

export function apiKeyView(key: ApiKeyDocument): ApiKeyView {
  return {
    keyId: key.keyId,
    accountId: key.accountId,
    name: key.name,
    prefix: key.prefix,
    role: key.role,
    createdBy: key.createdBy,
    createdAt: key.createdAt.toDate().toISOString(),
    revokedAt: key.revokedAt ? key.revokedAt.toDate().toISOString() : null,
    status: key.revokedAt ? 'revoked' : 'active',
  };
}
