/**
 * Outbound webhooks, how they are delivered: retries through the deployed scheduled function
 * with the attempt log, idempotent fan-out when the trigger runs twice, 410 disabling the
 * endpoint, redelivery, and network errors and timeouts counted as failed attempts.
 *
 * Every delivery here goes to a real loopback receiver. `retryWebhookDeliveries` scans every
 * file's deliveries and other files run it concurrently: after making a delivery due, a test
 * runs it until that delivery has settled (`retryUntilSettled`) and checks only its own
 * deliveries. Retry delays are read from the delivery's own record (next attempt minus last
 * attempt), not against the test's clock. Each test leaves its deliveries delivered, failed or
 * cancelled (or its webhook deleted) so a later run has nothing of it left to send.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAccount, createLicenses, createProduct, type Account, type Product } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';
import {
  closeReceivers,
  createWebhook,
  deadUrl,
  deliveriesOfEvent,
  EventFeed,
  expectSignedDelivery,
  getDelivery,
  header,
  makeDue,
  requestAt,
  retryUntilSettled,
  runDeliverEvents,
  runRetryWebhookDeliveries,
  scheduledDelaySeconds,
  startReceiver,
  storedDelivery,
  v1,
  type StoredEvent,
} from './support.js';

afterEach(closeReceivers);

interface World {
  account: Account;
  product: Product;
  feed: EventFeed;
}

async function world(): Promise<World> {
  const account = await createAccount();
  const product = await createProduct(account);
  return { account, product, feed: new EventFeed(product.productId) };
}

/** Creates one license and returns its license.created event (not yet fired). */
async function oneEvent(w: World): Promise<StoredEvent> {
  await createLicenses(w.account, w.product.productId);
  const events = await w.feed.fresh();
  expect(events.map((event) => event.type)).toEqual(['license.created']);
  const [event] = events;
  if (!event) throw new Error('no event');
  return event;
}


