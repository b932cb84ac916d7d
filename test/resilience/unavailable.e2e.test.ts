/**
 * Contention and outages answer 503 with Retry-After at every door, in that door's documented
 * shape, and nothing of the failed call is written: the embedded Firestore makes the calls'
 * commits or reads fail with ABORTED (more times than the SDK retries), UNAVAILABLE or
 * DEADLINE_EXCEEDED, scoped to this test's own documents, and the same request sent again
 * afterwards succeeds exactly once.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createAccount, createLicenses, createProduct, grantCredits, uniqueHwid, uniqueNonce, type Account } from '../support/fixtures.js';
import { clearFaults, injectFaults, type FaultSpec } from '../support/faults.js';
import { testDb } from '../support/firestore.js';
import { call, type JsonResponse } from '../support/http.js';

afterEach(async () => {
  await clearFaults();
});

/** 503, a whole-number Retry-After, and no stack trace. */
function expectUnavailable(response: JsonResponse): void {
  expect(response.status, response.text).toBe(503);
  expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  expect(response.text).not.toMatch(/\bat [\w.<>]+ \(|<html/i);
}

/** The events of a license after its creation. */
async function eventTypes(licenseKey: string): Promise<string[]> {
  const snapshot = await testDb().collection('events').where('licenseKey', '==', licenseKey).get();
  return snapshot.docs.map((doc) => String(doc.get('type'))).filter((type) => type !== 'license.created').sort();
}

async function creditBalance(account: Account): Promise<number> {
  const response = await call('getCredits', { headers: { 'X-API-Key': account.apiKey }, body: {} });
  expect(response.status, response.text).toBe(200);
  return Number(response.body.balance);
}

/** More ABORTED commits than firebase-admin's 5 transaction attempts. */
const exhaustedRetries = (pathPrefix: string): FaultSpec => ({ operation: 'commit', code: 'ABORTED', count: 50, pathPrefix });

describe('SDK door (auth)', () => {
  it('answers server_error 503 when the admission commit keeps aborting; the same request then succeeds once', async () => {
    const account = await createAccount();
    await grantCredits(account.accountId, 10);
    const product = await createProduct(account);
    const [licenseKey] = await createLicenses(account, product.productId);
    const request = { appId: product.productId, appSecret: product.appSecret, licenseKey, hwid: uniqueHwid(), nonce: uniqueNonce() };

    await injectFaults(exhaustedRetries(`licenses/${licenseKey}`));
    const refused = await call('auth', { path: '/validate', body: request });
    expectUnavailable(refused);
    expect(refused.body).toMatchObject({ error: 'server_error' });
    await clearFaults();

    // Nothing was written: no credit spent, no device bound, no event, and the nonce is unused.
    expect(await creditBalance(account)).toBe(10);
    const stored = (await testDb().collection('licenses').doc(String(licenseKey)).get()).data();
    // The license's own fields, read as stored: no device bound, no activation counted.
    expect(stored?.devices).toEqual([]);
    expect(stored?.activationAttempts).toEqual([]);
    expect(await eventTypes(String(licenseKey))).toEqual([]);
    const retried = await call('auth', { path: '/validate', body: request });
    expect(retried.status, retried.text).toBe(200);
    expect(await creditBalance(account)).toBe(9);
    // license.validated is recorded only for apps with a webhook subscribed to it.
    expect(await eventTypes(String(licenseKey))).toEqual(['license.hwid_bound']);
  });

  it('answers server_error 503 within the client functions\' timeout when reading the license stays UNAVAILABLE', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const [licenseKey] = await createLicenses(account, product.productId);
    // The client retries reads on UNAVAILABLE; its budget is bounded (15 s) so the answer is ours.
    await injectFaults({ operation: 'read', code: 'UNAVAILABLE', count: 10_000, pathPrefix: `licenses/${licenseKey}` });
    const started = Date.now();
    const response = await call('auth', {
      path: '/validate',
      body: { appId: product.productId, appSecret: product.appSecret, licenseKey, hwid: uniqueHwid(), nonce: uniqueNonce() },
    });
    expectUnavailable(response);
    expect(response.body).toMatchObject({ error: 'server_error' });
    expect(Date.now() - started).toBeLessThan(25_000);
  }, 40_000);

  it('absorbs a brief UNAVAILABLE blip: the client retries the read and the call succeeds', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const [licenseKey] = await createLicenses(account, product.productId);
    await injectFaults({ operation: 'read', code: 'UNAVAILABLE', count: 2, pathPrefix: `licenses/${licenseKey}` });
    const response = await call('auth', {
      path: '/validate',
      body: { appId: product.productId, appSecret: product.appSecret, licenseKey, hwid: uniqueHwid(), nonce: uniqueNonce() },
    });
    expect(response.status, response.text).toBe(200);
  });
});

