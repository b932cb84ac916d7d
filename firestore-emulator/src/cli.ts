import { parseArgs } from 'node:util';
import { startFirestoreEmulator } from './index.js';

/**
 * Usage: tsx firestore-emulator/src/cli.ts [--port 8080] [--host 127.0.0.1]
 *          [--indexes firestore.indexes.json] [--control-port 0]
 * Prints "Firestore emulator listening on HOST:PORT" once ready, then
 * "Firestore emulator control endpoint at URL" (the HTTP control endpoint).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      indexes: { type: 'string' },
      'control-port': { type: 'string', default: '0' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid --port "${values.port}"`);
  }
  const controlPort = Number(values['control-port']);
  if (!Number.isInteger(controlPort) || controlPort < 0 || controlPort > 65535) {
    throw new Error(`Invalid --control-port "${values['control-port']}"`);
  }
  const emulator = await startFirestoreEmulator({
    host: values.host,
    port,
    controlPort,
    ...(values.indexes !== undefined ? { indexes: values.indexes } : {}),
  });

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Signal handlers are installed: whoever waits for these lines may signal us right away.
  console.log(`Firestore emulator listening on ${emulator.host}:${emulator.port}`);
  console.log(`Firestore emulator control endpoint at ${emulator.controlUrl}`);
  if (values.indexes !== undefined) console.log(`Firestore emulator enforcing indexes from ${values.indexes}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
