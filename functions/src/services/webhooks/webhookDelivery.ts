/**
 * Outbound webhooks, the rules: which webhooks receive an event, what each attempt sends, and
 * what an attempt's result does to its delivery (delivered, retried later with exponential
 * backoff and jitter for about three days, or failed for good). At-least-once: a receiver
 * dedupes on `X-Keywarden-Delivery`. The Firestore side (fan-out, the claim transaction, the
 * bookkeeping batch, the scheduled run, the local pump) is `webhookDispatch.ts`.
 */
import { randomInt } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { delivery as deliveryPolicy, retention } from '../../config/constants.js';
import { webhookSignatureHeader } from '../../crypto/webhookSignature.js';
import type { DeliveryAttemptDocument, DeliveryDocument, DeliveryStatus } from '../../data/deliveries.js';
import type { EventDocument } from '../../data/events.js';
import { isoDate } from '../../data/shared.js';
import type { WebhookDocument } from '../../data/webhooks.js';
import { postToWebhook } from './webhookTargets.js';

/** Deliveries and their attempt logs are kept 30 days (the TTL policy reads `expireAt`). */
export const deliveryExpireAt = (now: Timestamp): Timestamp => Timestamp.fromMillis(now.toMillis() + retention.deliveryDays * 86_400_000);

/** What the receiver gets: `{id, event, createdAt, data}` (seed 000's consumer reads event.event, event.data). */
export function eventBody(eventId: string, event: EventDocument): string {
  return JSON.stringify({ id: eventId, event: event.type, createdAt: isoDate(event.createdAt), appId: event.appId, data: event.data });
}

/** Whether a webhook receives an event: it is active and lists the event's type (an empty list: every type). */
export function isSubscribed(webhook: WebhookDocument, webhookId: string, event: EventDocument): boolean {
  if (!webhook.active) return false;
  // A test ping goes only to the webhook it was sent to.
  if (event.type === 'test.ping') return event.data.webhookId === webhookId;
  return webhook.events.length === 0 || webhook.events.includes(event.type);
}

/** A new delivery of one event to one webhook, due at once; its body is fixed here, so every attempt sends the same bytes. */
export function newDeliveryRecord(eventId: string, webhookId: string, event: EventDocument, now: Timestamp): DeliveryDocument {
  return {
    eventId,
    webhookId,
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
    expireAt: deliveryExpireAt(now),
  };
}

/**
 * Exponential backoff from 30 s, doubling to a 6 h cap, with ±20 % jitter in 401 steps of
 * 0.1 % (`jitterStep` 0–400: drawn at random unless a test fixes it).
 */
export function retryDelayMs(attempts: number, jitterStep = randomInt(0, 401)): number {
  const base = Math.min(deliveryPolicy.maxRetryDelayMs, deliveryPolicy.firstRetryDelayMs * 2 ** Math.max(0, attempts - 1));
  const jitter = 0.8 + jitterStep / 1000;
  return Math.round(base * jitter);
}

/** The delay before the retry after `attempts` attempts (retryDelayMs; tests fix the jitter). */
export type RetryDelay = (attempts: number) => number;

/** What a sender does with a delivery it wants to attempt; `record` is what it writes in the claim transaction. */
export type ClaimDecision =
  | { kind: 'skip' }
  | { kind: 'fail'; record: DeliveryDocument }
  | { kind: 'claim'; record: DeliveryDocument };

/**
 * Claims a due delivery so only one sender attempts it, and counts the attempt now: a delivery
 * whose send kills the process (or never returns) has spent that attempt, and its lease is the
 * retry delay it would get on failure, so it is retried on the backoff schedule and fails once
 * the retry window is over instead of being retried forever. Skips a delivery that is missing,
 * finished, or not yet due.
 */
export function claimDecision(current: DeliveryDocument | undefined, now: Timestamp, delayMs: RetryDelay = retryDelayMs): ClaimDecision {
  if (!current || (current.status !== 'pending' && current.status !== 'delivering')) return { kind: 'skip' };
  if (current.nextAttemptAt.toMillis() > now.toMillis()) return { kind: 'skip' };
  if (now.toMillis() > current.createdAt.toMillis() + deliveryPolicy.retryWindowMs) {
    // A claimed attempt that never reported back, past the window: failed for good.
    return { kind: 'fail', record: { ...current, status: 'failed', nextAttemptAt: now, lastError: current.lastError ?? 'no answer recorded before the retry window ended' } };
  }
  const attempts = current.attempts + 1;
  const lease = Math.max(deliveryPolicy.leaseMs, delayMs(attempts));
  return { kind: 'claim', record: { ...current, status: 'delivering', attempts, nextAttemptAt: Timestamp.fromMillis(now.toMillis() + lease) } };
}

/** Whom a claimed delivery goes to: its webhook, or nobody (deleted or disabled since: cancelled, the claimed attempt given back). */
export type Recipient = { kind: 'send'; webhook: WebhookDocument } | { kind: 'cancel'; record: DeliveryDocument };

export function recipientOf(claimed: DeliveryDocument, webhook: WebhookDocument | undefined): Recipient {
  if (webhook && webhook.active) return { kind: 'send', webhook };
  return { kind: 'cancel', record: { ...claimed, attempts: claimed.attempts - 1, status: 'cancelled', lastError: webhook ? 'webhook disabled' : 'webhook deleted' } };
}

