import { randomBytes } from 'node:crypto';
import { Clock } from './clock.js';
import { aborted, FirestoreError, invalidArgument, notFound, toStatusProto, unavailable } from './errors.js';
import { FaultInjector, type FaultTarget } from './faults.js';
import type { IndexConfig } from './indexes.js';
import { checkWriteRequest } from './limits.js';
import {
  compareSegmentLists,
  compareUtf8,
  documentName,
  parseDatabaseName,
  parseDocumentName,
  parseFieldPath,
  parseParentName,
  type FieldPath,
} from './paths.js';
import type {
  BatchGetDocumentsRequest,
  BatchGetDocumentsResponse,
  BatchWriteRequest,
  BatchWriteResponse,
  BeginTransactionRequest,
  BeginTransactionResponse,
  CommitRequest,
  CommitResponse,
  ConsistencyProto,
  CreateDocumentRequest,
  DeleteDocumentRequest,
  DocumentMaskProto,
  DocumentProto,
  EmptyProto,
  GetDocumentRequest,
  ListCollectionIdsRequest,
  ListCollectionIdsResponse,
  ListDocumentsRequest,
  ListDocumentsResponse,
  ListenResponse,
  PartitionQueryRequest,
  PartitionQueryResponse,
  RollbackRequest,
  RunAggregationQueryRequest,
  RunAggregationQueryResponse,
  RunQueryRequest,
  RunQueryResponse,
  TimestampProto,
  UpdateDocumentRequest,
  WriteProto,
  WriteResultProto,
} from './proto-types.js';
import { compileAggregations, compileQuery, computeAggregations, executeQuery, type CompiledQuery } from './query.js';
import { Database } from './database.js';
import { ListenSession } from './listen.js';
import { DEFAULT_HISTORY, type HistoryOptions, type StoredDocument } from './store.js';
import { DEFAULT_TIMEOUTS, type Transaction, type TransactionTimeouts } from './transactions.js';
import { microsToTimestamp, timestampToMicros, valueToProto } from './values.js';
import { encodeDocument } from './encode.js';
import { applyWrites, parseWrite, type CommitOutcome, type ParsedWrite } from './writes.js';

/**
 * The Firestore RPCs, independent of gRPC plumbing (server.ts adapts them).
 *
 * Concurrency model: Node runs this single-threaded, so any synchronous
 * stretch of code is a critical section. Commits validate and apply all their
 * writes synchronously (atomic w.r.t. each other); the only awaits are lock
 * waits of read-write transactions.
 */

export interface EmulatorOptions {
  history: HistoryOptions;
  timeouts: TransactionTimeouts;
  /** How often lock timeouts / transaction expiry are checked. */
  sweepIntervalMs: number;
  /** How often old document versions are pruned. */
  pruneIntervalMs: number;
}

export const DEFAULT_OPTIONS: EmulatorOptions = {
  history: DEFAULT_HISTORY,
  timeouts: DEFAULT_TIMEOUTS,
  sweepIntervalMs: 250,
  pruneIntervalMs: 10_000,
};

/** How a read request is served. */
interface ReadContext {
  /** Snapshot time; undefined = latest committed state. */
  readonly readTime: number | undefined;
  /** Read-write transaction whose reads take locks. */
  readonly lockingTxn: Transaction | undefined;
  /** Set when the request began a transaction (its id goes into the response). */
  readonly begun: Transaction | undefined;
}

export type Emit<T> = (message: T) => void;

/** Billing-style operation counters (documents read, writes applied). */
export interface EmulatorStats {
  reads: number;
  writes: number;
  /** Writes applied per document (database-relative path, e.g. "licenses/KEY"). */
  documentWrites: Record<string, number>;
}

