import { defineSecret } from 'firebase-functions/params';
import { boundSecretValue } from './settings.js';

/** The operator's secret: full access to every account. Every deployment needs it. */
export const adminSecret = defineSecret('ADMIN_SECRET');

/**
 * The key-encryption key that seals signing keys, session secrets and webhook secrets stored
 * in Firestore (crypto/envelope.ts). One or more values of at least 32 characters, separated
 * by commas: the first seals, all open (KEK rotation, README "Security").
 */
export const keyEncryptionKey = defineSecret('KEYWARDEN_KEK');

/**
 * A secret of an optional feature. Bound to its function by name only: a secret declared
 * with defineSecret is listed in the functions' manifest, and firebase-tools then requires it
 * to exist before any deploy, even one that leaves the feature out.
 */
export interface OptionalSecret {
  readonly name: string;
  /** The bound value, or '' where the function runs without it. */
  value(): string;
}

const optionalSecret = (name: string): OptionalSecret => ({ name, value: () => boundSecretValue(name) });

/** Stripe's endpoint signing secret (whsec_…), used to verify Stripe-Signature. */
export const stripeWebhookSecret = optionalSecret('STRIPE_WEBHOOK_SECRET');

/** Shared secret of the generic payment webhook (x-webhook-secret header, seed 004). */
export const paymentWebhookSecret = optionalSecret('PAYMENT_WEBHOOK_SECRET');
