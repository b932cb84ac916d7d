import { credentialFormat } from '../../config/constants.js';
import { secretsEqual, sha256Hex } from '../../crypto/hashing.js';
import { apiKeysCollection } from '../../data/apiKeys.js';
import { unauthorized } from '../../domain/errors.js';
import { authenticateMember } from './consoleUsers.js';
import type { Principal } from './principal.js';

export interface PresentedCredentials {
  adminSecret?: string | undefined;
  apiKey?: string | undefined;
  /** A console user's Firebase ID token, and the account they act in. */
  idToken?: string | undefined;
  accountId?: string | undefined;
}

const apiKeyShape = new RegExp(`^${credentialFormat.apiKeyPrefix}[0-9A-Za-z]{${credentialFormat.apiKeyRandomLength}}$`);

/**
 * Resolves credentials to a principal. `operatorSecret` is the deployed ADMIN_SECRET
 * (undefined when unset, in which case operator access is impossible).
 */
export async function authenticate(credentials: PresentedCredentials, operatorSecret: string | undefined): Promise<Principal> {
  if (credentials.adminSecret !== undefined) {
    if (!operatorSecret || !secretsEqual(credentials.adminSecret, operatorSecret)) throw unauthorized('Invalid admin secret');
    return { kind: 'operator' };
  }
  if (credentials.apiKey !== undefined) return authenticateApiKey(credentials.apiKey);
  if (credentials.idToken !== undefined) return authenticateMember(credentials.idToken, credentials.accountId);
  throw unauthorized('Missing credentials: send an API key (X-API-Key header, apiKey parameter or Bearer token), a console sign-in token or the admin secret');
}

/** One document read: the key's hash is its document id. */
export async function authenticateApiKey(apiKey: string): Promise<Principal> {
  if (!apiKeyShape.test(apiKey)) throw unauthorized('Invalid API key');
  const snapshot = await apiKeysCollection().doc(sha256Hex(apiKey)).get();
  const key = snapshot.data();
  if (!key) throw unauthorized('Invalid API key');
  if (key.revokedAt) throw unauthorized('This API key has been revoked');
  return { kind: 'account', accountId: key.accountId, keyId: key.keyId, role: key.role };
}