describe('seed 004 client functions', () => {
  it('activate answers 503 {success:false, code:server_error} on DEADLINE_EXCEEDED and binds nothing', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const [licenseKey] = await createLicenses(account, product.productId);
    const hwid = uniqueHwid();
    await injectFaults({ operation: 'commit', code: 'DEADLINE_EXCEEDED', count: 50, pathPrefix: `licenses/${licenseKey}` });
    const refused = await call('activate', { body: { licenseKey, hwid } });
    expectUnavailable(refused);
    expect(refused.body).toMatchObject({ success: false, code: 'server_error' });
    await clearFaults();
    const stored = (await testDb().collection('licenses').doc(String(licenseKey)).get()).data();
    expect(stored?.devices).toEqual([]);
    expect(stored?.activationAttempts).toEqual([]);
    const retried = await call('activate', { body: { licenseKey, hwid } });
    expect(retried.status, retried.text).toBe(200);
  });
});

describe('seed 004 admin functions', () => {
  it('revokeLicense answers 503 and leaves the license active with no event', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const [licenseKey] = await createLicenses(account, product.productId);
    await injectFaults(exhaustedRetries(`licenses/${licenseKey}`));
    const refused = await call('revokeLicense', { headers: { 'X-API-Key': account.apiKey }, body: { licenseKey } });
    expectUnavailable(refused);
    expect(refused.body).toMatchObject({ success: false, code: 'server_error' });
    await clearFaults();
    expect((await testDb().collection('licenses').doc(String(licenseKey)).get()).get('revoked')).toBe(false);
    expect(await eventTypes(String(licenseKey))).toEqual([]);
  });

  it('grantCredits answers 503 having granted nothing when reading the balance fails, so the retry grants once (chaos run, issue 22)', async () => {
    const account = await createAccount();
    await grantCredits(account.accountId, 10);
    // Reads of the account's credit shards keep aborting: the grant must not be applied before
    // the answer is known (it used to increment, then fail reading the balance for its answer).
    await injectFaults({ operation: 'read', code: 'ABORTED', count: 50, pathPrefix: `accounts/${account.accountId}/creditShards` });
    const refused = await call('grantCredits', { body: { adminSecret: inject('adminSecret'), accountId: account.accountId, amount: 7 } });
    expectUnavailable(refused);
    await clearFaults();
    expect(await creditBalance(account)).toBe(10);
    const retried = await call('grantCredits', { body: { adminSecret: inject('adminSecret'), accountId: account.accountId, amount: 7 } });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).toMatchObject({ success: true, balance: 17 });
    expect(await creditBalance(account)).toBe(17);
  });
});

