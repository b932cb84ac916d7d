import { Timestamp, type Transaction } from 'firebase-admin/firestore';
import { credentialFormat, limits } from '../../config/constants.js';
import { sha256Hex } from '../../crypto/hashing.js';
import { base62Alphabet, randomId, randomString } from '../../crypto/random.js';
import { accountsCollection, type AccountDocument } from '../../data/accounts.js';
import { apiKeysCollection, type ApiKeyDocument } from '../../data/apiKeys.js';
import { asWriter } from '../../data/documentTurns.js';
import { db } from '../../data/firestore.js';
import { readPage } from '../../data/pagination.js';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../domain/errors.js';
import type { ApiKeyView, CreateApiKeyInput, ListApiKeysInput, RevokeApiKeyInput } from '../../schemas/apiKeys.js';
import { assertRole } from '../access/keyRoles.js';
import { assertAccountAccess, describePrincipal, type Principal } from '../access/principal.js';
import { apiKeyView } from '../../views/apiKeys.js';

export function generateApiKey(): string {
  return credentialFormat.apiKeyPrefix + randomString(credentialFormat.apiKeyRandomLength, base62Alphabet);
}

/** Unrevoked keys of an account: the counter on the account, or a count for accounts made before it. */
async function activeKeyCount(transaction: Transaction, accountId: string, account: AccountDocument): Promise<number> {
  if (account.activeApiKeys !== undefined) return account.activeApiKeys;
  const counted = await transaction.get(apiKeysCollection().where('accountId', '==', accountId).where('revokedAt', '==', null).count());
  return counted.data().count;
}

/**
 * Creates an API key, shown once in the answer and stored only as its hash. The operator may
 * create the account in the same atomic write; an account may only add keys to itself, with an
 * admin key. The account's key count is read and written in the same transaction, so
 * concurrent creations cannot pass limits.maxApiKeysPerAccount.
 */
export async function createApiKey(principal: Principal, input: CreateApiKeyInput): Promise<ApiKeyView & { apiKey: string }> {
  assertRole(principal, 'admin');
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
    role: input.role,
    revokedAt: null,
  };
  const accountRef = accountsCollection().doc(accountId);
  // Every creation writes the account's key count: they take turns in this instance rather than
  // abort one another (data/documentTurns.ts); a burst answers 200 up to the cap, then 409.
  await asWriter(accountRef.path, () => db().runTransaction(async (transaction) => {
    if (newAccount) {
      transaction.create(accountRef, { ...newAccount, creditsUnlimited: true, activeApiKeys: 1, createdAt: now });
    } else {
      const account = (await transaction.get(accountRef)).data();
      if (!account) throw notFound('Account not found');
      const active = await activeKeyCount(transaction, accountId, account);
      if (active >= limits.maxApiKeysPerAccount) {
        throw conflict(`An account has at most ${limits.maxApiKeysPerAccount} active API keys; revoke one first`);
      }
      transaction.update(accountRef.withConverter(null), { activeApiKeys: active + 1 });
    }
    // create() fails rather than overwrite if 190 random bits ever collide.
    transaction.create(apiKeysCollection().doc(sha256Hex(apiKey)), document);
  }));
  return { apiKey, ...apiKeyView(document) };
}

export async function listApiKeys(principal: Principal, input: ListApiKeysInput): Promise<{ apiKeys: ApiKeyView[]; cursor: string | null }> {
  assertRole(principal, 'admin');
  const accountId = input.accountId ?? (principal.kind === 'account' ? principal.accountId : undefined);
  if (!accountId) throw badRequest('accountId is required for the operator');
  assertAccountAccess(principal, accountId);
  const query = apiKeysCollection().where('accountId', '==', accountId).orderBy('createdAt', 'desc').orderBy('keyId', 'desc');
  const page = await readPage(query, input, (doc) => [doc.data().createdAt, doc.data().keyId], 2);
  return { apiKeys: page.items.map((doc) => apiKeyView(doc.data())), cursor: page.cursor };
}

/** Revocation takes effect on the next request: every request reads the key's document. */
export function revokeApiKey(principal: Principal, input: RevokeApiKeyInput): Promise<ApiKeyView> {
  return revokeAccountApiKey(principal, undefined, input);
}

/** v1 names the key's account (`accountId`): a key of another account is not there (404). */
export async function revokeAccountApiKey(principal: Principal, accountId: string | undefined, input: RevokeApiKeyInput): Promise<ApiKeyView> {
  assertRole(principal, 'admin');
  // v1 names the account in the path: another account's is refused before any lookup.
  if (accountId !== undefined) assertAccountAccess(principal, accountId);
  const snapshot = await apiKeysCollection().where('keyId', '==', input.keyId).limit(1).get();
  const found = snapshot.docs[0];
  if (!found || (accountId !== undefined && found.data().accountId !== accountId)) throw notFound('API key not found');
  assertAccountAccess(principal, found.data().accountId);
  const accountRef = accountsCollection().doc(found.data().accountId);
  return asWriter(accountRef.path, () => db().runTransaction(async (transaction) => {
    const [current, account] = [(await transaction.get(found.ref)).data(), (await transaction.get(accountRef)).data()];
    if (!current) throw new ApiError('not_found', 'API key not found');
    if (current.revokedAt) return apiKeyView(current);
    const revoked = { ...current, revokedAt: Timestamp.now() };
    if (account?.activeApiKeys !== undefined) transaction.update(accountRef.withConverter(null), { activeApiKeys: Math.max(0, account.activeApiKeys - 1) });
    transaction.set(found.ref, revoked);
    return apiKeyView(revoked);
  }));
}
