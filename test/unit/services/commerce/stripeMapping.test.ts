import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  alreadyExpiredBy,
  checkoutEmail,
  checkoutMapping,
  checkoutPurchaseKey,
  checkoutSource,
  failedPaymentExpiry,
  fromUnix,
  invoiceExtends,
  invoicePeriodEndSeconds,
  invoicePeriodStartSeconds,
  invoiceSubscriptionId,
  later,
  metadataKeys,
  paidExpiry,
  refundTarget,
  stripeEventEnvelope,
  stripeMeaning,
  subscriptionEndedAt,
  withPurchaseFacts,
  type StripeCheckoutSession,
  type StripeEventEnvelope,
} from '../../../../functions/src/services/commerce/stripeMapping.js';

const event = (type: string, object: Record<string, unknown>): StripeEventEnvelope => ({ id: 'evt_1', type, data: { object } });
const session = (fields: Record<string, unknown> = {}): StripeCheckoutSession => {
  const meaning = stripeMeaning(event('checkout.session.completed', { id: 'cs_1', ...fields }));
  if (meaning.kind !== 'checkout') throw new Error('not a checkout');
  return meaning.session;
};
const at = (seconds: number) => Timestamp.fromMillis(seconds * 1000);

describe('metadataKeys', () => {
  it('are the documented keywarden_* keys', () => {
    expect(metadataKeys).toEqual({
      appId: 'keywarden_app_id',
      variantId: 'keywarden_variant_id',
      quantity: 'keywarden_quantity',
      maxDevices: 'keywarden_max_devices',
      entitlements: 'keywarden_entitlements',
    });
  });
});

describe('stripeEventEnvelope', () => {
  it('needs an id, a type and data.object', () => {
    expect(stripeEventEnvelope.safeParse({ id: 'evt', type: 't', data: { object: {} } }).success).toBe(true);
    expect(stripeEventEnvelope.safeParse({ id: 'evt', type: 't', created: 1, data: { object: { a: 1 } } }).success).toBe(true);
    expect(stripeEventEnvelope.safeParse({ type: 't', data: { object: {} } }).success).toBe(false);
    expect(stripeEventEnvelope.safeParse({ id: 'evt', data: { object: {} } }).success).toBe(false);
    expect(stripeEventEnvelope.safeParse({ id: 'evt', type: 't', data: {} }).success).toBe(false);
    expect(stripeEventEnvelope.safeParse({ id: 'evt', type: 't', created: 'yesterday', data: { object: {} } }).success).toBe(false);
  });
});

