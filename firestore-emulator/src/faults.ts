import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { FirestoreError, invalidArgument } from './errors.js';

/**
 * Fault injection: "the next N matching operations fail with code X".
 *
 * - operation "commit" covers Commit, BatchWrite and the single-document
 *   write RPCs; "read" covers GetDocument, BatchGetDocuments, RunQuery and
 *   RunAggregationQuery; "any" covers both.
 * - pathPrefix (relative to the database's documents root) scopes a fault to
 *   operations touching documents at or below it; database scopes it to one
 *   "projects/p/databases/d".
 * - Each matching RPC consumes one unit of the oldest matching fault.
 */

export type FaultOperation = 'commit' | 'read' | 'any';
export type FaultCode = 'ABORTED' | 'UNAVAILABLE' | 'DEADLINE_EXCEEDED' | 'RESOURCE_EXHAUSTED';

export interface FaultSpec {
  operation: FaultOperation;
  code: FaultCode;
  count: number;
  pathPrefix?: string;
  database?: string;
}

export interface Fault extends FaultSpec {
  readonly id: string;
  /** Failures still to inject. */
  remaining: number;
}

const OPERATIONS: ReadonlySet<string> = new Set<FaultOperation>(['commit', 'read', 'any']);
const CODES: Record<FaultCode, status> = {
  ABORTED: status.ABORTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
};

/** True when `path` is `prefix` or below it ('' is the root: everything is below it). */
export function isUnder(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

/** What an operation touches, for pathPrefix matching. */
export type FaultTarget =
  | { readonly kind: 'documents'; readonly paths: readonly string[] }
  /** A query: its collection path (collection queries) or parent path (collection-group / kindless). */
  | { readonly kind: 'query'; readonly base: string };

/**
 * A document operation matches when it touches a document under the prefix; a query matches
 * when the collection it reads is the prefix or below it. A fault scoped to one document does
 * not fail queries on its collection: test files share the emulator, and their queries on the
 * same collection must not see each other's faults.
 */
function matchesTarget(prefix: string, target: FaultTarget): boolean {
  if (target.kind === 'documents') return target.paths.some(p => isUnder(p, prefix));
  return isUnder(target.base, prefix);
}

export function validateFaultSpec(input: unknown): FaultSpec {
  const spec = (input ?? {}) as Partial<Record<keyof FaultSpec, unknown>>;
  if (typeof spec.operation !== 'string' || !OPERATIONS.has(spec.operation)) {
    throw invalidArgument('fault "operation" must be "commit", "read" or "any"');
  }
  if (typeof spec.code !== 'string' || !(spec.code in CODES)) {
    throw invalidArgument(`fault "code" must be one of ${Object.keys(CODES).join(', ')}`);
  }
  if (typeof spec.count !== 'number' || !Number.isInteger(spec.count) || spec.count < 1) {
    throw invalidArgument('fault "count" must be a positive integer');
  }
  if (spec.pathPrefix !== undefined && (typeof spec.pathPrefix !== 'string' || spec.pathPrefix.startsWith('/') || spec.pathPrefix.endsWith('/'))) {
    throw invalidArgument('fault "pathPrefix" must be a relative path like "licenses/KEY"');
  }
  if (spec.database !== undefined && (typeof spec.database !== 'string' || !/^projects\/[^/]+\/databases\/[^/]+$/.test(spec.database))) {
    throw invalidArgument('fault "database" must look like "projects/p/databases/d"');
  }
  return {
    operation: spec.operation as FaultOperation,
    code: spec.code as FaultCode,
    count: spec.count,
    ...(spec.pathPrefix !== undefined ? { pathPrefix: spec.pathPrefix as string } : {}),
    ...(spec.database !== undefined ? { database: spec.database as string } : {}),
  };
}

export class FaultInjector {
  private faults: Fault[] = [];

  add(input: unknown): Fault {
    const spec = validateFaultSpec(input);
    const fault: Fault = { ...spec, id: randomBytes(8).toString('hex'), remaining: spec.count };
    this.faults.push(fault);
    return fault;
  }

  /** The remaining faults, or those scoped to one database. */
  list(database?: string): Fault[] {
    return this.faults.filter(f => database === undefined || f.database === database).map(f => ({ ...f }));
  }

  /** Drops every fault, or those scoped to one database (test files sharing an emulator). */
  clear(database?: string): void {
    this.faults = database === undefined ? [] : this.faults.filter(f => f.database !== database);
  }

  /** Drops one fault by id; false when it is not there (spent or never added). */
  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter(f => f.id !== id);
    return this.faults.length < before;
  }

  /**
   * Consumes one unit of the first fault matching the operation; returns the
   * error to fail it with, or undefined. Cheap when no fault is registered.
   */
  take(operation: 'commit' | 'read', database: string, target: FaultTarget): FirestoreError | undefined {
    if (this.faults.length === 0) return undefined;
    const fault = this.faults.find(
      f =>
        (f.operation === 'any' || f.operation === operation) &&
        (f.database === undefined || f.database === database) &&
        (f.pathPrefix === undefined || matchesTarget(f.pathPrefix, target)),
    );
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults = this.faults.filter(f => f !== fault);
    return new FirestoreError(CODES[fault.code], `Injected fault ${fault.id} (${fault.code}) for ${operation}`);
  }
}