describe('Developer REST API (v1)', () => {
  it('PUT /v1/licenses/:key revoke answers 503 {error:server_error} and changes nothing', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const [licenseKey] = await createLicenses(account, product.productId);
    await injectFaults({ operation: 'commit', code: 'UNAVAILABLE', count: 50, pathPrefix: `licenses/${licenseKey}` });
    const refused = await call('v1', {
      method: 'PUT',
      path: `/licenses/${licenseKey}`,
      headers: { Authorization: `Bearer ${account.apiKey}` },
      body: { action: 'revoke' },
    });
    expectUnavailable(refused);
    expect(refused.body).toMatchObject({ error: 'server_error', message: expect.any(String) });
    await clearFaults();
    expect((await testDb().collection('licenses').doc(String(licenseKey)).get()).get('revoked')).toBe(false);
    expect(await eventTypes(String(licenseKey))).toEqual([]);
  });

  it('grantCredits answers 503 having granted nothing when reading the balance fails, so the retry grants once (chaos run, issue 22)', async () => {
    const account = await createAccount();
    await grantCredits(account.accountId, 10);
    // Reads of the account's credit shards keep aborting: the grant must not be applied before
    // the answer is known (it used to increment, then fail reading the balance for its answer).
    await injectFaults({ operation: 'read', code: 'ABORTED', count: 50, pathPrefix: `accounts/${account.accountId}/creditShards` });
    const refused = await call('grantCredits', { body: { adminSecret: inject('adminSecret'), accountId: account.accountId, amount: 7 } });
    expectUnavailable(refused);
    await clearFaults();
    expect(await creditBalance(account)).toBe(10);
    const retried = await call('grantCredits', { body: { adminSecret: inject('adminSecret'), accountId: account.accountId, amount: 7 } });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).toMatchObject({ success: true, balance: 17 });
    expect(await creditBalance(account)).toBe(17);
  });
});

describe('inbound webhooks', () => {
  it('stripeWebhook answers 503 so Stripe retries; the redelivery creates the licenses exactly once', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const eventId = `evt_${randomUUID().replace(/-/g, '')}`;
    const payload = JSON.stringify({
      id: eventId,
      type: 'checkout.session.completed',
      data: {
        object: {
          id: `cs_${randomUUID().replace(/-/g, '')}`,
          object: 'checkout.session',
          payment_status: 'paid',
          customer: 'cus_resilience',
          customer_details: { email: 'buyer@example.com' },
          subscription: null,
          payment_intent: `pi_${randomUUID().replace(/-/g, '')}`,
          metadata: { keywarden_app_id: product.productId, keywarden_quantity: '2' },
        },
      },
    });
    const send = () =>
      call('stripeWebhook', {
        rawBody: payload,
        headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: inject('stripeWebhookSecret') }) },
      });
    await injectFaults(exhaustedRetries(`stripeEvents/${eventId}`));
    expectUnavailable(await send());
    await clearFaults();
    const licenses = () => testDb().collection('licenses').where('appId', '==', product.productId).get();
    expect((await licenses()).size).toBe(0);
    const redelivered = await send();
    expect(redelivered.status, redelivered.text).toBe(200);
    expect((await send()).status).toBe(200);
    expect((await licenses()).size).toBe(2);
  });

  it('paymentWebhook answers 503 and the retried order creates its licenses once', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const order = { orderId: `order-${randomUUID()}`, productId: product.productId, quantity: 1, email: 'buyer@example.com' };
    // Payment intake is per product: its own payment secret.
    const rotated = await call('updateProduct', { headers: { 'X-API-Key': account.apiKey }, body: { productId: product.productId, rotatePaymentSecret: true } });
    expect(rotated.status, rotated.text).toBe(200);
    const paymentSecret = String(rotated.body.paymentSecret);
    const pay = () => call('paymentWebhook', { body: order, headers: { 'x-webhook-secret': paymentSecret } });
    await injectFaults(exhaustedRetries(`paymentOrders/${product.productId}~${order.orderId}`));
    const refused = await pay();
    expectUnavailable(refused);
    expect(refused.body).toMatchObject({ success: false, code: 'server_error' });
    await clearFaults();
    const licenses = () => testDb().collection('licenses').where('appId', '==', product.productId).get();
    expect((await licenses()).size).toBe(0);
    expect((await pay()).status).toBe(200);
    expect((await pay()).body).toMatchObject({ duplicate: true });
    expect((await licenses()).size).toBe(1);
  });
});