describe('stripeMeaning', () => {
  it('reads both checkout completion events as a checkout', () => {
    expect(stripeMeaning(event('checkout.session.completed', { id: 'cs_1' }))).toMatchObject({ kind: 'checkout', session: { id: 'cs_1' } });
    expect(stripeMeaning(event('checkout.session.async_payment_succeeded', { id: 'cs_2' }))).toMatchObject({ kind: 'checkout', session: { id: 'cs_2' } });
  });

  it('reads invoice.paid, customer.subscription.deleted and charge.refunded', () => {
    expect(stripeMeaning(event('invoice.paid', { id: 'in_1' }))).toMatchObject({ kind: 'invoicePaid', invoice: { id: 'in_1' } });
    expect(stripeMeaning(event('customer.subscription.deleted', { id: 'sub_1', ended_at: 5 }))).toEqual({
      kind: 'subscriptionDeleted',
      subscription: { id: 'sub_1', ended_at: 5 },
    });
    expect(stripeMeaning(event('charge.refunded', { id: 'ch_1', refunded: true, payment_intent: 'pi_1' }))).toEqual({
      kind: 'chargeRefunded',
      charge: { id: 'ch_1', refunded: true, payment_intent: 'pi_1' },
    });
  });

  it('ignores any other type without reading its object', () => {
    for (const type of ['checkout.session.expired', 'charge.succeeded', '']) {
      expect(stripeMeaning(event(type, { garbage: true }))).toEqual({ kind: 'ignored' });
    }
  });

  it('reads invoice.payment_failed and a subscription turning past_due as a failed payment; another subscription update is ignored', () => {
    expect(stripeMeaning(event('invoice.payment_failed', { id: 'in_1', subscription: 'sub_1' }))).toEqual({ kind: 'paymentFailed', subscriptionId: 'sub_1', reason: 'invoice.payment_failed' });
    expect(stripeMeaning(event('invoice.payment_failed', { id: 'in_1', parent: { subscription_details: { subscription: 'sub_2' } } }))).toMatchObject({ subscriptionId: 'sub_2' });
    expect(stripeMeaning(event('customer.subscription.updated', { id: 'sub_1', status: 'past_due' }))).toEqual({ kind: 'paymentFailed', subscriptionId: 'sub_1', reason: 'subscription_past_due' });
    for (const status of ['active', 'canceled', 'unpaid', undefined]) {
      expect(stripeMeaning(event('customer.subscription.updated', { id: 'sub_1', status }))).toEqual({ kind: 'ignored' });
    }
  });

  it('throws a ZodError for a handled type whose object has the wrong shape', () => {
    expect(() => stripeMeaning(event('checkout.session.completed', { payment_status: 'paid' }))).toThrow(ZodError);
    expect(() => stripeMeaning(event('invoice.paid', { id: 7 }))).toThrow(ZodError);
    expect(() => stripeMeaning(event('customer.subscription.deleted', { id: 'sub', ended_at: 'now' }))).toThrow(ZodError);
    expect(() => stripeMeaning(event('charge.refunded', { id: 'ch', refunded: 'yes' }))).toThrow(ZodError);
    expect(() => stripeMeaning(event('checkout.session.completed', { id: 'cs', metadata: { keywarden_quantity: 3 } }))).toThrow(ZodError);
  });

  it('reads expanded objects as their ids', () => {
    const s = session({ customer: { id: 'cus_1', email: 'x' }, subscription: { id: 'sub_1' }, payment_intent: { id: 'pi_1' } });
    expect([s.customer, s.subscription, s.payment_intent]).toEqual(['cus_1', 'sub_1', 'pi_1']);
    const meaning = stripeMeaning(event('charge.refunded', { id: 'ch', payment_intent: { id: 'pi_2' }, refunded: true }));
    expect(meaning).toMatchObject({ charge: { payment_intent: 'pi_2' } });
  });
});

