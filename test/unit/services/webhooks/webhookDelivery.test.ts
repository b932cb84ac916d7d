/**
 * Webhook delivery rules (functions/src/services/webhooks/webhookDelivery.ts): who receives an
 * event, the backoff, the claim, what an attempt sends (to a loopback receiver this file
 * starts), what its result does to the delivery, and the local pump's passes. No Firestore.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webhookSignatureHeader, verifyWebhookSignature } from '../../../../functions/src/crypto/webhookSignature.js';
import type { DeliveryDocument } from '../../../../functions/src/data/deliveries.js';
import type { EventDocument } from '../../../../functions/src/data/events.js';
import type { WebhookDocument } from '../../../../functions/src/data/webhooks.js';
import {
  attemptHeaders,
  attemptLogView,
  claimDecision,
  deliveryExpireAt,
  eventBody,
  forgetPumpedBefore,
  isDeliveryOf,
  isSubscribed,
  newDeliveryRecord,
  pumpEvents,
  recipientOf,
  redeliveryRecord,
  retryDelayMs,
  runDue,
  sendAttempt,
  settleAttempt,
  type AttemptOutcome,
} from '../../../../functions/src/services/webhooks/webhookDelivery.js';

/** Many draws of the delay after `attempts` failed attempts: their range shows base and jitter. */
function draws(attempts: number, count = 2000): { min: number; max: number; all: number[] } {
  const all = Array.from({ length: count }, () => retryDelayMs(attempts));
  return { min: Math.min(...all), max: Math.max(...all), all };
}

describe('retryDelayMs (webhook delivery backoff)', () => {
  it('waits 30 s ± 20 % after the first attempt (and for a count below 1)', () => {
    for (const attempts of [1, 0, -3]) {
      const { min, max } = draws(attempts);
      expect(min).toBeGreaterThanOrEqual(24_000);
      expect(max).toBeLessThanOrEqual(36_000);
    }
  });

  it('doubles with each attempt', () => {
    const second = draws(2);
    expect(second.min).toBeGreaterThanOrEqual(48_000);
    expect(second.max).toBeLessThanOrEqual(72_000);
    const tenth = draws(10); // 30 s × 2^9 = 15 360 s, still under the cap
    expect(tenth.min).toBeGreaterThanOrEqual(0.8 * 15_360_000);
    expect(tenth.max).toBeLessThanOrEqual(1.2 * 15_360_000);
    expect(tenth.max).toBeGreaterThan(1.1 * 15_360_000);
  });

  it('caps the base at 6 h from the eleventh attempt on', () => {
    for (const attempts of [11, 12, 40]) {
      const { min, max } = draws(attempts);
      expect(min).toBeGreaterThanOrEqual(0.8 * 21_600_000);
      expect(max).toBeLessThanOrEqual(1.2 * 21_600_000);
      expect(min).toBeLessThan(0.9 * 21_600_000);
    }
  });

  it('spreads over the whole ±20 % in whole milliseconds', () => {
    const { min, max, all } = draws(1, 4000);
    // 401 jitter steps of 0.1 %: with 4000 draws the extremes come within 2 % of the bounds.
    expect(min).toBeLessThan(24_600);
    expect(max).toBeGreaterThan(35_400);
    expect(new Set(all).size).toBeGreaterThan(300);
    expect(all.every(Number.isInteger)).toBe(true);
  });
});

describe('pumpEvents (the local stack event pump, one pass)', () => {
  const events = [1_000, 2_000, 3_000, 4_000].map((createdAtMs, i) => ({ id: `e${i}`, createdAtMs }));

  it('delivers every event although one fails, starts the next pass at the failed one, and retries only it (chaos run, issue 22)', async () => {
    const done = new Map<string, number>();
    const delivered: string[] = [];
    let failing = true;
    const deliver = async (event: { id: string }) => {
      if (event.id === 'e1' && failing) throw new Error('ABORTED');
      delivered.push(event.id);
    };
    const next = await pumpEvents(events, 500, done, deliver);
    expect(delivered.sort()).toEqual(['e0', 'e2', 'e3']);
    expect(next).toBe(2_000);
    failing = false;
    const after = await pumpEvents(events, next, done, deliver);
    expect(delivered.sort()).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(after).toBe(4_000);
    // A pass over the same window hands nothing out again.
    expect(await pumpEvents(events, after, done, deliver)).toBe(4_000);
    expect(delivered).toHaveLength(4);
  });

  it('never moves back before where the pass started, and keeps the start with no events', async () => {
    const done = new Map<string, number>();
    expect(await pumpEvents(events, 2_500, done, async (event) => { if (event.id === 'e0') throw new Error('x'); })).toBe(2_500);
    expect(await pumpEvents([], 9_000, new Map(), async () => undefined)).toBe(9_000);
  });
});

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
const retryWindowMs = 72 * hourMs;
const now = Timestamp.fromDate(new Date('2028-03-01T10:00:00Z'));
const at = (ms: number) => Timestamp.fromMillis(now.toMillis() + ms);

