/**
 * Stripe → licenses, exactly once. Each Stripe event is applied in one transaction together
 * with its `stripeEvents/{id}` marker, so redelivered or concurrent copies do nothing. Events
 * about one purchase may arrive in any order: their facts accumulate in `stripePurchases`, and a
 * cancelled or refunded purchase never comes back to life.
 *
 * Mapping (Stripe sends no line items with checkout.session.completed): put
 * `keywarden_app_id` (required), `keywarden_variant_id`, `keywarden_quantity`,
 * `keywarden_max_devices`, `keywarden_entitlements` (comma-separated codes) in the Checkout Session's metadata (a Payment Link's metadata is
 * copied there); price or product metadata is used when the event carries expanded line items.
 */
import { Timestamp, type Transaction } from 'firebase-admin/firestore';
import { retention } from '../../config/constants.js';
import { appsCollection } from '../../data/apps.js';
import {
  checkoutSessionsCollection,
  stripeEventsCollection,
  stripePaymentIntentsCollection,
  stripePurchasesCollection,
  type StripePurchaseDocument,
} from '../../data/commerce.js';
import { isAlreadyExists } from '../../data/errors.js';
import { db } from '../../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';
import { isoDate } from '../../data/shared.js';
import { variantsCollection } from '../../data/variants.js';
import { notFound } from '../../domain/errors.js';
import { addNewLicenses, licenseTemplate, newLicenseKeys } from '../admin/licenses.js';
import { endAllSessions } from '../licensing/licenseRules.js';
import { loadOwnedApp } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import {
  alreadyExpiredBy,
  checkoutEmail,
  checkoutMapping,
  checkoutPurchaseKey,
  checkoutSource,
  fromUnix,
  invoiceExtends,
  invoicePeriodEndSeconds,
  invoicePeriodStartSeconds,
  failedPaymentExpiry,
  paidExpiry,
  invoiceSubscriptionId,
  later,
  metadataKeys,
  refundTarget,
  stripeMeaning,
  subscriptionEndedAt,
  withPurchaseFacts,
  type StripeCharge,
  type StripeCheckoutSession,
  type StripeEventEnvelope,
  type StripeInvoice,
  type StripeSubscription,
} from './stripeMapping.js';
import { licenseView } from '../../views/licenses.js';
import { commitLicense } from '../licensing/licenseChanges.js';
import { graceEnd } from '../licensing/licenseExpiry.js';

// endpoints/commerce.ts reads the envelope schema from here; it is defined with the mapping.
export { stripeEventEnvelope, type StripeEventEnvelope } from './stripeMapping.js';

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
  const meaning = stripeMeaning(event);
  switch (meaning.kind) {
    case 'checkout':
      return checkoutCompleted(meaning.session, event);
    case 'invoicePaid':
      return invoicePaid(meaning.invoice);
    case 'paymentFailed':
      return paymentFailed(meaning.subscriptionId, meaning.reason);
    case 'subscriptionDeleted':
      return subscriptionDeleted(meaning.subscription);
    case 'chargeRefunded':
      return chargeRefunded(meaning.charge);
    case 'ignored':
      return async () => ({ outcome: 'ignored: unhandled event type', licenseKeys: [], write: () => undefined });
  }
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

function checkoutCompleted(session: StripeCheckoutSession, event: StripeEventEnvelope): Effect {
  return async (transaction, now) => {
    if (session.payment_status === 'unpaid') {
      return { outcome: 'waiting: payment not yet succeeded', licenseKeys: [], write: () => undefined };
    }
    const purchaseKey = checkoutPurchaseKey(session);
    const purchaseRef = stripePurchasesCollection().doc(purchaseKey);
    const purchase = (await transaction.get(purchaseRef)).data() ?? emptyPurchase(now);
    if (purchase.licenseKeys.length > 0) return { outcome: 'already fulfilled', licenseKeys: purchase.licenseKeys, write: () => undefined };
    const mapping = checkoutMapping(session);
    if (!mapping.appId) return { outcome: `ignored: no ${metadataKeys.appId} metadata`, licenseKeys: [], write: () => undefined };
    const app = (await transaction.get(appsCollection().doc(mapping.appId))).data();
    if (!app) return { outcome: `ignored: unknown app ${mapping.appId}`, licenseKeys: [], write: () => undefined };
    const variant = mapping.variantId ? (await transaction.get(variantsCollection().doc(mapping.variantId))).data() : undefined;
    const email = checkoutEmail(session);
    const source = checkoutSource(event.id, session);
    // keywarden_entitlements: the product's codes are granted (once: the purchase is fulfilled
    // once); a code the product does not define is left out and named in the outcome.
    const defined = new Set(app.entitlements.map((entry) => entry.code));
    const granted = mapping.entitlements.filter((code) => defined.has(code));
    const undefinedCodes = mapping.entitlements.filter((code) => !defined.has(code));
    const template = licenseTemplate(
      mapping.appId,
      app,
      variant && variant.appId === mapping.appId ? variant : undefined,
      {
        variantId: variant && variant.appId === mapping.appId ? mapping.variantId : undefined,
        maxHwidSlots: mapping.maxHwidSlots,
        email: email ?? undefined,
        label: session.id,
        entitlements: granted,
      },
      now,
      source,
    );
    // Facts that arrived before this event apply at once: a later period, a cancellation, a refund.
    const license: LicenseDocument = withPurchaseFacts(template, purchase);
    const keys = newLicenseKeys(mapping.quantity);
    return {
      outcome: `created ${keys.length} license(s)${undefinedCodes.length > 0 ? `; undefined entitlements left out: ${undefinedCodes.join(', ')}` : ''}`,
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

function invoicePaid(paid: StripeInvoice): Effect {
  return async (transaction, now) => {
    const subscriptionId = invoiceSubscriptionId(paid);
    if (!subscriptionId) return { outcome: 'ignored: not a subscription invoice', licenseKeys: [], write: () => undefined };
    const periodEndSeconds = invoicePeriodEndSeconds(paid);
    const periodStartSeconds = invoicePeriodStartSeconds(paid);
    const period = periodStartSeconds && periodEndSeconds ? { start: fromUnix(periodStartSeconds), end: fromUnix(periodEndSeconds) } : null;
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
          // By the license's renewalBasis (stripeMapping.paidExpiry); a license in grace after a
          // failed payment leaves it here. Only ever forward: an old invoice arriving late never shortens a license.
          const expiresAt = paidExpiry(license, period, periodEnd, now);
          if (!invoiceExtends(license, expiresAt)) continue;
          const endedGrace = license.expiresAt !== null && license.expiresAt.toMillis() <= now.toMillis();
          commitLicense(
            transaction,
            key,
            { ...license, expiresAt, expiresSort: expiresAt, expiryNotified: false, updatedAt: now },
            { type: 'license.extended', data: { expiresAt: isoDate(expiresAt), reason: 'invoice.paid', renewalBasis: license.renewalBasis, endedGrace } },
            now,
          );
        }
      },
    };
  };
}