/** The headers of one attempt: the receiver verifies the signature over the body and dedupes on the delivery id. */
export function attemptHeaders(record: DeliveryDocument, deliveryId: string, secret: string, unixSeconds: number): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'Keywarden-Webhooks/1.0',
    'X-Keywarden-Event': record.eventType,
    'X-Keywarden-Delivery': deliveryId,
    'X-Keywarden-Webhook': record.webhookId,
    'X-Keywarden-Signature': webhookSignatureHeader(secret, record.body, unixSeconds),
  };
}

/** What one attempt got: the receiver's status and the start of its answer, or why there was none. */
export interface AttemptOutcome {
  statusCode: number | null;
  responseSnippet: string | null;
  error: string | null;
  durationMs: number;
}

/**
 * One attempt: POSTs `body` within the deadline and never throws. `headers` is called inside
 * the attempt, so a secret that cannot be opened is that attempt's error, recorded like a
 * refused connection, instead of leaving the delivery claimed.
 */
export async function sendAttempt(
  url: string,
  body: string,
  headers: () => Record<string, string>,
  limits: { timeoutMs: number; keepBytes: number } = { timeoutMs: deliveryPolicy.timeoutMs, keepBytes: deliveryPolicy.responseSnippetBytes },
  clock: () => number = () => performance.now(),
): Promise<AttemptOutcome> {
  const started = clock();
  try {
    const response = await postToWebhook(url, headers(), body, limits);
    return { statusCode: response.statusCode, responseSnippet: response.snippet, error: null, durationMs: clock() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { statusCode: null, responseSnippet: null, error: message, durationMs: clock() - started };
  }
}

/** An attempt's result, written in one batch: the attempt's log entry, the delivery, and the webhook disabled on 410. */
export interface SettledAttempt {
  status: DeliveryStatus;
  record: DeliveryDocument;
  /** The log entry's id: the attempt number, zero-padded so ids sort in attempt order. */
  logId: string;
  log: DeliveryAttemptDocument;
  disableWebhook: { active: false; disabledReason: string; updatedAt: Timestamp } | null;
}

/**
 * What an attempt's outcome does to the claimed delivery: a 2xx answer delivers it; 410 Gone
 * fails it and disables the webhook; anything else schedules the retry, or fails it when that
 * retry would fall after the retry window.
 */
export function settleAttempt(claimed: DeliveryDocument, url: string, outcome: AttemptOutcome, at: Timestamp, delayMs: RetryDelay = retryDelayMs): SettledAttempt {
  const attempt = claimed.attempts;
  const ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const gone = outcome.statusCode === 410;
  const retryAt = at.toMillis() + delayMs(attempt);
  const windowOver = retryAt > claimed.createdAt.toMillis() + deliveryPolicy.retryWindowMs;
  const status: DeliveryStatus = ok ? 'delivered' : gone || windowOver ? 'failed' : 'pending';
  const lastError = ok ? null : gone ? 'receiver answered 410 Gone: webhook disabled' : (outcome.error ?? `HTTP ${outcome.statusCode}`);
  return {
    status,
    record: {
      ...claimed,
      status,
      attempts: attempt,
      nextAttemptAt: status === 'pending' ? Timestamp.fromMillis(retryAt) : at,
      lastAttemptAt: at,
      lastStatusCode: outcome.statusCode,
      lastError,
      deliveredAt: ok ? at : null,
    },
    logId: String(attempt).padStart(4, '0'),
    log: {
      attempt,
      at,
      url,
      statusCode: outcome.statusCode,
      durationMs: Math.round(outcome.durationMs),
      responseSnippet: outcome.responseSnippet,
      error: outcome.error,
      expireAt: deliveryExpireAt(at),
    },
    disableWebhook: gone ? { active: false, disabledReason: 'receiver answered 410 Gone', updatedAt: at } : null,
  };
}

/** A delivery sent again now, whatever its state: due at once, with a fresh retry window. */
export function redeliveryRecord(record: DeliveryDocument, now: Timestamp): DeliveryDocument {
  return { ...record, status: 'pending', nextAttemptAt: now, createdAt: now };
}

/** Whether a delivery record belongs to this app's webhook (a caller sees no other's). */
export function isDeliveryOf(record: DeliveryDocument | undefined, appId: string, webhookId: string): record is DeliveryDocument {
  return record !== undefined && record.appId === appId && record.webhookId === webhookId;
}

/** One logged attempt as callers see it (its TTL field left out, its time as ISO 8601). */
export function attemptLogView(log: DeliveryAttemptDocument) {
  const { expireAt: _expireAt, ...entry } = log;
  return { ...entry, at: isoDate(entry.at) };
}

/**
 * Attempts due items `workers` at a time; once `clock()` reaches `stopAt` no new one is
 * started (those in flight finish). Counts the attempts that did something (an answer other
 * than undefined: the delivery was due).
 */
export async function runDue<T>(items: readonly T[], attempt: (item: T) => Promise<unknown>, stopAt: number, clock: () => number = Date.now, workers = 10): Promise<number> {
  let attempted = 0;
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined && clock() < stopAt; item = queue.shift()) {
      if ((await attempt(item)) !== undefined) attempted += 1;
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return attempted;
}

/** The pump forgets events older than twice its lookback before the newest: its window never reaches them again. */
export function forgetPumpedBefore(done: Map<string, number>, latestMs: number, lookbackMs: number): void {
  for (const [id, createdAt] of done) if (createdAt < latestMs - 2 * lookbackMs) done.delete(id);
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
