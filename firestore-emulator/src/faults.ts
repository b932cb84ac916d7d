import { createHash, randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { FirestoreError, invalidArgument } from './errors.js';

/**
 * Fault injection, two kinds of rule:
 *
 * - counted: "the next N matching operations fail with code X" (`count`);
 * - random: "each matching operation fails with probability p" (`rate`), with a code drawn from
 *   `code` (one code or a list). Draws come from a seeded PRNG per rule (`seed`, random when
 *   omitted and reported back), so the same seed over the same sequence of matching operations
 *   fails the same operations: a failing run can be replayed.
 *
 * - operation "commit" covers Commit, BatchWrite and the single-document
 *   write RPCs; "read" covers GetDocument, BatchGetDocuments, RunQuery and
 *   RunAggregationQuery; "any" covers both.
 * - pathPrefix (relative to the database's documents root) scopes a fault to
 *   operations touching documents at or below it; database scopes it to one
 *   "projects/p/databases/d".
 * - Each matching RPC consumes one unit of the oldest matching counted fault; when none
 *   matches, the random rules are drawn in the order they were added (the first that fires wins).
 */

export type FaultOperation = 'commit' | 'read' | 'any';
export type FaultCode = 'ABORTED' | 'UNAVAILABLE' | 'DEADLINE_EXCEEDED' | 'RESOURCE_EXHAUSTED';

export interface FaultSpec {
  operation: FaultOperation;
  /** One code, or (random rules) a list to draw from. */
  code: FaultCode | FaultCode[];
  /** Counted rule: the next `count` matching operations fail. Exactly one of count and rate. */
  count?: number;
  /** Random rule: each matching operation fails with this probability (0 < rate <= 1). */
  rate?: number;
  /** Random rule: the PRNG seed (an integer or a string); random when omitted. */
  seed?: number | string;
  pathPrefix?: string;
  database?: string;
}

export interface Fault extends FaultSpec {
  readonly id: string;
  /** Counted rules: failures still to inject; random rules: null (until cleared). */
  remaining: number | null;
  /** Failures injected by this rule so far. */
  injected: number;
  /** Random rules: matching operations drawn for so far. */
  drawn?: number;
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

const isCode = (code: unknown): code is FaultCode => typeof code === 'string' && Object.hasOwn(CODES, code);

export function validateFaultSpec(input: unknown): FaultSpec {
  const spec = (input ?? {}) as Partial<Record<keyof FaultSpec, unknown>>;
  if (typeof spec.operation !== 'string' || !OPERATIONS.has(spec.operation)) {
    throw invalidArgument('fault "operation" must be "commit", "read" or "any"');
  }
  const random = spec.rate !== undefined;
  const codesOk = isCode(spec.code) || (random && Array.isArray(spec.code) && spec.code.length > 0 && spec.code.every(isCode));
  if (!codesOk) {
    throw invalidArgument(`fault "code" must be one of ${Object.keys(CODES).join(', ')}${random ? ', or a non-empty list of them' : ''}`);
  }
  if (random) {
    if (spec.count !== undefined) throw invalidArgument('a fault takes "count" or "rate", not both');
    if (typeof spec.rate !== 'number' || !(spec.rate > 0 && spec.rate <= 1)) {
      throw invalidArgument('fault "rate" must be a number in (0, 1]');
    }
    if (spec.seed !== undefined && !((typeof spec.seed === 'number' && Number.isSafeInteger(spec.seed)) || (typeof spec.seed === 'string' && spec.seed.length > 0 && spec.seed.length <= 200))) {
      throw invalidArgument('fault "seed" must be an integer or a non-empty string');
    }
  } else {
    if (typeof spec.count !== 'number' || !Number.isInteger(spec.count) || spec.count < 1) {
      throw invalidArgument('fault "count" must be a positive integer (or give "rate" for a random fault)');
    }
    if (spec.seed !== undefined) throw invalidArgument('fault "seed" goes with "rate"');
  }
  if (spec.pathPrefix !== undefined && (typeof spec.pathPrefix !== 'string' || spec.pathPrefix.startsWith('/') || spec.pathPrefix.endsWith('/'))) {
    throw invalidArgument('fault "pathPrefix" must be a relative path like "licenses/KEY"');
  }
  if (spec.database !== undefined && (typeof spec.database !== 'string' || !/^projects\/[^/]+\/databases\/[^/]+$/.test(spec.database))) {
    throw invalidArgument('fault "database" must look like "projects/p/databases/d"');
  }
  return {
    operation: spec.operation as FaultOperation,
    code: Array.isArray(spec.code) ? [...(spec.code as FaultCode[])] : (spec.code as FaultCode),
    ...(random ? { rate: spec.rate as number, seed: (spec.seed as number | string | undefined) ?? randomBytes(6).toString('hex') } : { count: spec.count as number }),
    ...(spec.pathPrefix !== undefined ? { pathPrefix: spec.pathPrefix as string } : {}),
    ...(spec.database !== undefined ? { database: spec.database as string } : {}),
  };
}

/**
 * A small seeded PRNG (mulberry32 over a 32-bit state derived from the seed by SHA-256): the
 * same seed gives the same sequence of draws in [0, 1), on any machine and Node version.
 */
export function seededRandom(seed: number | string): () => number {
  let state = createHash('sha256').update(String(seed)).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rule {
  fault: Fault;
  /** Random rules: the rule's own PRNG. */
  next?: () => number;
}

export class FaultInjector {
  private rules: Rule[] = [];

  add(input: unknown): Fault {
    const spec = validateFaultSpec(input);
    const id = randomBytes(8).toString('hex');
    const fault: Fault =
      spec.rate !== undefined ? { ...spec, id, remaining: null, injected: 0, drawn: 0 } : { ...spec, id, remaining: spec.count ?? 1, injected: 0 };
    this.rules.push({ fault, ...(spec.rate !== undefined ? { next: seededRandom(spec.seed ?? id) } : {}) });
    return { ...fault };
  }

  /** The remaining faults, or those scoped to one database. */
  list(database?: string): Fault[] {
    return this.rules.map(r => r.fault).filter(f => database === undefined || f.database === database).map(f => ({ ...f }));
  }

  /** Drops every fault, or those scoped to one database (test files sharing an emulator). */
  clear(database?: string): void {
    this.rules = database === undefined ? [] : this.rules.filter(r => r.fault.database !== database);
  }

  /** Drops one fault by id; false when it is not there (spent or never added). */
  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter(r => r.fault.id !== id);
    return this.rules.length < before;
  }

  /**
   * Consumes one unit of the first fault matching the operation; returns the
   * error to fail it with, or undefined. Cheap when no fault is registered.
   */
  take(operation: 'commit' | 'read', database: string, target: FaultTarget): FirestoreError | undefined {
    if (this.rules.length === 0) return undefined;
    const matches = (f: Fault) =>
      (f.operation === 'any' || f.operation === operation) &&
      (f.database === undefined || f.database === database) &&
      (f.pathPrefix === undefined || matchesTarget(f.pathPrefix, target));
    const counted = this.rules.find(r => !r.next && matches(r.fault));
    if (counted) {
      const fault = counted.fault;
      fault.injected++;
      fault.remaining = (fault.remaining ?? 1) - 1;
      if (fault.remaining <= 0) this.rules = this.rules.filter(r => r !== counted);
      return fail(fault, fault.code as FaultCode, operation);
    }
    for (const rule of this.rules) {
      const { fault, next } = rule;
      if (!next || !matches(fault)) continue;
      fault.drawn = (fault.drawn ?? 0) + 1;
      if (next() >= (fault.rate ?? 0)) continue;
      const codes = Array.isArray(fault.code) ? fault.code : [fault.code];
      const code = codes.length === 1 ? codes[0] : codes[Math.floor(next() * codes.length)];
      fault.injected++;
      return fail(fault, code ?? 'ABORTED', operation);
    }
    return undefined;
  }
}

function fail(fault: Fault, code: FaultCode, operation: string): FirestoreError {
  return new FirestoreError(CODES[code], `Injected fault ${fault.id} (${code}) for ${operation}`);
}
