/**
 * Issue 21: README, Security, "Rotating each secret" and "Payment intake per app": after
 * `updateProduct {rotatePaymentSecret: true}` the product's previous payment secret fails at
 * once on `paymentWebhook` (401, nothing created, no keys read back), and the new one works.
 * Real HTTP to the built functions; what was written is read back with firebase-admin.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAccount, createProduct, type Account } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call, type JsonResponse } from '../support/http.js';

async function rotatePaymentSecret(account: Account, productId: string): Promise<string> {
  const answer = await call('updateProduct', { headers: { 'X-API-Key': account.apiKey }, body: { productId, rotatePaymentSecret: true } });
  expect(answer.status, answer.text).toBe(200);
  expect(String(answer.body.paymentSecret)).toMatch(/^pws_/);
  return String(answer.body.paymentSecret);
}

const order = (secret: string, productId: string, orderId: string): Promise<JsonResponse> =>
  call('paymentWebhook', { headers: { 'x-webhook-secret': secret }, body: { orderId, productId, quantity: 1, email: 'buyer@example.com' } });

async function licenseCount(productId: string): Promise<number> {
  return (await testDb().collection('licenses').where('appId', '==', productId).get()).size;
}

const licenseKeyPattern = /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/;

describe('payment secret rotation', () => {
  it('the previous secret is refused at once (401, nothing written, no keys read back); the new one works', async () => {
    const account = await createAccount();
    const { productId } = await createProduct(account);
    const first = await rotatePaymentSecret(account, productId);
    const paidBefore = `order-${randomUUID()}`;
    const bought = await order(first, productId, paidBefore);
    expect(bought.status, bought.text).toBe(200);
    expect(bought.body).toMatchObject({ success: true, duplicate: false });
    expect(await licenseCount(productId)).toBe(1);

    const second = await rotatePaymentSecret(account, productId);
    expect(second).not.toBe(first);
    const paidAfter = `order-${randomUUID()}`;
    // The very next call with the previous secret: a new order, and the earlier order's keys.
    for (const orderId of [paidAfter, paidBefore]) {
      const refused = await order(first, productId, orderId);
      expect(refused.status, refused.text).toBe(401);
      expect(refused.body).toMatchObject({ success: false });
      expect(refused.text).not.toMatch(licenseKeyPattern);
    }
    expect((await testDb().collection('paymentOrders').doc(`${productId}~${paidAfter}`).get()).exists).toBe(false);
    expect(await licenseCount(productId)).toBe(1);

    const accepted = await order(second, productId, paidAfter);
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body).toMatchObject({ success: true, duplicate: false });
    const repeated = await order(second, productId, paidBefore);
    expect(repeated.status, repeated.text).toBe(200);
    expect(repeated.body).toMatchObject({ success: true, duplicate: true });
    expect(await licenseCount(productId)).toBe(2);
  });
});