const event = (type: EventDocument['type'] = 'license.created', data: Record<string, unknown> = { licenseKey: 'ABCD-EFGH' }): EventDocument => ({
  type,
  appId: 'app1',
  accountId: 'acct1',
  licenseKey: 'ABCD-EFGH',
  data,
  createdAt: Timestamp.fromDate(new Date('2028-02-29T09:30:00.250Z')),
  expireAt: now,
});

const webhook = (fields: Partial<WebhookDocument> = {}): WebhookDocument => ({
  appId: 'app1',
  accountId: 'acct1',
  url: 'https://hooks.example/in',
  description: null,
  events: [],
  active: true,
  secret: 'sealed',
  disabledReason: null,
  createdAt: now,
  updatedAt: now,
  ...fields,
});

/** A delivery claimed for its third attempt, created an hour ago. */
const delivery = (fields: Partial<DeliveryDocument> = {}): DeliveryDocument => ({
  eventId: 'evt1',
  webhookId: 'wh1',
  appId: 'app1',
  accountId: 'acct1',
  eventType: 'license.revoked',
  body: '{"id":"evt1"}',
  status: 'delivering',
  attempts: 3,
  nextAttemptAt: at(-1_000),
  lastAttemptAt: at(-60_000),
  lastStatusCode: 500,
  lastError: 'HTTP 500',
  deliveredAt: null,
  createdAt: at(-hourMs),
  expireAt: at(30 * dayMs),
  ...fields,
});

describe('retryDelayMs with its jitter fixed', () => {
  it('is 30 s × (0.8 + step/1000): 24 s at step 0, 30 s at 200, 36 s at 400, rounded to the millisecond', () => {
    expect(retryDelayMs(1, 0)).toBe(24_000);
    expect(retryDelayMs(1, 200)).toBe(30_000);
    expect(retryDelayMs(1, 400)).toBe(36_000);
    expect(retryDelayMs(1, 33)).toBe(24_990);
    expect(retryDelayMs(2, 33)).toBe(49_980);
  });

  it('doubles per attempt from the first, counts below 1 as 1, and caps the base at 6 h from the eleventh', () => {
    expect(retryDelayMs(0, 200)).toBe(30_000);
    expect(retryDelayMs(-2, 200)).toBe(30_000);
    expect(retryDelayMs(2, 200)).toBe(60_000);
    expect(retryDelayMs(3, 200)).toBe(120_000);
    expect(retryDelayMs(10, 200)).toBe(15_360_000);
    expect(retryDelayMs(11, 200)).toBe(21_600_000);
    expect(retryDelayMs(11, 400)).toBe(25_920_000);
    expect(retryDelayMs(30, 0)).toBe(17_280_000);
  });
});

describe('what a delivery is made of', () => {
  it('expires 30 days after it is written', () => {
    expect(deliveryExpireAt(now).toMillis()).toBe(now.toMillis() + 30 * dayMs);
  });

  it('sends {id, event, createdAt, appId, data} in that order, createdAt in ISO 8601', () => {
    expect(eventBody('evt9', event('license.extended', { days: 30, nested: { a: [1] } }))).toBe(
      '{"id":"evt9","event":"license.extended","createdAt":"2028-02-29T09:30:00.250Z","appId":"app1","data":{"days":30,"nested":{"a":[1]}}}',
    );
  });

  it('a new delivery is pending, due now, with no attempt yet and the body fixed', () => {
    const source = event('license.revoked');
    expect(newDeliveryRecord('evt1', 'wh1', source, now)).toEqual({
      eventId: 'evt1',
      webhookId: 'wh1',
      appId: 'app1',
      accountId: 'acct1',
      eventType: 'license.revoked',
      body: eventBody('evt1', source),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lastAttemptAt: null,
      lastStatusCode: null,
      lastError: null,
      deliveredAt: null,
      createdAt: now,
      expireAt: at(30 * dayMs),
    });
  });
});