describe('checkoutMapping', () => {
  it('reads the session metadata', () => {
    expect(checkoutMapping(session({ metadata: { keywarden_app_id: 'app_1', keywarden_variant_id: 'var_1', keywarden_quantity: '3', keywarden_max_devices: '2' } }))).toEqual({
      appId: 'app_1',
      variantId: 'var_1',
      quantity: 3,
      maxHwidSlots: 2,
      entitlements: [],
    });
  });

  it('reads keywarden_entitlements as comma-separated codes: trimmed, well-formed ones only, without repeats, sorted', () => {
    expect(checkoutMapping(session({ metadata: { keywarden_entitlements: ' PRO, EXPORT,,pro,PRO ,AI-X,' } })).entitlements).toEqual(['EXPORT', 'PRO']);
  });

  it('keeps at most the 200 codes a product may define, the first in sorted order', () => {
    const codes = Array.from({ length: 205 }, (_, index) => `CODE_${String(index).padStart(3, '0')}`);
    const kept = checkoutMapping(session({ metadata: { keywarden_entitlements: [...codes].reverse().join(',') } })).entitlements;
    expect(kept).toHaveLength(200);
    expect(kept).toEqual(codes.slice(0, 200));
  });

  it('defaults to one license, no variant, the app default device count', () => {
    expect(checkoutMapping(session())).toEqual({ appId: undefined, variantId: undefined, quantity: 1, maxHwidSlots: undefined, entitlements: [] });
  });

  it('prefers session metadata to price metadata to product metadata, skipping empty values', () => {
    const lineItems = {
      data: [
        { price: { metadata: { keywarden_app_id: 'app_price', keywarden_variant_id: '' }, product: { metadata: { keywarden_app_id: 'app_product', keywarden_variant_id: 'var_product' } } } },
      ],
    };
    expect(checkoutMapping(session({ metadata: { keywarden_app_id: 'app_session' }, line_items: lineItems }))).toMatchObject({ appId: 'app_session', variantId: 'var_product' });
    expect(checkoutMapping(session({ metadata: { keywarden_app_id: '' }, line_items: lineItems }))).toMatchObject({ appId: 'app_price' });
    expect(checkoutMapping(session({ line_items: { data: [{ price: { product: { metadata: { keywarden_app_id: 'app_product' } } } }] } })).appId).toBe('app_product');
  });

  it('reads no metadata from a product given as an id', () => {
    expect(checkoutMapping(session({ line_items: { data: [{ price: { product: 'prod_1' } }] } })).appId).toBeUndefined();
  });

  it('reads a later line item when the earlier ones lack the key', () => {
    const lineItems = { data: [{ price: { metadata: {} } }, { price: null }, { price: { metadata: { keywarden_app_id: 'app_2' } } }] };
    expect(checkoutMapping(session({ line_items: lineItems })).appId).toBe('app_2');
  });

  it('takes the line items’ total quantity when no quantity metadata is set', () => {
    const lineItems = { data: [{ quantity: 2 }, { quantity: 3 }, { quantity: null }, {}] };
    expect(checkoutMapping(session({ line_items: lineItems })).quantity).toBe(5);
    expect(checkoutMapping(session({ line_items: { data: [{ quantity: 0 }] } })).quantity).toBe(1);
    expect(checkoutMapping(session({ line_items: { data: [] } })).quantity).toBe(1);
    expect(checkoutMapping(session({ metadata: { keywarden_quantity: '2' }, line_items: lineItems })).quantity).toBe(2);
  });

  it.each([
    ['1', 1],
    ['0', 1],
    ['-4', 1],
    ['100', 100],
    ['101', 100],
    ['2.5', 1],
    ['two', 1],
  ])('clamps quantity %s to %i (1..maxLicensesPerCreate, integers only)', (given, quantity) => {
    expect(checkoutMapping(session({ metadata: { keywarden_quantity: given } })).quantity).toBe(quantity);
  });

  it('clamps a line-item total above 100 to 100', () => {
    expect(checkoutMapping(session({ line_items: { data: [{ quantity: 150 }] } })).quantity).toBe(100);
  });

  it.each([
    ['1', 1],
    ['0', 1],
    ['-1', 1],
    ['16', 16],
    ['17', 16],
    ['1.5', undefined],
    ['many', undefined],
    ['', undefined],
  ])('clamps max devices %j to %s (1..maxHwidSlots; not an integer: the default)', (given, slots) => {
    expect(checkoutMapping(session({ metadata: { keywarden_max_devices: given } })).maxHwidSlots).toBe(slots);
  });
});

describe('checkoutPurchaseKey', () => {
  it('is the subscription, else the payment intent, else the session', () => {
    expect(checkoutPurchaseKey(session({ subscription: 'sub_1', payment_intent: 'pi_1' }))).toBe('sub_1');
    expect(checkoutPurchaseKey(session({ payment_intent: 'pi_1' }))).toBe('pi_1');
    expect(checkoutPurchaseKey(session({ subscription: null, payment_intent: null }))).toBe('cs_1');
  });
});

describe('checkoutEmail', () => {
  it('is customer_details.email, else customer_email, else null', () => {
    expect(checkoutEmail(session({ customer_details: { email: 'a@x.test' }, customer_email: 'b@x.test' }))).toBe('a@x.test');
    expect(checkoutEmail(session({ customer_details: { email: null }, customer_email: 'b@x.test' }))).toBe('b@x.test');
    expect(checkoutEmail(session({ customer_email: 'b@x.test' }))).toBe('b@x.test');
    expect(checkoutEmail(session())).toBeNull();
  });
});

describe('checkoutSource', () => {
  it('records the event and session, and the customer, subscription and payment intent when present', () => {
    expect(checkoutSource('evt_9', session({ customer: 'cus_1', subscription: 'sub_1', payment_intent: 'pi_1' }))).toEqual({
      stripeEventId: 'evt_9',
      stripeCheckoutSessionId: 'cs_1',
      stripeCustomerId: 'cus_1',
      stripeSubscriptionId: 'sub_1',
      stripePaymentIntentId: 'pi_1',
    });
    expect(checkoutSource('evt_9', session({ customer: null }))).toEqual({ stripeEventId: 'evt_9', stripeCheckoutSessionId: 'cs_1' });
    // Stripe sends the ids it has not got as null: no field is written for them (not a null, not undefined).
    expect(checkoutSource('evt_9', session({ customer: null, subscription: null, payment_intent: null }))).toStrictEqual({ stripeEventId: 'evt_9', stripeCheckoutSessionId: 'cs_1' });
  });
});

