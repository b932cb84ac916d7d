/**
 * license.expiring: the deployed scheduled `expireLicenses` sends a reminder 30, 7 and 1 days
 * before a license expires, once each per expiry, however often (and however concurrently) it
 * runs; a new expiry earns its reminders again; the events reach a webhook subscribed to them,
 * signed. The marker (`expiringReminders.daysN`, the expiry it was sent for) is written with the
 * event in one commit.
 *
 * Licenses are made at a distance from their expiry inside a reminder's band (6 hours before its
 * instant), so one run finds them; other files run the scheduled function too, so the test runs
 * it until its licenses are marked and asserts on this app's events only.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, expect, it } from 'vitest';
import { createAccount, createLicenses, createProduct } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';
import { closeReceivers, createWebhook, EventFeed, eventsOfApp, expectSignedDelivery, requestAt, runExpireLicenses, startReceiver } from './support.js';

afterAll(closeReceivers);

const dayMs = 86_400_000;
const hourMs = 3_600_000;
/** An expiry `days` days away less an hour: inside that reminder's band, to the second. */
const expiryIn = (days: number) => new Date(Math.floor((Date.now() + days * dayMs - hourMs) / 1000) * 1000).toISOString();

async function marker(licenseKey: string, days: number): Promise<Timestamp | undefined> {
  return (await testDb().collection('licenses').doc(licenseKey).get()).get(`expiringReminders.days${days}`) as Timestamp | undefined;
}

/** Runs the scheduled function at least `times` times, and until every license has its marker. */
async function runUntilReminded(licenses: Array<[string, number]>, times: number): Promise<void> {
  for (let run = 0; ; run += 1) {
    const marked = await Promise.all(licenses.map(async ([key, days]) => (await marker(key, days)) !== undefined));
    if (run >= times && marked.every(Boolean)) return;
    if (run >= times + 5) throw new Error('expireLicenses never reminded every license');
    await runExpireLicenses();
  }
}

const expiringOf = async (appId: string) => (await eventsOfApp(appId)).filter((event) => event.type === 'license.expiring');

it('sends license.expiring 30, 7 and 1 days before expiry, once each, and again for a new expiry', async () => {
  const account = await createAccount();
  const product = await createProduct(account);
  const receiver = await startReceiver();
  const { webhook, secret } = await createWebhook(account, product.productId, receiver.url, ['license.expiring']);
  const feed = new EventFeed(product.productId);

  const [in30 = ''] = await createLicenses(account, product.productId, { expiresAt: expiryIn(30) });
  const [in7 = ''] = await createLicenses(account, product.productId, { expiresAt: expiryIn(7) });
  const [in1 = ''] = await createLicenses(account, product.productId, { expiresAt: expiryIn(1) });
  // Between bands, far off, never expiring, revoked: no reminder.
  const [in20 = ''] = await createLicenses(account, product.productId, { expiresAt: expiryIn(20) });
  const [in40 = ''] = await createLicenses(account, product.productId, { expiresAt: expiryIn(40) });
  const [lifetime = ''] = await createLicenses(account, product.productId, { expiresAt: null });
  const [revoked = ''] = await createLicenses(account, product.productId, { expiresAt: expiryIn(7) });
  expect((await call('revokeLicense', { headers: { 'X-API-Key': account.apiKey }, body: { licenseKey: revoked } })).status).toBe(200);
  // Other files run the scheduled function too: reminders may already exist. Whatever fired so
  // far, the webhook received only license.expiring (its subscription), never created/revoked.
  const early = (await feed.fire()).filter((event) => event.type === 'license.expiring');
  expect(receiver.requests).toHaveLength(early.length);

  await runUntilReminded([[in30, 30], [in7, 7], [in1, 1]], 1);
  await Promise.all([runExpireLicenses(), runExpireLicenses(), runExpireLicenses()]);

  const reminders = await expiringOf(product.productId);
  const byKey = new Map(reminders.map((event) => [event.licenseKey, event.data]));
  expect(reminders).toHaveLength(3);
  for (const [key, days] of [[in30, 30], [in7, 7], [in1, 1]] as const) {
    const stored = (await testDb().collection('licenses').doc(key).get()).get('expiresAt') as Timestamp;
    expect(byKey.get(key)).toEqual({ licenseKey: key, daysBefore: days, expiresAt: stored.toDate().toISOString(), expirationStrategy: 'restrict' });
    // The marker is the expiry the reminder was sent for; no other reminder is marked.
    expect((await marker(key, days))?.toMillis()).toBe(stored.toMillis());
    for (const other of [30, 7, 1].filter((candidate) => candidate !== days)) expect(await marker(key, other)).toBeUndefined();
  }
  for (const key of [in20, in40, lifetime, revoked]) expect((await testDb().collection('licenses').doc(key).get()).get('expiringReminders')).toBeUndefined();

  // Delivered, signed, once each.
  const fired = [...early, ...(await feed.fire())];
  expect(fired.map((event) => event.type)).toEqual(['license.expiring', 'license.expiring', 'license.expiring']);
  expect(receiver.requests).toHaveLength(3);
  const first = fired[0];
  if (!first) throw new Error('no event');
  const index = receiver.requests.findIndex((request) => request.rawBody.includes(first.id));
  const body = expectSignedDelivery(requestAt(receiver, index), secret, { event: 'license.expiring', eventId: first.id, webhookId: webhook.webhookId, appId: product.productId });
  expect(body.data).toEqual(first.data);

  // Renewed: the 7-day license's new expiry (a real updateLicense) is again 7 days away, so
  // its 7-day reminder is due again, once; the others stay sent.
  const renewedTo = Date.parse(expiryIn(7)) + 60_000;
  const renewed = await call('updateLicense', { headers: { 'X-API-Key': account.apiKey }, body: { licenseKey: in7, expiresAt: new Date(renewedTo).toISOString() } });
  expect(renewed.status, renewed.text).toBe(200);
  for (let run = 0; ; run += 1) {
    if ((await marker(in7, 7))?.toMillis() === renewedTo) break;
    if (run >= 5) throw new Error('expireLicenses never reminded the renewed license');
    await runExpireLicenses();
  }
  await Promise.all([runExpireLicenses(), runExpireLicenses()]);
  const after = await expiringOf(product.productId);
  expect(after.map((event) => [event.licenseKey, event.data.daysBefore]).sort()).toEqual([[in1, 1], [in30, 30], [in7, 7], [in7, 7]].sort());
});