/**
 * invoice.payment_failed, or the subscription turning past_due: each license of the purchase
 * whose policy has a grace period ends now, so its grace runs from the failure (README, Stripe
 * and grace), with `license.updated` `{reason, expiresAt, graceEndsAt}`. A later invoice.paid
 * ends the grace. A license without a grace runs on to its paid end, as before.
 */
function paymentFailed(subscriptionId: string | null | undefined, reason: 'invoice.payment_failed' | 'subscription_past_due'): Effect {
  return async (transaction, now) => {
    if (!subscriptionId) return { outcome: 'ignored: not a subscription invoice', licenseKeys: [], write: () => undefined };
    const purchase = (await transaction.get(stripePurchasesCollection().doc(subscriptionId))).data();
    if (!purchase || purchase.cancelledAt || purchase.refundedAt) return { outcome: 'ignored: no live purchase', licenseKeys: [], write: () => undefined };
    const licenses = await purchaseLicenses(transaction, purchase);
    const graced = licenses.flatMap(({ key, license }) => {
      const expiresAt = failedPaymentExpiry(license, now);
      return expiresAt ? [{ key, license: { ...license, expiresAt, expiresSort: expiresAt, expiryNotified: false, updatedAt: now } }] : [];
    });
    return {
      outcome: `grace started for ${graced.length} license(s)`,
      licenseKeys: graced.map((entry) => entry.key),
      write: () => {
        for (const { key, license } of graced) {
          commitLicense(transaction, key, license, { type: 'license.updated', data: { reason: 'payment_failed', stripeEvent: reason, expiresAt: isoDate(license.expiresAt), graceEndsAt: isoDate(graceEnd(license)) } }, now);
        }
      },
    };
  };
}

/** Documented choice: a cancelled subscription expires its licenses (at the end of service). */
function subscriptionDeleted(ended: StripeSubscription): Effect {
  return async (transaction, now) => {
    const purchaseRef = stripePurchasesCollection().doc(ended.id);
    const purchase = (await transaction.get(purchaseRef)).data() ?? emptyPurchase(now);
    const licenses = await purchaseLicenses(transaction, purchase);
    const cancelledAt = purchase.cancelledAt ?? subscriptionEndedAt(ended, now);
    return {
      outcome: `expired ${licenses.length} license(s)`,
      licenseKeys: licenses.map((entry) => entry.key),
      write: () => {
        transaction.set(purchaseRef, { ...purchase, cancelledAt, updatedAt: now });
        for (const { key, license } of licenses) {
          if (alreadyExpiredBy(license, cancelledAt)) continue;
          commitLicense(transaction, key, { ...license, expiresAt: cancelledAt, expiresSort: cancelledAt, expiryNotified: true, updatedAt: now }, { type: 'license.expired', data: { reason: 'subscription_cancelled', expiresAt: isoDate(cancelledAt) } }, now);
        }
      },
    };
  };
}

/** A full refund revokes the purchase's licenses; partial refunds change nothing. */
function chargeRefunded(refunded: StripeCharge): Effect {
  return async (transaction, now) => {
    const target = refundTarget(refunded);
    if ('ignored' in target) return { outcome: target.ignored, licenseKeys: [], write: () => undefined };
    const mapped = (await transaction.get(stripePaymentIntentsCollection().doc(target.paymentIntent))).data();
    const purchaseKey = mapped?.purchaseKey ?? target.paymentIntent;
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
          commitLicense(transaction, key, { ...endAllSessions(license, now), revoked: true, revokedAt: now, revokeReason: 'refunded', updatedAt: now }, { type: 'license.revoked', data: { reason: 'refunded', stripeChargeId: refunded.id } }, now);
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
