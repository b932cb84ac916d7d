import { parseArgs } from 'node:util';
import { startFirestoreEmulator } from './index.js';

/**
 * Usage: tsx firestore-emulator/src/cli.ts [--port 8080] [--host 127.0.0.1]
 * Prints "Firestore emulator listening on HOST:PORT" once ready.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid --port "${values.port}"`);
  }
  const emulator = await startFirestoreEmulator({ host: values.host, port });

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
  // Printed last: whoever waits for this line may signal us right away.
  console.log(`Firestore emulator listening on ${emulator.host}:${emulator.port}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
