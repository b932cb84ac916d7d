/**
 * What a Stripe event means for licenses, without Firestore: which event types count, the
 * shapes read from them, the metadata mapping of a Checkout Session, which purchase an event
 * is about, and the date rules (forward-only extension, cancellation, refund). The
 * transactions that apply these meanings are in stripeCommerce.ts.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { limits } from '../../config/constants.js';
import type { StripePurchaseDocument } from '../../data/commerce.js';
import type { LicenseDocument } from '../../data/licenses.js';
import { entitlementCodePattern, maxEntitlementsPerProduct } from '../../data/entitlements.js';

export const metadataKeys = {
  appId: 'keywarden_app_id',
  variantId: 'keywarden_variant_id',
  quantity: 'keywarden_quantity',
  maxDevices: 'keywarden_max_devices',
  /** Comma-separated entitlement codes the licenses are granted (README, Entitlements). */
  entitlements: 'keywarden_entitlements',
} as const;

const idOf = z.union([z.string(), z.object({ id: z.string() }).transform((value) => value.id)]).nullish();
const metadata = z.record(z.string(), z.string()).nullish();

export const stripeEventEnvelope = z.object({
  id: z.string(),
  type: z.string(),
  created: z.number().optional(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEventEnvelope = z.infer<typeof stripeEventEnvelope>;

const checkoutSession = z.object({
  id: z.string(),
  payment_status: z.string().nullish(),
  customer: idOf,
  customer_email: z.string().nullish(),
  customer_details: z.object({ email: z.string().nullish() }).nullish(),
  subscription: idOf,
  payment_intent: idOf,
  metadata,
  line_items: z
    .object({
      data: z.array(
        z.object({
          quantity: z.number().int().nullish(),
          price: z.object({ metadata, product: z.union([z.string(), z.object({ metadata })]).nullish() }).nullish(),
        }),
      ),
    })
    .nullish(),
});
export type StripeCheckoutSession = z.infer<typeof checkoutSession>;

const invoice = z.object({
  id: z.string(),
  subscription: idOf,
  parent: z.object({ subscription_details: z.object({ subscription: idOf }).nullish() }).nullish(),
  payment_intent: idOf,
  period_start: z.number().nullish(),
  period_end: z.number().nullish(),
  lines: z.object({ data: z.array(z.object({ period: z.object({ start: z.number().nullish(), end: z.number() }).nullish() })) }).nullish(),
});
export type StripeInvoice = z.infer<typeof invoice>;

const subscription = z.object({ id: z.string(), status: z.string().nullish(), ended_at: z.number().nullish(), canceled_at: z.number().nullish() });
export type StripeSubscription = z.infer<typeof subscription>;

const charge = z.object({ id: z.string(), payment_intent: idOf, refunded: z.boolean().nullish() });
export type StripeCharge = z.infer<typeof charge>;

/** The event types that change licenses, with their object parsed; any other type is ignored. */
export type StripeMeaning =
  | { kind: 'checkout'; session: StripeCheckoutSession }
  | { kind: 'invoicePaid'; invoice: StripeInvoice }
  /** invoice.payment_failed, or a subscription turning past_due: the purchase's licenses enter their grace. */
  | { kind: 'paymentFailed'; subscriptionId: string | null | undefined; reason: 'invoice.payment_failed' | 'subscription_past_due' }
  | { kind: 'subscriptionDeleted'; subscription: StripeSubscription }
  | { kind: 'chargeRefunded'; charge: StripeCharge }
  | { kind: 'ignored' };

/** Classifies an event; a handled type whose object has the wrong shape throws a ZodError. */
export function stripeMeaning(event: StripeEventEnvelope): StripeMeaning {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return { kind: 'checkout', session: checkoutSession.parse(event.data.object) };
    case 'invoice.paid':
      return { kind: 'invoicePaid', invoice: invoice.parse(event.data.object) };
    case 'invoice.payment_failed': {
      const failed = invoice.parse(event.data.object);
      return { kind: 'paymentFailed', subscriptionId: invoiceSubscriptionId(failed), reason: 'invoice.payment_failed' };
    }
    case 'customer.subscription.updated': {
      const updated = subscription.parse(event.data.object);
      return updated.status === 'past_due' ? { kind: 'paymentFailed', subscriptionId: updated.id, reason: 'subscription_past_due' } : { kind: 'ignored' };
    }
    case 'customer.subscription.deleted':
      return { kind: 'subscriptionDeleted', subscription: subscription.parse(event.data.object) };
    case 'charge.refunded':
      return { kind: 'chargeRefunded', charge: charge.parse(event.data.object) };
    default:
      return { kind: 'ignored' };
  }
}

export interface CheckoutMapping {
  appId: string | undefined;
  variantId: string | undefined;
  quantity: number;
  maxHwidSlots: number | undefined;
  /** Entitlement codes from `keywarden_entitlements`, well-formed ones only, without repeats, sorted. */
  entitlements: string[];
}

/**
 * The session's metadata first, then each line item's price and product metadata; the first
 * non-empty value wins. Quantity defaults to the line items' total (or 1) and is clamped to
 * 1..maxLicensesPerCreate; max devices is clamped to 1..maxHwidSlots; non-integers fall back.
 */
export function checkoutMapping(session: StripeCheckoutSession): CheckoutMapping {
  const sources = [session.metadata ?? {}];
  for (const item of session.line_items?.data ?? []) {
    sources.push(item.price?.metadata ?? {});
    if (item.price?.product && typeof item.price.product === 'object') sources.push(item.price.product.metadata ?? {});
  }
  const pick = (key: string) => sources.map((source) => source[key]).find((value) => value !== undefined && value !== '');
  const lineQuantity = (session.line_items?.data ?? []).reduce((sum, item) => sum + (item.quantity ?? 0), 0);
  const quantity = Number(pick(metadataKeys.quantity) ?? (lineQuantity || 1));
  const maxDevices = pick(metadataKeys.maxDevices);
  return {
    appId: pick(metadataKeys.appId),
    variantId: pick(metadataKeys.variantId),
    quantity: Number.isInteger(quantity) ? Math.min(limits.maxLicensesPerCreate, Math.max(1, quantity)) : 1,
    maxHwidSlots: maxDevices && Number.isInteger(Number(maxDevices)) ? Math.min(limits.maxHwidSlots, Math.max(1, Number(maxDevices))) : undefined,
    entitlements: [...new Set((pick(metadataKeys.entitlements) ?? '').split(',').map((code) => code.trim()).filter((code) => entitlementCodePattern.test(code)))]
      .sort()
      .slice(0, maxEntitlementsPerProduct),
  };
}

/** A purchase is its subscription, else its payment intent, else the session itself. */
export function checkoutPurchaseKey(session: StripeCheckoutSession): string {
  return session.subscription ?? session.payment_intent ?? session.id;
}

export function checkoutEmail(session: StripeCheckoutSession): string | null {
  return session.customer_details?.email ?? session.customer_email ?? null;
}

/** The Stripe ids recorded on each license a checkout creates (`license.source`). */
export function checkoutSource(eventId: string, session: StripeCheckoutSession): Record<string, string> {
  const source: Record<string, string> = { stripeEventId: eventId, stripeCheckoutSessionId: session.id };
  if (session.customer) source.stripeCustomerId = session.customer;
  if (session.subscription) source.stripeSubscriptionId = session.subscription;
  if (session.payment_intent) source.stripePaymentIntentId = session.payment_intent;
  return source;
}

type PurchaseFacts = Pick<StripePurchaseDocument, 'periodEnd' | 'cancelledAt' | 'refundedAt'>;
type LicenseTerm = Pick<LicenseDocument, 'expiresAt' | 'expiresSort' | 'expiryNotified' | 'revoked' | 'revokedAt' | 'revokeReason'>;

/** Facts that arrived before the checkout apply at once: a later period, a cancellation, a refund. */
export function withPurchaseFacts<L extends LicenseTerm>(license: L, purchase: PurchaseFacts): L {
  let next: L = license;
  if (purchase.periodEnd) next = { ...next, expiresAt: purchase.periodEnd, expiresSort: purchase.periodEnd };
  if (purchase.cancelledAt) next = { ...next, expiresAt: purchase.cancelledAt, expiresSort: purchase.cancelledAt, expiryNotified: true };
  if (purchase.refundedAt) next = { ...next, revoked: true, revokedAt: purchase.refundedAt, revokeReason: 'refunded' };
  return next;
}

export const fromUnix = (seconds: number) => Timestamp.fromMillis(seconds * 1000);

/** The later of two optional instants (a tie keeps the first). */
export const later = (a: Timestamp | null, b: Timestamp | null) => (!a ? b : !b ? a : a.toMillis() >= b.toMillis() ? a : b);

/** An invoice's subscription: top-level (older API versions) or under parent.subscription_details. */
export function invoiceSubscriptionId(paid: StripeInvoice): string | null | undefined {
  return paid.subscription ?? paid.parent?.subscription_details?.subscription;
}

/** The end of the period an invoice pays: the latest line period end, else the invoice's period_end. */
export function invoicePeriodEndSeconds(paid: StripeInvoice): number | null | undefined {
  const ends = (paid.lines?.data ?? []).flatMap((line) => (line.period ? [line.period.end] : []));
  return ends.length > 0 ? Math.max(...ends) : paid.period_end;
}

/** The start of the period an invoice pays: the earliest line period start, else the invoice's period_start. */
export function invoicePeriodStartSeconds(paid: StripeInvoice): number | null | undefined {
  const starts = (paid.lines?.data ?? []).flatMap((line) => (typeof line.period?.start === 'number' ? [line.period.start] : []));
  return starts.length > 0 ? Math.min(...starts) : paid.period_start;
}

type GraceTerm = Pick<LicenseDocument, 'revoked' | 'expiresAt' | 'expirationStrategy' | 'gracePeriodDays'>;

/**
 * A failed payment (README, Stripe and grace): a license whose policy has a grace period
 * (restrict or revoke, gracePeriodDays > 0) ends now instead of at its paid period's end, so its
 * grace runs from the failure. Undefined when nothing changes: a revoked license, one without a
 * grace (it keeps running to its paid end, as before), or one already ended (a retried charge
 * failing again does not restart the grace).
 */
export function failedPaymentExpiry(license: GraceTerm, now: Timestamp): Timestamp | undefined {
  if (license.revoked || license.gracePeriodDays === 0) return undefined;
  if (license.expirationStrategy !== 'restrict' && license.expirationStrategy !== 'revoke') return undefined;
  if (license.expiresAt && license.expiresAt.toMillis() <= now.toMillis()) return undefined;
  return now;
}

/**
 * The expiry an invoice.paid gives a license, by its renewalBasis: fromExpiry, the paid period's
 * end (Stripe's own reckoning of the time bought); fromNow, now plus the period's length;
 * fromNowIfExpired, now plus the length once the license is past its expiry (in grace after a
 * failed payment, say), else the period's end. `periodEnd` is the purchase's latest paid end;
 * `period` this invoice's own (without a known start: the period's end, whatever the basis).
 */
export function paidExpiry(
  license: Pick<LicenseDocument, 'expiresAt' | 'renewalBasis'>,
  period: { start: Timestamp; end: Timestamp } | null,
  periodEnd: Timestamp,
  now: Timestamp,
): Timestamp {
  if (!period || license.renewalBasis === 'fromExpiry') return periodEnd;
  // The length of the period this invoice pays (not the purchase's latest end, which may be another's).
  const length = Math.max(0, period.end.toMillis() - period.start.toMillis());
  const expired = license.expiresAt !== null && license.expiresAt.toMillis() <= now.toMillis();
  if (license.renewalBasis === 'fromNow' || expired) return Timestamp.fromMillis(now.toMillis() + length);
  return periodEnd;
}

/** Only ever forward: a paid period extends a live license that ends before it. */
export function invoiceExtends(license: Pick<LicenseTerm, 'revoked' | 'expiresAt'>, periodEnd: Timestamp): boolean {
  return !(license.revoked || (license.expiresAt && license.expiresAt.toMillis() >= periodEnd.toMillis()));
}

/** When a deleted subscription's service ended: ended_at, else canceled_at, else now, never later than now. */
export function subscriptionEndedAt(ended: StripeSubscription, now: Timestamp): Timestamp {
  const endedAt = ended.ended_at ? fromUnix(ended.ended_at) : ended.canceled_at ? fromUnix(ended.canceled_at) : now;
  return endedAt.toMillis() < now.toMillis() ? endedAt : now;
}

/** A license already expired (and notified) no later than the cancellation is left alone. */
export function alreadyExpiredBy(license: Pick<LicenseTerm, 'expiryNotified' | 'expiresAt'>, cancelledAt: Timestamp): boolean {
  return Boolean(license.expiryNotified && license.expiresAt && license.expiresAt.toMillis() <= cancelledAt.toMillis());
}

/** A full refund names the payment intent whose purchase it revokes; anything else is ignored with a reason. */
export function refundTarget(refunded: StripeCharge): { paymentIntent: string } | { ignored: string } {
  if (!refunded.refunded) return { ignored: 'ignored: partial refund' };
  if (!refunded.payment_intent) return { ignored: 'ignored: no payment intent' };
  return { paymentIntent: refunded.payment_intent };
}
