/**
 * Outbound webhooks: fan an event out to the app's matching webhooks (one delivery record per
 * event and webhook, created exactly once), then deliver each with a signed POST, retrying
 * with exponential backoff and jitter for about three days. At-least-once: a receiver dedupes
 * on `X-Keywarden-Delivery`.
 */
import { randomInt } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { delivery as deliveryPolicy, retention } from '../../config/constants.js';
import { webhookSignatureHeader } from '../../crypto/webhookSignature.js';
import {
  deliveriesCollection,
  deliveryAttemptsCollection,
  deliveryId,
  type DeliveryDocument,
  type DeliveryStatus,
} from '../../data/deliveries.js';
import { isAlreadyExists } from '../../data/errors.js';
import { eventsCollection, type EventDocument } from '../../data/events.js';
import { db } from '../../data/firestore.js';
import { isoDate } from '../../data/shared.js';
import { webhooksCollection, type WebhookDocument } from '../../data/webhooks.js';
import { notFound } from '../../domain/errors.js';
import { loadOwnedApp } from '../access/ownership.js';
import { openSecret } from '../access/storedSecrets.js';
import { postToWebhook } from './webhookTargets.js';
import type { Principal } from '../access/principal.js';
import { deliveryView } from '../../views/webhooks.js';

const expiry = (now: Timestamp) => Timestamp.fromMillis(now.toMillis() + retention.deliveryDays * 86_400_000);

/** What the receiver gets: `{id, event, createdAt, data}` (seed 000's consumer reads event.event, event.data). */
export function eventBody(eventId: string, event: EventDocument): string {
  return JSON.stringify({ id: eventId, event: event.type, createdAt: isoDate(event.createdAt), appId: event.appId, data: event.data });
}

function subscribed(webhook: WebhookDocument, webhookId: string, event: EventDocument): boolean {
  if (!webhook.active) return false;
  // A test ping goes only to the webhook it was sent to.
  if (event.type === 'test.ping') return event.data.webhookId === webhookId;
  return webhook.events.length === 0 || webhook.events.includes(event.type);
}

/**
 * Creates the deliveries of one event (create-if-absent: a second run creates none) and
 * returns the ids it created. Runs from the Firestore trigger, or the local stack's pump.
 */
export async function fanOutEvent(eventId: string, event: EventDocument, now = Timestamp.now()): Promise<string[]> {
  const webhooks = await webhooksCollection(event.appId).where('active', '==', true).get();
  const created: string[] = [];
  await Promise.all(
    webhooks.docs
      .filter((doc) => subscribed(doc.data(), doc.id, event))
      .map(async (doc) => {
        const id = deliveryId(eventId, doc.id);
        const record: DeliveryDocument = {
          eventId,
          webhookId: doc.id,
          appId: event.appId,
          accountId: event.accountId,
          eventType: event.type,
          body: eventBody(eventId, event),
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          lastAttemptAt: null,
          lastStatusCode: null,
          lastError: null,
          deliveredAt: null,
          createdAt: now,
          expireAt: expiry(now),
        };
        try {
          await deliveriesCollection().doc(id).create(record);
          created.push(id);
        } catch (error) {
          if (!isAlreadyExists(error)) throw error;
        }
      }),
  );
  return created;
}

/** Exponential backoff from 30 s, doubling to a 6 h cap, with ±20 % jitter. */
export function retryDelayMs(attempts: number): number {
  const base = Math.min(deliveryPolicy.maxRetryDelayMs, deliveryPolicy.firstRetryDelayMs * 2 ** Math.max(0, attempts - 1));
  const jitter = 0.8 + randomInt(0, 401) / 1000;
  return Math.round(base * jitter);
}

/**
 * Claims a due delivery so only one sender attempts it, and counts the attempt now: a delivery
 * whose send kills the process (or never returns) has spent that attempt, and its lease is
 * the retry delay it would get on failure, so it is retried on the backoff schedule and fails
 * once the retry window is over instead of being retried forever. Returns the claimed record
 * (its `attempts` already counting this one), or undefined when not due or finished.
 */
async function claim(id: string, now: Timestamp): Promise<DeliveryDocument | undefined> {
  const ref = deliveriesCollection().doc(id);
  return db().runTransaction(async (transaction) => {
    const current = (await transaction.get(ref)).data();
    if (!current || (current.status !== 'pending' && current.status !== 'delivering')) return undefined;
    if (current.nextAttemptAt.toMillis() > now.toMillis()) return undefined;
    if (now.toMillis() > current.createdAt.toMillis() + deliveryPolicy.retryWindowMs) {
      // A claimed attempt that never reported back, past the window: failed for good.
      transaction.set(ref, { ...current, status: 'failed', nextAttemptAt: now, lastError: current.lastError ?? 'no answer recorded before the retry window ended' });
      return undefined;
    }
    const attempts = current.attempts + 1;
    const lease = Math.max(deliveryPolicy.leaseMs, retryDelayMs(attempts));
    const claimed: DeliveryDocument = { ...current, status: 'delivering', attempts, nextAttemptAt: Timestamp.fromMillis(now.toMillis() + lease) };
    transaction.set(ref, claimed);
    return claimed;
  });
}

