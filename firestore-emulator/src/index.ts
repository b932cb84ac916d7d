import type { Server } from 'node:http';
import { closeControl, controlUrl, createControlServer, listenControl } from './control.js';
import type { Fault, FaultSpec } from './faults.js';
import { IndexConfig, loadIndexConfig, type IndexFileJson } from './indexes.js';
import { bindServer, createGrpcServer, shutdownServer } from './server.js';
import { FirestoreService } from './service.js';

export type { Fault, FaultSpec, FaultCode, FaultOperation } from './faults.js';
export { seededRandom } from './faults.js';
export type { IndexFileJson } from './indexes.js';

export interface StartOptions {
  host?: string;
  /** gRPC port; 0 (default) picks a free one. */
  port?: number;
  /**
   * Composite index enforcement: a path to a firestore.indexes.json file or
   * its parsed content. Queries production would refuse without an index fail
   * with FAILED_PRECONDITION. Omitted: no enforcement.
   */
  indexes?: string | IndexFileJson;
  /** Port of the HTTP control endpoint (faults, stats, reset); 0 (default) picks a free one. */
  controlPort?: number;
}

export interface EmulatorStatsSnapshot {
  reads: number;
  writes: number;
  /** Writes applied per document (database-relative path). */
  documentWrites: Record<string, number>;
}

export interface RunningEmulator {
  host: string;
  port: number;
  /** Base URL of the HTTP control endpoint, e.g. http://127.0.0.1:40123 (see README). */
  controlUrl: string;
  stop(): Promise<void>;
  reset(): void;
  /** Operation counters since start or the last resetStats() (documents read, writes applied, per-document writes). */
  stats(): EmulatorStatsSnapshot;
  resetStats(): void;
  /**
   * Makes the next `count` matching operations fail with `code`, or (`rate`) each matching
   * operation fail with that probability, drawn from a PRNG seeded with `seed`; returns the
   * fault (with its id and seed).
   */
  injectFaults(spec: FaultSpec): Fault;
  clearFaults(): void;
  /** Replaces the index configuration of one database ("projects/p/databases/d"): null = no enforcement, undefined = back to the `indexes` option. */
  setIndexes(database: string, indexes: string | IndexFileJson | null | undefined): void;
}

/**
 * Starts an in-process Firestore emulator speaking the google.firestore.v1
 * gRPC API (point FIRESTORE_EMULATOR_HOST at `${host}:${port}`), plus an HTTP
 * control endpoint at `controlUrl`.
 * `port: 0` picks a free port; the default host is 127.0.0.1.
 */
export async function startFirestoreEmulator(opts: StartOptions): Promise<RunningEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const indexes = loadIndexConfig(opts.indexes);
  const service = new FirestoreService();
  service.indexes = indexes;
  const server = createGrpcServer(service);
  const reset = (): void => service.reset();
  let control: Server | undefined;
  let port: number;
  let ctlPort: number;
  try {
    port = await bindServer(server, host, opts.port ?? 0);
    control = createControlServer({ service, reset });
    ctlPort = await listenControl(control, host, opts.controlPort ?? 0);
  } catch (err) {
    service.close();
    server.forceShutdown();
    if (control?.listening) await closeControl(control);
    throw err;
  }
  const controlServer = control;
  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    controlUrl: controlUrl(host, ctlPort),
    reset,
    stats: () => ({ reads: service.stats.reads, writes: service.stats.writes, documentWrites: { ...service.stats.documentWrites } }),
    resetStats: () => service.resetStats(),
    injectFaults: spec => ({ ...service.faults.add(spec) }),
    clearFaults: () => service.faults.clear(),
    setIndexes: (database, config) =>
      service.setDatabaseIndexes(database, config === null || config === undefined ? config : IndexConfig.load(config)),
    stop: () => {
      // Reject lock waiters first so open streams end and shutdown is quick.
      stopped ??= (async () => {
        service.close();
        await Promise.all([shutdownServer(server), closeControl(controlServer)]);
      })();
      return stopped;
    },
  };
}
