/**
 * Client calls on one license take turns within an instance. Every client transaction reads
 * the license document and most write it, so Firestore serializes them anyway, but by aborting
 * the younger of two (wound-wait) and letting firebase-admin retry after a growing backoff: a
 * burst of 50 activations on one key aborted the same transactions again and again until some
 * spent their five attempts (or the request deadline) and answered 503 instead of 200 or 429.
 * Queued here, the calls an instance serves never abort one another; only calls served by
 * other instances still contend, and the client's retries absorb that.
 */

/** The last turn queued per license key; removed once it ends with no turn behind it. */
const lastTurns = new Map<string, Promise<void>>();

/** Runs `work` once every earlier call on `licenseKey` in this instance has finished. */
export function inLicenseTurn<T>(licenseKey: string, work: () => Promise<T>): Promise<T> {
  const previous = lastTurns.get(licenseKey) ?? Promise.resolve();
  const turn = previous.then(work);
  // A failed call ends its turn like a successful one: the next call still runs.
  const ended = turn.then(() => undefined, () => undefined);
  lastTurns.set(licenseKey, ended);
  void ended.then(() => {
    if (lastTurns.get(licenseKey) === ended) lastTurns.delete(licenseKey);
  });
  return turn;
}

/** How many license keys have a call running or queued (the map must not grow without bound). */
export function licensesWithQueuedCalls(): number {
  return lastTurns.size;
}
