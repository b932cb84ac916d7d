/**
 * Stripe and grace over real HTTP (README, Stripe and grace): invoice.payment_failed and a
 * subscription turning past_due start a license's grace at the failure (signed licenseState
 * grace with graceEndsAt), once however often the charge fails again; invoice.paid after it
 * ends the grace and extends by the license's renewalBasis; a license without a grace runs on
 * to its paid end as before.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, inject, it } from 'vitest';
import { uniqueHwid } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';
import { admin, expectSession, sdkValidate } from '../licensing/sdkSupport.js';
import { getV1License, tenant, type Tenant } from '../v1/v1Support.js';

const dayMs = 86_400_000;
const stripeId = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '')}`;
const unix = (ms: number) => Math.floor(ms / 1000);

async function sendStripeEvent(type: string, object: Record<string, unknown>) {
  const payload = JSON.stringify({ id: stripeId('evt'), type, data: { object } });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: inject('stripeWebhookSecret') });
  const response = await call('stripeWebhook', { rawBody: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
  expect(response.status, response.text).toBe(200);
  return response;
}

async function licenseEvents(licenseKey: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const snapshot = await testDb().collection('events').where('licenseKey', '==', licenseKey).get();
  return snapshot.docs
    .map((doc) => doc.data())
    .sort((a, b) => Number(a.createdAt.toMillis()) - Number(b.createdAt.toMillis()))
    .map((event) => ({ type: String(event.type), data: event.data as Record<string, unknown> }));
}

/** A subscription bought through Checkout for a variant with the given policy, its first period paid for 30 days. */
async function subscribed(t: Tenant, policy: Record<string, unknown>) {
  const variant = await admin(t.account, 'createVariant', { productId: t.appId, name: 'Monthly', maxHwidSlots: 2, ...policy });
  expect(variant.status, variant.text).toBe(200);
  const subscription = stripeId('sub');
  const session = stripeId('cs_test');
  await sendStripeEvent('checkout.session.completed', {
    id: session, object: 'checkout.session', payment_status: 'paid', customer: stripeId('cus'), customer_details: { email: 'buyer@example.com' },
    subscription, payment_intent: null,
    metadata: { keywarden_app_id: t.appId, keywarden_variant_id: (variant.body.variant as { variantId: string }).variantId },
  });
  const keys = (await testDb().collection('checkoutSessions').doc(session).get()).get('licenseKeys') as string[];
  const key = keys[0] ?? '';
  const periodEnd = Date.now() + 30 * dayMs;
  await sendStripeEvent('invoice.paid', { id: stripeId('in'), subscription, period_start: unix(Date.now()), period_end: unix(periodEnd) });
  expect((await getV1License(t.account.apiKey, key)).expiresAt).toBe(new Date(unix(periodEnd) * 1000).toISOString());
  return { key, subscription };
}

describe('a failed payment starts the grace; invoice.paid ends it', () => {
  it('invoice.payment_failed: grace from the failure (signed), once; invoice.paid: active again to the new period end, license.extended endedGrace', async () => {
    const t = await tenant();
    const { key, subscription } = await subscribed(t, { gracePeriodDays: 7 });
    const before = Date.now();
    await sendStripeEvent('invoice.payment_failed', { id: stripeId('in'), subscription });
    const failedAt = (await getV1License(t.account.apiKey, key)).expiresAt;
    expect(Date.parse(String(failedAt))).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(String(failedAt))).toBeLessThanOrEqual(Date.now() + 1000);
    const graceEndsAt = new Date(Date.parse(String(failedAt)) + 7 * dayMs).toISOString();
    const hwid = uniqueHwid();
    const inGrace = await expectSession(t.app, await sdkValidate(t.app, key, hwid));
    expect(inGrace).toMatchObject({ licenseState: 'grace', graceEndsAt, licenseExpiresAt: failedAt });
    // The charge fails again (another event): the grace is not restarted.
    await sendStripeEvent('invoice.payment_failed', { id: stripeId('in'), subscription });
    expect((await getV1License(t.account.apiKey, key)).expiresAt).toBe(failedAt);
    const started = (await licenseEvents(key)).filter((event) => event.data.reason === 'payment_failed');
    expect(started).toEqual([{ type: 'license.updated', data: expect.objectContaining({ stripeEvent: 'invoice.payment_failed', expiresAt: failedAt, graceEndsAt }) as unknown }]);

    const newEnd = unix(Date.now() + 31 * dayMs);
    await sendStripeEvent('invoice.paid', { id: stripeId('in'), subscription, period_start: unix(Date.now()), period_end: newEnd });
    const renewed = await expectSession(t.app, await sdkValidate(t.app, key, hwid));
    expect(renewed).toMatchObject({ licenseState: 'active', graceEndsAt: new Date(newEnd * 1000 + 7 * dayMs).toISOString(), licenseExpiresAt: new Date(newEnd * 1000).toISOString() });
    const extended = (await licenseEvents(key)).filter((event) => event.type === 'license.extended');
    expect(extended.at(-1)?.data).toMatchObject({ reason: 'invoice.paid', renewalBasis: 'fromExpiry', endedGrace: true });
  }, 60_000);

  it('a subscription turning past_due starts the grace too; another update does not; a license without a grace runs on to its paid end', async () => {
    const t = await tenant();
    const graced = await subscribed(t, { gracePeriodDays: 3 });
    const plain = await subscribed(t, {});
    const plainEnd = (await getV1License(t.account.apiKey, plain.key)).expiresAt;
    const gracedEnd = (await getV1License(t.account.apiKey, graced.key)).expiresAt;
    await sendStripeEvent('customer.subscription.updated', { id: graced.subscription, status: 'active' });
    expect((await getV1License(t.account.apiKey, graced.key)).expiresAt).toBe(gracedEnd);
    for (const subscription of [graced.subscription, plain.subscription]) await sendStripeEvent('customer.subscription.updated', { id: subscription, status: 'past_due' });
    expect(await getV1License(t.account.apiKey, graced.key)).toMatchObject({ licenseState: 'grace' });
    expect(await getV1License(t.account.apiKey, plain.key)).toMatchObject({ licenseState: 'active', expiresAt: plainEnd });
    expect((await licenseEvents(graced.key)).some((event) => event.data.stripeEvent === 'subscription_past_due')).toBe(true);
  }, 60_000);

  it('renewalBasis fromNowIfExpired: paid while in grace, the license runs the period length from now', async () => {
    const t = await tenant();
    const { key, subscription } = await subscribed(t, { gracePeriodDays: 7, renewalBasis: 'fromNowIfExpired' });
    await sendStripeEvent('invoice.payment_failed', { id: stripeId('in'), subscription });
    const periodStart = unix(Date.now() - 5 * dayMs);
    const periodEnd = periodStart + 30 * 86_400;
    const before = Date.now();
    await sendStripeEvent('invoice.paid', { id: stripeId('in'), subscription, lines: { data: [{ period: { start: periodStart, end: periodEnd } }] } });
    const expires = Date.parse(String((await getV1License(t.account.apiKey, key)).expiresAt));
    expect(expires).toBeGreaterThanOrEqual(before + 30 * dayMs - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * dayMs + 1000);
  }, 60_000);
});
