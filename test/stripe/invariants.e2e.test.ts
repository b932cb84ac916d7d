import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createAccount, createProduct, uniqueHwid, type Account } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call, warmWorkers } from '../support/http.js';

beforeAll(async () => {
  await warmWorkers('stripeWebhook', '', 10);
  await warmWorkers('redeemTrialCode', '', 50);
}, 600_000);

/** Sends a Stripe event signed exactly as Stripe would, with the endpoint secret. */
async function sendStripeEvent(event: Record<string, unknown>, secret = inject('stripeWebhookSecret')) {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
  return call('stripeWebhook', { rawBody: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
}

const stripeId = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '')}`;

function checkoutCompleted(appId: string, ids: { session: string; subscription?: string; paymentIntent?: string }, quantity = 1) {
  return {
    id: stripeId('evt'),
    type: 'checkout.session.completed',
    data: {
      object: {
        id: ids.session,
        object: 'checkout.session',
        payment_status: 'paid',
        customer: stripeId('cus'),
        customer_details: { email: 'buyer@example.com' },
        subscription: ids.subscription ?? null,
        payment_intent: ids.paymentIntent ?? null,
        metadata: { keywarden_app_id: appId, keywarden_quantity: String(quantity) },
      },
    },
  };
}

const invoicePaid = (subscription: string, periodEnd: number) => ({
  id: stripeId('evt'),
  type: 'invoice.paid',
  data: { object: { id: stripeId('in'), subscription, lines: { data: [{ period: { end: periodEnd } }] } } },
});
const subscriptionDeleted = (subscription: string) => ({
  id: stripeId('evt'),
  type: 'customer.subscription.deleted',
  data: { object: { id: subscription, ended_at: Math.floor(Date.now() / 1000) - 5 } },
});
const chargeRefunded = (paymentIntent: string) => ({
  id: stripeId('evt'),
  type: 'charge.refunded',
  data: { object: { id: stripeId('ch'), payment_intent: paymentIntent, refunded: true } },
});

async function licensesOf(appId: string) {
  const snapshot = await testDb().collection('licenses').where('appId', '==', appId).get();
  return snapshot.docs.map((doc) => ({ key: doc.id, ...(doc.data() as { revoked: boolean; expiresAt: { toMillis(): number } | null; email: string | null }) }));
}

async function licenseStatus(account: Account, key: string): Promise<{ status: string; expiresAt: string | null }> {
  const response = await call('getLicense', { headers: { 'X-API-Key': account.apiKey }, body: { licenseKey: key } });
  expect(response.status, response.text).toBe(200);
  return response.body.license as { status: string; expiresAt: string | null };
}

describe('Stripe webhook invariants', () => {
  it('creates exactly one set of licenses when checkout.session.completed arrives 10 times at once', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const event = checkoutCompleted(product.productId, { session: stripeId('cs'), paymentIntent: stripeId('pi') }, 3);
    const responses = await Promise.all(Array.from({ length: 10 }, () => sendStripeEvent(event)));
    for (const response of responses) expect(response.status, response.text).toBe(200);
    expect(responses.filter((response) => response.body.duplicate === false)).toHaveLength(1);
    const licenses = await licensesOf(product.productId);
    expect(licenses).toHaveLength(3);
    expect(licenses.every((license) => license.email === 'buyer@example.com')).toBe(true);
    const created = await testDb().collection('events').where('appId', '==', product.productId).where('type', '==', 'license.created').get();
    expect(created.size).toBe(3);
    expect(created.docs.every((doc) => (doc.data().data as { email?: string }).email === 'buyer@example.com')).toBe(true);
  });

  it('answers a bad or missing signature with 400 and writes nothing', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const event = checkoutCompleted(product.productId, { session: stripeId('cs'), paymentIntent: stripeId('pi') });
    const wrongSecret = await sendStripeEvent(event, 'whsec_not_the_endpoint_secret');
    expect(wrongSecret.status).toBe(400);
    expect(wrongSecret.body.error).toBe('bad_request');
    const unsigned = await call('stripeWebhook', { rawBody: JSON.stringify(event), headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(400);
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: inject('stripeWebhookSecret') });
    const tampered = await call('stripeWebhook', {
      rawBody: payload.replace('"paid"', '"PAID"'),
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    });
    expect(tampered.status).toBe(400);
    expect(await licensesOf(product.productId)).toHaveLength(0);
    expect((await testDb().collection('stripeEvents').doc(event.id).get()).exists).toBe(false);
  });

  it('renews, then cancels a subscription license; a late renewal never resurrects it', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const subscription = stripeId('sub');
    await sendStripeEvent(checkoutCompleted(product.productId, { session: stripeId('cs'), subscription }));
    const [license] = await licensesOf(product.productId);
    if (!license) throw new Error('no license created');
    const periodEnd = Math.floor(Date.now() / 1000) + 30 * 86_400;
    expect((await sendStripeEvent(invoicePaid(subscription, periodEnd))).status).toBe(200);
    expect(await licenseStatus(account, license.key)).toEqual(expect.objectContaining({ status: 'active', expiresAt: new Date(periodEnd * 1000).toISOString() }));
    await sendStripeEvent(subscriptionDeleted(subscription));
    expect((await licenseStatus(account, license.key)).status).toBe('expired');
    await sendStripeEvent(invoicePaid(subscription, periodEnd + 30 * 86_400));
    expect((await licenseStatus(account, license.key)).status).toBe('expired');
  });

  it('creates an already-expired license when the cancellation arrives before the checkout', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const subscription = stripeId('sub');
    await sendStripeEvent(subscriptionDeleted(subscription));
    await sendStripeEvent(checkoutCompleted(product.productId, { session: stripeId('cs'), subscription }));
    const [license] = await licensesOf(product.productId);
    if (!license) throw new Error('no license created');
    expect((await licenseStatus(account, license.key)).status).toBe('expired');
  });

  it('revokes on a full refund, whether it arrives after or before the checkout', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const after = stripeId('pi');
    await sendStripeEvent(checkoutCompleted(product.productId, { session: stripeId('cs'), paymentIntent: after }));
    await sendStripeEvent(chargeRefunded(after));
    const before = stripeId('pi');
    await sendStripeEvent(chargeRefunded(before));
    await sendStripeEvent(checkoutCompleted(product.productId, { session: stripeId('cs'), paymentIntent: before }));
    const licenses = await licensesOf(product.productId);
    expect(licenses).toHaveLength(2);
    for (const license of licenses) expect((await licenseStatus(account, license.key)).status).toBe('revoked');
  });

  it('never shortens a renewal when an older invoice arrives after a newer one', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const subscription = stripeId('sub');
    await sendStripeEvent(checkoutCompleted(product.productId, { session: stripeId('cs'), subscription }));
    const [license] = await licensesOf(product.productId);
    if (!license) throw new Error('no license created');
    const newer = Math.floor(Date.now() / 1000) + 60 * 86_400;
    await sendStripeEvent(invoicePaid(subscription, newer));
    await sendStripeEvent(invoicePaid(subscription, newer - 30 * 86_400));
    expect((await licenseStatus(account, license.key)).expiresAt).toBe(new Date(newer * 1000).toISOString());
  });

  it('waits for async_payment_succeeded on an unpaid session, and creates nothing more after completion', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const session = stripeId('cs');
    const unpaid = checkoutCompleted(product.productId, { session, paymentIntent: stripeId('pi') });
    (unpaid.data.object as { payment_status: string }).payment_status = 'unpaid';
    expect((await sendStripeEvent(unpaid)).body.outcome).toMatch(/^waiting/);
    expect(await licensesOf(product.productId)).toHaveLength(0);
    const succeeded = { ...unpaid, id: stripeId('evt'), type: 'checkout.session.async_payment_succeeded', data: { object: { ...unpaid.data.object, payment_status: 'paid' } } };
    expect((await sendStripeEvent(succeeded)).status).toBe(200);
    expect(await licensesOf(product.productId)).toHaveLength(1);
    const repeated = { ...succeeded, id: stripeId('evt') };
    expect((await sendStripeEvent(repeated)).body.outcome).toBe('already fulfilled');
    expect(await licensesOf(product.productId)).toHaveLength(1);
  });

  it('acknowledges a session without keywarden_app_id metadata and creates nothing', async () => {
    const event = checkoutCompleted('app_placeholder0000000', { session: stripeId('cs'), paymentIntent: stripeId('pi') });
    (event.data.object as { metadata: Record<string, string> }).metadata = {};
    const response = await sendStripeEvent(event);
    expect(response.status).toBe(200);
    expect(response.body.outcome).toBe('ignored: no keywarden_app_id metadata');
    expect(response.body.licenseKeys).toEqual([]);
  });

  it('answers unknown event types with 200 and ignores them', async () => {
    const response = await sendStripeEvent({ id: stripeId('evt'), type: 'customer.created', data: { object: { id: stripeId('cus') } } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: true, outcome: 'ignored: unhandled event type' });
  });
});

describe('trial codes', () => {
  it('issues exactly 5 trials from 50 concurrent redemptions of a code limited to 5', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const code = `TRIAL${randomUUID().slice(0, 8).toUpperCase()}`;
    const created = await call('createDiscountCode', {
      headers: { 'X-API-Key': account.apiKey },
      body: { productId: product.productId, code, kind: 'trial', trialDays: 14, maxRedemptions: 5 },
    });
    expect(created.status, created.text).toBe(200);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => call('redeemTrialCode', { headers: { 'X-API-Key': account.apiKey }, body: { code, hwid: uniqueHwid() } })),
    );
    expect(responses.filter((response) => response.status === 200)).toHaveLength(5);
    expect(responses.filter((response) => response.status !== 200).every((response) => response.status === 409)).toBe(true);
    const trials = await testDb().collection('licenses').where('appId', '==', product.productId).where('label', '==', `trial:${code}`).get();
    expect(trials.size).toBe(5);
    const expiresAt = new Date(String((responses.find((response) => response.status === 200)?.body.license as { expiresAt: string }).expiresAt));
    expect(Math.abs(expiresAt.getTime() - (Date.now() + 14 * 86_400_000))).toBeLessThan(5 * 60_000);
  });
});
