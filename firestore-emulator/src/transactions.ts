import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { Clock } from './clock.js';
import { aborted, FirestoreError, invalidArgument } from './errors.js';
import { LockManager, type LockMode, type LockOwner } from './locks.js';
import type { TransactionOptionsProto } from './proto-types.js';

/**
 * Transaction registry for one database.
 *
 * Read-write transactions use pessimistic locking (see locks.ts): every
 * document they read is locked in shared mode until commit/rollback, and a
 * commit locks the documents it writes exclusively. Read-only transactions
 * take no locks and read a snapshot at their read time.
 */

export interface TransactionTimeouts {
  /** Max time a read/commit waits for a lock before the transaction is aborted. */
  lockWaitTimeoutMs: number;
  /** A lock holder idle (no RPC in flight) this long while others wait is aborted. */
  lockIdleTimeoutMs: number;
  /** An idle transaction expires after this long (later use: "transaction has expired"). */
  transactionIdleTimeoutMs: number;
  /** How long finished transactions are remembered (for retries and late calls). */
  finishedRetentionMs: number;
}

export const DEFAULT_TIMEOUTS: TransactionTimeouts = {
  lockWaitTimeoutMs: 10_000,
  lockIdleTimeoutMs: 5_000,
  transactionIdleTimeoutMs: 120_000,
  finishedRetentionMs: 60_000,
};

export type TransactionState = 'active' | 'committed' | 'rolled-back' | 'aborted';

export class Transaction implements LockOwner {
  readonly key: string;
  state: TransactionState = 'active';
  abortReason = '';
  lastActivity: number;
  inFlight = 0;
  finishedAt = 0;

  constructor(
    readonly id: Buffer,
    readonly readOnly: boolean,
    /** Snapshot time (micros) for read-only transactions. */
    readonly readTime: number | undefined,
    readonly priority: number,
    readonly seq: number,
    now: number,
  ) {
    this.key = id.toString('hex');
    this.lastActivity = now;
  }

  get active(): boolean {
    return this.state === 'active';
  }
}

const EXPIRED_MESSAGE = 'The referenced transaction has expired or is no longer valid.';

