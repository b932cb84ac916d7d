/**
 * `npm start`: the whole backend on this machine with no Java and no network.
 * Embedded Firestore emulator on 127.0.0.1:8080, Functions emulator on 127.0.0.1:5001.
 * Ctrl-C stops every child process.
 */
import { startFirestoreEmulator } from '../firestore-emulator/src/index.js';
import { startEventPump } from './lib/eventPump.js';
import { ensureLocalSecrets, projectId, secretFile, startFunctionsEmulator } from './lib/localStack.js';

const firestorePort = Number(process.env.FIRESTORE_PORT ?? 8080);

async function main(): Promise<void> {
  const { created } = ensureLocalSecrets();
  console.log(created.length > 0 ? `Wrote new random ${created.join(', ')} to ${secretFile}` : `Using the secrets in ${secretFile}`);

  const firestore = await startFirestoreEmulator({ host: '127.0.0.1', port: firestorePort });
  const firestoreHost = `${firestore.host}:${firestore.port}`;
  console.log(`Embedded Firestore emulator on ${firestoreHost}`);

  // The pump below talks to the embedded emulator through firebase-admin, like the functions do.
  process.env.FIRESTORE_EMULATOR_HOST = firestoreHost;
  process.env.GCLOUD_PROJECT = projectId;
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  // Local receivers (127.0.0.1) are fine on a developer's machine.
  process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS = '1';

  let functions: Awaited<ReturnType<typeof startFunctionsEmulator>> | undefined;
  const running: { pump?: ReturnType<typeof startEventPump> } = {};
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the local stack…');
    await running.pump?.stop();
    await functions?.stop();
    await firestore.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    functions = await startFunctionsEmulator({ firestoreHost, echo: true });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await shutdown(1);
    return;
  }
  functions.process.once('exit', () => void shutdown(1));
  running.pump = startEventPump({ log: (message) => console.log(`[webhooks] ${message}`) });
  console.log(`\nKeywarden is running. Functions: ${functions.baseUrl}/<name>`);
  console.log(`FIRESTORE_EMULATOR_HOST=${firestoreHost}`);
  console.log('Outbound webhooks are delivered by the local event pump (no Firestore triggers locally).');
  console.log('Press Ctrl-C to stop.');
}

void main();