describe('withPurchaseFacts', () => {
  const license = {
    key: 'kept',
    expiresAt: null,
    expiresSort: at(9_999_999_999),
    expiryNotified: false,
    revoked: false,
    revokedAt: null,
    revokeReason: null,
  };
  const none = { periodEnd: null, cancelledAt: null, refundedAt: null };

  it('changes nothing without earlier facts', () => {
    expect(withPurchaseFacts(license, none)).toEqual(license);
  });

  it('applies a paid period end', () => {
    expect(withPurchaseFacts(license, { ...none, periodEnd: at(200) })).toEqual({ ...license, expiresAt: at(200), expiresSort: at(200) });
  });

  it('applies a cancellation over a period end, already notified', () => {
    expect(withPurchaseFacts(license, { ...none, periodEnd: at(200), cancelledAt: at(150) })).toEqual({
      ...license,
      expiresAt: at(150),
      expiresSort: at(150),
      expiryNotified: true,
    });
  });

  it('applies a refund as a revocation', () => {
    expect(withPurchaseFacts(license, { ...none, refundedAt: at(120) })).toEqual({ ...license, revoked: true, revokedAt: at(120), revokeReason: 'refunded' });
    expect(withPurchaseFacts(license, { periodEnd: at(200), cancelledAt: at(150), refundedAt: at(120) })).toEqual({
      ...license,
      expiresAt: at(150),
      expiresSort: at(150),
      expiryNotified: true,
      revoked: true,
      revokedAt: at(120),
      revokeReason: 'refunded',
    });
  });
});

describe('fromUnix and later', () => {
  it('reads Unix seconds', () => {
    expect(fromUnix(1_700_000_000).toMillis()).toBe(1_700_000_000_000);
  });

  it('is the later of two instants, either one when the other is missing', () => {
    expect(later(null, null)).toBeNull();
    expect(later(at(5), null)?.toMillis()).toBe(5000);
    expect(later(null, at(6))?.toMillis()).toBe(6000);
    expect(later(at(5), at(6))?.toMillis()).toBe(6000);
    expect(later(at(7), at(6))?.toMillis()).toBe(7000);
    expect(later(at(7), at(7))?.toMillis()).toBe(7000);
  });

  it('keeps the first of two instants in the same millisecond', () => {
    const first = new Timestamp(7, 500);
    expect(later(first, new Timestamp(7, 900))?.isEqual(first)).toBe(true);
  });
});

describe('invoices', () => {
  const invoice = (object: Record<string, unknown>) => {
    const meaning = stripeMeaning(event('invoice.paid', { id: 'in_1', ...object }));
    if (meaning.kind !== 'invoicePaid') throw new Error('not an invoice');
    return meaning.invoice;
  };

  it('find their subscription at the top level or under parent.subscription_details', () => {
    expect(invoiceSubscriptionId(invoice({ subscription: 'sub_top', parent: { subscription_details: { subscription: 'sub_parent' } } }))).toBe('sub_top');
    expect(invoiceSubscriptionId(invoice({ parent: { subscription_details: { subscription: { id: 'sub_parent' } } } }))).toBe('sub_parent');
    expect(invoiceSubscriptionId(invoice({ parent: { subscription_details: null } }))).toBeFalsy();
    expect(invoiceSubscriptionId(invoice({}))).toBeFalsy();
  });

  it('pay up to the latest line period end, else period_end', () => {
    expect(invoicePeriodEndSeconds(invoice({ period_end: 100, lines: { data: [{ period: { end: 300 } }, { period: null }, { period: { end: 500 } }, { period: { end: 400 } }] } }))).toBe(500);
    expect(invoicePeriodEndSeconds(invoice({ period_end: 100, lines: { data: [{ period: null }] } }))).toBe(100);
    expect(invoicePeriodEndSeconds(invoice({ period_end: 100, lines: { data: [] } }))).toBe(100);
    expect(invoicePeriodEndSeconds(invoice({ period_end: 100 }))).toBe(100);
    expect(invoicePeriodEndSeconds(invoice({}))).toBeUndefined();
  });

  it('only ever extend a live license forward', () => {
    const periodEnd = at(1000);
    expect(invoiceExtends({ revoked: false, expiresAt: at(999) }, periodEnd)).toBe(true);
    expect(invoiceExtends({ revoked: false, expiresAt: at(1000) }, periodEnd)).toBe(false);
    expect(invoiceExtends({ revoked: false, expiresAt: at(1001) }, periodEnd)).toBe(false);
    expect(invoiceExtends({ revoked: false, expiresAt: null }, periodEnd)).toBe(true);
    expect(invoiceExtends({ revoked: true, expiresAt: at(1) }, periodEnd)).toBe(false);
  });
});

