import { createHash, randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { adminSecret, call } from '../support/http.js';
import { testDb } from '../support/firestore.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

async function newAccount(name = `acct-${randomUUID()}`) {
  const response = await call('createApiKey', { body: { adminSecret: adminSecret(), accountName: name, name: 'first key' } });
  expect(response.status).toBe(200);
  return { name, apiKey: String(response.body.apiKey), accountId: String(response.body.accountId), keyId: String(response.body.keyId) };
}

describe('createApiKey', () => {
  it('lets the operator create an account and its first key, stored only as a hash', async () => {
    const name = `acct-${randomUUID()}`;
    const response = await call('createApiKey', { body: { adminSecret: adminSecret(), accountName: name } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ success: true, status: 'active', name: 'API key' });
    const apiKey = String(response.body.apiKey);
    expect(apiKey).toMatch(/^af_live_[0-9A-Za-z]{32}$/);
    expect(response.body.prefix).toBe(apiKey.slice(0, 12));
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const stored = await testDb().collection('apiKeys').doc(sha256(apiKey)).get();
    expect(stored.exists).toBe(true);
    expect(JSON.stringify(stored.data())).not.toContain(apiKey);
    const account = await testDb().collection('accounts').doc(String(response.body.accountId)).get();
    expect(account.data()).toMatchObject({ name, activeApiKeys: 1 });
  });

  it('answers a wrong admin secret with 401 in the seed 004 shape and writes nothing', async () => {
    const name = `acct-${randomUUID()}`;
    const response = await call('createApiKey', { body: { adminSecret: 'not-the-secret', accountName: name } });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ success: false, code: 'unauthorized' });
    expect(typeof response.body.error).toBe('string');
    const accounts = await testDb().collection('accounts').where('name', '==', name).get();
    expect(accounts.size).toBe(0);
  });

  it('answers missing credentials with 401', async () => {
    const response = await call('createApiKey', { body: { accountName: 'nobody' } });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ success: false, code: 'unauthorized' });
  });

  it('rejects a well-formed but unknown API key with 401', async () => {
    const response = await call('listApiKeys', { headers: { 'X-API-Key': `af_live_${'A'.repeat(32)}` } });
    expect(response.status).toBe(401);
  });

  it('lets an account create more keys of its own, and only of its own', async () => {
    const a = await newAccount();
    const b = await newAccount();
    const own = await call('createApiKey', { body: { apiKey: a.apiKey, name: 'ci key' } });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ success: true, accountId: a.accountId, name: 'ci key' });

    const foreign = await call('createApiKey', { body: { apiKey: a.apiKey, accountId: b.accountId } });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ success: false, code: 'forbidden' });

    const newAccountAttempt = await call('createApiKey', { body: { apiKey: a.apiKey, accountName: 'sneaky' } });
    expect(newAccountAttempt.status).toBe(403);
  });

  it('answers 404 for an operator key request on an unknown account', async () => {
    const response = await call('createApiKey', { body: { adminSecret: adminSecret(), accountId: 'acc_doesnotexist12345' } });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ success: false, code: 'not_found' });
  });
});

describe('API key delivery', () => {
  it('accepts the key in X-API-Key, the apiKey query parameter, the apiKey body field and Authorization: Bearer', async () => {
    const a = await newAccount();
    const ways = [
      call('listApiKeys', { headers: { 'X-API-Key': a.apiKey } }),
      call('listApiKeys', { query: { apiKey: a.apiKey } }),
      call('listApiKeys', { body: { apiKey: a.apiKey } }),
      call('listApiKeys', { headers: { Authorization: `Bearer ${a.apiKey}` } }),
    ];
    for (const response of await Promise.all(ways)) {
      expect(response.status).toBe(200);
      expect(response.body.success).toBe(true);
      expect((response.body.apiKeys as unknown[]).length).toBe(1);
    }
  });
});