describe('isSubscribed', () => {
  it('an active webhook with no event list receives every type; with a list, only the listed types', () => {
    expect(isSubscribed(webhook(), 'wh1', event('license.created'))).toBe(true);
    expect(isSubscribed(webhook({ events: ['license.revoked', 'license.created'] }), 'wh1', event('license.created'))).toBe(true);
    expect(isSubscribed(webhook({ events: ['license.revoked'] }), 'wh1', event('license.created'))).toBe(false);
  });

  it('a disabled webhook receives nothing, not even its own test ping', () => {
    expect(isSubscribed(webhook({ active: false }), 'wh1', event('license.created'))).toBe(false);
    expect(isSubscribed(webhook({ active: false }), 'wh1', event('test.ping', { webhookId: 'wh1' }))).toBe(false);
  });

  it('a test ping goes only to the webhook it names, whatever the event lists say', () => {
    expect(isSubscribed(webhook({ events: ['license.revoked'] }), 'wh1', event('test.ping', { webhookId: 'wh1' }))).toBe(true);
    expect(isSubscribed(webhook(), 'wh2', event('test.ping', { webhookId: 'wh1' }))).toBe(false);
    expect(isSubscribed(webhook({ events: ['test.ping'] }), 'wh2', event('test.ping', { webhookId: 'wh1' }))).toBe(false);
  });
});

describe('claimDecision', () => {
  const delay = (ms: number) => () => ms;

  it('skips a missing or finished delivery', () => {
    expect(claimDecision(undefined, now, delay(0))).toEqual({ kind: 'skip' });
    for (const status of ['delivered', 'failed', 'cancelled'] as const) expect(claimDecision(delivery({ status }), now, delay(0))).toEqual({ kind: 'skip' });
  });

  it('claims a pending or lapsed delivering one from the millisecond it is due, not one before', () => {
    for (const status of ['pending', 'delivering'] as const) {
      expect(claimDecision(delivery({ status, nextAttemptAt: at(1) }), now, delay(0))).toEqual({ kind: 'skip' });
      expect(claimDecision(delivery({ status, nextAttemptAt: now }), now, delay(0)).kind).toBe('claim');
    }
  });

  it('counts the attempt and leases it for its retry delay, at least 60 s', () => {
    const asked: number[] = [];
    const decision = claimDecision(delivery({ status: 'pending' }), now, (attempts) => {
      asked.push(attempts);
      return 90_000;
    });
    expect(asked).toEqual([4]);
    expect(decision).toEqual({ kind: 'claim', record: delivery({ status: 'delivering', attempts: 4, nextAttemptAt: at(90_000) }) });
    expect(claimDecision(delivery(), now, delay(60_001))).toEqual({ kind: 'claim', record: delivery({ attempts: 4, nextAttemptAt: at(60_001) }) });
    expect(claimDecision(delivery(), now, delay(59_999))).toEqual({ kind: 'claim', record: delivery({ attempts: 4, nextAttemptAt: at(60_000) }) });
  });

  it('the lease is the real retry delay by default: 60 s for a first attempt, the jittered delay once that is longer', () => {
    const first = claimDecision(delivery({ attempts: 0 }), now);
    expect(first).toEqual({ kind: 'claim', record: delivery({ attempts: 1, nextAttemptAt: at(60_000) }) });
    const ninth = claimDecision(delivery({ attempts: 8 }), now);
    expect(ninth.kind).toBe('claim');
    const leaseMs = (ninth.kind === 'claim' ? ninth.record.nextAttemptAt.toMillis() : 0) - now.toMillis();
    expect(leaseMs).toBeGreaterThanOrEqual(0.8 * 7_680_000);
    expect(leaseMs).toBeLessThanOrEqual(1.2 * 7_680_000);
  });

  it('claims up to the end of the retry window; 1 ms past it, fails the delivery for good', () => {
    expect(claimDecision(delivery({ createdAt: at(-retryWindowMs) }), now, delay(0)).kind).toBe('claim');
    expect(claimDecision(delivery({ createdAt: at(-retryWindowMs - 1) }), now, delay(0))).toEqual({
      kind: 'fail',
      record: delivery({ createdAt: at(-retryWindowMs - 1), status: 'failed', nextAttemptAt: now, lastError: 'HTTP 500' }),
    });
    expect(claimDecision(delivery({ createdAt: at(-retryWindowMs - 1), lastError: null }), now, delay(0))).toEqual({
      kind: 'fail',
      record: delivery({ createdAt: at(-retryWindowMs - 1), status: 'failed', nextAttemptAt: now, lastError: 'no answer recorded before the retry window ended' }),
    });
  });
});

