/**
 * README "Stripe" promises no other file pins: `keywarden_variant_id`, `keywarden_max_devices`,
 * the line items' quantity and metadata read from expanded prices and products; the Stripe ids
 * stored on the license; `license.created` with the email, `license.expired` and
 * `license.revoked` events; partial refunds changing nothing; exactly one effect for a repeated
 * `invoice.paid`, refund or cancellation; the checkout-session lookup.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, inject, it } from 'vitest';
import { createAccount, createProduct, type Account } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';

/** Sends a Stripe event signed as Stripe would, with the endpoint secret. */
async function sendStripeEvent(event: Record<string, unknown>) {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: inject('stripeWebhookSecret') });
  const response = await call('stripeWebhook', { rawBody: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
  expect(response.status, response.text).toBe(200);
  return response;
}

const stripeId = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '')}`;

interface Purchase {
  session: string;
  customer: string;
  subscription: string;
  paymentIntent: string;
}

const newPurchase = (): Purchase => ({ session: stripeId('cs_test'), customer: stripeId('cus'), subscription: stripeId('sub'), paymentIntent: stripeId('pi') });

function checkoutCompleted(purchase: Purchase, session: Record<string, unknown>) {
  return {
    id: stripeId('evt'),
    type: 'checkout.session.completed',
    data: {
      object: {
        id: purchase.session,
        object: 'checkout.session',
        payment_status: 'paid',
        customer: purchase.customer,
        customer_details: { email: 'buyer@example.com' },
        subscription: purchase.subscription,
        payment_intent: purchase.paymentIntent,
        ...session,
      },
    },
  };
}

async function storedLicenses(appId: string) {
  const snapshot = await testDb().collection('licenses').where('appId', '==', appId).get();
  return snapshot.docs.map((doc) => ({ licenseKey: doc.id, ...doc.data() }) as Record<string, unknown> & { licenseKey: string });
}

async function eventTypes(appId: string): Promise<string[]> {
  const snapshot = await testDb().collection('events').where('appId', '==', appId).get();
  return snapshot.docs.map((doc) => String(doc.get('type'))).sort();
}

async function variantOf(account: Account, productId: string): Promise<string> {
  const response = await call('createVariant', {
    headers: { 'X-API-Key': account.apiKey },
    body: { productId, name: 'Pro', maxHwidSlots: 2, durationDays: 30, variables: { tier: 'pro' } },
  });
  expect(response.status, response.text).toBe(200);
  return String((response.body.variant as { variantId: string }).variantId);
}

describe('checkout mapping', () => {
  it('takes the variant, the max-devices override and the line items quantity; stores the Stripe ids; the lookup by session shows the keys', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const variantId = await variantOf(account, product.productId);
    const purchase = newPurchase();
    await sendStripeEvent(
      checkoutCompleted(purchase, {
        metadata: { keywarden_app_id: product.productId, keywarden_variant_id: variantId, keywarden_max_devices: '5' },
        line_items: { data: [{ quantity: 2, price: { metadata: {} } }, { quantity: 1, price: { metadata: {} } }] },
      }),
    );
    const licenses = await storedLicenses(product.productId);
    expect(licenses).toHaveLength(3);
    for (const license of licenses) {
      expect(license).toMatchObject({ variantId, maxHwidSlots: 5, email: 'buyer@example.com', variables: { tier: 'pro' } });
      // The variant's 30 days.
      const expiresAt = (license.expiresAt as { toMillis(): number }).toMillis();
      expect(Math.abs(expiresAt - (Date.now() + 30 * 86_400_000))).toBeLessThan(120_000);
      expect(license.source).toMatchObject({
        stripeCheckoutSessionId: purchase.session,
        stripeCustomerId: purchase.customer,
        stripeSubscriptionId: purchase.subscription,
        stripePaymentIntentId: purchase.paymentIntent,
      });
    }
    const created = await testDb().collection('events').where('appId', '==', product.productId).where('type', '==', 'license.created').get();
    expect(created.docs.map((doc) => (doc.get('data') as { email: string }).email)).toEqual(['buyer@example.com', 'buyer@example.com', 'buyer@example.com']);

    const lookup = await call('v1', { path: `/checkout-sessions/${purchase.session}`, headers: { Authorization: `Bearer ${account.apiKey}` } });
    expect(lookup.status, lookup.text).toBe(200);
    expect(lookup.body).toMatchObject({ checkoutSessionId: purchase.session, email: 'buyer@example.com' });
    expect((lookup.body.licenses as Array<{ licenseKey: string }>).map((license) => license.licenseKey).sort()).toEqual(licenses.map((license) => license.licenseKey).sort());
    const stranger = await createAccount();
    expect((await call('v1', { path: `/checkout-sessions/${purchase.session}`, headers: { Authorization: `Bearer ${stranger.apiKey}` } })).status).not.toBe(200);
  });

  it('reads the keys from expanded price and product metadata when the session has none', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    await sendStripeEvent(
      checkoutCompleted(newPurchase(), {
        metadata: {},
        line_items: { data: [{ quantity: 1, price: { metadata: { keywarden_max_devices: '3' }, product: { id: stripeId('prod'), metadata: { keywarden_app_id: product.productId, keywarden_quantity: '2' } } } }] },
      }),
    );
    const licenses = await storedLicenses(product.productId);
    expect(licenses).toHaveLength(2);
    for (const license of licenses) expect(license.maxHwidSlots).toBe(3);
  });
});

describe('subscription and refund events', () => {
  it('a cancellation expires the licenses with license.expired, once however often it arrives', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const purchase = newPurchase();
    await sendStripeEvent(checkoutCompleted(purchase, { metadata: { keywarden_app_id: product.productId } }));
    const cancelled = { id: stripeId('evt'), type: 'customer.subscription.deleted', data: { object: { id: purchase.subscription, ended_at: Math.floor(Date.now() / 1000) - 5 } } };
    await Promise.all(Array.from({ length: 5 }, () => sendStripeEvent(cancelled)));
    await sendStripeEvent(cancelled);
    expect(await eventTypes(product.productId)).toEqual(['license.created', 'license.expired']);
    const [license] = await storedLicenses(product.productId);
    expect((license?.expiresAt as { toMillis(): number }).toMillis()).toBeLessThanOrEqual(Date.now());
  });

  it('a repeated invoice.paid extends once, with one license.extended', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const purchase = newPurchase();
    await sendStripeEvent(checkoutCompleted(purchase, { metadata: { keywarden_app_id: product.productId } }));
    const periodEnd = Math.floor(Date.now() / 1000) + 40 * 86_400;
    const paid = { id: stripeId('evt'), type: 'invoice.paid', data: { object: { id: stripeId('in'), subscription: purchase.subscription, lines: { data: [{ period: { end: periodEnd } }] } } } };
    await Promise.all(Array.from({ length: 5 }, () => sendStripeEvent(paid)));
    expect(await eventTypes(product.productId)).toEqual(['license.created', 'license.extended']);
    const [license] = await storedLicenses(product.productId);
    expect((license?.expiresAt as { toMillis(): number }).toMillis()).toBe(periodEnd * 1000);
  });

  it('a partial refund changes nothing; a full refund revokes with license.revoked, once however often it arrives', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const purchase = newPurchase();
    await sendStripeEvent(checkoutCompleted(purchase, { metadata: { keywarden_app_id: product.productId } }));
    const [before] = await storedLicenses(product.productId);

    const partial = { id: stripeId('evt'), type: 'charge.refunded', data: { object: { id: stripeId('ch'), payment_intent: purchase.paymentIntent, refunded: false, amount: 1000, amount_refunded: 300 } } };
    await sendStripeEvent(partial);
    expect(await eventTypes(product.productId)).toEqual(['license.created']);
    const [afterPartial] = await storedLicenses(product.productId);
    expect(afterPartial).toEqual(before);

    const full = { id: stripeId('evt'), type: 'charge.refunded', data: { object: { id: stripeId('ch'), payment_intent: purchase.paymentIntent, refunded: true, amount: 1000, amount_refunded: 1000 } } };
    await Promise.all(Array.from({ length: 5 }, () => sendStripeEvent(full)));
    expect(await eventTypes(product.productId)).toEqual(['license.created', 'license.revoked']);
    const [revoked] = await storedLicenses(product.productId);
    expect(revoked).toMatchObject({ revoked: true, revokeReason: 'refunded' });
  });
});
