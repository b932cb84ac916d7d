import type { Clock } from './clock.js';
import { DocumentStore, type HistoryOptions } from './store.js';
import { TransactionManager, type TransactionTimeouts } from './transactions.js';

/** Paths changed by one commit ('all' after a reset). */
export type ChangeSet = ReadonlySet<string> | 'all';
export type ChangeListener = (changed: ChangeSet, time: number) => void;

/** All state of one database ("projects/p/databases/d"). */
export class Database {
  readonly store: DocumentStore;
  readonly txns: TransactionManager;
  private readonly listeners = new Set<ChangeListener>();

  constructor(
    readonly name: string,
    clock: Clock,
    history: HistoryOptions,
    timeouts: TransactionTimeouts,
  ) {
    this.store = new DocumentStore(history);
    this.txns = new TransactionManager(clock, timeouts);
  }

  /** Registers a change listener (Listen streams); returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Called synchronously after a commit is applied, so listeners see commits in order. */
  notify(changed: ChangeSet, time: number): void {
    if (changed !== 'all' && changed.size === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(changed, time);
      } catch (err) {
        console.error('[firestore-emulator] listener failed:', err);
      }
    }
  }
}
