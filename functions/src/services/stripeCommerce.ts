/**
 * Stripe → licenses, exactly once. Each Stripe event is applied in one transaction together
 * with its `stripeEvents/{id}` marker, so redelivered or concurrent copies do nothing. Events
 * about one purchase may arrive in any order: their facts accumulate in `stripePurchases`, and a
 * cancelled or refunded purchase never comes back to life.
 *
 * Mapping (Stripe sends no line items with checkout.session.completed): put
 * `keywarden_app_id` (required), `keywarden_variant_id`, `keywarden_quantity`,
 * `keywarden_max_devices` in the Checkout Session's metadata (a Payment Link's metadata is
 * copied there); price or product metadata is used when the event carries expanded line items.
 */
import { Timestamp, type Transaction } from 'firebase-admin/firestore';
import { z } from 'zod';
import { limits, retention } from '../config/constants.js';
import { appsCollection } from '../data/apps.js';
import {
  checkoutSessionsCollection,
  stripeEventsCollection,
  stripePaymentIntentsCollection,
  stripePurchasesCollection,
  type StripePurchaseDocument,
} from '../data/commerce.js';
import { isAlreadyExists } from '../data/errors.js';
import { eventRecord, eventsCollection } from '../data/events.js';
import { db } from '../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../data/licenses.js';
import { isoDate } from '../data/shared.js';
import { variantsCollection } from '../data/variants.js';
import { notFound } from '../http/errors.js';
import { addNewLicenses, licenseTemplate, newLicenseKeys } from './licenses.js';
import { loadOwnedApp } from './access.js';
import type { Principal } from './principal.js';
import { licenseView } from './views.js';

export const metadataKeys = {
  appId: 'keywarden_app_id',
  variantId: 'keywarden_variant_id',
  quantity: 'keywarden_quantity',
  maxDevices: 'keywarden_max_devices',
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

const invoice = z.object({
  id: z.string(),
  subscription: idOf,
  parent: z.object({ subscription_details: z.object({ subscription: idOf }).nullish() }).nullish(),
  payment_intent: idOf,
  period_end: z.number().nullish(),
  lines: z.object({ data: z.array(z.object({ period: z.object({ end: z.number() }).nullish() })) }).nullish(),
});

const subscription = z.object({ id: z.string(), ended_at: z.number().nullish(), canceled_at: z.number().nullish() });
const charge = z.object({ id: z.string(), payment_intent: idOf, refunded: z.boolean().nullish() });

export interface StripeOutcome {
  duplicate: boolean;
  outcome: string;
  licenseKeys: string[];
}

const emptyPurchase = (now: Timestamp): StripePurchaseDocument => ({
  licenseKeys: [],
  appId: null,
  accountId: null,
  checkoutSessionId: null,
  customerId: null,
  email: null,
  periodEnd: null,
  cancelledAt: null,
  refundedAt: null,
  updatedAt: now,
});

const fromUnix = (seconds: number) => Timestamp.fromMillis(seconds * 1000);
const later = (a: Timestamp | null, b: Timestamp | null) => (!a ? b : !b ? a : a.toMillis() >= b.toMillis() ? a : b);

type Effect = (transaction: Transaction, now: Timestamp) => Promise<{ outcome: string; licenseKeys: string[]; write: () => void }>;

/** Applies one verified Stripe event exactly once. Unknown types are recorded and ignored. */
export async function applyStripeEvent(event: StripeEventEnvelope): Promise<StripeOutcome> {
  const effect = effectOf(event);
  const markerRef = stripeEventsCollection().doc(event.id);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db().runTransaction(async (transaction) => {
        const now = Timestamp.now();
        if ((await transaction.get(markerRef)).exists) return { duplicate: true, outcome: 'duplicate', licenseKeys: [] };
        const result = await effect(transaction, now);
        result.write();
        transaction.create(markerRef, {
          type: event.type,
          outcome: result.outcome,
          processedAt: now,
          expireAt: Timestamp.fromMillis(now.toMillis() + retention.stripeEventDays * 86_400_000),
        });
        return { duplicate: false, outcome: result.outcome, licenseKeys: result.licenseKeys };
      });
    } catch (error) {
      // A concurrent copy committed first (its marker exists now), or, at 80 bits, a key collision: run again.
      if (!isAlreadyExists(error) || attempt >= 3) throw error;
    }
  }
}

function effectOf(event: StripeEventEnvelope): Effect {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return checkoutCompleted(checkoutSession.parse(event.data.object), event);
    case 'invoice.paid':
      return invoicePaid(invoice.parse(event.data.object));
    case 'customer.subscription.deleted':
      return subscriptionDeleted(subscription.parse(event.data.object));
    case 'charge.refunded':
      return chargeRefunded(charge.parse(event.data.object));
    default:
      return async () => ({ outcome: 'ignored: unhandled event type', licenseKeys: [], write: () => undefined });
  }
}

function mappingOf(session: z.infer<typeof checkoutSession>) {
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
  };
}

