/**
 * Exclusive document locks for read-write transactions, with wound-wait
 * deadlock prevention.
 *
 * - A lock has at most one holder; other requesters wait in a queue ordered by
 *   transaction age (oldest first). Ages are assigned at begin, so in the
 *   common case this is plain FIFO; a retried transaction keeps its original
 *   age, so it is not starved by newcomers.
 * - Wound-wait: when an older transaction requests a lock held by a younger
 *   one, the younger one is "wounded" (aborted via `onWound`, which must
 *   release its locks synchronously). A younger requester simply waits. Waits
 *   therefore only ever point from younger to older transactions, so there are
 *   no deadlock cycles.
 * - A waiter that waits longer than `waitTimeoutMs` is rejected (the caller
 *   turns that into ABORTED so the client retries).
 */

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
  resolve(): void;
  reject(err: Error): void;
  dispose(): void;
}

interface LockState<O> {
  holder: O | undefined;
  queue: Waiter<O>[];
}

export function isOlder(a: LockOwner, b: LockOwner): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
}

export class LockManager<O extends LockOwner> {
  private readonly locks = new Map<string, LockState<O>>();
  private readonly owned = new Map<O, Set<string>>();
  private readonly waits = new Map<O, Set<Waiter<O>>>();

  constructor(private readonly options: LockManagerOptions<O>) {}

  holds(owner: O, key: string): boolean {
    return this.locks.get(key)?.holder === owner;
  }

  holderOf(key: string): O | undefined {
    return this.locks.get(key)?.holder;
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

  /** Number of keys currently locked (for tests/diagnostics). */
  get size(): number {
    return this.locks.size;
  }

  /** Resolves once `owner` holds `key`. */
  acquire(owner: O, key: string, signal?: AbortSignal): Promise<void> {
    let state = this.locks.get(key);
    if (!state) {
      state = { holder: undefined, queue: [] };
      this.locks.set(key, state);
    }
    if (state.holder === owner) return Promise.resolve();
    if (state.holder === undefined && state.queue.length === 0) {
      this.grant(state, key, owner);
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

      // Wound-wait: an older requester aborts a younger holder right away.
      const holder = lockState.holder;
      if (holder !== undefined && isOlder(owner, holder)) this.options.onWound(holder, owner);
    });
  }

  /** Acquires several locks (sorted, one at a time). */
  async acquireAll(owner: O, keys: Iterable<string>, signal?: AbortSignal): Promise<void> {
    const sorted = [...new Set(keys)].sort();
    for (const key of sorted) {
      if (!this.holds(owner, key)) await this.acquire(owner, key, signal);
    }
  }

  /** Releases every lock of `owner`, handing each to the next waiter. */
  releaseAll(owner: O): void {
    const keys = this.owned.get(owner);
    if (!keys) return;
    this.owned.delete(owner);
    for (const key of keys) {
      const state = this.locks.get(key);
      if (!state || state.holder !== owner) continue;
      state.holder = undefined;
      this.grantNext(state, key);
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

  private grant(state: LockState<O>, key: string, owner: O): void {
    state.holder = owner;
    let keys = this.owned.get(owner);
    if (!keys) {
      keys = new Set();
      this.owned.set(owner, keys);
    }
    keys.add(key);
  }

  private grantNext(state: LockState<O>, key: string): void {
    const next = state.queue.shift();
    if (!next) {
      this.locks.delete(key);
      return;
    }
    next.dispose();
    this.waits.get(next.owner)?.delete(next);
    if (this.waits.get(next.owner)?.size === 0) this.waits.delete(next.owner);
    this.grant(state, key, next.owner);
    next.resolve();
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
    if (state.holder === undefined) {
      if (state.queue.length === 0) this.locks.delete(waiter.key);
      else this.grantNext(state, waiter.key);
    }
  }
}