describe('retries', () => {
  it('a receiver that fails twice (500) then succeeds gets the event three times; the delivery ends delivered with 3 attempts logged', async () => {
    const w = await world();
    const answers = [
      { status: 500, body: 'boom 1' },
      { status: 500, body: 'boom 2' },
      { status: 200, body: 'thanks' },
    ];
    const receiver = await startReceiver((_request, index) => answers[index] ?? { status: 200, body: 'late' });
    const { webhook, secret } = await createWebhook(w.account, w.product.productId, receiver.url);
    const event = await oneEvent(w);
    const deliveryId = `${event.id}~${webhook.webhookId}`;
    const expected = { event: 'license.created', eventId: event.id, webhookId: webhook.webhookId, appId: w.product.productId };

    // Attempt 1, from the trigger: 500, retry in 30 s (±20 %).
    await runDeliverEvents(event);
    expect(receiver.requests).toHaveLength(1);
    let view = await getDelivery(w.account, w.product.productId, webhook.webhookId, deliveryId);
    expect(view.delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500', deliveredAt: null });
    expect(scheduledDelaySeconds(view.delivery)).toBeGreaterThanOrEqual(24);
    expect(scheduledDelaySeconds(view.delivery)).toBeLessThanOrEqual(36);

    // Not due yet: the scheduled function sends nothing.
    await runRetryWebhookDeliveries();
    expect(receiver.requests).toHaveLength(1);

    // Attempt 2, from the scheduled function once due: 500 again, retry in 60 s (±20 %).
    await makeDue(deliveryId);
    await retryUntilSettled(deliveryId, (stored) => stored.attempts === 2);
    expect(receiver.requests).toHaveLength(2);
    view = await getDelivery(w.account, w.product.productId, webhook.webhookId, deliveryId);
    expect(view.delivery).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: 500 });
    expect(scheduledDelaySeconds(view.delivery)).toBeGreaterThanOrEqual(48);
    expect(scheduledDelaySeconds(view.delivery)).toBeLessThanOrEqual(72);

    // Attempt 3: 200, delivered.
    await makeDue(deliveryId);
    await retryUntilSettled(deliveryId, (stored) => stored.attempts === 3);
    expect(receiver.requests).toHaveLength(3);
    view = await getDelivery(w.account, w.product.productId, webhook.webhookId, deliveryId);
    expect(view.delivery).toMatchObject({ deliveryId, eventId: event.id, webhookId: webhook.webhookId, event: 'license.created', status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(view.delivery.deliveredAt).not.toBeNull();

    // Same delivery id and the same bytes each time, each freshly and validly signed.
    for (const request of receiver.requests) expectSignedDelivery(request, secret, expected);
    expect(new Set(receiver.requests.map((request) => request.rawBody)).size).toBe(1);
    expect(view.body).toBe(receiver.requests[0]?.rawBody);

    // The attempt log: statuses, durations, response snippets, in order.
    expect(view.attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 3]);
    expect(view.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 200]);
    expect(view.attempts.map((attempt) => attempt.responseSnippet)).toEqual(['boom 1', 'boom 2', 'thanks']);
    for (const attempt of view.attempts) {
      expect(attempt.url).toBe(receiver.url);
      expect(attempt.error).toBeNull();
      expect(typeof attempt.durationMs).toBe('number');
      expect(attempt.durationMs).toBeGreaterThanOrEqual(0);
      expect(attempt.durationMs).toBeLessThan(10_000);
      expect(new Date(attempt.at ?? '').toISOString()).toBe(attempt.at);
    }

    // Delivered is final: later runs send nothing more, even if it looked due.
    await makeDue(deliveryId);
    await runRetryWebhookDeliveries();
    expect(receiver.requests).toHaveLength(3);
    expect((await storedDelivery(deliveryId)).status).toBe('delivered');

    const list = await v1(w.account, 'GET', `/apps/${w.product.productId}/webhooks/${webhook.webhookId}/deliveries`);
    expect(list.status, list.text).toBe(200);
    expect(list.body.deliveries).toEqual([expect.objectContaining({ deliveryId, status: 'delivered', attempts: 3 })]);
  });

  it('the response snippet is cut to 512 bytes', async () => {
    const w = await world();
    const receiver = await startReceiver(() => ({ status: 503, body: 'x'.repeat(5_000) }));
    const { webhook } = await createWebhook(w.account, w.product.productId, receiver.url);
    const event = await oneEvent(w);
    await runDeliverEvents(event);
    const deliveryId = `${event.id}~${webhook.webhookId}`;
    const view = await getDelivery(w.account, w.product.productId, webhook.webhookId, deliveryId);
    expect(view.attempts).toHaveLength(1);
    expect(view.attempts[0]).toMatchObject({ statusCode: 503, responseSnippet: 'x'.repeat(512) });
    expect(view.delivery.status).toBe('pending');
    // Leave nothing to retry: disable the webhook, the next due attempt is cancelled unsent.
    expect((await v1(w.account, 'PUT', `/apps/${w.product.productId}/webhooks/${webhook.webhookId}`, { active: false })).status).toBe(200);
    await makeDue(deliveryId);
    expect((await retryUntilSettled(deliveryId, (stored) => stored.status === 'cancelled')).status).toBe('cancelled');
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('idempotent fan-out', () => {
  it('running the trigger twice for one event creates one delivery and sends once', async () => {
    const w = await world();
    const receiver = await startReceiver();
    const second = await startReceiver();
    const { webhook, secret } = await createWebhook(w.account, w.product.productId, receiver.url);
    const other = await createWebhook(w.account, w.product.productId, second.url);
    const event = await oneEvent(w);

    await runDeliverEvents(event);
    await runDeliverEvents(event);
    expect(receiver.requests).toHaveLength(1);
    expect(second.requests).toHaveLength(1);
    expectSignedDelivery(requestAt(receiver, 0), secret, { event: 'license.created', eventId: event.id, webhookId: webhook.webhookId, appId: w.product.productId });
    expect(await deliveriesOfEvent(event.id)).toEqual([`${event.id}~${webhook.webhookId}`, `${event.id}~${other.webhook.webhookId}`].sort());
    expect(await storedDelivery(`${event.id}~${webhook.webhookId}`)).toMatchObject({ status: 'delivered', attempts: 1 });

    // Concurrent duplicate runs of the trigger for a new event: still one delivery each, one request each.
    expect((await call('revokeLicense', { headers: { 'X-API-Key': w.account.apiKey }, body: { licenseKey: event.licenseKey } })).status).toBe(200);
    const [revoked] = await w.feed.fresh();
    if (!revoked) throw new Error('no event');
    await Promise.all([runDeliverEvents(revoked), runDeliverEvents(revoked), runDeliverEvents(revoked)]);
    expect(receiver.requests.map((request) => header(request, 'x-keywarden-event'))).toEqual(['license.created', 'license.revoked']);
    expect(second.requests).toHaveLength(2);
    expect(await deliveriesOfEvent(revoked.id)).toHaveLength(2);
    const attempts = await testDb().collection('deliveries').doc(`${revoked.id}~${webhook.webhookId}`).collection('attempts').get();
    expect(attempts.size).toBe(1);
  });
});

describe('410 Gone', () => {
  it('disables the endpoint: the delivery fails without retry, the webhook reads active:false, later events skip it', async () => {
    const w = await world();
    const gone = await startReceiver(() => ({ status: 410, body: 'gone' }));
    const healthy = await startReceiver();
    const goneHook = await createWebhook(w.account, w.product.productId, gone.url);
    const healthyHook = await createWebhook(w.account, w.product.productId, healthy.url);

    const first = await oneEvent(w);
    await runDeliverEvents(first);
    expect(gone.requests).toHaveLength(1);
    expect(healthy.requests).toHaveLength(1);
    const goneDelivery = `${first.id}~${goneHook.webhook.webhookId}`;
    const view = await getDelivery(w.account, w.product.productId, goneHook.webhook.webhookId, goneDelivery);
    expect(view.delivery).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410, nextAttemptAt: null });
    expect(view.delivery.lastError).toMatch(/410/);
    expect(view.attempts.map((attempt) => attempt.statusCode)).toEqual([410]);

    const list = await v1(w.account, 'GET', `/apps/${w.product.productId}/webhooks`);
    expect(list.status, list.text).toBe(200);
    const hooks = list.body.webhooks as Array<{ webhookId: string; active: boolean; disabledReason: string | null }>;
    expect(hooks.find((hook) => hook.webhookId === goneHook.webhook.webhookId)).toMatchObject({ active: false });
    expect(hooks.find((hook) => hook.webhookId === goneHook.webhook.webhookId)?.disabledReason).toMatch(/410/);
    expect(hooks.find((hook) => hook.webhookId === healthyHook.webhook.webhookId)).toMatchObject({ active: true, disabledReason: null });

    // Nothing is retried, and later events reach only the healthy endpoint.
    await makeDue(goneDelivery);
    await runRetryWebhookDeliveries();
    expect(gone.requests).toHaveLength(1);
    expect((await call('revokeLicense', { headers: { 'X-API-Key': w.account.apiKey }, body: { licenseKey: first.licenseKey } })).status).toBe(200);
    const [later] = await w.feed.fire();
    if (!later) throw new Error('no event');
    expect(gone.requests).toHaveLength(1);
    expect(healthy.requests.map((request) => header(request, 'x-keywarden-event'))).toEqual(['license.created', 'license.revoked']);
    expect(await deliveriesOfEvent(later.id)).toEqual([`${later.id}~${healthyHook.webhook.webhookId}`]);

    // Re-enabling through v1 clears the reason and delivery resumes.
    gone.respond = () => ({ status: 200, body: 'back' });
    const enable = await v1(w.account, 'PUT', `/apps/${w.product.productId}/webhooks/${goneHook.webhook.webhookId}`, { active: true });
    expect(enable.status, enable.text).toBe(200);
    expect(enable.body.webhook).toMatchObject({ active: true, disabledReason: null });
    expect((await call('reinstateLicense', { headers: { 'X-API-Key': w.account.apiKey }, body: { licenseKey: first.licenseKey } })).status).toBe(200);
    await w.feed.fire();
    expect(gone.requests.map((request) => header(request, 'x-keywarden-event'))).toEqual(['license.created', 'license.activated']);
  });
});

describe('redeliver', () => {
  it('re-sends one delivery now, with the same id and body, and logs the attempt', async () => {
    const w = await world();
    const receiver = await startReceiver();
    const bystander = await startReceiver();
    const { webhook, secret } = await createWebhook(w.account, w.product.productId, receiver.url);
    await createWebhook(w.account, w.product.productId, bystander.url);
    const event = await oneEvent(w);
    await runDeliverEvents(event);
    const deliveryId = `${event.id}~${webhook.webhookId}`;
    expect(receiver.requests).toHaveLength(1);

    receiver.respond = () => ({ status: 202, body: 'again' });
    const response = await v1(w.account, 'POST', `/apps/${w.product.productId}/webhooks/${webhook.webhookId}/deliveries/${deliveryId}/redeliver`);
    expect(response.status, response.text).toBe(200);
    expect(receiver.requests).toHaveLength(2);
    expect(bystander.requests).toHaveLength(1);
    const [firstRequest, secondRequest] = receiver.requests;
    if (!firstRequest || !secondRequest) throw new Error('missing requests');
    expectSignedDelivery(secondRequest, secret, { event: 'license.created', eventId: event.id, webhookId: webhook.webhookId, appId: w.product.productId });
    expect(secondRequest.rawBody).toBe(firstRequest.rawBody);
    expect(header(secondRequest, 'x-keywarden-delivery')).toBe(header(firstRequest, 'x-keywarden-delivery'));
    const body = response.body as { delivery: { status: string; attempts: number }; attempts: Array<{ statusCode: number; responseSnippet: string }> };
    expect(body.delivery).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(body.attempts.map((attempt) => [attempt.statusCode, attempt.responseSnippet])).toEqual([
      [200, 'ok'],
      [202, 'again'],
    ]);
    expect(await deliveriesOfEvent(event.id)).toHaveLength(2);

    // A failed delivery can be redelivered once the receiver is fixed.
    receiver.respond = () => ({ status: 500, body: 'down' });
    expect((await call('revokeLicense', { headers: { 'X-API-Key': w.account.apiKey }, body: { licenseKey: event.licenseKey } })).status).toBe(200);
    const [revoked] = await w.feed.fire();
    if (!revoked) throw new Error('no event');
    const revokedDelivery = `${revoked.id}~${webhook.webhookId}`;
    expect((await storedDelivery(revokedDelivery)).status).toBe('pending');
    await testDb().collection('deliveries').doc(revokedDelivery).update({ status: 'failed' });
    receiver.respond = () => ({ status: 200, body: 'fixed' });
    const retried = await v1(w.account, 'POST', `/apps/${w.product.productId}/webhooks/${webhook.webhookId}/deliveries/${revokedDelivery}/redeliver`);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.delivery).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
    expect(receiver.requests.map((request) => header(request, 'x-keywarden-event'))).toEqual(['license.created', 'license.created', 'license.revoked', 'license.revoked']);

    // Unknown or foreign deliveries answer 404.
    const missing = await v1(w.account, 'POST', `/apps/${w.product.productId}/webhooks/${webhook.webhookId}/deliveries/${event.id}~wh_nope/redeliver`);
    expect(missing.status, missing.text).toBe(404);
    const stranger = await createAccount();
    expect((await v1(stranger, 'POST', `/apps/${w.product.productId}/webhooks/${webhook.webhookId}/deliveries/${deliveryId}/redeliver`)).status).toBe(403);
    expect(receiver.requests).toHaveLength(4);
  });
});