describe('recipientOf', () => {
  it('an active webhook receives the claimed delivery', () => {
    const target = webhook();
    expect(recipientOf(delivery(), target)).toEqual({ kind: 'send', webhook: target });
  });

  it('a disabled or deleted webhook cancels it and gives the claimed attempt back', () => {
    expect(recipientOf(delivery(), webhook({ active: false }))).toEqual({
      kind: 'cancel',
      record: delivery({ attempts: 2, status: 'cancelled', lastError: 'webhook disabled' }),
    });
    expect(recipientOf(delivery(), undefined)).toEqual({ kind: 'cancel', record: delivery({ attempts: 2, status: 'cancelled', lastError: 'webhook deleted' }) });
  });
});

describe('attemptHeaders', () => {
  it('names the event, the delivery and the webhook, and signs the body with the secret at the given second', () => {
    const record = delivery();
    const headers = attemptHeaders(record, 'evt1~wh1', 'whsec_test', 1_900_000_000);
    expect(headers).toEqual({
      'Content-Type': 'application/json',
      'User-Agent': 'Keywarden-Webhooks/1.0',
      'X-Keywarden-Event': 'license.revoked',
      'X-Keywarden-Delivery': 'evt1~wh1',
      'X-Keywarden-Webhook': 'wh1',
      'X-Keywarden-Signature': webhookSignatureHeader('whsec_test', record.body, 1_900_000_000),
    });
    expect(verifyWebhookSignature('whsec_test', record.body, headers['X-Keywarden-Signature'] ?? '', 300, 1_900_000_000_000)).toBe(true);
  });
});

describe('sendAttempt (against a loopback receiver)', () => {
  interface Received {
    method: string;
    headers: IncomingHttpHeaders;
    body: string;
  }
  const received: Received[] = [];
  let answerBody = '';
  let receiver: Server;
  let url = '';
  const previousAllow = process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS;
  /** Each call of the clock answers the next reading. */
  const readings = (...values: number[]) => () => values.shift() ?? Number.NaN;

  beforeAll(async () => {
    // Loopback targets and plain http are allowed only where the receiver runs beside the sender.
    process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS = '1';
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(201, { 'content-type': 'text/plain' });
        response.end(answerBody);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    if (previousAllow === undefined) delete process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS;
    else process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS = previousAllow;
  });

  beforeEach(() => {
    received.length = 0;
    answerBody = 'thanks';
  });

  it('POSTs the body with the headers, and keeps the status, the answer and how long it took', async () => {
    const outcome = await sendAttempt(url, '{"id":"evt1"}', () => ({ 'Content-Type': 'application/json', 'X-Keywarden-Delivery': 'evt1~wh1' }), undefined, readings(1_000, 1_250.5));
    expect(outcome).toEqual({ statusCode: 201, responseSnippet: 'thanks', error: null, durationMs: 250.5 });
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('POST');
    expect(received[0]?.body).toBe('{"id":"evt1"}');
    expect(received[0]?.headers['x-keywarden-delivery']).toBe('evt1~wh1');
  });

  it('keeps the first 512 bytes of a long answer by default, or the limit it is given', async () => {
    answerBody = 'x'.repeat(2_000);
    expect((await sendAttempt(url, '{}', () => ({}))).responseSnippet).toBe('x'.repeat(512));
    expect((await sendAttempt(url, '{}', () => ({}), { timeoutMs: 10_000, keepBytes: 20 })).responseSnippet).toBe('x'.repeat(20));
  });

  it('measures real time by default', async () => {
    const { durationMs } = await sendAttempt(url, '{}', () => ({}));
    expect(durationMs).toBeGreaterThanOrEqual(0);
    expect(durationMs).toBeLessThan(30_000);
  });

  it('a refused connection is an outcome with its error, not a throw', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await sendAttempt(`http://127.0.0.1:${port}/hook`, '{}', () => ({}), undefined, readings(5, 7));
    expect(outcome.statusCode).toBeNull();
    expect(outcome.responseSnippet).toBeNull();
    expect(outcome.error).toMatch(/ECONNREFUSED/);
    expect(outcome.durationMs).toBe(2);
  });

  it('headers that cannot be made (a secret that does not open) are the attempt error, and nothing is sent', async () => {
    const outcome = await sendAttempt(url, '{}', () => {
      throw new Error('cannot open the sealed secret');
    }, undefined, readings(10, 10));
    expect(outcome).toEqual({ statusCode: null, responseSnippet: null, error: 'cannot open the sealed secret', durationMs: 0 });
    const odd = await sendAttempt(url, '{}', () => {
      throw 'not an Error';
    });
    expect(odd.error).toBe('not an Error');
    expect(received).toHaveLength(0);
  });
});

