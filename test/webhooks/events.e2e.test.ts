/**
 * Outbound webhooks, what arrives: every event type reaches a real loopback receiver with the
 * documented body and headers and a signature that the README's recipe (re-implemented here
 * with node:crypto) accepts; tampered bodies and old timestamps fail that recipe; event
 * filters; at most 5 webhooks per app.
 *
 * Events come from real HTTP calls to the Functions emulator; the deployed `deliverEvents`
 * trigger is run with firebase-functions-test on each event document read back from Firestore.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
  signAt,
  sleep,
  startReceiver,
  storedDelivery,
  v1,
  verifyKeywardenSignature,
  type DeliveredEvent,
  type Receiver,
} from './support.js';

const adminCall = (account: Account, name: string, body: Record<string, unknown>) => call(name, { headers: { 'X-API-Key': account.apiKey }, body });

afterAll(closeReceivers);

describe('every event type arrives signed, with the documented body and headers', () => {
  let account: Account;
  let product: Product;
  let receiver: Receiver;
  let webhookId: string;
  let secret: string;
  let feed: EventFeed;
  let licenseKey: string;
  let hwid: string;

  beforeAll(async () => {
    account = await createAccount();
    product = await createProduct(account);
    receiver = await startReceiver();
    const created = await createWebhook(account, product.productId, receiver.url);
    webhookId = created.webhook.webhookId;
    secret = created.secret;
    feed = new EventFeed(product.productId);
  });

  /** Performs `action`, fires the one event it wrote through the trigger, and checks what the receiver got. */
  async function expectDelivered(type: string, action: () => Promise<void>): Promise<DeliveredEvent> {
    const before = receiver.requests.length;
    await action();
    const events = await feed.fire();
    expect(events.map((event) => event.type)).toEqual([type]);
    const [event] = events;
    if (!event) throw new Error('no event');
    expect(receiver.requests).toHaveLength(before + 1);
    const request = receiver.requests[before];
    if (!request) throw new Error('no request');
    const body = expectSignedDelivery(request, secret, { event: type, eventId: event.id, webhookId, appId: product.productId });
    // The body carries the event document's data and time, unchanged.
    expect(body.data).toEqual(event.data);
    expect(body.createdAt).toBe(event.createdAt.toDate().toISOString());
    const delivery = await storedDelivery(`${event.id}~${webhookId}`);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null, body: request.rawBody });
    return body;
  }

  it('license.created (createLicense)', async () => {
    const body = await expectDelivered('license.created', async () => {
      [licenseKey = ''] = await createLicenses(account, product.productId, { maxHwidSlots: 1, label: 'webhook-order' });
    });
    expect(body.data.licenseKey).toBe(licenseKey);
    expect(licenseKey).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
  });

  it('license.hwid_bound (activate), with data.hwid', async () => {
    hwid = uniqueHwid();
    const body = await expectDelivered('license.hwid_bound', async () => {
      const response = await call('activate', { body: { licenseKey, hwid } });
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data).toMatchObject({ licenseKey, hwid });
  });

  it('license.validated (auth /validate on the bound device), with data.hwid', async () => {
    const body = await expectDelivered('license.validated', async () => {
      const response = await call('auth', {
        path: '/validate',
        body: { appId: product.productId, appSecret: product.appSecret, licenseKey, hwid, nonce: uniqueNonce() },
      });
      expect(response.status, response.text).toBe(200);
      expect(response.body.status).toBe('ok');
    });
    expect(body.data).toMatchObject({ licenseKey, hwid });
  });

  it('license.hwid_reset (resetActivations)', async () => {
    const body = await expectDelivered('license.hwid_reset', async () => {
      const response = await adminCall(account, 'resetActivations', { licenseKey });
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data.licenseKey).toBe(licenseKey);
  });

  it('license.revoked (revokeLicense)', async () => {
    const body = await expectDelivered('license.revoked', async () => {
      const response = await adminCall(account, 'revokeLicense', { licenseKey, reason: 'chargeback' });
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data).toMatchObject({ licenseKey, reason: 'chargeback' });
  });

  it('license.activated (reinstateLicense)', async () => {
    const body = await expectDelivered('license.activated', async () => {
      const response = await adminCall(account, 'reinstateLicense', { licenseKey });
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data.licenseKey).toBe(licenseKey);
  });

  it('license.extended (updateLicense expiresAt)', async () => {
    const expiresAt = new Date(Date.now() + 90 * 86_400_000).toISOString();
    const body = await expectDelivered('license.extended', async () => {
      const response = await adminCall(account, 'updateLicense', { licenseKey, expiresAt });
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data).toMatchObject({ licenseKey, expiresAt });
  });

  it('license.deleted (v1 DELETE /licenses/:key)', async () => {
    const body = await expectDelivered('license.deleted', async () => {
      const response = await v1(account, 'DELETE', `/licenses/${licenseKey}`);
      expect(response.status, response.text).toBe(200);
    });
    expect(body.data.licenseKey).toBe(licenseKey);
  });

  it('license.expired (expireLicenses, the scheduled function)', async () => {
    let expiring = '';
    const expiresAt = Date.now() + 4_000;
    await expectDelivered('license.created', async () => {
      [expiring = ''] = await createLicenses(account, product.productId, { expiresAt: new Date(expiresAt).toISOString() });
    });
    await sleep(expiresAt + 500 - Date.now());
    const body = await expectDelivered('license.expired', async () => {
      // Other suites' expired licenses share the queue: run until ours is notified.
      for (let run = 0; run < 5; run += 1) {
        await runExpireLicenses();
        if ((await testDb().collection('licenses').doc(expiring).get()).get('expiryNotified') === true) return;
      }
      throw new Error('expireLicenses never reached the license');
    });
    expect(body.data.licenseKey).toBe(expiring);
    expect(typeof body.data.expiresAt).toBe('string');
  });

  it('test.ping (POST /v1/apps/:appId/webhooks/:webhookId/test)', async () => {
    let eventId = '';
    const body = await expectDelivered('test.ping', async () => {
      const response = await v1(account, 'POST', `/apps/${product.productId}/webhooks/${webhookId}/test`);
      expect(response.status, response.text).toBe(202);
      expect(response.body).toMatchObject({ event: 'test.ping', webhookId });
      eventId = String(response.body.eventId);
    });
    expect(body.id).toBe(eventId);
    expect(body.data).toMatchObject({ webhookId });
    expect(body.data.licenseKey).toBeUndefined();
  });

  it('the delivery list shows every delivery, newest first, all delivered', async () => {
    const response = await v1(account, 'GET', `/apps/${product.productId}/webhooks/${webhookId}/deliveries`);
    expect(response.status, response.text).toBe(200);
    const deliveries = response.body.deliveries as Array<{ event: string; status: string; attempts: number; deliveryId: string }>;
    expect(deliveries.map((delivery) => delivery.event)).toEqual([
      'test.ping',
      'license.expired',
      'license.created',
      'license.deleted',
      'license.extended',
      'license.activated',
      'license.revoked',
      'license.hwid_reset',
      'license.validated',
      'license.hwid_bound',
      'license.created',
    ]);
    expect(deliveries.every((delivery) => delivery.status === 'delivered' && delivery.attempts === 1)).toBe(true);
    expect(new Set(receiver.requests.map((request) => header(request, 'x-keywarden-delivery')))).toEqual(new Set(deliveries.map((delivery) => delivery.deliveryId)));
  });
});

describe('the verification recipe', () => {
  afterEach(closeReceivers);

  it('accepts the genuine delivery, refuses a tampered body, a wrong secret, an old or future timestamp and malformed headers', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const receiver = await startReceiver();
    const { webhook, secret } = await createWebhook(account, product.productId, receiver.url);
    const feed = new EventFeed(product.productId);
    const [licenseKey = ''] = await createLicenses(account, product.productId);
    const [event] = await feed.fire();
    const request = receiver.requests[0];
    if (!event || !request) throw new Error('nothing delivered');
    expectSignedDelivery(request, secret, { event: 'license.created', eventId: event.id, webhookId: webhook.webhookId, appId: product.productId });
    const signature = header(request, 'x-keywarden-signature') ?? '';
    const raw = request.rawBody;
    expect(verifyKeywardenSignature(secret, raw, signature)).toBe(true);

    // Tampered bodies: another key, one more space, re-serialised JSON with a changed field.
    expect(verifyKeywardenSignature(secret, raw.replace(licenseKey, 'AAAA-BBBB-CCCC-DDDD'), signature)).toBe(false);
    expect(verifyKeywardenSignature(secret, `${raw} `, signature)).toBe(false);
    const parsed = JSON.parse(raw) as { event: string };
    expect(verifyKeywardenSignature(secret, JSON.stringify({ ...parsed, event: 'license.revoked' }), signature)).toBe(false);
    // Wrong secret, or the signature of another timestamp.
    expect(verifyKeywardenSignature(`${secret}x`, raw, signature)).toBe(false);
    const t = Number(/^t=(\d+)/.exec(signature)?.[1]);
    expect(verifyKeywardenSignature(secret, raw, signature.replace(`t=${t}`, `t=${t + 1}`))).toBe(false);

    // Old timestamps are refused even with a correct MAC: a replay 301 s later, or a forged old t.
    expect(verifyKeywardenSignature(secret, raw, signature, (t + 299) * 1000)).toBe(true);
    expect(verifyKeywardenSignature(secret, raw, signature, (t + 301) * 1000)).toBe(false);
    const now = Math.floor(Date.now() / 1000);
    expect(verifyKeywardenSignature(secret, raw, signAt(secret, raw, now - 301))).toBe(false);
    expect(verifyKeywardenSignature(secret, raw, signAt(secret, raw, now - 3_600))).toBe(false);
    expect(verifyKeywardenSignature(secret, raw, signAt(secret, raw, now + 3_600))).toBe(false);
    expect(verifyKeywardenSignature(secret, raw, signAt(secret, raw, now - 10))).toBe(true);

    // Malformed headers.
    for (const bad of [undefined, '', 'v1=abc', `t=${t}`, `t=${t},v1=`, `t=abc,v1=${'0'.repeat(64)}`, `t=${t},v1=${'z'.repeat(64)}`, `t=${t},v0=${signature.split('v1=')[1]}`]) {
      expect(verifyKeywardenSignature(secret, raw, bad), String(bad)).toBe(false);
    }
  });

  it('a receiver that applies the recipe answers 400 to a forged delivery and 200 to the genuine one', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    let secret = '';
    // The seed-000-style consumer: verify over the raw body, refuse old t, dedupe on X-Keywarden-Delivery.
    const seen = new Set<string>();
    const receiver = await startReceiver((request) => {
      if (!verifyKeywardenSignature(secret, request.rawBody, header(request, 'x-keywarden-signature'))) return { status: 400, body: 'bad signature' };
      const deliveryId = header(request, 'x-keywarden-delivery') ?? '';
      if (seen.has(deliveryId)) return { status: 200, body: 'duplicate' };
      seen.add(deliveryId);
      return { status: 200, body: 'ok' };
    });
    const created = await createWebhook(account, product.productId, receiver.url);
    secret = created.secret;
    const feed = new EventFeed(product.productId);
    await createLicenses(account, product.productId);
    const [event] = await feed.fire();
    if (!event) throw new Error('no event');
    const deliveryId = `${event.id}~${created.webhook.webhookId}`;
    expect(await storedDelivery(deliveryId)).toMatchObject({ status: 'delivered', lastStatusCode: 200 });

    // A forged request to the same receiver (tampered body, old timestamp) is refused.
    const genuine = receiver.requests[0];
    if (!genuine) throw new Error('no request');
    const forge = (body: string, signature: string) =>
      fetch(receiver.url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Keywarden-Signature': signature, 'X-Keywarden-Delivery': deliveryId }, body });
    const tampered = genuine.rawBody.replace('license.created', 'license.revoked');
    expect((await forge(tampered, header(genuine, 'x-keywarden-signature') ?? '')).status).toBe(400);
    expect((await forge(genuine.rawBody, signAt(secret, genuine.rawBody, Math.floor(Date.now() / 1000) - 600))).status).toBe(400);
    // A replay with a fresh valid signature is recognised as a duplicate.
    const replay = await forge(genuine.rawBody, signAt(secret, genuine.rawBody, Math.floor(Date.now() / 1000)));
    expect(replay.status).toBe(200);
    expect(await replay.text()).toBe('duplicate');
  });
});

describe('webhook configuration', () => {
  afterEach(closeReceivers);

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
    expect(everything.requests.map((request) => header(request, 'x-keywarden-event'))).toEqual(fired.map((event) => event.type));
    // No delivery record exists for the filtered-out events.
    for (const event of fired.filter((candidate) => candidate.type !== 'license.revoked')) {
      expect((await testDb().collection('deliveries').doc(`${event.id}~${filtered.webhook.webhookId}`).get()).exists).toBe(false);
    }

    // A test ping goes only to the webhook it names, whatever that webhook's filter.
    const ping = await v1(account, 'POST', `/apps/${product.productId}/webhooks/${filtered.webhook.webhookId}/test`);
    expect(ping.status, ping.text).toBe(202);
    await feed.fire();
    expect(revokedOnly.requests.map((request) => header(request, 'x-keywarden-event'))).toEqual(['license.revoked', 'license.revoked', 'test.ping']);
    expect(everything.requests).toHaveLength(fired.length);

    // Changing the filter through v1 applies to later events.
    const update = await v1(account, 'PUT', `/apps/${product.productId}/webhooks/${all.webhook.webhookId}`, { events: ['license.activated'] });
    expect(update.status, update.text).toBe(200);
    expect(update.body.webhook).toMatchObject({ events: ['license.activated'] });
    expect((await adminCall(account, 'reinstateLicense', { licenseKey })).status).toBe(200);
    expect((await adminCall(account, 'revokeLicense', { licenseKey })).status).toBe(200);
    await feed.fire();
    expect(everything.requests.slice(fired.length).map((request) => header(request, 'x-keywarden-event'))).toEqual(['license.activated']);
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
