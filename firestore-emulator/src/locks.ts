/**
 * Document locks for read-write transactions, as production Firestore
 * (Spanner) takes them for server SDKs, with wound-wait deadlock prevention.
 *
 * - Two modes: reads take SHARED locks (any number of holders), commits take
 *   EXCLUSIVE locks (a single holder; a transaction holding the only shared
 *   lock upgrades in place).
 * - Requests that conflict wait in a queue ordered by transaction age (oldest
 *   first). Ages are assigned at begin, so in the common case this is plain
 *   FIFO; a retried transaction keeps its original age, so it is not starved
 *   by newcomers. A released lock is granted to queued waiters from the head
 *   while they are compatible (several readers at once, or one writer).
 * - Wound-wait: when an older transaction requests a lock in a mode that
 *   conflicts with a younger holder, the younger one is "wounded" (aborted via
 *   `onWound`, which must release its locks synchronously). A younger
 *   requester simply waits. Waits therefore only ever point from younger to
 *   older transactions, so there are no deadlock cycles. Typical case: two
 *   transactions read a document (both shared), then both commit: the older
 *   commit aborts the younger transaction, which the client retries.
 * - A waiter that waits longer than `waitTimeoutMs` is rejected (the caller
 *   turns that into ABORTED so the client retries).
 */

export type LockMode = 'shared' | 'exclusive';

export interface LockOwner {
  /** Smaller = older = wins conflicts. */
  readonly priority: number;
  /** Unique tie-breaker (creation order). */
  readonly seq: number;
}

export interface LockManagerOptions<O extends LockOwner> {
  waitTimeoutMs: number;
  /** Abort `victim`; must call `releaseAll(victim)` (and `cancelWaits`) synchronously. */
  onWound(victim: O, by: O): void;
  /** Error used to reject a waiter that timed out. */
  timeoutError(owner: O, key: string): Error;
  /** Error used to reject a waiter whose request was cancelled. */
  cancelledError(owner: O, key: string): Error;
}

interface Waiter<O> {
  readonly owner: O;
  readonly key: string;
  readonly mode: LockMode;
  resolve(): void;
  reject(err: Error): void;
  dispose(): void;
}

interface LockState<O> {
  holders: Map<O, LockMode>;
  queue: Waiter<O>[];
}

export function isOlder(a: LockOwner, b: LockOwner): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
}

/** True when `owner` may hold `key` in `mode` given the other holders. */
function compatible<O>(state: LockState<O>, owner: O, mode: LockMode): boolean {
  for (const [holder, held] of state.holders) {
    if (holder === owner) continue;
    if (mode === 'exclusive' || held === 'exclusive') return false;
  }
  return true;
}

export class LockManager<O extends LockOwner> {
  private readonly locks = new Map<string, LockState<O>>();
  private readonly owned = new Map<O, Set<string>>();
  private readonly waits = new Map<O, Set<Waiter<O>>>();

  constructor(private readonly options: LockManagerOptions<O>) {}

  /** True when `owner` holds `key` (in `mode`, or in any mode if omitted; exclusive covers shared). */
  holds(owner: O, key: string, mode?: LockMode): boolean {
    const held = this.locks.get(key)?.holders.get(owner);
    if (held === undefined) return false;
    return mode !== 'exclusive' || held === 'exclusive';
  }

  /** Every current holder of `key`. */
  holdersOf(key: string): O[] {
    return [...(this.locks.get(key)?.holders.keys() ?? [])];
  }

  modeOf(owner: O, key: string): LockMode | undefined {
    return this.locks.get(key)?.holders.get(owner);
  }

  heldBy(owner: O): ReadonlySet<string> {
    return this.owned.get(owner) ?? new Set();
  }

  /** True when someone is waiting for a lock that `owner` holds. */
  isBlockingOthers(owner: O): boolean {
    for (const key of this.heldBy(owner)) {
      if ((this.locks.get(key)?.queue.length ?? 0) > 0) return true;
    }
    return false;
  }

  queueLength(key: string): number {
    return this.locks.get(key)?.queue.length ?? 0;
  }

  /** Number of keys currently locked or waited for (for tests/diagnostics). */
  get size(): number {
    return this.locks.size;
  }

