import { defineSecret } from 'firebase-functions/params';

/** The operator's secret: full access to every account. */
export const adminSecret = defineSecret('ADMIN_SECRET');

/** Stripe's endpoint signing secret (whsec_…), used to verify Stripe-Signature. */
export const stripeWebhookSecret = defineSecret('STRIPE_WEBHOOK_SECRET');

/** Shared secret of the generic payment webhook (x-webhook-secret header, seed 004). */
export const paymentWebhookSecret = defineSecret('PAYMENT_WEBHOOK_SECRET');