/** Reads the licenses of a purchase inside the transaction. */
async function purchaseLicenses(transaction: Transaction, purchase: StripePurchaseDocument) {
  if (purchase.licenseKeys.length === 0) return [];
  const snapshots = await transaction.getAll(...purchase.licenseKeys.map((key) => licensesCollection().doc(key)));
  return snapshots.flatMap((snapshot) => {
    const license = snapshot.data();
    return license ? [{ key: snapshot.id, license }] : [];
  });
}

function changeWithEvent(
  transaction: Transaction,
  key: string,
  next: LicenseDocument,
  type: 'license.extended' | 'license.expired' | 'license.revoked',
  data: Record<string, unknown>,
  now: Timestamp,
) {
  transaction.set(licensesCollection().doc(key), { ...next, updatedAt: now });
  transaction.create(eventsCollection().doc(), eventRecord(type, { appId: next.appId, accountId: next.accountId, licenseKey: key }, data, now));
}

function checkoutCompleted(session: z.infer<typeof checkoutSession>, event: StripeEventEnvelope): Effect {
  return async (transaction, now) => {
    if (session.payment_status === 'unpaid') {
      return { outcome: 'waiting: payment not yet succeeded', licenseKeys: [], write: () => undefined };
    }
    const purchaseKey = session.subscription ?? session.payment_intent ?? session.id;
    const purchaseRef = stripePurchasesCollection().doc(purchaseKey);
    const purchase = (await transaction.get(purchaseRef)).data() ?? emptyPurchase(now);
    if (purchase.licenseKeys.length > 0) return { outcome: 'already fulfilled', licenseKeys: purchase.licenseKeys, write: () => undefined };
    const mapping = mappingOf(session);
    if (!mapping.appId) return { outcome: `ignored: no ${metadataKeys.appId} metadata`, licenseKeys: [], write: () => undefined };
    const app = (await transaction.get(appsCollection().doc(mapping.appId))).data();
    if (!app) return { outcome: `ignored: unknown app ${mapping.appId}`, licenseKeys: [], write: () => undefined };
    const variant = mapping.variantId ? (await transaction.get(variantsCollection().doc(mapping.variantId))).data() : undefined;
    const email = session.customer_details?.email ?? session.customer_email ?? null;
    const source: Record<string, string> = { stripeEventId: event.id, stripeCheckoutSessionId: session.id };
    if (session.customer) source.stripeCustomerId = session.customer;
    if (session.subscription) source.stripeSubscriptionId = session.subscription;
    if (session.payment_intent) source.stripePaymentIntentId = session.payment_intent;
    const template = licenseTemplate(
      mapping.appId,
      app,
      variant && variant.appId === mapping.appId ? variant : undefined,
      {
        variantId: variant && variant.appId === mapping.appId ? mapping.variantId : undefined,
        maxHwidSlots: mapping.maxHwidSlots,
        email: email ?? undefined,
        label: session.id,
      },
      now,
      source,
    );
    // Facts that arrived before this event apply at once: a later period, a cancellation, a refund.
    let license: LicenseDocument = template;
    if (purchase.periodEnd) license = { ...license, expiresAt: purchase.periodEnd, expiresSort: purchase.periodEnd };
    if (purchase.cancelledAt) license = { ...license, expiresAt: purchase.cancelledAt, expiresSort: purchase.cancelledAt, expiryNotified: true };
    if (purchase.refundedAt) license = { ...license, revoked: true, revokedAt: purchase.refundedAt, revokeReason: 'refunded' };
    const keys = newLicenseKeys(mapping.quantity);
    return {
      outcome: `created ${keys.length} license(s)`,
      licenseKeys: keys,
      write: () => {
        addNewLicenses(transaction, keys, license, now);
        transaction.set(purchaseRef, {
          ...purchase,
          licenseKeys: keys,
          appId: mapping.appId ?? null,
          accountId: app.accountId,
          checkoutSessionId: session.id,
          customerId: session.customer ?? null,
          email,
          updatedAt: now,
        });
        transaction.set(checkoutSessionsCollection().doc(session.id), { appId: license.appId, accountId: app.accountId, licenseKeys: keys, email, createdAt: now });
        if (session.payment_intent) transaction.set(stripePaymentIntentsCollection().doc(session.payment_intent), { purchaseKey });
      },
    };
  };
}

