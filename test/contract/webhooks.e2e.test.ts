/**
 * README "Outbound webhooks" promises no other file pins: later attempts (retries of older
 * deliveries included) are signed with a rotated secret; redirects are not followed; the
 * backoff doubles from 30 s to a 6 h cap with ±20 % jitter, and a retry that would fall past
 * the 72 h window fails the delivery; deliveries, attempts and events carry `expireAt` 30 days
 * out for the TTL policy.
 *
 * Each test owns its app, webhook and receivers; the scheduled retry function scans every
 * file's deliveries, so a test runs it until its own delivery settles (`retryUntilSettled`).
 */
import { Timestamp } from 'firebase-admin/firestore';
import { afterEach, describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../functions/src/services/webhooks/webhookDelivery.js';
import { createAccount, createLicenses, createProduct } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import {
  closeReceivers,
  createWebhook,
  EventFeed,
  getDelivery,
  header,
  makeDue,
  retryUntilSettled,
  runDeliverEvents,
  startReceiver,
  v1,
  verifyKeywardenSignature,
} from '../webhooks/support.js';

afterEach(closeReceivers);

const DAY_MS = 86_400_000;

/** An app with one webhook on `receiver`, and one license.created event written (not yet fired). */
async function oneDelivery(url: string) {
  const account = await createAccount();
  const product = await createProduct(account);
  const created = await createWebhook(account, product.productId, url);
  const feed = new EventFeed(product.productId);
  await createLicenses(account, product.productId);
  const [event] = await feed.fresh();
  if (!event) throw new Error('no event');
  return { account, product, webhookId: created.webhook.webhookId, secret: created.secret, event, deliveryId: `${event.id}~${created.webhook.webhookId}` };
}

describe('a rotated webhook secret', () => {
  it('signs every later attempt, the retry of a delivery created before the rotation included', async () => {
    const receiver = await startReceiver((_request, index) => (index === 0 ? { status: 500, body: 'down' } : { status: 200, body: 'ok' }));
    const d = await oneDelivery(receiver.url);
    await runDeliverEvents(d.event);
    const first = receiver.requests[0];
    if (!first) throw new Error('no first attempt');
    expect(verifyKeywardenSignature(d.secret, first.rawBody, header(first, 'x-keywarden-signature'))).toBe(true);

    const rotated = await v1(d.account, 'PUT', `/apps/${d.product.productId}/webhooks/${d.webhookId}`, { rotateSecret: true });
    expect(rotated.status, rotated.text).toBe(200);
    const newSecret = String(rotated.body.secret);
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(d.secret);

    await makeDue(d.deliveryId);
    expect((await retryUntilSettled(d.deliveryId, (stored) => stored.attempts === 2)).status).toBe('delivered');
    const retry = receiver.requests[1];
    if (!retry) throw new Error('no retry');
    expect(retry.rawBody).toBe(first.rawBody);
    expect(verifyKeywardenSignature(newSecret, retry.rawBody, header(retry, 'x-keywarden-signature'))).toBe(true);
    expect(verifyKeywardenSignature(d.secret, retry.rawBody, header(retry, 'x-keywarden-signature'))).toBe(false);
  });
});

describe('redirects', () => {
  it('are not followed: a 302 is a failed attempt, and the target it names receives nothing', async () => {
    const target = await startReceiver();
    const redirecting = await startReceiver();
    const d = await oneDelivery(redirecting.url);
    redirecting.respond = () => ({ status: 302, body: 'moved', headers: { Location: target.url } });
    await runDeliverEvents(d.event);
    expect(redirecting.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
    const view = await getDelivery(d.account, d.product.productId, d.webhookId, d.deliveryId);
    expect(view.delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 302, lastError: 'HTTP 302' });
    // Leave nothing to retry: a disabled webhook's due delivery is cancelled unsent.
    expect((await v1(d.account, 'PUT', `/apps/${d.product.productId}/webhooks/${d.webhookId}`, { active: false })).status).toBe(200);
    await makeDue(d.deliveryId);
    expect((await retryUntilSettled(d.deliveryId, (stored) => stored.status === 'cancelled')).status).toBe('cancelled');
    expect(target.requests).toHaveLength(0);
  });
});

describe('the retry schedule', () => {
  it('doubles from 30 s to a 6 h cap, each delay within ±20 %', () => {
    const base = (attempt: number) => Math.min(6 * 3_600_000, 30_000 * 2 ** (attempt - 1));
    for (let attempt = 1; attempt <= 15; attempt += 1) {
      for (let draw = 0; draw < 50; draw += 1) {
        const delay = retryDelayMs(attempt);
        expect(delay, `attempt ${attempt}`).toBeGreaterThanOrEqual(Math.floor(base(attempt) * 0.8));
        expect(delay, `attempt ${attempt}`).toBeLessThanOrEqual(Math.ceil(base(attempt) * 1.2));
      }
    }
    // 30 s · 2^9 = 4.3 h < 6 h ≤ 30 s · 2^10: the cap holds from the 11th attempt on.
    expect(base(10)).toBeLessThan(6 * 3_600_000);
    expect(Math.max(...Array.from({ length: 200 }, () => retryDelayMs(40)))).toBeLessThanOrEqual(Math.ceil(1.2 * 6 * 3_600_000));
  });

  it('fails the delivery when its next retry would fall past 72 h after it was created', async () => {
    const receiver = await startReceiver(() => ({ status: 500, body: 'still down' }));
    const d = await oneDelivery(receiver.url);
    await runDeliverEvents(d.event);
    expect((await testDb().collection('deliveries').doc(d.deliveryId).get()).get('status')).toBe('pending');
    // Time passes: the delivery was created 72 h less 20 s ago. Its second attempt's next retry
    // (at least 48 s after it) falls past the window, so that attempt fails it for good.
    await testDb().collection('deliveries').doc(d.deliveryId).update({ createdAt: Timestamp.fromMillis(Date.now() - 72 * 3_600_000 + 20_000) });
    await makeDue(d.deliveryId);
    const settled = await retryUntilSettled(d.deliveryId, (stored) => stored.status !== 'pending');
    // (On a machine so slow that the retry run starts after those 20 s, the claim itself fails it
    // unsent: failed either way, never pending past the window.)
    expect(settled).toMatchObject({ status: 'failed', lastStatusCode: 500 });
    expect(settled.attempts).toBe(receiver.requests.length);
  });
});

describe('TTL fields', () => {
  it('events, deliveries and attempts carry expireAt 30 days after they were written', async () => {
    const receiver = await startReceiver();
    const d = await oneDelivery(receiver.url);
    await runDeliverEvents(d.event);
    const expectThirtyDays = (expireAt: Timestamp, from: Timestamp, what: string) => {
      expect(expireAt.toMillis() - from.toMillis(), what).toBe(30 * DAY_MS);
    };
    const event = await testDb().collection('events').doc(d.event.id).get();
    expectThirtyDays(event.get('expireAt') as Timestamp, event.get('createdAt') as Timestamp, 'event');
    const delivery = await testDb().collection('deliveries').doc(d.deliveryId).get();
    expectThirtyDays(delivery.get('expireAt') as Timestamp, delivery.get('createdAt') as Timestamp, 'delivery');
    const attempts = await testDb().collection('deliveries').doc(d.deliveryId).collection('attempts').get();
    expect(attempts.size).toBe(1);
    for (const attempt of attempts.docs) expectThirtyDays(attempt.get('expireAt') as Timestamp, attempt.get('at') as Timestamp, 'attempt');
  });
});
