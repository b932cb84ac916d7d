/**
 * `npm start`: the whole backend on this machine with no Java and no network.
 * Embedded Firestore emulator on 127.0.0.1:8080 and every function on 127.0.0.1:5001 at
 * `/demo-keywarden/us-central1/<function>`, served as production serves them (functions-framework,
 * one process, the declared concurrency), with the event pump delivering outbound webhooks.
 * firebase-tools' Auth emulator on 127.0.0.1:9099 (operators' sign-in; the functions get
 * FIREBASE_AUTH_EMULATOR_HOST) and Hosting on 127.0.0.1:5000 (the console, firebase.json's
 * rewrites and headers, `/v1/**` to the v1 function) in front of them.
 * Mails the customer portal writes (sign-in codes) are printed as `[mail]` lines (no mail server).
 * `npm run start:emulator` (KEYWARDEN_HOST=emulator) serves the same URLs through the Firebase
 * Functions emulator instead. Ctrl-C or SIGTERM stops every child process.
 * Ports: FIRESTORE_PORT, FUNCTIONS_PORT, AUTH_PORT, HOSTING_PORT (0: any free port, printed
 * once the stack is up; with HOSTING_PORT=0 seat refusals carry no portalUrl unless
 * KEYWARDEN_PORTAL_URL names one). `npm start` is `npm run build` then `npm run start:built`
 * (this script), which starts the stack from the last build without rebuilding it.
 */
import { startFirestoreEmulator } from '@keywarden/firestore-emulator';
import { emitExpiringReminders } from '../functions/src/services/licensing/expiringRemindersPass.js';
import { emitExpiryEvents } from '../functions/src/services/licensing/licenseExpiryPass.js';
import { processDueDeliveries, pumpRecentEvents } from '../functions/src/services/webhooks/webhookDispatch.js';
import { startEventPump } from './lib/eventPump.js';
import { startMailWatcher } from './lib/mailWatcher.js';
import { db } from '../functions/src/data/firestore.js';
import { startHosting, type RunningHosting } from './lib/hosting.js';
import { ensureLocalSecrets, projectId, repoRoot, secretFile, startAuthEmulator, startFunctionsEmulator, startFunctionsHost, type AuthEmulator, type FunctionsServer } from './lib/localStack.js';
import { join } from 'node:path';

const firestorePort = Number(process.env.FIRESTORE_PORT ?? 8080);
const functionsPort = Number(process.env.FUNCTIONS_PORT ?? 5001);
const authPort = Number(process.env.AUTH_PORT ?? 9099);
const hostingPort = Number(process.env.HOSTING_PORT ?? 5000);
const useEmulator = process.env.KEYWARDEN_HOST === 'emulator';

async function main(): Promise<void> {
  const { created } = ensureLocalSecrets();
  console.log(created.length > 0 ? `Wrote new random ${created.join(', ')} to ${secretFile}` : `Using the secrets in ${secretFile}`);

  const firestore = await startFirestoreEmulator({ host: '127.0.0.1', port: firestorePort, indexes: join(repoRoot, 'firestore.indexes.json') });
  const firestoreHost = `${firestore.host}:${firestore.port}`;
  console.log(`Embedded Firestore emulator on ${firestoreHost}`);

  process.env.FIRESTORE_EMULATOR_HOST = firestoreHost;
  process.env.GCLOUD_PROJECT = projectId;
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  // Local receivers (127.0.0.1) are fine on a developer's machine.
  process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS = '1';

  let functions: FunctionsServer | undefined;
  let auth: AuthEmulator | undefined;
  let hosting: RunningHosting | undefined;
  const running: { pump?: ReturnType<typeof startEventPump>; mail?: ReturnType<typeof startMailWatcher> } = {};
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the local stack…');
    // All at once: one step slow to finish (the mail watcher waits for a Firestore query in
    // flight; a loaded machine) must not leave the Auth emulator, in its own process group,
    // running after we exit. Firestore last, so the others' last reads still get an answer.
    await Promise.allSettled([hosting?.stop(), running.pump?.stop(), running.mail?.stop(), functions?.stop(), auth?.stop()]);
    await firestore.stop();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));

  try {
    auth = await startAuthEmulator({ port: authPort, echo: true });
    // firebase-admin's getAuth().verifyIdToken in the functions accepts this emulator's tokens.
    // Seat refusals point to this stack's portal (KEYWARDEN_PORTAL_URL; README, Customer portal).
    const env = { FIREBASE_AUTH_EMULATOR_HOST: auth.host, KEYWARDEN_PORTAL_URL: process.env.KEYWARDEN_PORTAL_URL ?? (hostingPort ? `http://127.0.0.1:${hostingPort}` : '') };
    functions = useEmulator
      ? await startFunctionsEmulator({ firestoreHost, port: functionsPort, echo: true, env })
      : await startFunctionsHost({ firestoreHost, port: functionsPort, echo: true, env });
    hosting = await startHosting({ port: hostingPort, functionsBaseUrl: functions.baseUrl, authEmulatorHost: auth.host });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await shutdown(1);
    return;
  }
  functions.process.once('exit', () => void shutdown(1));
  auth.process.once('exit', () => void shutdown(1));
  // The host runs the event pump itself; beside the Functions emulator it runs here.
  if (useEmulator) {
    running.pump = startEventPump(
      { emitExpiryEvents, emitExpiringReminders, processDueDeliveries, pumpRecentEvents },
      { log: (message) => console.log(`[webhooks] ${message}`) },
    );
  }
  // No mail server locally: each mail the portal writes (its sign-in codes) is printed here.
  const mailCollection = process.env.KEYWARDEN_MAIL_COLLECTION || 'mail';
  running.mail = startMailWatcher(db(), mailCollection, (mail) =>
    console.log(`[mail] to ${mail.to}: ${mail.subject}${mail.code ? ` (code ${mail.code})` : ''}`),
  );
  console.log(`\nKeywarden is running (${useEmulator ? 'Firebase Functions emulator' : 'functions-framework, as on Cloud Run'}).`);
  console.log(`Console: ${hosting.url}`);
  console.log(`Customer portal: ${hosting.url.replace(/\/$/, '')}/portal (sign-in codes are printed here as [mail] lines)`);
  console.log(`Functions: ${functions.baseUrl}/<name>`);
  console.log(`Auth emulator: ${auth.host}`);
  console.log(`FIRESTORE_EMULATOR_HOST=${firestoreHost}`);
  console.log('Outbound webhooks are delivered by the local event pump (no Firestore triggers locally).');
  console.log('Press Ctrl-C to stop.');
}

void main();