function invoicePaid(paid: z.infer<typeof invoice>): Effect {
  return async (transaction, now) => {
    const subscriptionId = paid.subscription ?? paid.parent?.subscription_details?.subscription;
    if (!subscriptionId) return { outcome: 'ignored: not a subscription invoice', licenseKeys: [], write: () => undefined };
    const ends = (paid.lines?.data ?? []).flatMap((line) => (line.period ? [line.period.end] : []));
    const periodEndSeconds = ends.length > 0 ? Math.max(...ends) : paid.period_end;
    const purchaseRef = stripePurchasesCollection().doc(subscriptionId);
    const purchase = (await transaction.get(purchaseRef)).data() ?? emptyPurchase(now);
    const licenses = await purchaseLicenses(transaction, purchase);
    const periodEnd = later(purchase.periodEnd, periodEndSeconds ? fromUnix(periodEndSeconds) : null);
    return {
      outcome: purchase.cancelledAt ? 'recorded: subscription already cancelled' : `extended ${licenses.length} license(s)`,
      licenseKeys: licenses.map((entry) => entry.key),
      write: () => {
        transaction.set(purchaseRef, { ...purchase, periodEnd, updatedAt: now });
        if (paid.payment_intent) transaction.set(stripePaymentIntentsCollection().doc(paid.payment_intent), { purchaseKey: subscriptionId });
        if (purchase.cancelledAt || purchase.refundedAt || !periodEnd) return;
        for (const { key, license } of licenses) {
          // Only ever forward: an old invoice arriving late never shortens a license.
          if (license.revoked || (license.expiresAt && license.expiresAt.toMillis() >= periodEnd.toMillis())) continue;
          changeWithEvent(transaction, key, { ...license, expiresAt: periodEnd, expiresSort: periodEnd, expiryNotified: false }, 'license.extended', { expiresAt: isoDate(periodEnd), reason: 'invoice.paid' }, now);
        }
      },
    };
  };
}

/** Documented choice: a cancelled subscription expires its licenses (at the end of service). */
function subscriptionDeleted(ended: z.infer<typeof subscription>): Effect {
  return async (transaction, now) => {
    const purchaseRef = stripePurchasesCollection().doc(ended.id);
    const purchase = (await transaction.get(purchaseRef)).data() ?? emptyPurchase(now);
    const licenses = await purchaseLicenses(transaction, purchase);
    const endedAt = ended.ended_at ? fromUnix(ended.ended_at) : ended.canceled_at ? fromUnix(ended.canceled_at) : now;
    const cancelledAt = purchase.cancelledAt ?? (endedAt.toMillis() < now.toMillis() ? endedAt : now);
    return {
      outcome: `expired ${licenses.length} license(s)`,
      licenseKeys: licenses.map((entry) => entry.key),
      write: () => {
        transaction.set(purchaseRef, { ...purchase, cancelledAt, updatedAt: now });
        for (const { key, license } of licenses) {
          if (license.expiryNotified && license.expiresAt && license.expiresAt.toMillis() <= cancelledAt.toMillis()) continue;
          changeWithEvent(transaction, key, { ...license, expiresAt: cancelledAt, expiresSort: cancelledAt, expiryNotified: true }, 'license.expired', { reason: 'subscription_cancelled', expiresAt: isoDate(cancelledAt) }, now);
        }
      },
    };
  };
}

/** A full refund revokes the purchase's licenses; partial refunds change nothing. */
function chargeRefunded(refunded: z.infer<typeof charge>): Effect {
  return async (transaction, now) => {
    if (!refunded.refunded) return { outcome: 'ignored: partial refund', licenseKeys: [], write: () => undefined };
    if (!refunded.payment_intent) return { outcome: 'ignored: no payment intent', licenseKeys: [], write: () => undefined };
    const mapped = (await transaction.get(stripePaymentIntentsCollection().doc(refunded.payment_intent))).data();
    const purchaseKey = mapped?.purchaseKey ?? refunded.payment_intent;
    const purchaseRef = stripePurchasesCollection().doc(purchaseKey);
    const purchase = (await transaction.get(purchaseRef)).data() ?? emptyPurchase(now);
    const licenses = await purchaseLicenses(transaction, purchase);
    const refundedAt = purchase.refundedAt ?? now;
    return {
      outcome: `revoked ${licenses.length} license(s)`,
      licenseKeys: licenses.map((entry) => entry.key),
      write: () => {
        transaction.set(purchaseRef, { ...purchase, refundedAt, updatedAt: now });
        for (const { key, license } of licenses) {
          if (license.revoked) continue;
          changeWithEvent(transaction, key, { ...license, revoked: true, revokedAt: now, revokeReason: 'refunded' }, 'license.revoked', { reason: 'refunded', stripeChargeId: refunded.id }, now);
        }
      },
    };
  };
}

/** The licenses a Checkout Session created (for the vendor's success page). */
export async function checkoutSessionLicenses(principal: Principal, sessionId: string) {
  const session = (await checkoutSessionsCollection().doc(sessionId).get()).data();
  if (!session) throw notFound('No licenses for this checkout session (yet)');
  await loadOwnedApp(principal, session.appId);
  const snapshots = await db().getAll(...session.licenseKeys.map((key) => licensesCollection().doc(key)));
  const now = Timestamp.now();
  return {
    checkoutSessionId: sessionId,
    email: session.email,
    licenses: snapshots.flatMap((snapshot) => {
      // getAll keeps each reference's converter; only its static type is lost.
      const license = snapshot.data() as LicenseDocument | undefined;
      return license ? [licenseView(snapshot.id, license, now)] : [];
    }),
  };
}