describe('subscriptions', () => {
  const subscription = (object: Record<string, unknown>) => {
    const meaning = stripeMeaning(event('customer.subscription.deleted', { id: 'sub_1', ...object }));
    if (meaning.kind !== 'subscriptionDeleted') throw new Error('not a subscription');
    return meaning.subscription;
  };
  const now = at(1000);

  it('end at ended_at, else canceled_at, else now', () => {
    expect(subscriptionEndedAt(subscription({ ended_at: 900, canceled_at: 800 }), now).toMillis()).toBe(900_000);
    expect(subscriptionEndedAt(subscription({ ended_at: null, canceled_at: 800 }), now).toMillis()).toBe(800_000);
    expect(subscriptionEndedAt(subscription({}), now).toMillis()).toBe(1_000_000);
  });

  it('never end later than now', () => {
    expect(subscriptionEndedAt(subscription({ ended_at: 1001 }), now).toMillis()).toBe(1_000_000);
    expect(subscriptionEndedAt(subscription({ canceled_at: 5000 }), now).toMillis()).toBe(1_000_000);
    expect(subscriptionEndedAt(subscription({ ended_at: 1000 }), now).toMillis()).toBe(1_000_000);
    expect(subscriptionEndedAt(subscription({ ended_at: 999 }), now).toMillis()).toBe(999_000);
    // Ending in the same millisecond as now: now, to the nanosecond.
    const nowWithNanos = new Timestamp(1000, 500);
    expect(subscriptionEndedAt(subscription({ ended_at: 1000 }), nowWithNanos).isEqual(nowWithNanos)).toBe(true);
  });

  it('leave alone a license already expired and notified by the cancellation', () => {
    const cancelledAt = at(500);
    expect(alreadyExpiredBy({ expiryNotified: true, expiresAt: at(499) }, cancelledAt)).toBe(true);
    expect(alreadyExpiredBy({ expiryNotified: true, expiresAt: at(500) }, cancelledAt)).toBe(true);
    expect(alreadyExpiredBy({ expiryNotified: true, expiresAt: at(501) }, cancelledAt)).toBe(false);
    expect(alreadyExpiredBy({ expiryNotified: false, expiresAt: at(400) }, cancelledAt)).toBe(false);
    expect(alreadyExpiredBy({ expiryNotified: true, expiresAt: null }, cancelledAt)).toBe(false);
  });
});

describe('refundTarget', () => {
  it('names the payment intent of a full refund', () => {
    expect(refundTarget({ id: 'ch_1', refunded: true, payment_intent: 'pi_1' })).toEqual({ paymentIntent: 'pi_1' });
  });

  it('ignores partial refunds and charges without a payment intent', () => {
    expect(refundTarget({ id: 'ch_1', refunded: false, payment_intent: 'pi_1' })).toEqual({ ignored: 'ignored: partial refund' });
    expect(refundTarget({ id: 'ch_1', payment_intent: 'pi_1' })).toEqual({ ignored: 'ignored: partial refund' });
    expect(refundTarget({ id: 'ch_1', refunded: true, payment_intent: null })).toEqual({ ignored: 'ignored: no payment intent' });
    expect(refundTarget({ id: 'ch_1', refunded: false })).toEqual({ ignored: 'ignored: partial refund' });
  });
});

