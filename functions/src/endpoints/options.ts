import { onInit } from 'firebase-functions/v2/core';
import * as logger from 'firebase-functions/logger';
import type { HttpsOptions } from 'firebase-functions/v2/https';
import type { DocumentOptions } from 'firebase-functions/v2/firestore';
import type { ScheduleOptions } from 'firebase-functions/v2/scheduler';
import { clientMinInstances, functionsRegion } from '../config/deployment.js';
import { adminSecret, keyEncryptionKey, paymentWebhookSecret, stripeWebhookSecret } from '../config/secrets.js';
import { delivery } from '../config/constants.js';

/**
 * Production settings per function group. Each function is its own Cloud Run service, so
 * every number below applies per function. Common ground:
 * - cpu 1: Cloud Run serves more than one request per instance only with a whole vCPU, and a
 *   Node process uses one core, so more CPU per instance would sit idle;
 * - memory 512MiB: firebase-admin, zod and the gRPC channel take about 150 MiB before the first
 *   request; 512 MiB leaves room for 80 requests in flight (bodies are capped at 64 KiB);
 * - concurrency 80 (Cloud Run's default) where the work is waiting on Firestore or the network;
 * - maxInstances is the cost ceiling: a client in a retry loop, a flood or a bug can never run
 *   more than this many instances of one function (Cloud Run answers 429 beyond it).
 * The region is the LOCATION param (functions/.env), next to the Firestore location.
 */
const shared = { region: functionsRegion, cpu: 1, memory: '512MiB' } as const;

/**
 * SDK (`auth`) and seed 004 client endpoints: the shipped apps' path, the only one with
 * sustained traffic. A vendor at 1,000 validates/s with ~120 ms per request keeps about 120
 * requests in flight, two instances; 20 leaves tenfold headroom and caps a runaway at 20 vCPU.
 * minInstances is the CLIENT_MIN_INSTANCES param (0 by default: idle costs nothing; the SDKs
 * retry a cold start's slow answer as transient). 30 s bounds a request stuck behind
 * contention; a healthy one takes well under a second.
 */
export const clientFunctionOptions: HttpsOptions = {
  ...shared,
  // Session secrets and signing keys are sealed with the KEK (README, Security).
  secrets: [keyEncryptionKey],
  concurrency: 80,
  maxInstances: 20,
  minInstances: clientMinInstances,
  timeoutSeconds: 30,
};

/**
 * Seed 004 admin functions: the operator's and the vendor's scripts, a CRM. Bursty, low
 * volume, tolerant of a cold start, so no warm instance; 5 instances of 80 requests is far
 * more than any script sends, and bounds a script gone wrong.
 */
export const adminFunctionOptions: HttpsOptions = {
  ...shared,
  secrets: [adminSecret, keyEncryptionKey],
  concurrency: 80,
  maxInstances: 5,
  minInstances: 0,
  timeoutSeconds: 60,
};

/**
 * Developer REST API (`v1`): every /v1 route in one function, called by vendors' backends
 * (license after payment, lookups, pagination loops). More traffic than the admin functions,
 * rate-limited per key, no warm instance needed.
 */
export const developerApiFunctionOptions: HttpsOptions = {
  ...shared,
  secrets: [adminSecret, keyEncryptionKey],
  concurrency: 80,
  maxInstances: 10,
  minInstances: 0,
  timeoutSeconds: 60,
};

/**
 * Inbound payment webhooks. A few events per purchase; Stripe retries a 429 or a timeout for
 * three days, so a small ceiling loses nothing. Each binds only its own secret, by name (see
 * config/secrets.ts), and is deployed only when its feature is on (config/settings.ts).
 */
const paymentWebhookBase = { ...shared, concurrency: 80, maxInstances: 3, minInstances: 0, timeoutSeconds: 60 } as const;
export const stripeWebhookOptions: HttpsOptions = { ...paymentWebhookBase, secrets: [stripeWebhookSecret.name] };
export const paymentWebhookOptions: HttpsOptions = { ...paymentWebhookBase, secrets: [paymentWebhookSecret.name] };

/**
 * `deliverEvents` (Firestore trigger): one run fans an event out and sends it to at most
 * KEYWARDEN_MAX_WEBHOOKS_PER_APP endpoints in parallel, each bounded by the delivery timeout
 * (10 s). 120 s covers that with room for Firestore; a bulk create of 100 licenses is 100
 * events, which 10 instances of 80 absorb. Retried on failure: fan-out is idempotent.
 */
export const deliverEventsOptions: Omit<DocumentOptions<string>, 'document'> = {
  ...shared,
  secrets: [keyEncryptionKey],
  concurrency: 80,
  maxInstances: 10,
  minInstances: 0,
  timeoutSeconds: 120,
  retry: true,
};

/**
 * Scheduled jobs. One instance serving one run at a time: a run that is still working when
 * the next minute fires makes that invocation answer 429 (not retried), so runs never overlap.
 * `retryWebhookDeliveries` takes up to `delivery.batchSize` due deliveries, 10 at a time, each
 * up to `delivery.timeoutMs`: against receivers that time out, 200 deliveries need about 210 s.
 * It stops taking new ones after `delivery.runBudgetMs` and its timeout leaves room for those
 * in flight, so a run is never killed mid-send (which would make receivers see duplicates).
 * Cloud Scheduler's attempt deadline follows the timeout.
 */
const scheduledOptions = { ...shared, concurrency: 1, maxInstances: 1, minInstances: 0, retryCount: 0 } as const;
export const retryWebhookDeliveriesOptions: ScheduleOptions = {
  ...scheduledOptions,
  secrets: [keyEncryptionKey],
  schedule: 'every 1 minutes',
  timeoutSeconds: delivery.runTimeoutSeconds,
};

/** `expireLicenses`: at most 500 licenses per run, one short transaction each. */
export const expireLicensesOptions: ScheduleOptions = {
  ...scheduledOptions,
  schedule: 'every 15 minutes',
  timeoutSeconds: 300,
};

/** An ADMIN_SECRET shorter than this is refused: operator access stays off and the instance logs why. */
export const minAdminSecretLength = 32;

const adminSecretTooShort = (value: string) => value.length > 0 && value.length < minAdminSecretLength;

// Checked when an instance starts (secrets are bound then, not at deploy time).
onInit(() => {
  if (adminSecretTooShort(adminSecret.value())) {
    logger.error('ADMIN_SECRET refused', { reason: `shorter than ${minAdminSecretLength} characters; operator access is off until a longer secret is deployed` });
  }
});

/** An unset, empty or too short secret disables operator access instead of matching it. */
export const operatorSecret = (): string | undefined => {
  const value = adminSecret.value();
  return value && !adminSecretTooShort(value) ? value : undefined;
};