export class FirestoreService {
  readonly clock = new Clock();
  readonly stats: EmulatorStats = { reads: 0, writes: 0, documentWrites: Object.create(null) as Record<string, number> };
  readonly faults = new FaultInjector();
  /** Index configuration enforced for every database (undefined = no enforcement). */
  indexes: IndexConfig | undefined;
  /** Per-database replacements of `indexes` (null = no enforcement for that database). */
  private readonly databaseIndexes = new Map<string, IndexConfig | null>();
  private readonly databases = new Map<string, Database>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: EmulatorOptions = DEFAULT_OPTIONS) {
    const sweep = setInterval(() => {
      for (const db of this.databases.values()) db.txns.sweep();
    }, options.sweepIntervalMs);
    const prune = setInterval(() => {
      const now = this.clock.now();
      for (const db of this.databases.values()) db.store.prune(now);
    }, options.pruneIntervalMs);
    sweep.unref();
    prune.unref();
    this.timers.push(sweep, prune);
  }

  /** The state of one database (created on first use; any project id works). */
  database(name: string): Database {
    let db = this.databases.get(name);
    if (!db) {
      db = new Database(name, this.clock, this.options.history, this.options.timeouts);
      this.databases.set(name, db);
    }
    return db;
  }

  /** Drops all data and aborts all transactions in every database. */
  reset(): void {
    const time = this.clock.tick();
    for (const db of this.databases.values()) {
      db.txns.clear(aborted('The emulator was reset'));
      db.store.clear();
      db.notify('all', time);
    }
  }

  /** Zeroes the operation counters. */
  resetStats(): void {
    this.stats.reads = 0;
    this.stats.writes = 0;
    this.stats.documentWrites = Object.create(null) as Record<string, number>;
  }

  /**
   * Replaces the index configuration of one database: a config to enforce,
   * null for no enforcement, undefined to fall back to the emulator-wide one.
   */
  setDatabaseIndexes(database: string, config: IndexConfig | null | undefined): void {
    if (config === undefined) this.databaseIndexes.delete(database);
    else this.databaseIndexes.set(database, config);
  }

  indexesFor(database: string): IndexConfig | undefined {
    const override = this.databaseIndexes.get(database);
    return override === undefined ? this.indexes : (override ?? undefined);
  }

  /** Starts a Listen session; `send` delivers responses on the stream. */
  openListen(send: Emit<ListenResponse>): ListenSession {
    return new ListenSession(this, send);
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    for (const db of this.databases.values()) db.txns.clear(unavailable('The emulator is shutting down'));
  }

  // -------------------------------------------------------------------------
  // Reads

  async getDocument(req: GetDocumentRequest, signal?: AbortSignal): Promise<DocumentProto> {
    const doc = parseDocumentName(req.name);
    const db = this.database(doc.database);
    const mask = parseMask(req.mask);
    const read = this.openRead(db, req, false);
    this.injectFault(db, 'read', { kind: 'documents', paths: [doc.path] }, read);
    const [result] = await this.readDocuments(db, read, [doc.path], signal);
    if (!result) throw notFound(`Document "${req.name ?? ''}" not found`);
    return encodeDocument(db.name, result, mask);
  }

  async batchGetDocuments(req: BatchGetDocumentsRequest, emit: Emit<BatchGetDocumentsResponse>, signal?: AbortSignal): Promise<void> {
    const db = this.database(parseDatabaseName(req.database));
    const paths = (req.documents ?? []).map(name => parseDocumentName(name, db.name).path);
    const mask = parseMask(req.mask);
    const read = this.openRead(db, req, true);
    try {
      this.injectFault(db, 'read', { kind: 'documents', paths }, read);
      const docs = await this.readDocuments(db, read, paths, signal);
      const readTime = microsToTimestamp(read.readTime ?? this.clock.now());
      if (read.begun) emit({ transaction: read.begun.id });
      paths.forEach((path, i) => {
        const doc = docs[i];
        emit(doc ? { found: encodeDocument(db.name, doc, mask), readTime } : { missing: documentName(db.name, path), readTime });
      });
    } catch (err) {
      this.abandonBegun(db, read, err);
      throw err;
    }
  }

  async runQuery(req: RunQueryRequest, emit: Emit<RunQueryResponse>, signal?: AbortSignal): Promise<void> {
    const parent = parseParentName(req.parent);
    const db = this.database(parent.database);
    const query = compileQuery(parent, req.structuredQuery);
    this.indexesFor(db.name)?.check(query);
    const read = this.openRead(db, req, true);
    try {
      this.injectFault(db, 'read', queryTarget(query), read);
      const docs = await this.readQuery(db, read, () => executeQuery(db.store, query, read.readTime), signal);
      this.stats.reads += Math.max(1, docs.length); // an empty result still costs one read
      const readTime = microsToTimestamp(read.readTime ?? this.clock.now());
      // The first message carries the new transaction id (and a read time, so
      // an empty result still produces a snapshot).
      if (read.begun || docs.length === 0) {
        emit(read.begun ? { transaction: read.begun.id, readTime } : { readTime });
      }
      for (const doc of docs) emit({ document: encodeDocument(db.name, doc, query.projection), readTime });
    } catch (err) {
      this.abandonBegun(db, read, err);
      throw err;
    }
  }

  async runAggregationQuery(req: RunAggregationQueryRequest, emit: Emit<RunAggregationQueryResponse>, signal?: AbortSignal): Promise<void> {
    const parent = parseParentName(req.parent);
    const db = this.database(parent.database);
    const aggregationQuery = req.structuredAggregationQuery;
    const query = compileQuery(parent, aggregationQuery?.structuredQuery);
    const aggregations = compileAggregations(aggregationQuery?.aggregations);
    this.indexesFor(db.name)?.check(query);
    const read = this.openRead(db, req, true);
    try {
      this.injectFault(db, 'read', queryTarget(query), read);
      const docs = await this.readQuery(db, read, () => executeQuery(db.store, query, read.readTime), signal);
      this.stats.reads += Math.max(1, Math.ceil(docs.length / 1000)); // billed per 1000 index entries
      const values = computeAggregations(docs, aggregations);
      const aggregateFields = Object.create(null) as Record<string, ReturnType<typeof valueToProto>>;
      for (const [alias, value] of values) aggregateFields[alias] = valueToProto(value);
      const readTime = microsToTimestamp(read.readTime ?? this.clock.now());
      emit({
        result: { aggregateFields },
        readTime,
        ...(read.begun ? { transaction: read.begun.id } : {}),
      });
    } catch (err) {
      this.abandonBegun(db, read, err);
      throw err;
    }
  }

  async listDocuments(req: ListDocumentsRequest): Promise<ListDocumentsResponse> {
    const parent = parseParentName(req.parent);
    const db = this.database(parent.database);
    if (!req.collectionId) throw invalidArgument('ListDocuments requires a collection_id');
    const collectionPath = parent.path === '' ? req.collectionId : `${parent.path}/${req.collectionId}`;
    const mask = parseMask(req.mask);
    const read = this.openRead(db, req, false);
    const readTime = read.readTime;
    let entries = db.store
      .listDocuments(collectionPath, req.showMissing === true, readTime)
      .map(e => ({ ...e, segments: e.path.split('/') }))
      .sort((a, b) => compareSegmentLists(a.segments, b.segments));
    if (req.pageToken) {
      const after = decodePageToken(req.pageToken).split('/');
      entries = entries.filter(e => compareSegmentLists(e.segments, after) > 0);
    }
    const pageSize = req.pageSize && req.pageSize > 0 ? req.pageSize : undefined;
    const page = pageSize === undefined ? entries : entries.slice(0, pageSize);
    this.stats.reads += Math.max(1, page.length);
    const more = pageSize !== undefined && entries.length > pageSize;
    const last = page[page.length - 1];
    return {
      documents: page.map(e => (e.doc ? encodeDocument(db.name, e.doc, mask) : { name: documentName(db.name, e.path) })),
      nextPageToken: more && last ? encodePageToken(last.path) : '',
    };
  }

  async listCollectionIds(req: ListCollectionIdsRequest): Promise<ListCollectionIdsResponse> {
    const parent = parseParentName(req.parent);
    const db = this.database(parent.database);
    const readTime = req.readTime ? this.resolveReadTime(req.readTime) : undefined;
    let ids = db.store.collectionIds(parent.path, readTime).sort(compareUtf8);
    if (req.pageToken) {
      const after = decodePageToken(req.pageToken);
      ids = ids.filter(id => compareUtf8(id, after) > 0);
    }
    const pageSize = req.pageSize && req.pageSize > 0 ? req.pageSize : undefined;
    const page = pageSize === undefined ? ids : ids.slice(0, pageSize);
    const more = pageSize !== undefined && ids.length > pageSize;
    const last = page[page.length - 1];
    return { collectionIds: page, nextPageToken: more && last !== undefined ? encodePageToken(last) : '' };
  }

  /** Partitioning is an optimisation; a single partition (no cursors) is always valid. */
  async partitionQuery(req: PartitionQueryRequest): Promise<PartitionQueryResponse> {
    const parent = parseParentName(req.parent);
    compileQuery(parent, req.structuredQuery);
    return { partitions: [], nextPageToken: '' };
  }

  // -------------------------------------------------------------------------
  // Transactions and writes

  async beginTransaction(req: BeginTransactionRequest): Promise<BeginTransactionResponse> {
    const db = this.database(parseDatabaseName(req.database));
    const txn = this.begin(db, req.options);
    return { transaction: txn.id };
  }

  async rollback(req: RollbackRequest): Promise<EmptyProto> {
    const db = this.database(parseDatabaseName(req.database));
    const txn = db.txns.find(req.transaction);
    if (!txn) throw invalidArgument('The referenced transaction has expired or is no longer valid.');
    // Rolling back an aborted or finished transaction is harmless.
    db.txns.finish(txn, 'rolled-back');
    return {};
  }

  async commit(req: CommitRequest, signal?: AbortSignal): Promise<CommitResponse> {
    const db = this.database(parseDatabaseName(req.database));
    const hasTransaction = (req.transaction?.length ?? 0) > 0;
    const txn = hasTransaction ? db.txns.lookup(req.transaction) : undefined;
    let writes: ParsedWrite[];
    try {
      writes = (req.writes ?? []).map(w => parseWrite(w, db.name));
      checkWriteRequest(writes);
    } catch (err) {
      if (txn) db.txns.finish(txn, 'rolled-back');
      throw err;
    }
    if (writes.length > 0 || txn) {
      const fault = this.faults.take('commit', db.name, { kind: 'documents', paths: writes.map(w => w.path) });
      if (fault) {
        // Nothing is written; a transaction is aborted and its locks released.
        if (txn) db.txns.abort(txn, fault.message);
        throw fault;
      }
    }

    if (!txn) {
      const outcome = this.applyNonTransactional(db, writes);
      return encodeCommit(outcome);
    }
    if (txn.readOnly) {
      if (writes.length > 0) {
        db.txns.finish(txn, 'rolled-back');
        throw invalidArgument('Cannot modify entities in a read-only transaction.');
      }
      db.txns.finish(txn, 'committed');
      return { writeResults: [], commitTime: microsToTimestamp(this.clock.now()) };
    }
    try {
      // Blind writes also need the locks, so the commit cannot overwrite a
      // document another transaction has read and is about to update.
      await db.txns.lock(txn, writes.map(w => w.path), 'exclusive', signal);
      // No await from here on: validate + apply + release is one critical section.
      const outcome = applyWrites(db.store, writes, this.clock.tick());
      this.countWrites(writes);
      db.txns.finish(txn, 'committed');
      db.notify(new Set(outcome.changed), outcome.commitTime);
      return encodeCommit(outcome);
    } finally {
      if (txn.active) db.txns.finish(txn, 'rolled-back');
    }
  }

  /** Non-atomic: each write succeeds or fails on its own (BulkWriter, recursiveDelete). */
  async batchWrite(req: BatchWriteRequest): Promise<BatchWriteResponse> {
    const db = this.database(parseDatabaseName(req.database));
    const writes = (req.writes ?? []).map(w => parseWrite(w, db.name));
    checkWriteRequest(writes);
    const fault = this.faults.take('commit', db.name, { kind: 'documents', paths: writes.map(w => w.path) });
    if (fault) throw fault;
    const writeResults: WriteResultProto[] = [];
    const statuses: { code: number; message: string }[] = [];
    for (const write of writes) {
      try {
        const outcome = this.applyNonTransactional(db, [write]);
        const [result] = encodeCommit(outcome).writeResults ?? [];
        writeResults.push(result ?? {});
        statuses.push({ code: 0, message: '' });
      } catch (err) {
        if (!(err instanceof FirestoreError)) throw err;
        writeResults.push({});
        statuses.push(toStatusProto(err));
      }
    }
    return { writeResults, status: statuses };
  }

  async createDocument(req: CreateDocumentRequest): Promise<DocumentProto> {
    const parent = parseParentName(req.parent);
    if (!req.collectionId) throw invalidArgument('CreateDocument requires a collection_id');
    const id = req.documentId || autoId();
    const relative = parent.path === '' ? `${req.collectionId}/${id}` : `${parent.path}/${req.collectionId}/${id}`;
    const name = documentName(parent.database, relative);
    const write: WriteProto = {
      update: { name, fields: req.document?.fields ?? {} },
      currentDocument: { exists: false },
    };
    return this.writeSingle(parent.database, write, name, req.mask);
  }

  async updateDocument(req: UpdateDocumentRequest): Promise<DocumentProto> {
    const parsed = parseDocumentName(req.document?.name);
    const write: WriteProto = {
      update: { name: req.document?.name ?? '', fields: req.document?.fields ?? {} },
      ...(req.updateMask ? { updateMask: req.updateMask } : {}),
      ...(req.currentDocument ? { currentDocument: req.currentDocument } : {}),
    };
    return this.writeSingle(parsed.database, write, req.document?.name ?? '', req.mask);
  }

  async deleteDocument(req: DeleteDocumentRequest): Promise<EmptyProto> {
    const parsed = parseDocumentName(req.name);
    const db = this.database(parsed.database);
    const write = parseWrite({ delete: req.name ?? '', ...(req.currentDocument ? { currentDocument: req.currentDocument } : {}) }, db.name);
    const fault = this.faults.take('commit', db.name, { kind: 'documents', paths: [write.path] });
    if (fault) throw fault;
    this.applyNonTransactional(db, [write]);
    return {};
  }

  // -------------------------------------------------------------------------
  // Internals

  private begin(db: Database, options: ConsistencyProto['newTransaction']): Transaction {
    const requested = options?.readOnly?.readTime;
    const readOnlyTime = requested ? this.resolveReadTime(requested) : undefined;
    return db.txns.begin(options, readOnlyTime);
  }

  /** Resolves the consistency selector of a read request. */
  private openRead(db: Database, req: ConsistencyProto, allowNewTransaction: boolean): ReadContext {
    const selector =
      req.consistencySelector ??
      ((req.transaction?.length ?? 0) > 0 ? 'transaction' : req.newTransaction ? 'newTransaction' : req.readTime ? 'readTime' : undefined);
    switch (selector) {
      case 'transaction': {
        const txn = db.txns.lookup(req.transaction);
        return txn.readOnly
          ? { readTime: txn.readTime, lockingTxn: undefined, begun: undefined }
          : { readTime: undefined, lockingTxn: txn, begun: undefined };
      }
      case 'newTransaction': {
        if (!allowNewTransaction) throw invalidArgument('new_transaction is not supported for this request');
        const txn = this.begin(db, req.newTransaction);
        return txn.readOnly
          ? { readTime: txn.readTime, lockingTxn: undefined, begun: txn }
          : { readTime: undefined, lockingTxn: txn, begun: txn };
      }
      case 'readTime':
        return { readTime: this.resolveReadTime(req.readTime), lockingTxn: undefined, begun: undefined };
      default:
        return { readTime: undefined, lockingTxn: undefined, begun: undefined };
    }
  }

  private countWrites(writes: readonly ParsedWrite[]): void {
    this.stats.writes += writes.length;
    const counts = this.stats.documentWrites;
    for (const w of writes) counts[w.path] = (counts[w.path] ?? 0) + 1;
  }

  /**
   * Fails the read with an injected fault if one matches. A faulted ABORTED
   * read aborts the transaction it runs in (releasing its locks).
   */
  private injectFault(db: Database, operation: 'read', target: FaultTarget, read: ReadContext): void {
    const fault = this.faults.take(operation, db.name, target);
    if (!fault) return;
    const txn = read.begun ?? read.lockingTxn;
    if (txn && (read.begun || fault.code === aborted('').code)) db.txns.abort(txn, fault.message);
    throw fault;
  }

  /** A read that began a transaction failed: the client never learns the id, so end it. */
  private abandonBegun(db: Database, read: ReadContext, err: unknown): void {
    if (read.begun?.active) db.txns.abort(read.begun, err instanceof Error ? err.message : 'read failed');
  }

  private resolveReadTime(ts: TimestampProto | undefined): number {
    const micros = timestampToMicros(ts, 'read_time');
    if (micros > this.clock.now()) throw invalidArgument('read_time cannot be in the future');
    return micros;
  }

  private async readDocuments(db: Database, read: ReadContext, paths: string[], signal?: AbortSignal): Promise<(StoredDocument | null)[]> {
    const txn = read.lockingTxn;
    // Transactional reads lock the documents (existing or not) before reading them.
    if (txn) await db.txns.lock(txn, paths, 'shared', signal);
    this.stats.reads += paths.length;
    return paths.map(path => db.store.get(path, read.readTime));
  }

  /**
   * Runs a query; inside a read-write transaction the result documents are
   * locked. Waiting for locks may let results change, so the query is re-run
   * until every result is locked by us.
   */
  private async readQuery(db: Database, read: ReadContext, run: () => StoredDocument[], signal?: AbortSignal): Promise<StoredDocument[]> {
    const txn = read.lockingTxn;
    if (!txn) return run();
    for (let round = 0; round < 20; round++) {
      db.txns.ensureActive(txn);
      const docs = run();
      const unlocked = docs.filter(doc => !db.txns.locks.holds(txn, doc.path)).map(doc => doc.path);
      if (unlocked.length === 0) return docs;
      await db.txns.lock(txn, unlocked, 'shared', signal);
    }
    db.txns.abort(txn, 'Too much contention on the documents matched by a transactional query');
    throw aborted('Too much contention on the documents matched by a transactional query. Retry the transaction.');
  }

  /** Plain commits and BatchWrite do not wait for locks; they abort transactions that read what they change. */
  private applyNonTransactional(db: Database, writes: ParsedWrite[]): CommitOutcome {
    const outcome = applyWrites(db.store, writes, this.clock.tick());
    this.countWrites(writes);
    db.txns.invalidate(outcome.changed);
    db.notify(new Set(outcome.changed), outcome.commitTime);
    return outcome;
  }

  private async writeSingle(database: string, proto: WriteProto, name: string, mask: DocumentMaskProto | undefined): Promise<DocumentProto> {
    const db = this.database(database);
    const write = parseWrite(proto, db.name);
    const fault = this.faults.take('commit', db.name, { kind: 'documents', paths: [write.path] });
    if (fault) throw fault;
    this.applyNonTransactional(db, [write]);
    const doc = db.store.get(parseDocumentName(name).path);
    if (!doc) throw notFound(`Document "${name}" not found`);
    return encodeDocument(db.name, doc, parseMask(mask));
  }
}

