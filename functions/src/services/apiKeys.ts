import { Timestamp } from 'firebase-admin/firestore';
import { credentialFormat } from '../config/constants.js';
import { sha256Hex } from '../crypto/hashing.js';
import { base62Alphabet, randomId, randomString } from '../crypto/random.js';
import { accountsCollection } from '../data/accounts.js';
import { apiKeysCollection, type ApiKeyDocument } from '../data/apiKeys.js';
import { db } from '../data/firestore.js';
import { readPage } from '../data/pagination.js';
import { ApiError, badRequest, forbidden, notFound } from '../http/errors.js';
import type { ApiKeyView, CreateApiKeyInput, ListApiKeysInput, RevokeApiKeyInput } from '../schemas/apiKeys.js';
import { assertAccountAccess, describePrincipal, type Principal } from './principal.js';

export function apiKeyView(key: ApiKeyDocument): ApiKeyView {
  return {
    keyId: key.keyId,
    accountId: key.accountId,
    name: key.name,
    prefix: key.prefix,
    createdAt: key.createdAt.toDate().toISOString(),
    revokedAt: key.revokedAt ? key.revokedAt.toDate().toISOString() : null,
    status: key.revokedAt ? 'revoked' : 'active',
  };
}

export function generateApiKey(): string {
  return credentialFormat.apiKeyPrefix + randomString(credentialFormat.apiKeyRandomLength, base62Alphabet);
}

/**
 * Creates an API key, shown once in the answer and stored only as its hash. The operator may
 * create the account in the same atomic write; an account may only add keys to itself.
 */
export async function createApiKey(principal: Principal, input: CreateApiKeyInput): Promise<ApiKeyView & { apiKey: string }> {
  const now = Timestamp.now();
  let accountId: string;
  let newAccount: { name: string; email: string | null } | undefined;
  if (principal.kind === 'account') {
    if (input.accountName !== undefined || input.accountEmail !== undefined) {
      throw forbidden('Only the operator can create accounts');
    }
    accountId = input.accountId ?? principal.accountId;
    assertAccountAccess(principal, accountId);
  } else if (input.accountId !== undefined) {
    if (input.accountName !== undefined) throw badRequest('Give either accountId or accountName, not both');
    accountId = input.accountId;
    if (!(await accountsCollection().doc(accountId).get()).exists) throw notFound('Account not found');
  } else if (input.accountName !== undefined) {
    accountId = randomId('acc');
    newAccount = { name: input.accountName, email: input.accountEmail ?? null };
  } else {
    throw badRequest('Give accountId (an existing account) or accountName (to create one)');
  }

  const apiKey = generateApiKey();
  const document: ApiKeyDocument = {
    keyId: randomId('key'),
    accountId,
    name: input.name ?? 'API key',
    prefix: apiKey.slice(0, credentialFormat.apiKeyVisiblePrefixLength),
    createdAt: now,
    createdBy: describePrincipal(principal),
    revokedAt: null,
  };
  const batch = db().batch();
  if (newAccount) batch.create(accountsCollection().doc(accountId), { ...newAccount, disabled: false, creditsUnlimited: true, createdAt: now });
  // create() fails rather than overwrite if 190 random bits ever collide.
  batch.create(apiKeysCollection().doc(sha256Hex(apiKey)), document);
  await batch.commit();
  return { apiKey, ...apiKeyView(document) };
}

export async function listApiKeys(principal: Principal, input: ListApiKeysInput): Promise<{ apiKeys: ApiKeyView[]; cursor: string | null }> {
  const accountId = input.accountId ?? (principal.kind === 'account' ? principal.accountId : undefined);
  if (!accountId) throw badRequest('accountId is required for the operator');
  assertAccountAccess(principal, accountId);
  const query = apiKeysCollection().where('accountId', '==', accountId).orderBy('createdAt', 'desc').orderBy('keyId', 'desc');
  const page = await readPage(query, input, (doc) => [doc.data().createdAt, doc.data().keyId], 2);
  return { apiKeys: page.items.map((doc) => apiKeyView(doc.data())), cursor: page.cursor };
}

/** Revocation takes effect on the next request: every request reads the key's document. */
export async function revokeApiKey(principal: Principal, input: RevokeApiKeyInput): Promise<ApiKeyView> {
  const snapshot = await apiKeysCollection().where('keyId', '==', input.keyId).limit(1).get();
  const found = snapshot.docs[0];
  if (!found) throw notFound('API key not found');
  assertAccountAccess(principal, found.data().accountId);
  return db().runTransaction(async (transaction) => {
    const current = (await transaction.get(found.ref)).data();
    if (!current) throw new ApiError('not_found', 'API key not found');
    if (current.revokedAt) return apiKeyView(current);
    const revoked = { ...current, revokedAt: Timestamp.now() };
    transaction.set(found.ref, revoked);
    return apiKeyView(revoked);
  });
}
