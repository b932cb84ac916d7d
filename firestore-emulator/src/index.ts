import { bindServer, createGrpcServer, shutdownServer } from './server.js';
import { FirestoreService } from './service.js';

export interface RunningEmulator {
  host: string;
  port: number;
  stop(): Promise<void>;
  reset(): void;
  /** Operation counters since start (documents read, writes applied); used by scripts/bench.ts. */
  stats(): { reads: number; writes: number };
}

/**
 * Starts an in-process Firestore emulator speaking the google.firestore.v1
 * gRPC API (point FIRESTORE_EMULATOR_HOST at `${host}:${port}`).
 * `port: 0` picks a free port; the default host is 127.0.0.1.
 */
export async function startFirestoreEmulator(opts: { host?: string; port?: number }): Promise<RunningEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const service = new FirestoreService();
  const server = createGrpcServer(service);
  let port: number;
  try {
    port = await bindServer(server, host, opts.port ?? 0);
  } catch (err) {
    service.close();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    reset: () => service.reset(),
    stats: () => ({ ...service.stats }),
    stop: () => {
      // Reject lock waiters first so open streams end and shutdown is quick.
      stopped ??= (async () => {
        service.close();
        await shutdownServer(server);
      })();
      return stopped;
    },
  };
}
