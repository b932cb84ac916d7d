/**
 * Outbound webhooks, what arrives: every event type reaches a real loopback receiver with the
 * documented headers, the documented body (the exact `data` of each type, written out here,
 * not read back from the product's own event document) and a signature that the README's
 * receiver code, taken from the README itself, accepts; event filters; at most 5 webhooks.
 *
 * Each test owns its account, app, webhook, receiver and licenses: no test needs another to
 * have run. Events come from real HTTP calls; the deployed `deliverEvents` trigger is run with
 * firebase-functions-test on each event document read back from Firestore.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Timestamp } from 'firebase-admin/firestore';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccount, createLicenses, createProduct, uniqueHwid, uniqueNonce, type Account, type Product } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';
import {
  closeReceivers,
  createWebhook,
  EventFeed,
  expectSignedDelivery,
  header,
  runExpireLicenses,
  startReceiver,
  storedDelivery,
  v1,
  type DeliveredEvent,
  type ReceivedRequest,
  type Receiver,
} from './support.js';

const adminCall = (account: Account, name: string, body: Record<string, unknown>) => call(name, { headers: { 'X-API-Key': account.apiKey }, body });

afterEach(closeReceivers);

/** One app with one unfiltered webhook on a fresh receiver: what every test below starts from. */
interface Hooked {
  account: Account;
  product: Product;
  receiver: Receiver;
  webhookId: string;
  secret: string;
  feed: EventFeed;
}

async function hooked(): Promise<Hooked> {
  const account = await createAccount();
  const product = await createProduct(account);
  const receiver = await startReceiver();
  const created = await createWebhook(account, product.productId, receiver.url);
  return { account, product, receiver, webhookId: created.webhook.webhookId, secret: created.secret, feed: new EventFeed(product.productId) };
}

/** Fires every event written so far (the test's set-up), so the next step sees only its own. */
async function settle(h: Hooked): Promise<void> {
  await h.feed.fire();
}

/**
 * Performs `action`, fires the one event it wrote through the trigger, and checks the one
 * request the receiver got: headers, signature, envelope; the delivery is recorded delivered.
 */
async function expectDelivered(h: Hooked, type: string, action: () => Promise<void>): Promise<{ body: DeliveredEvent; request: ReceivedRequest }> {
  const before = h.receiver.requests.length;
  const startedAt = Date.now();
  await action();
  const events = await h.feed.fire();
  expect(events.map((event) => event.type)).toEqual([type]);
  const [event] = events;
  if (!event) throw new Error('no event');
  expect(h.receiver.requests).toHaveLength(before + 1);
  const request = h.receiver.requests[before];
  if (!request) throw new Error('no request');
  expect(header(request, 'user-agent')).toBe('Keywarden-Webhooks/1.0');
  const body = expectSignedDelivery(request, h.secret, { event: type, eventId: event.id, webhookId: h.webhookId, appId: h.product.productId });
  // The event's time is when the action ran.
  expect(new Date(body.createdAt).getTime()).toBeGreaterThanOrEqual(startedAt - 1_000);
  expect(new Date(body.createdAt).getTime()).toBeLessThanOrEqual(Date.now());
  const delivery = await storedDelivery(`${event.id}~${h.webhookId}`);
  expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null, body: request.rawBody });
  return { body, request };
}

/** A license bound to one device, its events already delivered. */
async function boundLicense(h: Hooked): Promise<{ licenseKey: string; hwid: string }> {
  const [licenseKey = ''] = await createLicenses(h.account, h.product.productId, { maxHwidSlots: 1 });
  const hwid = uniqueHwid();
  expect((await call('activate', { body: { licenseKey, hwid } })).status).toBe(200);
  await settle(h);
  return { licenseKey, hwid };
}

