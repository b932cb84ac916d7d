/**
 * license.expired: the deployed scheduled `expireLicenses` emits it exactly once per expiry,
 * however often (and however concurrently) it runs; a new expiry after an extension emits it
 * again; the event reaches a webhook subscribed to it, signed.
 *
 * `expireLicenses` scans the whole shared database: other files' expired licenses are in the
 * same queue (500 per run, oldest first) and other files run it at the same time, so the test
 * runs it until this app's license is reached and asserts on this app's events only. Time
 * passing is the license's stored expiry moved into the past: no sleeping, no clock race.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, expect, it } from 'vitest';
import { createAccount, createLicenses, createProduct } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';
import {
  closeReceivers,
  createWebhook,
  EventFeed,
  eventsOfApp,
  expectSignedDelivery,
  requestAt,
  runDeliverEvents,
  runExpireLicenses,
  startReceiver,
} from './support.js';

afterAll(closeReceivers);

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

async function expiryNotified(licenseKey: string): Promise<boolean> {
  return (await testDb().collection('licenses').doc(licenseKey).get()).get('expiryNotified') === true;
}

/**
 * The events written since the last call, fired through the trigger, without the
 * license.expiring reminders the same scheduled run sends (test/webhooks/expiring.e2e.test.ts).
 */
async function fireExpiryEvents(feed: EventFeed) {
  return (await feed.fire()).filter((event) => event.type !== 'license.expiring');
}

/** Runs the scheduled function at least `times` times, and until the license has been handled. */
async function runExpiryUntilNotified(licenseKey: string, times: number): Promise<void> {
  for (let run = 0; run < times || !(await expiryNotified(licenseKey)); run += 1) {
    if (run >= times + 5) throw new Error(`expireLicenses never reached ${licenseKey}`);
    await runExpireLicenses();
  }
}

it('emits license.expired exactly once per expiry, even when expireLicenses runs twice or concurrently', async () => {
  const account = await createAccount();
  const product = await createProduct(account);
  const receiver = await startReceiver();
  const { webhook, secret } = await createWebhook(account, product.productId, receiver.url, ['license.expired']);
  const feed = new EventFeed(product.productId);

  const [expiring = ''] = await createLicenses(account, product.productId, { expiresAt: inMs(86_400_000) });
  const [lifetime = ''] = await createLicenses(account, product.productId, { expiresAt: null });
  const [later = ''] = await createLicenses(account, product.productId, { expiresAt: inMs(30 * 86_400_000) });
  const [revoked = ''] = await createLicenses(account, product.productId, { expiresAt: inMs(86_400_000) });
  expect((await call('revokeLicense', { headers: { 'X-API-Key': account.apiKey }, body: { licenseKey: revoked } })).status).toBe(200);
  // Revoked first, then its expiry moved into the past in Firestore: a revoked license never
  // emits license.expired (and no concurrent expireLicenses run can catch it unrevoked).
  const past = Timestamp.fromMillis(Date.now() - 60_000);
  await testDb().collection('licenses').doc(revoked).update({ expiresAt: past, expiresSort: past });
  // The webhook is subscribed to license.expired only: the created/revoked events reach nobody.
  expect((await fireExpiryEvents(feed)).map((event) => event.type)).toEqual(['license.created', 'license.created', 'license.created', 'license.created', 'license.revoked']);
  expect(receiver.requests).toHaveLength(0);

  // Time passes: its expiry moves into the past.
  const expiredAt = Timestamp.fromMillis(Date.now() - 1_000);
  await testDb().collection('licenses').doc(expiring).update({ expiresAt: expiredAt, expiresSort: expiredAt });
  await runExpiryUntilNotified(expiring, 2);
  await Promise.all([runExpireLicenses(), runExpireLicenses()]);

  const expired = (await eventsOfApp(product.productId)).filter((event) => event.type === 'license.expired');
  expect(expired.map((event) => event.licenseKey)).toEqual([expiring]);
  for (const key of [lifetime, later, revoked]) expect(await expiryNotified(key)).toBe(false);

  const fired = await fireExpiryEvents(feed);
  expect(fired.map((event) => event.type)).toEqual(['license.expired']);
  const [event] = fired;
  if (!event) throw new Error('no event');
  // A duplicate trigger run sends nothing more.
  await runDeliverEvents(event);
  expect(receiver.requests).toHaveLength(1);
  const body = expectSignedDelivery(requestAt(receiver, 0), secret, { event: 'license.expired', eventId: event.id, webhookId: webhook.webhookId, appId: product.productId });
  const stored = (await testDb().collection('licenses').doc(expiring).get()).get('expiresAt') as Timestamp;
  expect(body.data).toEqual({ licenseKey: expiring, expiresAt: stored.toDate().toISOString() });

  // Extended a day ahead (a real updateLicense), then time passes again: its expiry moves
  // into the past. Moving the stored expiry instead of sleeping leaves no race with the clock.
  const extended = await call('updateLicense', { headers: { 'X-API-Key': account.apiKey }, body: { licenseKey: expiring, expiresAt: inMs(86_400_000) } });
  expect(extended.status, extended.text).toBe(200);
  expect(await expiryNotified(expiring)).toBe(false);
  // Not expired yet: nothing to emit.
  await runExpireLicenses();
  expect((await fireExpiryEvents(feed)).map((candidate) => candidate.type)).toEqual(['license.extended']);
  expect(await expiryNotified(expiring)).toBe(false);
  const expiredAgainAt = Timestamp.fromMillis(Date.now() - 1_000);
  await testDb().collection('licenses').doc(expiring).update({ expiresAt: expiredAgainAt, expiresSort: expiredAgainAt });
  await runExpiryUntilNotified(expiring, 2);
  await Promise.all([runExpireLicenses(), runExpireLicenses()]);
  const second = await fireExpiryEvents(feed);
  expect(second.map((candidate) => [candidate.type, candidate.licenseKey])).toEqual([['license.expired', expiring]]);
  expect(receiver.requests).toHaveLength(2);
  expect((await eventsOfApp(product.productId)).filter((candidate) => candidate.type === 'license.expired')).toHaveLength(2);
});
