/**
 * Outbound webhooks, the Firestore side: fan an event out to its deliveries (one record per
 * event and webhook, created exactly once), claim a due delivery in a transaction, attempt it
 * and record the attempt in one batch, run the due deliveries, and the local stack's event
 * pump. Every decision it applies is in `webhookDelivery.ts` (unit tested there).
 */
import { Timestamp } from 'firebase-admin/firestore';
import { delivery as deliveryPolicy } from '../../config/constants.js';
import { deliveriesCollection, deliveryAttemptsCollection, deliveryId, type DeliveryDocument, type DeliveryStatus } from '../../data/deliveries.js';
import { isAlreadyExists } from '../../data/errors.js';
import { eventsCollection, type EventDocument } from '../../data/events.js';
import { db } from '../../data/firestore.js';
import { webhooksCollection } from '../../data/webhooks.js';
import { notFound } from '../../domain/errors.js';
import { deliveryView } from '../../views/webhooks.js';
import { loadOwnedApp } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import { openSecret } from '../access/storedSecrets.js';
import {
  attemptHeaders,
  attemptLogView,
  claimDecision,
  forgetPumpedBefore,
  isDeliveryOf,
  isSubscribed,
  newDeliveryRecord,
  pumpEvents,
  recipientOf,
  redeliveryRecord,
  runDue,
  sendAttempt,
  settleAttempt,
} from './webhookDelivery.js';

/**
 * Creates the deliveries of one event (create-if-absent: a second run creates none) and
 * returns the ids it created. Runs from the Firestore trigger, or the local stack's pump.
 */
export async function fanOutEvent(eventId: string, event: EventDocument, now = Timestamp.now()): Promise<string[]> {
  const webhooks = await webhooksCollection(event.appId).where('active', '==', true).get();
  const created: string[] = [];
  await Promise.all(
    webhooks.docs
      .filter((doc) => isSubscribed(doc.data(), doc.id, event))
      .map(async (doc) => {
        const id = deliveryId(eventId, doc.id);
        try {
          await deliveriesCollection().doc(id).create(newDeliveryRecord(eventId, doc.id, event, now));
          created.push(id);
        } catch (error) {
          if (!isAlreadyExists(error)) throw error;
        }
      }),
  );
  return created;
}

/** Claims a due delivery (claimDecision) in a transaction: the claimed record, or undefined when not due or finished. */
async function claim(id: string, now: Timestamp): Promise<DeliveryDocument | undefined> {
  const ref = deliveriesCollection().doc(id);
  return db().runTransaction(async (transaction) => {
    const decision = claimDecision((await transaction.get(ref)).data(), now);
    if (decision.kind === 'skip') return undefined;
    transaction.set(ref, decision.record);
    return decision.kind === 'claim' ? decision.record : undefined;
  });
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
  const recipient = recipientOf(record, (await webhookRef.get()).data());
  if (recipient.kind === 'cancel') {
    await ref.set(recipient.record);
    return 'cancelled';
  }
  const { webhook } = recipient;
  const outcome = await sendAttempt(webhook.url, record.body, () => attemptHeaders(record, id, openSecret(webhook.secret), Math.floor(Date.now() / 1000)));
  const settled = settleAttempt(record, webhook.url, outcome, Timestamp.now());
  const batch = db().batch();
  batch.create(deliveryAttemptsCollection(id).doc(settled.logId), settled.log);
  batch.set(ref, settled.record);
  if (settled.disableWebhook) batch.update(webhookRef.withConverter(null), settled.disableWebhook);
  await batch.commit();
  return settled.status;
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
  return runDue(
    due.docs.map((doc) => doc.id),
    (id) => attemptDelivery(id, now),
    stopAt,
  );
}

/** Trigger body: fan out, then attempt each new delivery at once. */
export async function deliverEvent(eventId: string, event: EventDocument): Promise<void> {
  const created = await fanOutEvent(eventId, event);
  await Promise.all(created.map((id) => attemptDelivery(id)));
}

async function ownedDelivery(principal: Principal, appId: string, webhookId: string, id: string): Promise<DeliveryDocument> {
  await loadOwnedApp(principal, appId);
  const record = (await deliveriesCollection().doc(id).get()).data();
  if (!isDeliveryOf(record, appId, webhookId)) throw notFound('Delivery not found');
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
  return { delivery: deliveryView(id, record), body: record.body, attempts: attempts.docs.map((doc) => attemptLogView(doc.data())) };
}

/** Sends one delivery again now, whatever its state (a receiver fixed after it failed). */
export async function redeliver(principal: Principal, appId: string, webhookId: string, id: string) {
  const record = await ownedDelivery(principal, appId, webhookId, id);
  const now = Timestamp.now();
  await deliveriesCollection().doc(id).set(redeliveryRecord(record, now));
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
  forgetPumpedBefore(pumped, latest, lookbackMs);
  return Timestamp.fromMillis(latest);
}
