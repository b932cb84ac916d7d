/**
 * grantCredits (operator only) and getCredits over real HTTP: balances, metered versus
 * unlimited mode, never below zero, and what an account's own API key may see.
 */
import { describe, expect, it } from 'vitest';
import { createAccount, createLicenses, createProduct, uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';
import { asAccount, asOperator, expectError, expectOk, unknownAccountId } from './adminSupport.js';

async function storedBalance(accountId: string): Promise<number> {
  const shards = await testDb().collection('accounts').doc(accountId).collection('creditShards').get();
  return shards.docs.reduce((sum, doc) => sum + Number(doc.data().balance ?? 0), 0);
}

describe('grantCredits', () => {
  it('lets the operator add credits, switch to metered mode and take credits back, never below zero', async () => {
    const account = await createAccount();
    expect(expectOk(await asOperator('getCredits', { accountId: account.accountId }))).toMatchObject({ accountId: account.accountId, unlimited: true, balance: 0 });

    const granted = expectOk(await asOperator('grantCredits', { accountId: account.accountId, amount: 100, unlimited: false }));
    expect(granted).toMatchObject({ accountId: account.accountId, unlimited: false, balance: 100 });
    expect(await storedBalance(account.accountId)).toBe(100);
    expect((await testDb().collection('accounts').doc(account.accountId).get()).data()?.creditsUnlimited).toBe(false);

    expect(expectOk(await asOperator('grantCredits', { accountId: account.accountId, amount: 37 }))).toMatchObject({ unlimited: false, balance: 137 });
    expect(expectOk(await asOperator('grantCredits', { accountId: account.accountId, amount: -40 }))).toMatchObject({ balance: 97 });
    expect(expectOk(await asOperator('grantCredits', { accountId: account.accountId, amount: -1000 }))).toMatchObject({ balance: 0 });
    expect(await storedBalance(account.accountId)).toBe(0);

    expect(expectOk(await asOperator('grantCredits', { accountId: account.accountId, unlimited: true }))).toMatchObject({ unlimited: true, balance: 0 });
  });

  it('meters SDK validates once credits are granted: each success costs one credit, none left is refused', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const [key] = await createLicenses(account, product.productId, { maxHwidSlots: 16 });
    if (!key) throw new Error('no key');
    expectOk(await asOperator('grantCredits', { accountId: account.accountId, amount: 2, unlimited: false }));
    const validate = () =>
      call('auth', { path: '/validate', body: { appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: uniqueHwid(), nonce: uniqueNonce() } });
    expect((await validate()).status).toBe(200);
    expect(expectOk(await asAccount(account, 'getCredits')).balance).toBe(1);
    expect((await validate()).status).toBe(200);
    const refused = await validate();
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ status: 'failed', error: 'no_credits' });
    expect(expectOk(await asAccount(account, 'getCredits')).balance).toBe(0);
  });

  it('is operator only: an account’s own API key gets 403 and the balance stays', async () => {
    const account = await createAccount();
    expectOk(await asOperator('grantCredits', { accountId: account.accountId, amount: 5, unlimited: false }));
    const own = await asAccount(account, 'grantCredits', { accountId: account.accountId, amount: 1_000_000 });
    expectError(own, 403, 'forbidden');
    expect(await storedBalance(account.accountId)).toBe(5);
    expect((await testDb().collection('accounts').doc(account.accountId).get()).data()?.creditsUnlimited).toBe(false);
    expectError(await asAccount(account, 'grantCredits', { accountId: account.accountId, unlimited: true }), 403, 'forbidden');
    expect((await testDb().collection('accounts').doc(account.accountId).get()).data()?.creditsUnlimited).toBe(false);
  });

  it('answers 400 for bad input and 404 for an unknown account, changing nothing', async () => {
    const account = await createAccount();
    const invalid: Array<Record<string, unknown>> = [
      { amount: 10 },
      { accountId: 'nope', amount: 10 },
      { accountId: account.accountId, amount: 1.5 },
      { accountId: account.accountId, amount: '10' },
      { accountId: account.accountId, amount: 2_000_000_000 },
      { accountId: account.accountId, unlimited: 'no' },
      { accountId: account.accountId, amount: 10, bonus: 5 },
    ];
    for (const body of invalid) expectError(await asOperator('grantCredits', body), 400, 'bad_request');
    expectError(await asOperator('grantCredits', { accountId: unknownAccountId(), amount: 10 }), 404, 'not_found');
    expect(await storedBalance(account.accountId)).toBe(0);
    expect((await testDb().collection('accounts').doc(account.accountId).get()).data()?.creditsUnlimited).toBe(true);
  });
});

describe('getCredits', () => {
  it('shows an account its own balance (GET or POST); the operator names the account', async () => {
    const account = await createAccount();
    expectOk(await asOperator('grantCredits', { accountId: account.accountId, amount: 64, unlimited: false }));
    expect(expectOk(await asAccount(account, 'getCredits'))).toMatchObject({ accountId: account.accountId, unlimited: false, balance: 64 });
    expect(expectOk(await asAccount(account, 'getCredits', { accountId: account.accountId })).balance).toBe(64);
    const viaGet = await call('getCredits', { headers: { 'X-API-Key': account.apiKey } });
    expect(expectOk(viaGet).balance).toBe(64);

    expect(expectOk(await asOperator('getCredits', { accountId: account.accountId })).balance).toBe(64);
    expectError(await asOperator('getCredits', {}), 400, 'bad_request');
    expectError(await asOperator('getCredits', { accountId: unknownAccountId() }), 404, 'not_found');
    expectError(await asAccount(account, 'getCredits', { accountId: 'bad id' }), 400, 'bad_request');
  });
});
