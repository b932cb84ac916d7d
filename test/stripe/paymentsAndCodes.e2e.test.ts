import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createAccount, createProduct, uniqueHwid } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call, warmWorkers } from '../support/http.js';

const paymentSecret = () => inject('paymentWebhookSecret');
/** `secret: null` sends no x-webhook-secret header at all. */
const pay = (body: unknown, secret: string | null = paymentSecret()) =>
  call('paymentWebhook', { body, headers: secret === null ? {} : { 'x-webhook-secret': secret } });

/** The product's own payment secret (issued once by updateProduct; README, Security). */
async function productPaymentSecret(apiKey: string, productId: string): Promise<string> {
  const issued = await call('updateProduct', { headers: { 'X-API-Key': apiKey }, body: { productId, rotatePaymentSecret: true } });
  expect(issued.status, issued.text).toBe(200);
  return String(issued.body.paymentSecret);
}

async function licenseCount(appId: string): Promise<number> {
  return (await testDb().collection('licenses').where('appId', '==', appId).get()).size;
}

beforeAll(async () => {
  await warmWorkers('paymentWebhook', '', 10);
}, 300_000);

describe('generic payment webhook (x-webhook-secret)', () => {
  it('creates an order’s licenses once, however often and concurrently it is delivered', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const secret = await productPaymentSecret(account.apiKey, product.productId);
    const order = { orderId: `order-${randomUUID()}`, productId: product.productId, quantity: 2, email: 'buyer@example.com' };
    const responses = await Promise.all(Array.from({ length: 10 }, () => pay(order, secret)));
    for (const response of responses) expect(response.status, response.text).toBe(200);
    expect(responses.filter((response) => response.body.duplicate === false)).toHaveLength(1);
    const keys = new Set(responses.flatMap((response) => (response.body.licenses as Array<{ licenseKey: string }>).map((license) => license.licenseKey)));
    expect(keys.size).toBe(2);
    expect(await licenseCount(product.productId)).toBe(2);
    const again = await pay(order, secret);
    expect(again.body).toMatchObject({ success: true, duplicate: true });
  });

  it('refuses a wrong or missing secret with 401 in the seed 004 shape and writes nothing', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const order = { orderId: `order-${randomUUID()}`, productId: product.productId };
    for (const response of [await pay(order, 'wrong'), await pay(order, null)]) {
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ success: false, code: 'unauthorized' });
    }
    expect(await licenseCount(product.productId)).toBe(0);
  });

  it('answers bad bodies with 400 and unknown products with 401 (the secret is checked against the product)', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const secret = await productPaymentSecret(account.apiKey, product.productId);
    expect((await pay({ productId: product.productId }, secret)).status).toBe(400);
    expect((await pay({ orderId: 'x', productId: product.productId, quantity: 101 }, secret)).status).toBe(400);
    expect((await pay({ orderId: 'x', productId: product.productId, email: 'not-an-email' }, secret)).status).toBe(400);
    expect((await pay({ orderId: 'x', productId: 'app_doesnotexist000000' }, secret)).status).toBe(401);
    expect(await licenseCount(product.productId)).toBe(0);
  });
});