describe('settleAttempt', () => {
  const outcome = (fields: Partial<AttemptOutcome>): AttemptOutcome => ({ statusCode: null, responseSnippet: null, error: null, durationMs: 12.4, ...fields });
  const settle = (fields: Partial<AttemptOutcome>, claimed = delivery()) => settleAttempt(claimed, 'https://hooks.example/in', outcome(fields), now, () => 30_000);

  it('a 2xx answer (200 to 299) delivers it', () => {
    for (const statusCode of [200, 204, 299]) {
      const settled = settle({ statusCode, responseSnippet: 'ok' });
      expect(settled.status).toBe('delivered');
      expect(settled.record).toEqual(delivery({ status: 'delivered', nextAttemptAt: now, lastAttemptAt: now, lastStatusCode: statusCode, lastError: null, deliveredAt: now }));
      expect(settled.disableWebhook).toBeNull();
    }
  });

  it('199, 300, 404 and 500 schedule the retry after the retry delay of this attempt, naming the status', () => {
    for (const statusCode of [199, 300, 404, 500]) {
      const asked: number[] = [];
      const settled = settleAttempt(delivery(), 'https://hooks.example/in', outcome({ statusCode }), now, (attempts) => {
        asked.push(attempts);
        return 45_000;
      });
      expect(asked).toEqual([3]);
      expect(settled.status).toBe('pending');
      expect(settled.record).toEqual(delivery({ status: 'pending', nextAttemptAt: at(45_000), lastAttemptAt: now, lastStatusCode: statusCode, lastError: `HTTP ${statusCode}`, deliveredAt: null }));
      expect(settled.disableWebhook).toBeNull();
    }
  });

  it('no answer keeps the reason as the last error', () => {
    const settled = settle({ error: 'timed out after 10 s' });
    expect(settled.status).toBe('pending');
    expect(settled.record).toMatchObject({ lastStatusCode: null, lastError: 'timed out after 10 s', deliveredAt: null, nextAttemptAt: at(30_000) });
  });

  it('410 Gone fails it at once and disables the webhook', () => {
    const settled = settle({ statusCode: 410 });
    expect(settled.status).toBe('failed');
    expect(settled.record).toEqual(delivery({ status: 'failed', nextAttemptAt: now, lastAttemptAt: now, lastStatusCode: 410, lastError: 'receiver answered 410 Gone: webhook disabled', deliveredAt: null }));
    expect(settled.disableWebhook).toEqual({ active: false, disabledReason: 'receiver answered 410 Gone', updatedAt: now });
  });

  it('fails it when the retry would fall after the retry window, not when it falls exactly at its end', () => {
    const endsAtRetry = delivery({ createdAt: at(30_000 - retryWindowMs) });
    expect(settle({ statusCode: 503 }, endsAtRetry).status).toBe('pending');
    const endsBefore = delivery({ createdAt: at(29_999 - retryWindowMs) });
    const settled = settle({ statusCode: 503 }, endsBefore);
    expect(settled.status).toBe('failed');
    expect(settled.record).toMatchObject({ status: 'failed', nextAttemptAt: now, lastError: 'HTTP 503', lastStatusCode: 503 });
    expect(settled.disableWebhook).toBeNull();
  });

  it('a success past the window is still delivered', () => {
    expect(settle({ statusCode: 200 }, delivery({ createdAt: at(-retryWindowMs - dayMs) })).status).toBe('delivered');
  });

  it('logs the attempt under its zero-padded number, the duration rounded, kept 30 days', () => {
    const settled = settle({ statusCode: 500, responseSnippet: 'oops', durationMs: 12.5 });
    expect(settled.logId).toBe('0003');
    expect(settled.log).toEqual({
      attempt: 3,
      at: now,
      url: 'https://hooks.example/in',
      statusCode: 500,
      durationMs: 13,
      responseSnippet: 'oops',
      error: null,
      expireAt: at(30 * dayMs),
    });
    expect(settle({ error: 'refused', durationMs: 12.4 }, delivery({ attempts: 12_345 })).log).toMatchObject({ attempt: 12_345, durationMs: 12, error: 'refused', statusCode: null });
    expect(settle({}, delivery({ attempts: 12_345 })).logId).toBe('12345');
  });

  it('uses the real retry delay by default', () => {
    const settled = settleAttempt(delivery({ attempts: 2 }), 'https://hooks.example/in', outcome({ statusCode: 500 }), now);
    const delayMs = settled.record.nextAttemptAt.toMillis() - now.toMillis();
    expect(delayMs).toBeGreaterThanOrEqual(48_000);
    expect(delayMs).toBeLessThanOrEqual(72_000);
  });
});

