import { inject } from 'vitest';

/**
 * Fault injection and counters of the embedded Firestore emulator, over its
 * HTTP control endpoint (the emulator runs in the global-setup process; see
 * firestore-emulator/README.md). Unavailable against an external emulator:
 * `controlUrl()` is then '' and these helpers throw.
 */

export interface FaultSpec {
  operation: 'commit' | 'read' | 'any';
  code: 'ABORTED' | 'UNAVAILABLE' | 'DEADLINE_EXCEEDED' | 'RESOURCE_EXHAUSTED';
  count: number;
  /** Relative to the database's documents root, e.g. "licenses/KEY". */
  pathPrefix?: string;
  /** "projects/p/databases/d"; default: every database. */
  database?: string;
}

export interface EmulatorStats {
  reads: number;
  writes: number;
  documentWrites: Record<string, number>;
}

/** The control endpoint URL, or '' when the tests run against an external emulator. */
export function controlUrl(): string {
  return process.env.FIRESTORE_CONTROL_URL ?? inject('firestoreControlUrl');
}

/** Faults this test file injected and has not cleared. */
const injected: string[] = [];

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const base = controlUrl();
  if (!base) throw new Error('No Firestore emulator control endpoint (an external emulator is in use)');
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(`Firestore emulator control ${method} ${path} failed (${res.status}): ${json.error ?? ''}`);
  return json;
}

/** The next `count` matching operations fail with `code`; returns the fault id. */
export async function injectFaults(spec: FaultSpec): Promise<string> {
  const { id } = await call<{ ok: true; id: string }>('POST', '/faults', spec);
  injected.push(id);
  return id;
}

/**
 * Drops every fault injected through `injectFaults` by this test file (files run in parallel
 * against one emulator, so never clear another file's faults).
 */
export async function clearFaults(): Promise<void> {
  const ids = injected.splice(0);
  await Promise.all(ids.map((id) => call('DELETE', `/faults/${id}`)));
}

export async function emulatorStats(): Promise<EmulatorStats> {
  return call<EmulatorStats>('GET', '/stats');
}

export async function resetEmulatorStats(): Promise<void> {
  await call('POST', '/stats/reset');
}

/** Replaces the enforced index configuration of one database (null: none; undefined: back to firestore.indexes.json). */
export async function setDatabaseIndexes(database: string, indexes: unknown): Promise<void> {
  await call('PUT', '/indexes', indexes === undefined ? { database } : { database, indexes });
}

/** A declared composite index with the number of queries it has served in this emulator. */
export interface DeclaredIndexUsage {
  collectionGroup: string;
  queryScope?: string;
  fields: Array<{ fieldPath: string; order?: string; arrayConfig?: string }>;
  uses: number;
}

/** How often each index of firestore.indexes.json has served a query (embedded emulator only). */
export async function declaredIndexUsage(): Promise<DeclaredIndexUsage[]> {
  return (await call<{ indexes: DeclaredIndexUsage[] }>('GET', '/indexes/usage')).indexes;
}