describe('every event type arrives signed, with the documented body and headers', () => {
  it('license.created (createLicense): label, email, variantId, expiresAt', async () => {
    const h = await hooked();
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    let licenseKey = '';
    const { body } = await expectDelivered(h, 'license.created', async () => {
      [licenseKey = ''] = await createLicenses(h.account, h.product.productId, { label: 'webhook-order', email: 'buyer@example.com', expiresAt });
    });
    expect(licenseKey).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    expect(body.data).toEqual({ licenseKey, label: 'webhook-order', email: 'buyer@example.com', variantId: null, expiresAt });
  });

  it('license.hwid_bound (activate): hwid and the caller ip', async () => {
    const h = await hooked();
    const [licenseKey = ''] = await createLicenses(h.account, h.product.productId);
    await settle(h);
    const hwid = uniqueHwid();
    const { body } = await expectDelivered(h, 'license.hwid_bound', async () => {
      const response = await call('activate', { body: { licenseKey, hwid }, headers: { 'X-Forwarded-For': '203.0.113.7' } });
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data).toEqual({ licenseKey, hwid, ip: '203.0.113.7' });
  });

  it('license.validated (auth /validate on the bound device): hwid and ip', async () => {
    const h = await hooked();
    const { licenseKey, hwid } = await boundLicense(h);
    const { body } = await expectDelivered(h, 'license.validated', async () => {
      const response = await call('auth', {
        path: '/validate',
        headers: { 'X-Forwarded-For': '198.51.100.23' },
        body: { appId: h.product.productId, appSecret: h.product.appSecret, licenseKey, hwid, nonce: uniqueNonce() },
      });
      expect(response.status, response.text).toBe(200);
      expect(response.body.status).toBe('ok');
    });
    expect(body.data).toEqual({ licenseKey, hwid, ip: '198.51.100.23' });
  });

  it('license.hwid_reset (resetActivations): the freed hwids', async () => {
    const h = await hooked();
    const { licenseKey, hwid } = await boundLicense(h);
    const { body } = await expectDelivered(h, 'license.hwid_reset', async () => {
      const response = await adminCall(h.account, 'resetActivations', { licenseKey });
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data).toEqual({ licenseKey, hwids: [hwid] });
  });

  it('license.revoked (revokeLicense): the reason', async () => {
    const h = await hooked();
    const [licenseKey = ''] = await createLicenses(h.account, h.product.productId);
    await settle(h);
    const { body } = await expectDelivered(h, 'license.revoked', async () => {
      const response = await adminCall(h.account, 'revokeLicense', { licenseKey, reason: 'chargeback' });
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data).toEqual({ licenseKey, reason: 'chargeback' });
  });

  it('license.activated (reinstateLicense)', async () => {
    const h = await hooked();
    const [licenseKey = ''] = await createLicenses(h.account, h.product.productId);
    expect((await adminCall(h.account, 'revokeLicense', { licenseKey })).status).toBe(200);
    await settle(h);
    const { body } = await expectDelivered(h, 'license.activated', async () => {
      const response = await adminCall(h.account, 'reinstateLicense', { licenseKey });
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data).toEqual({ licenseKey });
  });

  it('license.extended (updateLicense expiresAt): the new expiresAt', async () => {
    const h = await hooked();
    const [licenseKey = ''] = await createLicenses(h.account, h.product.productId);
    await settle(h);
    const expiresAt = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const { body } = await expectDelivered(h, 'license.extended', async () => {
      const response = await adminCall(h.account, 'updateLicense', { licenseKey, expiresAt });
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data).toEqual({ licenseKey, expiresAt });
  });

  it('license.deleted (v1 DELETE /licenses/:key)', async () => {
    const h = await hooked();
    const [licenseKey = ''] = await createLicenses(h.account, h.product.productId);
    await settle(h);
    const { body } = await expectDelivered(h, 'license.deleted', async () => {
      const response = await v1(h.account, 'DELETE', `/licenses/${licenseKey}`);
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data).toEqual({ licenseKey });
  });

  it('license.expired (expireLicenses, the scheduled function): the expiresAt that passed', async () => {
    const h = await hooked();
    // Made with an expiry a day ahead, then time passes: the stored expiry moves into the
    // past (no sleeping, so no race with the clock).
    const [licenseKey = ''] = await createLicenses(h.account, h.product.productId, { expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    await settle(h);
    const passed = Timestamp.fromMillis(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await testDb().collection('licenses').doc(licenseKey).update({ expiresAt: passed, expiresSort: passed });
    const { body } = await expectDelivered(h, 'license.expired', async () => {
      // expireLicenses scans every file's licenses (500 per run, oldest first), and another
      // file may run it at the same time: run it until this license is marked notified.
      for (let run = 0; run < 10; run += 1) {
        await runExpireLicenses();
        if ((await testDb().collection('licenses').doc(licenseKey).get()).get('expiryNotified') === true) return;
      }
      throw new Error('expireLicenses never reached the license');
    });
    expect(body.data).toEqual({ licenseKey, expiresAt: passed.toDate().toISOString() });
  });

  it('test.ping (POST /v1/apps/:appId/webhooks/:webhookId/test): webhookId and message, no licenseKey', async () => {
    const h = await hooked();
    let eventId = '';
    const { body } = await expectDelivered(h, 'test.ping', async () => {
      const response = await v1(h.account, 'POST', `/apps/${h.product.productId}/webhooks/${h.webhookId}/test`);
      expect(response.status, response.text).toBe(202);
      expect(response.body).toMatchObject({ event: 'test.ping', webhookId: h.webhookId });
      eventId = String(response.body.eventId);
    });
    expect(body.id).toBe(eventId);
    expect(body.data).toEqual({ webhookId: h.webhookId, message: expect.any(String) });
  });

  it('the delivery list shows every delivery of the webhook, newest first, and ?limit cuts it', async () => {
    const h = await hooked();
    const [licenseKey = ''] = await createLicenses(h.account, h.product.productId);
    await settle(h);
    expect((await adminCall(h.account, 'revokeLicense', { licenseKey })).status).toBe(200);
    await settle(h);
    expect((await adminCall(h.account, 'reinstateLicense', { licenseKey })).status).toBe(200);
    await settle(h);
    const path = `/apps/${h.product.productId}/webhooks/${h.webhookId}/deliveries`;
    const response = await v1(h.account, 'GET', path);
    expect(response.status, response.text).toBe(200);
    const deliveries = response.body.deliveries as Array<{ event: string; status: string; attempts: number; deliveryId: string }>;
    expect(deliveries.map((delivery) => delivery.event)).toEqual(['license.activated', 'license.revoked', 'license.created']);
    expect(deliveries.every((delivery) => delivery.status === 'delivered' && delivery.attempts === 1)).toBe(true);
    // The ids listed are the X-Keywarden-Delivery values the receiver got, newest first.
    expect(deliveries.map((delivery) => delivery.deliveryId)).toEqual(h.receiver.requests.map((request) => header(request, 'x-keywarden-delivery')).reverse());

    const limited = await call('v1', { path, query: { limit: '2' }, headers: { Authorization: `Bearer ${h.account.apiKey}` } });
    expect(limited.status, limited.text).toBe(200);
    expect((limited.body.deliveries as Array<{ event: string }>).map((delivery) => delivery.event)).toEqual(['license.activated', 'license.revoked']);
    for (const limit of ['0', '201', 'x']) {
      const refused = await call('v1', { path, query: { limit }, headers: { Authorization: `Bearer ${h.account.apiKey}` } });
      expect(refused.status, `limit=${limit}`).toBe(400);
      expect(refused.body.error).toBe('bad_request');
    }
  });
});

/**
 * The receiver code the README gives (`function verify(rawBody, header, toleranceSeconds)` in
 * the "Verify the signature" section), taken from the README text and run as it is written:
 * what the product sends must pass the code vendors copy.
 */
function readmeVerify(secret: string): (rawBody: Buffer, header: string | undefined, toleranceSeconds?: number) => boolean {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const source = /^function verify\(rawBody, header, toleranceSeconds = 300\) \{\n[\s\S]*?\n\}$/m.exec(readme)?.[0];
  if (!source) throw new Error('README: the receiver example no longer has `function verify(rawBody, header, toleranceSeconds = 300) {…}`');
  // It reads the webhook secret from the example's module constant `secret`.
  const factory = new Function('createHmac', 'timingSafeEqual', 'secret', `${source}\nreturn verify;`) as (
    hmac: typeof createHmac,
    equal: typeof timingSafeEqual,
    webhookSecret: string,
  ) => (rawBody: Buffer, header: string | undefined, toleranceSeconds?: number) => boolean;
  return factory(createHmac, timingSafeEqual, secret);
}

describe('the README receiver code accepts what the product sends', () => {
  it('verifies a real delivery over its raw bytes with that webhook secret, and nothing else', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const receiver = await startReceiver();
    const other = await startReceiver();
    const { secret } = await createWebhook(account, product.productId, receiver.url);
    const verify = readmeVerify(secret);
    const second = await createWebhook(account, product.productId, other.url);
    const feed = new EventFeed(product.productId);
    await createLicenses(account, product.productId, { label: 'raw bytes ✓' });
    await feed.fire();
    const [request] = receiver.requests;
    const [otherRequest] = other.requests;
    if (!request || !otherRequest) throw new Error('nothing delivered');
    const signature = header(request, 'x-keywarden-signature');

    expect(verify(Buffer.from(request.rawBody, 'utf8'), signature)).toBe(true);
    // The product signs the bytes it sends: one changed byte, and the signature fails.
    expect(verify(Buffer.from(request.rawBody.replace('raw bytes', 'raw bytez'), 'utf8'), signature)).toBe(false);
    // Each webhook signs with its own secret: the same event to the other webhook carries
    // another signature, which this webhook's secret does not verify.
    expect(otherRequest.rawBody).toBe(request.rawBody);
    expect(header(otherRequest, 'x-keywarden-signature')).not.toBe(signature);
    expect(verify(Buffer.from(otherRequest.rawBody, 'utf8'), header(otherRequest, 'x-keywarden-signature'))).toBe(false);
    expect(second.secret).not.toBe(secret);
    // The product's t is the current time (the README's 300 s tolerance is about the receiver).
    expect(verify(Buffer.from(request.rawBody, 'utf8'), signature, 60)).toBe(true);
  });
});

describe('webhook configuration', () => {
  it('a webhook subscribed to license.revoked gets only those (and its own test ping); an unfiltered one gets everything', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const revokedOnly = await startReceiver();
    const everything = await startReceiver();
    const filtered = await createWebhook(account, product.productId, revokedOnly.url, ['license.revoked']);
    const all = await createWebhook(account, product.productId, everything.url);
    const feed = new EventFeed(product.productId);

    const [licenseKey = ''] = await createLicenses(account, product.productId);
    expect((await call('activate', { body: { licenseKey, hwid: uniqueHwid() } })).status).toBe(200);
    expect((await adminCall(account, 'revokeLicense', { licenseKey })).status).toBe(200);
    expect((await adminCall(account, 'reinstateLicense', { licenseKey })).status).toBe(200);
    expect((await adminCall(account, 'revokeLicense', { licenseKey, reason: 'again' })).status).toBe(200);
    const fired = await feed.fire();
    expect(fired.map((event) => event.type)).toEqual(['license.created', 'license.hwid_bound', 'license.revoked', 'license.activated', 'license.revoked']);

    expect(revokedOnly.requests.map((request) => header(request, 'x-keywarden-event'))).toEqual(['license.revoked', 'license.revoked']);
    const revokedEvents = fired.filter((event) => event.type === 'license.revoked');
    revokedOnly.requests.forEach((request, index) => {
      const event = revokedEvents[index];
      if (!event) throw new Error('missing event');
      expectSignedDelivery(request, filtered.secret, { event: 'license.revoked', eventId: event.id, webhookId: filtered.webhook.webhookId, appId: product.productId });
    });
    expect(everything.requests.map((request) => header(request, 'x-keywarden-event'))).toEqual(['license.created', 'license.hwid_bound', 'license.revoked', 'license.activated', 'license.revoked']);
    // No delivery record exists for the filtered-out events.
    for (const event of fired.filter((candidate) => candidate.type !== 'license.revoked')) {
      expect((await testDb().collection('deliveries').doc(`${event.id}~${filtered.webhook.webhookId}`).get()).exists).toBe(false);
    }

    // A test ping goes only to the webhook it names, whatever that webhook's filter.
    const ping = await v1(account, 'POST', `/apps/${product.productId}/webhooks/${filtered.webhook.webhookId}/test`);
    expect(ping.status, ping.text).toBe(202);
    await feed.fire();
    expect(revokedOnly.requests.map((request) => header(request, 'x-keywarden-event'))).toEqual(['license.revoked', 'license.revoked', 'test.ping']);
    expect(everything.requests).toHaveLength(5);

    // Changing the filter through v1 applies to later events.
    const update = await v1(account, 'PUT', `/apps/${product.productId}/webhooks/${all.webhook.webhookId}`, { events: ['license.activated'] });
    expect(update.status, update.text).toBe(200);
    expect(update.body.webhook).toMatchObject({ events: ['license.activated'] });
    expect((await adminCall(account, 'reinstateLicense', { licenseKey })).status).toBe(200);
    expect((await adminCall(account, 'revokeLicense', { licenseKey })).status).toBe(200);
    await feed.fire();
    expect(everything.requests.slice(5).map((request) => header(request, 'x-keywarden-event'))).toEqual(['license.activated']);
    expect(revokedOnly.requests.map((request) => header(request, 'x-keywarden-event'))).toEqual(['license.revoked', 'license.revoked', 'test.ping', 'license.revoked']);
  });

  it('an app has at most 5 webhooks: the 6th answers 409; deleting one makes room', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const receiver = await startReceiver();
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push((await createWebhook(account, product.productId, `${receiver.url}?n=${index}`)).webhook.webhookId);
    const sixth = await v1(account, 'POST', `/apps/${product.productId}/webhooks`, { url: `${receiver.url}?n=5`, events: [] });
    expect(sixth.status, sixth.text).toBe(409);
    expect(sixth.body).toMatchObject({ error: 'conflict' });
    expect(typeof sixth.body.message).toBe('string');
    expect(sixth.body.secret).toBeUndefined();

    const list = await v1(account, 'GET', `/apps/${product.productId}/webhooks`);
    expect(list.status, list.text).toBe(200);
    const listed = list.body.webhooks as Array<Record<string, unknown>>;
    expect(listed.map((webhook) => webhook.webhookId)).toEqual(ids);
    // The signing secret is shown once, at creation, never in a list.
    expect(listed.every((webhook) => !('secret' in webhook))).toBe(true);

    const removed = await v1(account, 'DELETE', `/apps/${product.productId}/webhooks/${ids[0]}`);
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body).toMatchObject({ deleted: true, webhookId: ids[0] });
    expect((await v1(account, 'DELETE', `/apps/${product.productId}/webhooks/${ids[0]}`)).status).toBe(404);
    await createWebhook(account, product.productId, `${receiver.url}?n=6`);
    expect((await v1(account, 'POST', `/apps/${product.productId}/webhooks`, { url: `${receiver.url}?n=7` })).status).toBe(409);

    // Another account's key reaches none of it.
    const stranger = await createAccount();
    expect((await v1(stranger, 'GET', `/apps/${product.productId}/webhooks`)).status).toBe(403);
    expect((await v1(stranger, 'POST', `/apps/${product.productId}/webhooks`, { url: receiver.url })).status).toBe(403);
  });
});