// ---------------------------------------------------------------------------
// Encoding helpers

/** What a query touches, for fault pathPrefix matching. */
function queryTarget(q: CompiledQuery): FaultTarget {
  if (q.allDescendants) return { kind: 'query', base: q.parentPath };
  const collection = q.parentPath === '' ? (q.collectionId as string) : `${q.parentPath}/${q.collectionId as string}`;
  return { kind: 'query', base: collection };
}

function parseMask(mask: DocumentMaskProto | undefined): FieldPath[] | undefined {
  return mask ? (mask.fieldPaths ?? []).map(p => parseFieldPath(p)) : undefined;
}

function encodeCommit(outcome: CommitOutcome): CommitResponse {
  return {
    commitTime: microsToTimestamp(outcome.commitTime),
    writeResults: outcome.results.map(r => ({
      ...(r.updateTime !== undefined ? { updateTime: microsToTimestamp(r.updateTime) } : {}),
      transformResults: r.transformResults.map(valueToProto),
    })),
  };
}

function encodePageToken(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

function decodePageToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}

const AUTO_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function autoId(): string {
  const bytes = randomBytes(20);
  let id = '';
  for (const b of bytes) id += AUTO_ID_ALPHABET[b % AUTO_ID_ALPHABET.length];
  return id;
}