describe('redelivery and the delivery views', () => {
  it('a redelivery is pending, due now, with a fresh retry window; its attempts and history stay', () => {
    expect(redeliveryRecord(delivery({ status: 'failed' }), now)).toEqual(delivery({ status: 'pending', nextAttemptAt: now, createdAt: now }));
  });

  it('a delivery belongs to the app and webhook it names, and only those', () => {
    expect(isDeliveryOf(delivery(), 'app1', 'wh1')).toBe(true);
    expect(isDeliveryOf(delivery(), 'app2', 'wh1')).toBe(false);
    expect(isDeliveryOf(delivery(), 'app1', 'wh2')).toBe(false);
    expect(isDeliveryOf(undefined, 'app1', 'wh1')).toBe(false);
  });

  it('a logged attempt is shown without its TTL field, its time in ISO 8601', () => {
    const log = settleAttempt(delivery(), 'https://hooks.example/in', { statusCode: 500, responseSnippet: 'oops', error: null, durationMs: 7 }, now, () => 1).log;
    expect(attemptLogView(log)).toEqual({ attempt: 3, at: '2028-03-01T10:00:00.000Z', url: 'https://hooks.example/in', statusCode: 500, durationMs: 7, responseSnippet: 'oops', error: null });
  });
});

describe('runDue (the scheduled run over due deliveries)', () => {
  it('attempts every item, ten at a time by default, and counts those that were due', async () => {
    let running = 0;
    let most = 0;
    const attempt = async (item: number) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      return item % 3 === 0 ? undefined : 'delivered';
    };
    const items = Array.from({ length: 25 }, (_, i) => i + 1);
    expect(await runDue(items, attempt, Number.POSITIVE_INFINITY)).toBe(17);
    expect(most).toBe(10);
    most = 0;
    expect(await runDue(items, attempt, Number.POSITIVE_INFINITY, Date.now, 3)).toBe(17);
    expect(most).toBe(3);
  });

  it('starts no new attempt once the clock reaches the stop time; those started finish', async () => {
    const started: string[] = [];
    const times = [0, 999, 1_000];
    const count = await runDue(['a', 'b', 'c', 'd'], async (item) => started.push(item), 1_000, () => times.shift() ?? 0, 1);
    expect(started).toEqual(['a', 'b']);
    expect(count).toBe(2);
  });

  it('with a stop time already past (real clock), attempts nothing', async () => {
    const started: string[] = [];
    expect(await runDue(['a'], async (item) => started.push(item), Date.now() - 1)).toBe(0);
    expect(started).toEqual([]);
  });
});

describe('forgetPumpedBefore', () => {
  it('forgets events older than twice the lookback before the newest, keeps the one exactly at that edge', () => {
    const done = new Map([['old', 69_999], ['edge', 70_000], ['new', 99_000]]);
    forgetPumpedBefore(done, 100_000, 15_000);
    expect([...done.keys()]).toEqual(['edge', 'new']);
  });
});