interface AttemptOutcome {
  statusCode: number | null;
  responseSnippet: string | null;
  error: string | null;
  durationMs: number;
}

async function send(webhookId: string, webhook: WebhookDocument, record: DeliveryDocument, deliveryIdValue: string): Promise<AttemptOutcome> {
  const started = performance.now();
  try {
    const response = await postToWebhook(
      webhook.url,
      {
        'Content-Type': 'application/json',
        'User-Agent': 'Keywarden-Webhooks/1.0',
        'X-Keywarden-Event': record.eventType,
        'X-Keywarden-Delivery': deliveryIdValue,
        'X-Keywarden-Webhook': webhookId,
        'X-Keywarden-Signature': webhookSignatureHeader(openSecret(webhook.secret), record.body, Math.floor(Date.now() / 1000)),
      },
      record.body,
      { timeoutMs: deliveryPolicy.timeoutMs, keepBytes: deliveryPolicy.responseSnippetBytes },
    );
    return { statusCode: response.statusCode, responseSnippet: response.snippet, error: null, durationMs: performance.now() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { statusCode: null, responseSnippet: null, error: message, durationMs: performance.now() - started };
  }
}

/**
 * Attempts one delivery if it is due: claim, POST, log the attempt, then mark it delivered,
 * schedule the retry, or fail it (retry window over, or 410 Gone, which also disables the
 * webhook). Returns the resulting status, or undefined when there was nothing to do.
 */
export async function attemptDelivery(id: string, now = Timestamp.now()): Promise<DeliveryStatus | undefined> {
  const record = await claim(id, now);
  if (!record) return undefined;
  const ref = deliveriesCollection().doc(id);
  const webhookRef = webhooksCollection(record.appId).doc(record.webhookId);
  const webhook = (await webhookRef.get()).data();
  if (!webhook || !webhook.active) {
    await ref.set({ ...record, attempts: record.attempts - 1, status: 'cancelled', lastError: webhook ? 'webhook disabled' : 'webhook deleted' });
    return 'cancelled';
  }
  const outcome = await send(record.webhookId, webhook, record, id);
  const attempt = record.attempts;
  const at = Timestamp.now();
  const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const gone = outcome.statusCode === 410;
  const retryAt = at.toMillis() + retryDelayMs(attempt);
  const windowOver = retryAt > record.createdAt.toMillis() + deliveryPolicy.retryWindowMs;
  const status: DeliveryStatus = ok ? 'delivered' : gone || windowOver ? 'failed' : 'pending';
  const lastError = ok ? null : gone ? 'receiver answered 410 Gone: webhook disabled' : (outcome.error ?? `HTTP ${outcome.statusCode}`);

  const batch = db().batch();
  batch.create(deliveryAttemptsCollection(id).doc(String(attempt).padStart(4, '0')), {
    attempt,
    at,
    url: webhook.url,
    statusCode: outcome.statusCode,
    durationMs: Math.round(outcome.durationMs),
    responseSnippet: outcome.responseSnippet,
    error: outcome.error,
    expireAt: expiry(at),
  });
  batch.set(ref, {
    ...record,
    status,
    attempts: attempt,
    nextAttemptAt: status === 'pending' ? Timestamp.fromMillis(retryAt) : at,
    lastAttemptAt: at,
    lastStatusCode: outcome.statusCode,
    lastError,
    deliveredAt: ok ? at : null,
  });
  if (gone) batch.update(webhookRef.withConverter(null), { active: false, disabledReason: 'receiver answered 410 Gone', updatedAt: at });
  await batch.commit();
  return status;
}

/**
 * Runs the deliveries that are due (the scheduled retry function and the local pump). After
 * `budgetMs` no new delivery is started; those in flight finish.
 */
export async function processDueDeliveries(now = Timestamp.now(), budgetMs = Number.POSITIVE_INFINITY): Promise<number> {
  const stopAt = Date.now() + budgetMs;
  const due = await deliveriesCollection()
    .where('status', 'in', ['pending', 'delivering'])
    .where('nextAttemptAt', '<=', now)
    .orderBy('nextAttemptAt', 'asc')
    .limit(deliveryPolicy.batchSize)
    .get();
  let attempted = 0;
  const queue = [...due.docs];
  const worker = async () => {
    for (let doc = queue.shift(); doc && Date.now() < stopAt; doc = queue.shift()) {
      if (await attemptDelivery(doc.id, now)) attempted += 1;
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  return attempted;
}

/** Trigger body: fan out, then attempt each new delivery at once. */
export async function deliverEvent(eventId: string, event: EventDocument): Promise<void> {
  const created = await fanOutEvent(eventId, event);
  await Promise.all(created.map((id) => attemptDelivery(id)));
}

async function ownedDelivery(principal: Principal, appId: string, webhookId: string, id: string) {
  await loadOwnedApp(principal, appId);
  const record = (await deliveriesCollection().doc(id).get()).data();
  if (!record || record.appId !== appId || record.webhookId !== webhookId) throw notFound('Delivery not found');
  return record;
}

export async function listDeliveries(principal: Principal, appId: string, webhookId: string, limit: number) {
  await loadOwnedApp(principal, appId);
  const snapshot = await deliveriesCollection().where('webhookId', '==', webhookId).orderBy('createdAt', 'desc').limit(limit).get();
  return { deliveries: snapshot.docs.filter((doc) => doc.data().appId === appId).map((doc) => deliveryView(doc.id, doc.data())) };
}

/** One delivery with every attempt (status, duration, response snippet). */
export async function getDelivery(principal: Principal, appId: string, webhookId: string, id: string) {
  const record = await ownedDelivery(principal, appId, webhookId, id);
  const attempts = await deliveryAttemptsCollection(id).orderBy('attempt', 'asc').get();
  return {
    delivery: deliveryView(id, record),
    body: record.body,
    attempts: attempts.docs.map((doc) => {
      const { expireAt: _expireAt, ...entry } = doc.data();
      return { ...entry, at: isoDate(entry.at) };
    }),
  };
}

/** Sends one delivery again now, whatever its state (a receiver fixed after it failed). */
export async function redeliver(principal: Principal, appId: string, webhookId: string, id: string) {
  const record = await ownedDelivery(principal, appId, webhookId, id);
  const now = Timestamp.now();
  await deliveriesCollection().doc(id).set({ ...record, status: 'pending', nextAttemptAt: now, createdAt: now });
  const status = await attemptDelivery(id, now);
  return getDelivery(principal, appId, webhookId, id).then((view) => ({ ...view, status }));
}

/** Events of the pump's window already fanned out (id -> createdAt ms): not fanned out again each tick. */
const pumped = new Map<string, number>();

/**
 * The local stack has no Firestore triggers: this pump finds recent events and fans them out.
 * It rescans a short window each time (fan-out is idempotent) so events committed late with an
 * earlier timestamp are not missed. Like the trigger (deployed with `retry: true`, each event on
 * its own), an event whose fan-out fails is retried on the next call without holding up the
 * others (see `pumpEvents`).
 */
export async function pumpRecentEvents(since: Timestamp, lookbackMs = 15_000): Promise<Timestamp> {
  const from = Timestamp.fromMillis(since.toMillis() - lookbackMs);
  const snapshot = await eventsCollection().where('createdAt', '>=', from).orderBy('createdAt', 'asc').get();
  const events = snapshot.docs.map((doc) => ({ id: doc.id, createdAtMs: doc.data().createdAt.toMillis(), event: doc.data() }));
  const latest = await pumpEvents(events, since.toMillis(), pumped, (event) => deliverEvent(event.id, event.event));
  for (const [id, createdAt] of pumped) if (createdAt < latest - 2 * lookbackMs) pumped.delete(id);
  return Timestamp.fromMillis(latest);
}

/**
 * One pass of the pump over the events of its window: each event not yet in `done` is handed to
 * `deliver` (a few at a time), on its own: one that fails does not stop the others and is tried
 * again on the next pass. Returns where the next pass starts: the newest event's time, held back
 * to the earliest failed event's (never before `sinceMs`). Before, one failed event ended the
 * whole pass and every pass started over from the same events, so under a steady rate of
 * Firestore faults the pump stopped delivering (found by the chaos run, issue 22).
 */
export async function pumpEvents<E extends { id: string; createdAtMs: number }>(
  events: readonly E[],
  sinceMs: number,
  done: Map<string, number>,
  deliver: (event: E) => Promise<void>,
  concurrency = 8,
): Promise<number> {
  const pending = events.filter((event) => !done.has(event.id));
  let earliestFailed: number | undefined;
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const event = pending[next++];
      if (!event) continue;
      try {
        await deliver(event);
        done.set(event.id, event.createdAtMs);
      } catch {
        earliestFailed = Math.min(earliestFailed ?? Infinity, event.createdAtMs);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  let latest = sinceMs;
  for (const event of events) latest = Math.max(latest, event.createdAtMs);
  return earliestFailed === undefined ? latest : Math.min(latest, Math.max(sinceMs, earliestFailed));
}
