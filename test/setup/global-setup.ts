import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startFirestoreEmulator, type RunningEmulator } from '@keywarden/firestore-emulator';
import { startHosting, type RunningHosting } from '../../scripts/lib/hosting.js';
import { ensureLocalSecrets, projectId, startAuthEmulator, startFunctionsHost, type AuthEmulator, type FunctionsServer } from '../../scripts/lib/localStack.js';

let firestore: RunningEmulator | undefined;
let auth: AuthEmulator | undefined;
let functions: FunctionsServer | undefined;
let hosting: RunningHosting | undefined;

/**
 * Starts the embedded Firestore emulator (unless FIRESTORE_EMULATOR_HOST already names one)
 * and firebase-tools' Auth emulator (unless FIREBASE_AUTH_EMULATOR_HOST names one) and, unless
 * KEYWARDEN_FUNCTIONS=off, the production-shaped functions host (functions-framework, as Cloud
 * Run serves the built functions) and Hosting in front of it (firebase.json's rewrites and
 * headers) on free ports, so end-to-end tests send real HTTP to the code that deploys. The
 * Firebase Functions emulator is started by its own smoke suite.
 */
export async function setup(project: TestProject): Promise<void> {
  try {
    await startStack(project);
  } catch (error) {
    // The Auth emulator runs in a process group of its own: never leave it behind.
    await authStarting?.catch(() => undefined);
    await teardown();
    throw error;
  }
}

let authStarting: Promise<AuthEmulator> | undefined;

async function startStack(project: TestProject): Promise<void> {
  // No GCE metadata server here: keep google-auth-library from probing for one.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  // The Auth emulator takes a few seconds to come up: start it while Firestore starts.
  authStarting = process.env.FIREBASE_AUTH_EMULATOR_HOST ? undefined : startAuthEmulator().then((started) => (auth = started));
  authStarting?.catch(() => undefined);
  // Webhook receivers in tests listen on loopback, which production delivery refuses.
  process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS = '1';
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    firestore = await startFirestoreEmulator({ host: '127.0.0.1', port: 0, indexes: fileURLToPath(new URL('../../firestore.indexes.json', import.meta.url)) });
    process.env.FIRESTORE_EMULATOR_HOST = `${firestore.host}:${firestore.port}`;
  }
  process.env.GCLOUD_PROJECT ??= projectId;
  auth = await authStarting;
  // firebase-admin's getAuth() in the functions and in the test files accepts this emulator's tokens.
  if (auth) process.env.FIREBASE_AUTH_EMULATOR_HOST = auth.host;
  const authEmulatorHost = process.env.FIREBASE_AUTH_EMULATOR_HOST ?? '';
  project.provide('authEmulatorHost', authEmulatorHost);
  const { secrets } = ensureLocalSecrets();
  project.provide('firestoreEmulatorHost', process.env.FIRESTORE_EMULATOR_HOST);
  project.provide('firestoreControlUrl', firestore?.controlUrl ?? '');
  project.provide('adminSecret', secrets.ADMIN_SECRET);
  project.provide('stripeWebhookSecret', secrets.STRIPE_WEBHOOK_SECRET);
  project.provide('paymentWebhookSecret', secrets.PAYMENT_WEBHOOK_SECRET);
  // Suites that run functions in-process (webhook delivery) open sealed secrets with the same KEK.
  process.env.KEYWARDEN_KEK ??= secrets.KEYWARDEN_KEK;
  // Seat refusals carry portalUrl under this base (test/portal checks it).
  const portalBaseUrl = 'https://licenses.example.test';
  project.provide('portalBaseUrl', portalBaseUrl);
  if (process.env.KEYWARDEN_FUNCTIONS !== 'off') {
    // No event pump: the webhook suites drive the trigger and schedules themselves.
    functions = await startFunctionsHost({
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      pump: false,
      env: { FIREBASE_AUTH_EMULATOR_HOST: authEmulatorHost, KEYWARDEN_PORTAL_URL: portalBaseUrl },
    });
    project.provide('functionsBaseUrl', functions.baseUrl);
    project.provide('functionsHostPid', functions.process.pid ?? 0);
    hosting = await startHosting({ port: 0, functionsBaseUrl: functions.baseUrl, authEmulatorHost });
    project.provide('hostingUrl', hosting.url);
  } else {
    project.provide('functionsBaseUrl', '');
    project.provide('functionsHostPid', 0);
    project.provide('hostingUrl', '');
  }
}

export async function teardown(): Promise<void> {
  await hosting?.stop();
  await functions?.stop();
  await auth?.stop();
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
    /** `127.0.0.1:<port>` of the Auth emulator (test/support/auth.ts signs users up there). */
    authEmulatorHost: string;
    /** Hosting in front of the functions host, `http://127.0.0.1:<port>/` ('' when KEYWARDEN_FUNCTIONS=off). */
    hostingUrl: string;
    /** The functions host's KEYWARDEN_PORTAL_URL (seat refusals' portalUrl starts with it). */
    portalBaseUrl: string;
  }
}
