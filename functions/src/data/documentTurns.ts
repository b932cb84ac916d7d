/**
 * Transactions on one contended document, within an instance: those that only read it run side
 * by side; those that write it take turns. Keyed by the document's path (`licenses/{key}`: every
 * client call; `accounts/{id}`: API key creation and revocation). Every client transaction reads
 * the license document; Firestore
 * lets readers share it but serializes a writer against everyone else, by aborting the younger
 * of two (wound-wait) and letting firebase-admin retry after a growing backoff: a burst of 50
 * activations on one key aborted the same transactions again and again until some spent their
 * five attempts (or the request deadline) and answered 503 instead of 200 or 429. Queued here,
 * the writes an instance serves never abort one another or its readers; only calls served by
 * other instances still contend, and the client's retries absorb that. Readers are not queued:
 * a fleet of devices validating and heartbeating on one site license writes only its own
 * records, and taking turns would cap it at one transaction at a time.
 *
 * Whether a call writes the license is known only inside its transaction, from the decision:
 * a call starts as a reader (`asReader`); if it would write while other calls on the license are
 * running here, it gives up that attempt (`WriterTurnNeeded`, nothing written) and runs again as
 * a writer (`asWriter`), once the readers running have finished. New readers wait behind a
 * queued writer.
 */

interface DocumentCalls {
  readers: number;
  /** Writers queued or running. */
  writers: number;
  /** The end of the last writer queued (resolves after its count is taken back). */
  lastWriter: Promise<void>;
  /** Wakes the writer waiting for the readers to finish. */
  readersDone: Array<() => void>;
}

const calls = new Map<string, DocumentCalls>();

function callsOn(path: string): DocumentCalls {
  let state = calls.get(path);
  if (!state) {
    state = { readers: 0, writers: 0, lastWriter: Promise.resolve(), readersDone: [] };
    calls.set(path, state);
  }
  return state;
}

function forgetIfIdle(path: string, state: DocumentCalls): void {
  if (state.readers === 0 && state.writers === 0 && calls.get(path) === state) calls.delete(path);
}

/** Thrown inside a reader's transaction that would write while other calls run on the document. */
export class WriterTurnNeeded extends Error {
  constructor() {
    super('This call writes the document: it runs again in a writer turn');
    this.name = 'WriterTurnNeeded';
  }
}

/** True when a reader that is about to write must run again as a writer (another call on the document is running here). */
export function writerTurnNeeded(path: string): boolean {
  const state = calls.get(path);
  return state !== undefined && state.readers + state.writers > 1;
}

/** Runs `work` beside other readers of the document, after any writer queued before it. */
export async function asReader<T>(path: string, work: () => Promise<T>): Promise<T> {
  let state = callsOn(path);
  while (state.writers > 0) {
    await state.lastWriter;
    state = callsOn(path);
  }
  state.readers += 1;
  try {
    return await work();
  } finally {
    state.readers -= 1;
    if (state.readers === 0) for (const wake of state.readersDone.splice(0)) wake();
    forgetIfIdle(path, state);
  }
}

/** Runs `work` alone on the document in this instance: after the writers before it and the readers running. */
export function asWriter<T>(path: string, work: () => Promise<T>): Promise<T> {
  const state = callsOn(path);
  state.writers += 1;
  const readersFinished = () => (state.readers === 0 ? Promise.resolve() : new Promise<void>((wake) => state.readersDone.push(wake)));
  const turn = state.lastWriter.then(readersFinished).then(work);
  // A failed call ends its turn like a successful one; its count is taken back before the next turn starts.
  state.lastWriter = turn.then(
    () => undefined,
    () => undefined,
  ).then(() => {
    state.writers -= 1;
    forgetIfIdle(path, state);
  });
  return turn;
}

/** A transaction on the document: as a reader, again as a writer if it turns out to write while others run. */
export async function inDocumentTurn<T>(path: string, attempt: (asWriterTurn: boolean) => Promise<T>): Promise<T> {
  try {
    return await asReader(path, () => attempt(false));
  } catch (error) {
    if (!(error instanceof WriterTurnNeeded)) throw error;
    return asWriter(path, () => attempt(true));
  }
}

/** How many documents have a call running or queued (the map must not grow without bound). */
export function documentsWithQueuedCalls(): number {
  return calls.size;
}