export class TransactionManager {
  readonly locks: LockManager<Transaction>;
  private readonly transactions = new Map<string, Transaction>();
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly timeouts: TransactionTimeouts = DEFAULT_TIMEOUTS,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.locks = new LockManager<Transaction>({
      waitTimeoutMs: timeouts.lockWaitTimeoutMs,
      onWound: victim =>
        this.abort(
          victim,
          'Aborted due to cross-transaction contention: an older transaction needs a document this transaction locked. Retry the transaction.',
        ),
      timeoutError: () =>
        aborted('Transaction lock timeout: waited too long for a document locked by another transaction. Retry the transaction.'),
      cancelledError: () => new FirestoreError(status.CANCELLED, 'The request waiting for a lock was cancelled'),
    });
  }

  get activeCount(): number {
    let n = 0;
    for (const t of this.transactions.values()) if (t.active) n++;
    return n;
  }

  /** Starts a transaction (BeginTransaction, or a read with new_transaction). */
  /** `readOnlyTime`: snapshot for read-only transactions (default: now). */
  begin(options: TransactionOptionsProto | undefined, readOnlyTime?: number): Transaction {
    const seq = ++this.seq;
    const mode = options?.mode ?? (options?.readOnly ? 'readOnly' : 'readWrite');
    const id = randomBytes(16);
    if (mode === 'readOnly') {
      const txn = new Transaction(id, true, readOnlyTime ?? this.clock.now(), seq, seq, this.nowMs());
      this.transactions.set(txn.key, txn);
      return txn;
    }
    // A retry keeps the age of the attempt it replaces (so it wins conflicts
    // against newer transactions) and releases that attempt's locks.
    let priority = seq;
    const retry = options?.readWrite?.retryTransaction;
    if (retry && retry.length > 0) {
      const previous = this.transactions.get(Buffer.from(retry).toString('hex'));
      if (previous) {
        priority = previous.priority;
        if (previous.active) this.abort(previous, 'Transaction was replaced by its retry');
      }
    }
    const txn = new Transaction(id, false, undefined, priority, seq, this.nowMs());
    this.transactions.set(txn.key, txn);
    return txn;
  }

  /** Finds a transaction for use; throws if it is unknown, finished or aborted. */
  lookup(id: Uint8Array | undefined): Transaction {
    const txn = id && id.length > 0 ? this.transactions.get(Buffer.from(id).toString('hex')) : undefined;
    if (!txn) throw invalidArgument(EXPIRED_MESSAGE);
    this.ensureActive(txn);
    return txn;
  }

  /** For Rollback: unknown ids are errors, finished ones are fine. */
  find(id: Uint8Array | undefined): Transaction | undefined {
    return id && id.length > 0 ? this.transactions.get(Buffer.from(id).toString('hex')) : undefined;
  }

  ensureActive(txn: Transaction): void {
    if (txn.state === 'aborted') throw aborted(txn.abortReason);
    if (!txn.active) throw invalidArgument(EXPIRED_MESSAGE);
  }

  /** Runs `fn` while marking the transaction busy (not idle). */
  async track<T>(txn: Transaction, fn: () => Promise<T>): Promise<T> {
    txn.inFlight++;
    txn.lastActivity = this.nowMs();
    try {
      return await fn();
    } finally {
      txn.inFlight--;
      txn.lastActivity = this.nowMs();
    }
  }

  /** Locks `paths` for `txn` (shared for reads, exclusive for commits), aborting the transaction if that fails. */
  async lock(txn: Transaction, paths: Iterable<string>, mode: LockMode, signal?: AbortSignal): Promise<void> {
    this.ensureActive(txn);
    try {
      await this.track(txn, () => this.locks.acquireAll(txn, paths, signal, mode));
    } catch (err) {
      if (txn.active) this.abort(txn, err instanceof Error ? err.message : String(err));
      throw err;
    }
    this.ensureActive(txn);
  }

  abort(txn: Transaction, reason: string): void {
    if (!txn.active) return;
    txn.state = 'aborted';
    txn.abortReason = reason;
    txn.finishedAt = this.nowMs();
    this.locks.cancelWaits(txn, aborted(reason));
    this.locks.releaseAll(txn);
  }

  finish(txn: Transaction, state: 'committed' | 'rolled-back'): void {
    if (!txn.active) return;
    txn.state = state;
    txn.finishedAt = this.nowMs();
    this.locks.cancelWaits(txn, aborted('Transaction already finished'));
    this.locks.releaseAll(txn);
  }

  /**
   * A non-transactional write changed `paths`: transactions holding locks on
   * them read stale data, so they are aborted (their commit fails with
   * ABORTED and the client retries).
   */
  invalidate(paths: Iterable<string>): void {
    for (const path of paths) {
      for (const holder of this.locks.holdersOf(path)) {
        this.abort(holder, `Transaction aborted: document ${path} was modified outside the transaction after it was read. Retry the transaction.`);
      }
    }
  }

  /** Periodic housekeeping: idle lock holders, expired and finished transactions. */
  sweep(): void {
    const now = this.nowMs();
    for (const [key, txn] of this.transactions) {
      if (txn.active) {
        const idle = txn.inFlight === 0 ? now - txn.lastActivity : 0;
        if (idle > this.timeouts.transactionIdleTimeoutMs) {
          this.abort(txn, EXPIRED_MESSAGE);
          this.transactions.delete(key);
        } else if (idle > this.timeouts.lockIdleTimeoutMs && this.locks.isBlockingOthers(txn)) {
          this.abort(txn, 'Transaction lock timeout: the transaction held locks other transactions wait for and was idle too long. Retry the transaction.');
        }
      } else if (now - txn.finishedAt > this.timeouts.finishedRetentionMs) {
        this.transactions.delete(key);
      }
    }
  }

  clear(err: Error): void {
    for (const txn of this.transactions.values()) {
      if (txn.active) {
        txn.state = 'aborted';
        txn.abortReason = err.message;
      }
    }
    this.locks.clear(err);
    this.transactions.clear();
  }
}
