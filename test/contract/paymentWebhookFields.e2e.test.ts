/**
 * README, generic payment webhook: every documented field reaches the licenses it makes
 * (orderId, productId or appId, variantId, quantity, email, expiresAt, maxHwidSlots,
 * unlimitedHwidSlots, label), with the product's own payment secret.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAccount, createProduct } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';

async function paymentSecretOf(apiKey: string, productId: string): Promise<string> {
  const issued = await call('updateProduct', { headers: { 'X-API-Key': apiKey }, body: { productId, rotatePaymentSecret: true } });
  expect(issued.status, issued.text).toBe(200);
  return String(issued.body.paymentSecret);
}

async function storedLicenses(appId: string) {
  const snapshot = await testDb().collection('licenses').where('appId', '==', appId).get();
  return snapshot.docs.map((doc) => doc.data());
}

describe('paymentWebhook fields', () => {
  it('applies quantity, email, expiresAt, maxHwidSlots and label, addressed by productId', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const secret = await paymentSecretOf(account.apiKey, product.productId);
    const expiresAt = new Date(Date.now() + 90 * 86_400_000);
    expiresAt.setUTCMilliseconds(0);
    const order = {
      orderId: `order-${randomUUID()}`,
      productId: product.productId,
      quantity: 3,
      email: 'fields@example.com',
      expiresAt: expiresAt.toISOString(),
      maxHwidSlots: 4,
      label: 'Order with every field',
    };
    const response = await call('paymentWebhook', { body: order, headers: { 'x-webhook-secret': secret } });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ success: true, duplicate: false });
    const licenses = await storedLicenses(product.productId);
    expect(licenses).toHaveLength(3);
    for (const license of licenses) {
      expect(license).toMatchObject({ email: 'fields@example.com', maxHwidSlots: 4, unlimitedHwidSlots: false, label: 'Order with every field', revoked: false });
      expect((license.expiresAt as { toMillis(): number }).toMillis()).toBe(expiresAt.getTime());
    }
  });

  it('takes appId for productId, unlimitedHwidSlots, and a variant', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const secret = await paymentSecretOf(account.apiKey, product.productId);
    const variant = await call('createVariant', { headers: { 'X-API-Key': account.apiKey }, body: { productId: product.productId, name: 'Team', maxHwidSlots: 7 } });
    expect(variant.status, variant.text).toBe(200);
    const variantId = String((variant.body.variant as { variantId: string }).variantId);

    const unlimited = await call('paymentWebhook', {
      body: { orderId: `order-${randomUUID()}`, appId: product.productId, unlimitedHwidSlots: true },
      headers: { 'x-webhook-secret': secret },
    });
    expect(unlimited.status, unlimited.text).toBe(200);
    const fromVariant = await call('paymentWebhook', {
      body: { orderId: `order-${randomUUID()}`, productId: product.productId, variantId },
      headers: { 'x-webhook-secret': secret },
    });
    expect(fromVariant.status, fromVariant.text).toBe(200);

    const licenses = await storedLicenses(product.productId);
    expect(licenses).toHaveLength(2);
    expect(licenses.filter((license) => license.unlimitedHwidSlots === true)).toHaveLength(1);
    expect(licenses.filter((license) => license.variantId === variantId && license.maxHwidSlots === 7)).toHaveLength(1);
  });
});