describe('listApiKeys', () => {
  it('shows prefixes and metadata, never a key, newest first, page by page with a cursor', async () => {
    const a = await newAccount();
    for (let i = 0; i < 4; i += 1) {
      expect((await call('createApiKey', { body: { apiKey: a.apiKey, name: `key ${i}` } })).status).toBe(200);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const response = await call('listApiKeys', { body: { apiKey: a.apiKey, limit: 2, ...(cursor ? { cursor } : {}) } });
      expect(response.status).toBe(200);
      expect(response.text).not.toContain(a.apiKey);
      const keys = response.body.apiKeys as Array<Record<string, unknown>>;
      for (const key of keys) {
        expect(key).not.toHaveProperty('apiKey');
        expect(String(key.prefix)).toMatch(/^af_live_/);
        seen.push(String(key.keyId));
      }
      cursor = (response.body.cursor as string | null) ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    expect(seen[seen.length - 1]).toBe(a.keyId);
  });

  it('refuses another account’s keys with 403 and an invalid cursor with 400', async () => {
    const a = await newAccount();
    const b = await newAccount();
    const foreign = await call('listApiKeys', { body: { apiKey: a.apiKey, accountId: b.accountId } });
    expect(foreign.status).toBe(403);
    expect(foreign.text).not.toContain(b.keyId);
    const badCursor = await call('listApiKeys', { body: { apiKey: a.apiKey, cursor: 'not-a-cursor' } });
    expect(badCursor.status).toBe(400);
  });

  it('lets the operator list any account’s keys', async () => {
    const a = await newAccount();
    const response = await call('listApiKeys', { headers: { 'X-Admin-Secret': adminSecret() }, query: { accountId: a.accountId } });
    expect(response.status).toBe(200);
    expect((response.body.apiKeys as Array<Record<string, unknown>>).map((key) => key.keyId)).toEqual([a.keyId]);
  });
});

describe('revokeApiKey', () => {
  it('makes a key fail at once, and cannot touch another account’s key', async () => {
    const a = await newAccount();
    const b = await newAccount();
    const second = await call('createApiKey', { body: { apiKey: a.apiKey } });
    const secondKey = String(second.body.apiKey);

    const foreign = await call('revokeApiKey', { body: { apiKey: b.apiKey, keyId: String(second.body.keyId) } });
    expect(foreign.status).toBe(403);
    expect((await call('listApiKeys', { headers: { 'X-API-Key': secondKey } })).status).toBe(200);
    // The refused attempt changed nothing in storage.
    const storedKey = testDb().collection('apiKeys').doc(sha256(secondKey));
    const beforeRevocation = (await storedKey.get()).data();
    expect(beforeRevocation).toMatchObject({ keyId: second.body.keyId, accountId: a.accountId, revokedAt: null });
    const accountDoc = testDb().collection('accounts').doc(a.accountId);
    expect((await accountDoc.get()).get('activeApiKeys')).toBe(2);

    const sentAt = Date.now();
    const revoked = await call('revokeApiKey', { body: { apiKey: a.apiKey, keyId: String(second.body.keyId) } });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ success: true, apiKey: { status: 'revoked' } });
    // Revoked in storage: the same key document with revokedAt set at the call, and the
    // account's count of active keys (the 25-key cap) one lower.
    const afterRevocation = (await storedKey.get()).data() ?? {};
    const { revokedAt, ...unchanged } = afterRevocation;
    expect(revokedAt).toBeInstanceOf(Timestamp);
    expect((revokedAt as Timestamp).toMillis()).toBeGreaterThanOrEqual(sentAt - 1_000);
    expect((revokedAt as Timestamp).toMillis()).toBeLessThanOrEqual(Date.now());
    const { revokedAt: _notYet, ...fieldsBefore } = beforeRevocation ?? {};
    expect(unchanged).toEqual(fieldsBefore);
    expect((await accountDoc.get()).get('activeApiKeys')).toBe(1);

    const after = await call('listApiKeys', { headers: { 'X-API-Key': secondKey } });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ success: false, code: 'unauthorized' });
    expect((await call('listApiKeys', { headers: { 'X-API-Key': a.apiKey } })).status).toBe(200);
  });

  it('answers 404 for an unknown key id', async () => {
    const a = await newAccount();
    const response = await call('revokeApiKey', { body: { apiKey: a.apiKey, keyId: 'key_unknownunknown1234' } });
    expect(response.status).toBe(404);
  });
});
