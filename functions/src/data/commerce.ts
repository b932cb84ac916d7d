import { z } from 'zod';
import { collections, limits } from '../config/constants.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp } from './shared.js';

/** stripeEvents/{eventId}: written in the same transaction as the event's effect. */
export const stripeEventDocument = z.object({ type: z.string(), outcome: z.string(), processedAt: timestamp, expireAt: timestamp });
export const stripeEventsCollection = () => db().collection(collections.stripeEvents).withConverter(schemaConverter(stripeEventDocument));

/**
 * stripePurchases/{key}: what Stripe has told us about one purchase, in whatever order it
 * arrived. Licenses are created from it and later events (renewals, cancellation, refunds)
 * act on its licenses; a cancelled or refunded purchase never comes back to life.
 */
export const stripePurchaseDocument = z.object({
  licenseKeys: z.array(z.string()),
  appId: z.string().nullable(),
  accountId: z.string().nullable(),
  checkoutSessionId: z.string().nullable(),
  customerId: z.string().nullable(),
  email: z.string().nullable(),
  /** Latest paid subscription period end. */
  periodEnd: timestamp.nullable(),
  cancelledAt: timestamp.nullable(),
  refundedAt: timestamp.nullable(),
  updatedAt: timestamp,
});
export type StripePurchaseDocument = z.infer<typeof stripePurchaseDocument>;
export const stripePurchasesCollection = () =>
  db().collection(collections.stripePurchases).withConverter(schemaConverter(stripePurchaseDocument));

export const stripePaymentIntentDocument = z.object({ purchaseKey: z.string() });
export const stripePaymentIntentsCollection = () =>
  db().collection(collections.stripePaymentIntents).withConverter(schemaConverter(stripePaymentIntentDocument));

export const checkoutSessionDocument = z.object({
  appId: z.string(),
  accountId: z.string(),
  licenseKeys: z.array(z.string()),
  email: z.string().nullable(),
  createdAt: timestamp,
});
export const checkoutSessionsCollection = () =>
  db().collection(collections.checkoutSessions).withConverter(schemaConverter(checkoutSessionDocument));

export const paymentOrderDocument = z.object({
  appId: z.string(),
  accountId: z.string(),
  orderId: z.string(),
  licenseKeys: z.array(z.string()),
  email: z.string().nullable(),
  createdAt: timestamp,
});
export const paymentOrdersCollection = () => db().collection(collections.paymentOrders).withConverter(schemaConverter(paymentOrderDocument));

/** discountCodes/{accountId}~{CODE}: unique per account by construction. */
export const discountCodeDocument = z.object({
  accountId: z.string(),
  appId: z.string(),
  code: z.string(),
  kind: z.enum(['discount', 'trial']),
  percentOff: z.number().nullable(),
  amountOff: z.number().int().nullable(),
  currency: z.string().nullable(),
  /** Trial codes: the trial license's length and seats. */
  trialDays: z.number().int().nullable(),
  variantId: z.string().nullable(),
  maxHwidSlots: z.number().int().min(limits.minHwidSlots).max(limits.maxHwidSlots),
  maxRedemptions: z.number().int().nullable(),
  redemptions: z.number().int().min(0),
  expiresAt: timestamp.nullable(),
  active: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type DiscountCodeDocument = z.infer<typeof discountCodeDocument>;
export const discountCodesCollection = () => db().collection(collections.discountCodes).withConverter(schemaConverter(discountCodeDocument));
export const discountCodeId = (accountId: string, code: string) => `${accountId}~${code}`;

/** discountCodes/{id}/redemptions/{sha256("hwid:…" | "email:…")}: one trial per code per HWID or email. */
export const codeRedemptionDocument = z.object({ licenseKey: z.string(), redeemedAt: timestamp });
export const codeRedemptionsCollection = (codeDocId: string) =>
  discountCodesCollection().doc(codeDocId).collection(collections.codeRedemptions).withConverter(schemaConverter(codeRedemptionDocument));