  /** Resolves once `owner` holds `key` in `mode` (default exclusive). */
  acquire(owner: O, key: string, signal?: AbortSignal, mode: LockMode = 'exclusive'): Promise<void> {
    let state = this.locks.get(key);
    if (!state) {
      state = { holders: new Map(), queue: [] };
      this.locks.set(key, state);
    }
    if (this.holds(owner, key, mode)) return Promise.resolve();
    // Granted at once when compatible and no older transaction is queued first.
    if (compatible(state, owner, mode) && !state.queue.some(w => isOlder(w.owner, owner))) {
      this.grant(state, key, owner, mode);
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(this.options.cancelledError(owner, key));

    const lockState = state;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.removeWaiter(waiter);
        reject(this.options.cancelledError(owner, key));
      };
      const timer = setTimeout(() => {
        this.removeWaiter(waiter);
        reject(this.options.timeoutError(owner, key));
      }, this.options.waitTimeoutMs);
      timer.unref?.();
      const waiter: Waiter<O> = {
        owner,
        key,
        mode,
        resolve,
        reject,
        dispose: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      // Insert by age: after every waiter that is older than us.
      const queue = lockState.queue;
      let index = queue.length;
      while (index > 0 && isOlder(owner, (queue[index - 1] as Waiter<O>).owner)) index--;
      queue.splice(index, 0, waiter);
      let ownerWaits = this.waits.get(owner);
      if (!ownerWaits) {
        ownerWaits = new Set();
        this.waits.set(owner, ownerWaits);
      }
      ownerWaits.add(waiter);

      // Wound-wait: an older requester aborts every younger conflicting holder right away.
      for (const [holder, held] of [...lockState.holders]) {
        if (holder === owner) continue;
        const conflicts = mode === 'exclusive' || held === 'exclusive';
        if (conflicts && isOlder(owner, holder)) this.options.onWound(holder, owner);
      }
      // Wounded holders released their locks; waiters (possibly us) were granted what is compatible.
    });
  }

  /** Acquires several locks (sorted, one at a time). */
  async acquireAll(owner: O, keys: Iterable<string>, signal?: AbortSignal, mode: LockMode = 'exclusive'): Promise<void> {
    const sorted = [...new Set(keys)].sort();
    for (const key of sorted) {
      if (!this.holds(owner, key, mode)) await this.acquire(owner, key, signal, mode);
    }
  }

  /** Releases every lock of `owner`, handing each to the next compatible waiters. */
  releaseAll(owner: O): void {
    const keys = this.owned.get(owner);
    if (!keys) return;
    this.owned.delete(owner);
    for (const key of keys) {
      const state = this.locks.get(key);
      if (!state || !state.holders.delete(owner)) continue;
      this.grantWaiting(state, key);
    }
  }

  /** Rejects every pending wait of `owner` with `err`. */
  cancelWaits(owner: O, err: Error): void {
    const waits = this.waits.get(owner);
    if (!waits) return;
    for (const waiter of [...waits]) {
      this.removeWaiter(waiter);
      waiter.reject(err);
    }
  }

  /** Rejects all waiters and forgets all locks. */
  clear(err: Error): void {
    for (const state of this.locks.values()) {
      for (const waiter of state.queue) {
        waiter.dispose();
        waiter.reject(err);
      }
    }
    this.locks.clear();
    this.owned.clear();
    this.waits.clear();
  }

  private grant(state: LockState<O>, key: string, owner: O, mode: LockMode): void {
    if (state.holders.get(owner) !== 'exclusive') state.holders.set(owner, mode);
    let keys = this.owned.get(owner);
    if (!keys) {
      keys = new Set();
      this.owned.set(owner, keys);
    }
    keys.add(key);
  }

  /** Grants queued requests from the head while they are compatible. */
  private grantWaiting(state: LockState<O>, key: string): void {
    while (state.queue.length > 0) {
      const next = state.queue[0] as Waiter<O>;
      if (!compatible(state, next.owner, next.mode)) break;
      state.queue.shift();
      next.dispose();
      const ownerWaits = this.waits.get(next.owner);
      ownerWaits?.delete(next);
      if (ownerWaits?.size === 0) this.waits.delete(next.owner);
      this.grant(state, key, next.owner, next.mode);
      next.resolve();
    }
    if (state.holders.size === 0 && state.queue.length === 0) this.locks.delete(key);
  }

  private removeWaiter(waiter: Waiter<O>): void {
    waiter.dispose();
    const ownerWaits = this.waits.get(waiter.owner);
    ownerWaits?.delete(waiter);
    if (ownerWaits?.size === 0) this.waits.delete(waiter.owner);
    const state = this.locks.get(waiter.key);
    if (!state) return;
    const index = state.queue.indexOf(waiter);
    if (index >= 0) state.queue.splice(index, 1);
    // The head may have changed: grant whatever is compatible now.
    this.grantWaiting(state, waiter.key);
  }
}