describe('discount and trial codes', () => {
  it('creates, lists, updates and deletes codes; codes are unique per account, case-insensitively', async () => {
    const account = await createAccount();
    const other = await createAccount();
    const product = await createProduct(account);
    const otherProduct = await createProduct(other);
    const headers = { 'X-API-Key': account.apiKey };
    const created = await call('createDiscountCode', { headers, body: { productId: product.productId, code: 'launch20', percentOff: 20 } });
    expect(created.status, created.text).toBe(200);
    expect(created.body.discountCode).toMatchObject({ code: 'LAUNCH20', kind: 'discount', percentOff: 20, active: true });
    expect((await call('createDiscountCode', { headers, body: { productId: product.productId, code: 'LAUNCH20', percentOff: 10 } })).status).toBe(409);
    // Another account may use the same code for its own product.
    expect((await call('createDiscountCode', { headers: { 'X-API-Key': other.apiKey }, body: { productId: otherProduct.productId, code: 'LAUNCH20', percentOff: 5 } })).status).toBe(200);

    const listed = await call('listDiscountCodes', { headers });
    expect((listed.body.discountCodes as Array<{ code: string; percentOff: number }>).map((code) => [code.code, code.percentOff])).toEqual([['LAUNCH20', 20]]);

    const updated = await call('updateDiscountCode', { headers, body: { code: 'launch20', active: false } });
    expect(updated.body.discountCode).toMatchObject({ active: false });
    expect((await call('deleteDiscountCode', { headers, body: { code: 'LAUNCH20' } })).status).toBe(200);
    expect((await call('listDiscountCodes', { headers })).body.discountCodes).toEqual([]);
    expect((await call('deleteDiscountCode', { headers, body: { code: 'LAUNCH20' } })).status).toBe(404);
  });

  it('validates codes: shape, one of percentOff/amountOff, trialDays for trials', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const headers = { 'X-API-Key': account.apiKey };
    for (const body of [
      { productId: product.productId, code: 'x', percentOff: 10 },
      { productId: product.productId, code: 'NO SPACES', percentOff: 10 },
      { productId: product.productId, code: 'BOTH', percentOff: 10, amountOff: 500, currency: 'usd' },
      { productId: product.productId, code: 'NEITHER' },
      { productId: product.productId, code: 'NOCURRENCY', amountOff: 500 },
      { productId: product.productId, code: 'TRIALNODAYS', kind: 'trial' },
      { productId: product.productId, code: 'TOOMUCH', percentOff: 120 },
    ]) {
      const response = await call('createDiscountCode', { headers, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toMatchObject({ success: false, code: 'bad_request' });
    }
  });

  it('refuses another account’s product and codes with 403', async () => {
    const owner = await createAccount();
    const intruder = await createAccount();
    const product = await createProduct(owner);
    const response = await call('createDiscountCode', { headers: { 'X-API-Key': intruder.apiKey }, body: { productId: product.productId, code: 'STEAL', percentOff: 99 } });
    expect(response.status).toBe(403);
    const listed = await call('listDiscountCodes', { headers: { 'X-API-Key': intruder.apiKey }, body: { accountId: owner.accountId } });
    expect(listed.status).toBe(403);
  });

  it('issues a trial once per HWID and per email, and never after the code expires', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const headers = { 'X-API-Key': account.apiKey };
    await call('createDiscountCode', { headers, body: { productId: product.productId, code: 'TRY7', kind: 'trial', trialDays: 7 } });
    const hwid = uniqueHwid();
    const first = await call('redeemTrialCode', { headers, body: { code: 'try7', hwid, email: 'user@example.com' } });
    expect(first.status, first.text).toBe(200);
    expect((first.body.license as { status: string }).status).toBe('active');
    expect((await call('redeemTrialCode', { headers, body: { code: 'TRY7', hwid } })).status).toBe(409);
    expect((await call('redeemTrialCode', { headers, body: { code: 'TRY7', hwid: uniqueHwid(), email: 'USER@example.com' } })).status).toBe(409);
    expect((await call('redeemTrialCode', { headers, body: { code: 'TRY7' } })).status).toBe(400);

    await call('createDiscountCode', { headers, body: { productId: product.productId, code: 'OLD', kind: 'trial', trialDays: 7, expiresAt: '2020-01-01T00:00:00Z' } });
    const expired = await call('redeemTrialCode', { headers, body: { code: 'OLD', hwid: uniqueHwid() } });
    expect(expired.status).toBe(403);
    await call('createDiscountCode', { headers, body: { productId: product.productId, code: 'PLAIN', percentOff: 10 } });
    expect((await call('redeemTrialCode', { headers, body: { code: 'PLAIN', hwid: uniqueHwid() } })).status).toBe(400);
  });
});
