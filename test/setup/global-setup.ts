import type { TestProject } from 'vitest/node';
import { startFirestoreEmulator, type RunningEmulator } from '../../firestore-emulator/src/index.js';
import { ensureLocalSecrets, projectId, startFunctionsEmulator, type FunctionsEmulator } from '../../scripts/lib/localStack.js';

let firestore: RunningEmulator | undefined;
let functions: FunctionsEmulator | undefined;

/**
 * Starts the embedded Firestore emulator (unless FIRESTORE_EMULATOR_HOST already names one)
 * and, unless KEYWARDEN_FUNCTIONS=off, the Firebase Functions emulator on free ports, so end-to-end tests send real HTTP to the deployed function code.
 */
export async function setup(project: TestProject): Promise<void> {
  // No GCE metadata server here: keep google-auth-library from probing for one.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  // Webhook receivers in tests listen on loopback, which production delivery refuses.
  process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS = '1';
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    firestore = await startFirestoreEmulator({ host: '127.0.0.1', port: 0 });
    process.env.FIRESTORE_EMULATOR_HOST = `${firestore.host}:${firestore.port}`;
  }
  process.env.GCLOUD_PROJECT ??= projectId;
  const { secrets } = ensureLocalSecrets();
  project.provide('firestoreEmulatorHost', process.env.FIRESTORE_EMULATOR_HOST);
  project.provide('adminSecret', secrets.ADMIN_SECRET);
  project.provide('stripeWebhookSecret', secrets.STRIPE_WEBHOOK_SECRET);
  project.provide('paymentWebhookSecret', secrets.PAYMENT_WEBHOOK_SECRET);
  if (process.env.KEYWARDEN_FUNCTIONS !== 'off') {
    functions = await startFunctionsEmulator({
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      config: 'auto',
    });
    project.provide('functionsBaseUrl', functions.baseUrl);
  } else {
    project.provide('functionsBaseUrl', '');
  }
}

export async function teardown(): Promise<void> {
  await functions?.stop();
  await firestore?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    firestoreEmulatorHost: string;
    adminSecret: string;
    stripeWebhookSecret: string;
    paymentWebhookSecret: string;
    functionsBaseUrl: string;
  }
}