describe('failed payments and renewals (README, Stripe and grace)', () => {
  const now = at(1_800_000_000);
  const paidEnd = at(1_800_000_000 + 20 * 86_400);
  const term = (fields: Record<string, unknown> = {}) =>
    ({ revoked: false, expiresAt: paidEnd, expirationStrategy: 'restrict', gracePeriodDays: 7, renewalBasis: 'fromExpiry', ...fields }) as Parameters<typeof failedPaymentExpiry>[0] & Parameters<typeof paidExpiry>[0];

  it('a failed payment ends a license with a grace period now, so its grace runs from the failure', () => {
    expect(failedPaymentExpiry(term(), now)?.toMillis()).toBe(now.toMillis());
    expect(failedPaymentExpiry(term({ expirationStrategy: 'revoke' }), now)?.toMillis()).toBe(now.toMillis());
    expect(failedPaymentExpiry(term({ expiresAt: null }), now)?.toMillis()).toBe(now.toMillis());
  });

  it('changes nothing without a grace, for maintain and allow, revoked, or already ended (a second failure does not restart the grace)', () => {
    expect(failedPaymentExpiry(term({ gracePeriodDays: 0 }), now)).toBeUndefined();
    expect(failedPaymentExpiry(term({ expirationStrategy: 'maintain' }), now)).toBeUndefined();
    expect(failedPaymentExpiry(term({ expirationStrategy: 'allow' }), now)).toBeUndefined();
    expect(failedPaymentExpiry(term({ revoked: true }), now)).toBeUndefined();
    expect(failedPaymentExpiry(term({ expiresAt: now }), now)).toBeUndefined();
    expect(failedPaymentExpiry(term({ expiresAt: at(now.seconds + 1) }), now)?.toMillis()).toBe(now.toMillis());
  });

  it('invoice.paid by renewalBasis: fromExpiry the period end, fromNow now + its length, fromNowIfExpired now + length only once expired', () => {
    const start = at(1_800_000_000 - 10 * 86_400);
    const end = at(1_800_000_000 + 20 * 86_400);
    const length = end.toMillis() - start.toMillis();
    const inGrace = at(now.seconds - 86_400);
    const period = { start, end };
    expect(paidExpiry(term({ expiresAt: inGrace }), period, end, now).toMillis()).toBe(end.toMillis());
    expect(paidExpiry(term({ renewalBasis: 'fromNow' }), period, end, now).toMillis()).toBe(now.toMillis() + length);
    expect(paidExpiry(term({ renewalBasis: 'fromNowIfExpired', expiresAt: inGrace }), period, end, now).toMillis()).toBe(now.toMillis() + length);
    expect(paidExpiry(term({ renewalBasis: 'fromNowIfExpired', expiresAt: now }), period, end, now).toMillis()).toBe(now.toMillis() + length);
    expect(paidExpiry(term({ renewalBasis: 'fromNowIfExpired', expiresAt: at(now.seconds + 1) }), period, end, now).toMillis()).toBe(end.toMillis());
    // The length is this invoice's own period, not the purchase's latest end.
    const later = at(end.seconds + 5 * 86_400);
    expect(paidExpiry(term({ renewalBasis: 'fromNow' }), period, later, now).toMillis()).toBe(now.toMillis() + length);
    expect(paidExpiry(term(), period, later, now).toMillis()).toBe(later.toMillis());
    // Without a known start: the period end, whatever the basis.
    expect(paidExpiry(term({ renewalBasis: 'fromNow' }), null, end, now).toMillis()).toBe(end.toMillis());
  });

  it('reads the period start from the lines (earliest), else period_start', () => {
    const paid = { id: 'in_1', period_start: 5, lines: { data: [{ period: { start: 30, end: 60 } }, { period: { start: 10, end: 40 } }] } };
    expect(invoicePeriodStartSeconds(paid)).toBe(10);
    expect(invoicePeriodStartSeconds({ id: 'in_1', period_start: 5 })).toBe(5);
  });

  it('skips lines without a period or without its start', () => {
    const paid = { id: 'in_1', period_start: 5, lines: { data: [{ period: null }, { period: { start: null, end: 40 } }, { period: { start: 20, end: 60 } }, {}] } };
    expect(invoicePeriodStartSeconds(paid)).toBe(20);
    expect(invoicePeriodStartSeconds({ id: 'in_1', period_start: 5, lines: { data: [{ period: null }, { period: { end: 40 } }] } })).toBe(5);
  });

  it('renews a license that never expires from the period end, whatever the basis (it is not past an expiry)', () => {
    const period = { start: at(now.seconds - 10 * 86_400), end: paidEnd };
    expect(paidExpiry(term({ renewalBasis: 'fromNowIfExpired', expiresAt: null }), period, paidEnd, now).toMillis()).toBe(paidEnd.toMillis());
  });
});