describe('network errors and timeouts', () => {
  it('a connection refused counts as a failed attempt and schedules a retry; the retry succeeds once the endpoint works', async () => {
    const w = await world();
    const url = await deadUrl();
    const { webhook, secret } = await createWebhook(w.account, w.product.productId, url);
    const event = await oneEvent(w);
    const deliveryId = `${event.id}~${webhook.webhookId}`;

    await runDeliverEvents(event);
    const view = await getDelivery(w.account, w.product.productId, webhook.webhookId, deliveryId);
    expect(view.delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null, deliveredAt: null });
    expect(view.delivery.lastError).toEqual(expect.any(String));
    expect(view.delivery.lastError).not.toBe('');
    expect(scheduledDelaySeconds(view.delivery)).toBeGreaterThanOrEqual(24);
    expect(scheduledDelaySeconds(view.delivery)).toBeLessThanOrEqual(36);
    expect(view.attempts).toHaveLength(1);
    expect(view.attempts[0]).toMatchObject({ attempt: 1, url, statusCode: null, responseSnippet: null });
    expect(view.attempts[0]?.error).toEqual(expect.any(String));

    // The endpoint is fixed (moved to a live receiver); when the retry is due it is delivered.
    const receiver = await startReceiver();
    expect((await v1(w.account, 'PUT', `/apps/${w.product.productId}/webhooks/${webhook.webhookId}`, { url: receiver.url })).status).toBe(200);
    await makeDue(deliveryId);
    await retryUntilSettled(deliveryId, (stored) => stored.attempts === 2);
    expect(receiver.requests).toHaveLength(1);
    expectSignedDelivery(requestAt(receiver, 0), secret, { event: 'license.created', eventId: event.id, webhookId: webhook.webhookId, appId: w.product.productId });
    const after = await getDelivery(w.account, w.product.productId, webhook.webhookId, deliveryId);
    expect(after.delivery).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(after.attempts.map((attempt) => [attempt.url, attempt.statusCode])).toEqual([
      [url, null],
      [receiver.url, 200],
    ]);
  });

  it('a receiver that never answers times out after 10 s: a failed attempt, retry scheduled', async () => {
    const w = await world();
    const receiver = await startReceiver(() => 'hang');
    const { webhook } = await createWebhook(w.account, w.product.productId, receiver.url);
    const event = await oneEvent(w);
    const deliveryId = `${event.id}~${webhook.webhookId}`;

    const started = Date.now();
    await runDeliverEvents(event);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(9_500);
    expect(elapsed).toBeLessThan(30_000);
    expect(receiver.requests).toHaveLength(1);

    const view = await getDelivery(w.account, w.product.productId, webhook.webhookId, deliveryId);
    expect(view.delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null });
    expect(view.delivery.lastError).toMatch(/timed out/);
    expect(scheduledDelaySeconds(view.delivery)).toBeGreaterThanOrEqual(24);
    expect(view.attempts[0]).toMatchObject({ statusCode: null, responseSnippet: null });
    expect(view.attempts[0]?.error).toMatch(/timed out/);
    expect(view.attempts[0]?.durationMs).toBeGreaterThanOrEqual(9_500);

    // Clean up: a deleted webhook's due delivery is cancelled without being sent.
    expect((await v1(w.account, 'DELETE', `/apps/${w.product.productId}/webhooks/${webhook.webhookId}`)).status).toBe(200);
    await makeDue(deliveryId);
    expect(await retryUntilSettled(deliveryId, (stored) => stored.status === 'cancelled')).toMatchObject({ status: 'cancelled', lastError: 'webhook deleted' });
    expect(receiver.requests).toHaveLength(1);
  }, 60_000);
});
