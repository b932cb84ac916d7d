import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startFirestoreEmulator, type RunningEmulator } from '@keywarden/firestore-emulator';
import { ensureLocalSecrets, projectId, startFunctionsHost, type FunctionsServer } from '../../scripts/lib/localStack.js';

let firestore: RunningEmulator | undefined;
let functions: FunctionsServer | undefined;

/**
 * Starts the embedded Firestore emulator (unless FIRESTORE_EMULATOR_HOST already names one)
 * and, unless KEYWARDEN_FUNCTIONS=off, the production-shaped functions host (functions-framework,
 * as Cloud Run serves the built functions) on free ports, so end-to-end tests send real HTTP to
 * the code that deploys. The Firebase Functions emulator is started by its own smoke suite.
 */
export async function setup(project: TestProject): Promise<void> {
  // No GCE metadata server here: keep google-auth-library from probing for one.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  // Webhook receivers in tests listen on loopback, which production delivery refuses.
  process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS = '1';
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    firestore = await startFirestoreEmulator({ host: '127.0.0.1', port: 0, indexes: fileURLToPath(new URL('../../firestore.indexes.json', import.meta.url)) });
    process.env.FIRESTORE_EMULATOR_HOST = `${firestore.host}:${firestore.port}`;
  }
  process.env.GCLOUD_PROJECT ??= projectId;
  const { secrets } = ensureLocalSecrets();
  project.provide('firestoreEmulatorHost', process.env.FIRESTORE_EMULATOR_HOST);
  project.provide('firestoreControlUrl', firestore?.controlUrl ?? '');
  project.provide('adminSecret', secrets.ADMIN_SECRET);
  project.provide('stripeWebhookSecret', secrets.STRIPE_WEBHOOK_SECRET);
  project.provide('paymentWebhookSecret', secrets.PAYMENT_WEBHOOK_SECRET);
  // Suites that run functions in-process (webhook delivery) open sealed secrets with the same KEK.
  process.env.KEYWARDEN_KEK ??= secrets.KEYWARDEN_KEK;
  if (process.env.KEYWARDEN_FUNCTIONS !== 'off') {
    // No event pump: the webhook suites drive the trigger and schedules themselves.
    functions = await startFunctionsHost({ firestoreHost: process.env.FIRESTORE_EMULATOR_HOST, pump: false });
    project.provide('functionsBaseUrl', functions.baseUrl);
    project.provide('functionsHostPid', functions.process.pid ?? 0);
  } else {
    project.provide('functionsBaseUrl', '');
    project.provide('functionsHostPid', 0);
  }
}

export async function teardown(): Promise<void> {
  await functions?.stop();
  await firestore?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    firestoreEmulatorHost: string;
    firestoreControlUrl: string;
    adminSecret: string;
    stripeWebhookSecret: string;
    paymentWebhookSecret: string;
    functionsBaseUrl: string;
    /** The functions host's process id (test/security measures its memory). */
    functionsHostPid: number;
  }
}
