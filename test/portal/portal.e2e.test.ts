/**
 * The customer portal's API over real HTTP (v1 `/portal/…`): sign-in by mailed code (read from
 * the `mail` collection) or license key, the buyer's licenses and devices, releases bounded by
 * the product's policy and enforced at every door, offline files, and seat refusals that point
 * to the portal.
 */
import { createHash } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { issueBuyerToken } from '../../functions/src/crypto/portalTokens.js';
import { derivedKey } from '../../functions/src/crypto/envelope.js';
import { ensureLocalSecrets } from '../../scripts/lib/localStack.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';
import { closeReceivers, createWebhook, EventFeed, startReceiver } from '../webhooks/support.js';
import { expectStatus, expectV1Error, unknownAppId, unknownLicenseKey, v1 } from '../v1/v1Support.js';
import {
  activate,
  buyerLicense,
  buyerLicenses,
  latestCode,
  license,
  mailsTo,
  portal,
  portalTenant,
  release,
  requestCode,
  sdkHeartbeat,
  sdkSession,
  signIn,
  uniqueEmail,
  uniqueIp,
} from './portalSupport.js';

afterEach(closeReceivers);

const codeDoc = (email: string) => testDb().collection('portalCodes').doc(createHash('sha256').update(email).digest('hex'));

describe('sign-in codes', () => {
  it('answers a known and an unknown email identically; only the known one gets a mail, whose code signs in once', async () => {
    const t = await portalTenant();
    const known = uniqueEmail();
    await license(t, { email: known });
    const unknown = uniqueEmail();
    const [a, b] = [await requestCode(known, { appId: t.appId }), await requestCode(unknown, { appId: t.appId })];
    for (const answer of [a, b]) {
      expect(answer.status, answer.text).toBe(202);
      expect(Object.keys(answer.body).sort()).toEqual(['sent']);
      expect(answer.body.sent).toBe(true);
    }
    expect([...a.headers.keys()].sort()).toEqual([...b.headers.keys()].sort());
    expect(await mailsTo(unknown)).toEqual([]);
    // Both emails have a code document (the same Firestore work), only the known one a code.
    expect((await codeDoc(unknown).get()).get('codeHash')).toBeNull();
    const mails = await mailsTo(known);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.message.subject).toMatch(/sign-in code/);
    expect(Object.keys(mails[0]?.message ?? {}).sort()).toEqual(['html', 'subject', 'text']);
    const code = await latestCode(known);
    expect(code).toMatch(/^\d{6}$/);
    // Stored only as a hash.
    expect(JSON.stringify((await codeDoc(known).get()).data())).not.toContain(code);

    const signedIn = await portal(undefined, 'POST', '/sign-in', { body: { email: known.toUpperCase(), code } });
    expectStatus(signedIn, 200);
    expect(signedIn.body).toMatchObject({ email: known });
    expect(String(signedIn.body.token)).toMatch(/^kwp_/);
    const expiresIn = Date.parse(String(signedIn.body.expiresAt)) - Date.now();
    expect(expiresIn).toBeGreaterThan(3_500_000);
    expect(expiresIn).toBeLessThanOrEqual(3_600_000);
    // Single use.
    expectV1Error(await portal(undefined, 'POST', '/sign-in', { body: { email: known, code } }), 401, 'unauthorized');
  });

  it('voids a code after 5 wrong tries: the right one no longer works', async () => {
    const t = await portalTenant();
    const email = uniqueEmail();
    await license(t, { email });
    expectStatus(await requestCode(email), 202);
    const code = await latestCode(email);
    const wrong = code === '000000' ? '000001' : '000000';
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const refused = await portal(undefined, 'POST', '/sign-in', { body: { email, code: wrong } });
      expectV1Error(refused, 401, 'unauthorized');
      if (attempt === 5) expect(String(refused.body.message)).toMatch(/new one/);
    }
    expectV1Error(await portal(undefined, 'POST', '/sign-in', { body: { email, code } }), 401, 'unauthorized');
    // A new code works.
    expectStatus(await requestCode(email), 202);
    expectStatus(await portal(undefined, 'POST', '/sign-in', { body: { email, code: await latestCode(email) } }), 200);
  });

  it('expires a code after its 15 minutes', async () => {
    const t = await portalTenant();
    const email = uniqueEmail();
    await license(t, { email });
    expectStatus(await requestCode(email), 202);
    const code = await latestCode(email);
    const expiresAt = (await codeDoc(email).get()).get('codeExpiresAt') as Timestamp;
    expect(expiresAt.toMillis() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(expiresAt.toMillis() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    await codeDoc(email).update({ codeExpiresAt: Timestamp.fromMillis(Date.now() - 1000) });
    expectV1Error(await portal(undefined, 'POST', '/sign-in', { body: { email, code } }), 401, 'unauthorized');
  });

  it('limits code requests per email (known or not) and per IP, with Retry-After', async () => {
    for (const email of [uniqueEmail(), uniqueEmail()]) {
      for (let i = 0; i < 5; i += 1) expectStatus(await requestCode(email), 202);
      const limited = await requestCode(email);
      expectV1Error(limited, 429, 'rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const ip = uniqueIp();
    for (let i = 0; i < 10; i += 1) expectStatus(await requestCode(uniqueEmail(), { ip }), 202);
    const limited = await requestCode(uniqueEmail(), { ip });
    expectV1Error(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is not limited.
    expectStatus(await requestCode(uniqueEmail(), { ip: uniqueIp() }), 202);
  });

  it('limits sign-in attempts per IP', async () => {
    const ip = uniqueIp();
    const email = uniqueEmail();
    let limited = false;
    for (let i = 0; i < 25 && !limited; i += 1) {
      const answer = await portal(undefined, 'POST', '/sign-in', { ip, body: { email, code: '123456' } });
      if (answer.status === 429) limited = true;
      else expectV1Error(answer, 401, 'unauthorized');
    }
    expect(limited).toBe(true);
  });
});

describe("the buyer's licenses", () => {
  it('lists every license sold to the email on products whose portal signs in by email (across accounts), with devices', async () => {
    const email = uniqueEmail();
    const one = await portalTenant({ supportUrl: 'https://help.example.com/a', logoUrl: 'https://cdn.example.com/logo.png' });
    const two = await portalTenant();
    const off = await portalTenant({ signIn: 'off' });
    const byKey = await portalTenant({ signIn: 'licenseKey' });
    const keyOne = await license(one, { email: email.toUpperCase(), maxHwidSlots: 3 });
    const keyTwo = await license(two, { email });
    await license(off, { email });
    await license(byKey, { email });
    await license(one, { email: uniqueEmail() });
    expectStatus(await activate(keyOne, 'machine-one-0001-abcdef', { machineName: 'Studio PC', os: 'Windows 11' }), 200);
    expectStatus(await activate(keyOne, 'machine-two-0002-abcdef'), 200);

    const token = await signIn(email);
    const listed = await buyerLicenses(token);
    expect(listed.email).toBe(email);
    expect(listed.licenses.map((item) => item.licenseKey).sort()).toEqual([keyOne, keyTwo].sort());
    const first = listed.licenses.find((item) => item.licenseKey === keyOne);
    expect(first).toMatchObject({
      appId: one.appId,
      product: { supportUrl: 'https://help.example.com/a', logoUrl: 'https://cdn.example.com/logo.png' },
      status: 'active',
      expiresAt: null,
      maxHwidSlots: 3,
      unlimitedHwidSlots: false,
      seatsUsed: 2,
      releases: { perLicensePer30Days: 3, remaining: 3, nextAvailableAt: null },
      offlineFilesAllowed: false,
    });
    const studio = first?.devices.find((device) => device.machineName === 'Studio PC');
    expect(studio).toMatchObject({ os: 'Windows 11', hwidShort: 'machin…cdef' });
    expect(studio?.deviceId).toMatch(/^[0-9a-f]{24}$/);
    expect(JSON.stringify(listed)).not.toContain('machine-one-0001-abcdef');
  });

  it('returns hostile machine names verbatim as JSON strings', async () => {
    const t = await portalTenant();
    const email = uniqueEmail();
    const key = await license(t, { email, maxHwidSlots: 2 });
    const machineName = `<script>alert("x")</script>'&\u202e<img src=x onerror=alert(1)>`;
    const os = '"; DROP TABLE licenses; --';
    expectStatus(await activate(key, 'hostile-machine', { machineName, os }), 200);
    const answer = await portal(await signIn(email), 'GET', '/licenses');
    expect(answer.headers.get('content-type') ?? '').toMatch(/^application\/json/);
    const [device] = (answer.body.licenses as Array<{ devices: Array<{ machineName: string; os: string }> }>)[0]?.devices ?? [];
    expect(device).toMatchObject({ machineName, os });
  });

  it("keeps one buyer from another's licenses: not listed, not released, no file (404)", async () => {
    const t = await portalTenant({ offlineFiles: true });
    const victim = uniqueEmail();
    const key = await license(t, { email: victim });
    expectStatus(await activate(key, 'victim-machine'), 200);
    const victimToken = await signIn(victim);
    const deviceId = (await buyerLicense(victimToken, key)).devices[0]?.deviceId ?? '';
    const intruder = uniqueEmail();
    await license(t, { email: intruder });
    const token = await signIn(intruder);
    expect((await buyerLicenses(token)).licenses.map((item) => item.licenseKey)).not.toContain(key);
    expectV1Error(await release(token, key, deviceId), 404, 'not_found');
    expectV1Error(await portal(token, 'POST', `/licenses/${key}/offline-files`, { body: { hwid: 'victim-machine' } }), 404, 'not_found');
    // A license-key buyer of another license does not reach it either.
    const byKey = await portalTenant({ signIn: 'licenseKey' });
    const otherKey = await license(byKey, {});
    const keyToken = String((await portal(undefined, 'POST', '/sign-in/license-key', { body: { licenseKey: otherKey } })).body.token);
    expectV1Error(await release(keyToken, key, deviceId), 404, 'not_found');
    expect((await buyerLicense(victimToken, key)).seatsUsed).toBe(1);
  });

  it('refuses missing, forged and expired tokens (401) and bad input (400)', async () => {
    expectV1Error(await portal(undefined, 'GET', '/licenses'), 401, 'unauthorized');
    expectV1Error(await portal('kwp_e30.AAAA', 'GET', '/licenses'), 401, 'unauthorized');
    expectV1Error(await portal('af_live_nothing', 'GET', '/licenses'), 401, 'unauthorized');
    const key = derivedKey(ensureLocalSecrets().secrets.KEYWARDEN_KEK, 'portal buyer token');
    const past = Math.floor(Date.now() / 1000) - 10;
    const expired = issueBuyerToken(key, { kind: 'email', email: uniqueEmail(), iat: past - 3600, exp: past });
    const answer = await portal(expired, 'GET', '/licenses');
    expectV1Error(answer, 401, 'unauthorized');
    expect(String(answer.body.message)).toMatch(/sign in again/);

    expectV1Error(await requestCode('not-an-email'), 400, 'bad_request');
    expectV1Error(await portal(undefined, 'POST', '/sign-in/code', { body: { email: uniqueEmail(), extra: 1 } }), 400, 'bad_request');
    expectV1Error(await portal(undefined, 'POST', '/sign-in', { body: { email: uniqueEmail(), code: '12ab56' } }), 400, 'bad_request');
    expectV1Error(await portal(undefined, 'POST', '/sign-in', { rawBody: '{"email":' }), 400, 'bad_request');
    expectV1Error(await portal(undefined, 'POST', '/sign-in/license-key', { body: { licenseKey: 'nope' } }), 400, 'bad_request');
    const email = uniqueEmail();
    await license(await portalTenant(), { email });
    const token = await signIn(email);
    expectV1Error(await portal(token, 'DELETE', `/licenses/${unknownLicenseKey()}/devices/not-a-device`), 400, 'bad_request');
    expectV1Error(await portal(token, 'DELETE', `/licenses/bad-key/devices/${'a'.repeat(24)}`), 400, 'bad_request');
    expectV1Error(await portal(token, 'POST', `/licenses/${unknownLicenseKey()}/offline-files`, { body: {} }), 400, 'bad_request');
    expectV1Error(await portal(token, 'PUT', '/licenses'), 405, 'method_not_allowed');
  });
});

describe('releasing a device', () => {
  it('ends its sessions at every door and frees its seat; logs buyer_release; delivers license.device_released', async () => {
    const t = await portalTenant();
    const receiver = await startReceiver();
    await createWebhook(t.account, t.appId, receiver.url, ['license.device_released']);
    const feed = new EventFeed(t.appId);
    const email = uniqueEmail();
    const key = await license(t, { email, maxHwidSlots: 2 });
    const sdkSessionToken = await sdkSession(t.app, key, 'sdk-machine');
    const activated = await activate(key, 'seed-machine', { machineName: 'Laptop' });
    expectStatus(activated, 200);
    // Full: a third machine is refused.
    expect((await activate(key, 'new-machine')).status).toBe(403);

    const token = await signIn(email);
    const listed = await buyerLicense(token, key);
    const deviceIdOf = (hwid: string) => createHash('sha256').update(hwid).digest('hex').slice(0, 24);
    expect(listed.devices.map((device) => device.deviceId).sort()).toEqual([deviceIdOf('sdk-machine'), deviceIdOf('seed-machine')].sort());
    await feed.fresh();

    const released = await release(token, key, deviceIdOf('sdk-machine'));
    expectStatus(released, 200);
    const after = (released.body.license as { seatsUsed: number; releases: { remaining: number } });
    expect(after).toMatchObject({ seatsUsed: 1, releases: { remaining: 2 } });
    // The released device's next SDK heartbeat is refused; the other device goes on.
    const heartbeat = await sdkHeartbeat(t.app, sdkSessionToken, 'sdk-machine');
    expect(heartbeat.status, heartbeat.text).toBe(401);
    expect(heartbeat.body).toMatchObject({ status: 'failed', error: 'session_expired' });
    expectStatus(await call('heartbeat', { body: { sessionToken: String(activated.body.sessionToken) } }), 200);
    // A new machine binds the freed seat.
    await sdkSession(t.app, key, 'brand-new-machine');

    // Released the seed 004 device too: its session ends at seed 004's heartbeat.
    expectStatus(await release(token, key, deviceIdOf('seed-machine')), 200);
    const seedHeartbeat = await call('heartbeat', { body: { sessionToken: String(activated.body.sessionToken) } });
    expect(seedHeartbeat.status, seedHeartbeat.text).toBe(401);
    expect(seedHeartbeat.body).toMatchObject({ success: false, code: 'session_expired' });

    const logs = await v1(t.account.apiKey, 'GET', `/licenses/${key}/logs`);
    expectStatus(logs, 200);
    const entries = logs.body.logs as Array<{ action: string; hwid: string; result: string }>;
    expect(entries.filter((entry) => entry.action === 'buyer_release').map((entry) => entry.hwid).sort()).toEqual(['sdk-machine', 'seed-machine']);

    const events = await feed.fire();
    expect(events.filter((event) => event.type === 'license.device_released').map((event) => event.data.hwid).sort()).toEqual(['sdk-machine', 'seed-machine']);
    const delivered = receiver.requests.map((request) => JSON.parse(request.rawBody) as { event: string; data: { hwid: string; licenseKey: string } });
    expect(delivered.map((body) => body.event)).toEqual(['license.device_released', 'license.device_released']);
    expect(delivered[0]?.data).toMatchObject({ licenseKey: key, hwid: 'sdk-machine', releasedBy: 'buyer:email' });
  });

  it('refuses the fourth release in 30 days with 429 naming the date; 0 per 30 days is 403', async () => {
    const t = await portalTenant();
    const email = uniqueEmail();
    const key = await license(t, { email, maxHwidSlots: 5 });
    for (let i = 0; i < 5; i += 1) expectStatus(await activate(key, `machine-${i}`), 200);
    const token = await signIn(email);
    const devices = (await buyerLicense(token, key)).devices;
    const remaining: number[] = [];
    for (const device of devices.slice(0, 3)) {
      const answer = await release(token, key, device.deviceId);
      expectStatus(answer, 200);
      remaining.push((answer.body.license as { releases: { remaining: number } }).releases.remaining);
    }
    expect(remaining).toEqual([2, 1, 0]);
    const listed = await buyerLicense(token, key);
    expect(listed.releases.remaining).toBe(0);
    const next = listed.releases.nextAvailableAt ?? '';
    expect(Date.parse(next) - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    const refused = await release(token, key, devices[3]?.deviceId ?? '');
    expectV1Error(refused, 429, 'rate_limited');
    expect(String(refused.body.message)).toContain(next);
    expect(refused.body.nextAvailableAt).toBe(next);
    expect(Number(refused.body.retryAfterSeconds)).toBeGreaterThan(29 * 86_400);
    expect(Number(refused.headers.get('retry-after'))).toBe(refused.body.retryAfterSeconds);
    expect((await buyerLicense(token, key)).seatsUsed).toBe(2);

    // Releases off.
    expectStatus(await v1(t.account.apiKey, 'PUT', `/apps/${t.appId}`, { body: { portal: { selfServiceReleases: { perLicensePer30Days: 0 } } } }), 200);
    expectV1Error(await release(token, key, devices[3]?.deviceId ?? ''), 403, 'forbidden');
  });

  it('holds a cooldown between releases', async () => {
    const t = await portalTenant({ selfServiceReleases: { perLicensePer30Days: 10, cooldownHours: 24 } });
    const email = uniqueEmail();
    const key = await license(t, { email, maxHwidSlots: 2 });
    expectStatus(await activate(key, 'cool-1'), 200);
    expectStatus(await activate(key, 'cool-2'), 200);
    const token = await signIn(email);
    const [a, b] = (await buyerLicense(token, key)).devices;
    expectStatus(await release(token, key, a?.deviceId ?? ''), 200);
    const refused = await release(token, key, b?.deviceId ?? '');
    expectV1Error(refused, 429, 'rate_limited');
    expect(Number(refused.body.retryAfterSeconds)).toBeGreaterThan(23 * 3600);
  });

  it('lets no concurrent burst pass the bound: 10 releases at once with a bound of 3, exactly 3 succeed', async () => {
    const t = await portalTenant({ selfServiceReleases: { perLicensePer30Days: 3 } });
    const email = uniqueEmail();
    const key = await license(t, { email, maxHwidSlots: 10 });
    for (let i = 0; i < 10; i += 1) expectStatus(await activate(key, `burst-${i}`), 200);
    const token = await signIn(email);
    const devices = (await buyerLicense(token, key)).devices;
    expect(devices).toHaveLength(10);
    const answers = await Promise.all(devices.map((device) => release(token, key, device.deviceId)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200), JSON.stringify(statuses)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
    const stored = (await testDb().collection('licenses').doc(key).get()).data() as { devices: unknown[]; portalReleases: unknown[] };
    expect(stored.devices).toHaveLength(7);
    expect(stored.portalReleases).toHaveLength(3);
  });
});

describe('license-key sign-in', () => {
  it('signs in with the key alone on a licenseKey product; unknown keys and other products get the same 401', async () => {
    const t = await portalTenant({ signIn: 'licenseKey' });
    const key = await license(t, {});
    expectStatus(await activate(key, 'key-machine'), 200);
    const answer = await portal(undefined, 'POST', '/sign-in/license-key', { body: { licenseKey: key.toLowerCase() } });
    expectStatus(answer, 200);
    expect(answer.body).toMatchObject({ licenseKey: key });
    const listed = await buyerLicenses(String(answer.body.token));
    expect(listed.email).toBeNull();
    expect(listed.licenses.map((item) => item.licenseKey)).toEqual([key]);
    expectStatus(await release(String(answer.body.token), key, listed.licenses[0]?.devices[0]?.deviceId ?? ''), 200);

    const emailProduct = await license(await portalTenant(), { email: uniqueEmail() });
    const offProduct = await license(await portalTenant({ signIn: 'off' }), {});
    const messages = new Set<string>();
    for (const other of [unknownLicenseKey(), emailProduct, offProduct]) {
      const refused = await portal(undefined, 'POST', '/sign-in/license-key', { body: { licenseKey: other } });
      expectV1Error(refused, 401, 'unauthorized');
      messages.add(String(refused.body.message));
    }
    expect(messages.size).toBe(1);
  });
});

describe("a product's portal", () => {
  it('shows its name and links; 404 when off or unknown; settings set through PUT /apps and seed 004 updateProduct', async () => {
    const t = await portalTenant({ supportUrl: 'https://help.example.com' });
    const face = await portal(undefined, 'GET', `/products/${t.appId}`);
    expectStatus(face, 200);
    expect(Object.keys(face.body).sort()).toEqual(['appId', 'logoUrl', 'name', 'signIn', 'supportUrl']);
    expect(face.body).toMatchObject({ appId: t.appId, signIn: 'email', supportUrl: 'https://help.example.com', logoUrl: null });
    expectV1Error(await portal(undefined, 'GET', `/products/${unknownAppId()}`), 404, 'not_found');

    const updated = await v1(t.account.apiKey, 'PUT', `/apps/${t.appId}`, { body: { portal: { signIn: 'off', offlineFiles: true } } });
    expectStatus(updated, 200);
    expect(updated.body.portal).toEqual({
      signIn: 'off', supportUrl: 'https://help.example.com', logoUrl: null, offlineFiles: true, selfServiceReleases: { perLicensePer30Days: 3, cooldownHours: 0 },
    });
    expectV1Error(await portal(undefined, 'GET', `/products/${t.appId}`), 404, 'not_found');
    const seed004 = await call('updateProduct', {
      headers: { 'X-API-Key': t.account.apiKey },
      body: { productId: t.appId, portal: { signIn: 'licenseKey', selfServiceReleases: { cooldownHours: 2 } } },
    });
    expectStatus(seed004, 200);
    expect((seed004.body.product as { portal: unknown }).portal).toMatchObject({ signIn: 'licenseKey', offlineFiles: true, selfServiceReleases: { perLicensePer30Days: 3, cooldownHours: 2 } });
    for (const portalSettings of [{ supportUrl: 'http://insecure.example.com' }, { logoUrl: 'javascript:alert(1)' }, { signIn: 'sms' }, { selfServiceReleases: { perLicensePer30Days: 101 } }]) {
      expectV1Error(await v1(t.account.apiKey, 'PUT', `/apps/${t.appId}`, { body: { portal: portalSettings } }), 400, 'bad_request');
    }
  });
});

describe('offline files', () => {
  it('mints a signed .authforge file for a bound device only where the product allows it', async () => {
    const t = await portalTenant();
    const email = uniqueEmail();
    const key = await license(t, { email, maxHwidSlots: 2 });
    expectStatus(await activate(key, 'offline-machine'), 200);
    const token = await signIn(email);
    expectV1Error(await portal(token, 'POST', `/licenses/${key}/offline-files`, { body: { hwid: 'offline-machine' } }), 403, 'forbidden');
    expectStatus(await v1(t.account.apiKey, 'PUT', `/apps/${t.appId}`, { body: { portal: { offlineFiles: true } } }), 200);
    expect((await buyerLicense(token, key)).offlineFilesAllowed).toBe(true);
    expectV1Error(await portal(token, 'POST', `/licenses/${key}/offline-files`, { body: { hwid: 'never-bound' } }), 403, 'forbidden');
    const minted = await portal(token, 'POST', `/licenses/${key}/offline-files`, { body: { hwid: 'offline-machine' } });
    expectStatus(minted, 201);
    expect(minted.body.offlineFile).toMatchObject({ licenseKey: key, hwid: { mode: 'bound', hwids: ['offline-machine'] }, mintedBy: 'buyer:email' });
    expect(String(minted.body.file)).toMatch(/BEGIN/);
    const file = await portal(token, 'POST', `/licenses/${key}/offline-files`, { body: { hwid: 'offline-machine' }, headers: { Accept: 'application/x-authforge-license' } });
    expectStatus(file, 201);
    expect(file.headers.get('content-disposition')).toMatch(/attachment; filename=".+\.authforge"/);
  });
});

describe('seat refusals point to the portal', () => {
  it('adds portalUrl to hwid_mismatch at the SDK door and to activate\'s machine limit when the portal is on, not when off', async () => {
    const base = inject('portalBaseUrl');
    const on = await portalTenant();
    const key = await license(on, { maxHwidSlots: 1 });
    await sdkSession(on.app, key, 'first-seat');
    const sdkRefusal = await call('auth', { path: '/validate', body: { appId: on.appId, appSecret: on.app.appSecret, licenseKey: key, hwid: 'second-seat', nonce: `n-${Date.now()}` } });
    expect(sdkRefusal.status, sdkRefusal.text).toBe(403);
    expect(sdkRefusal.body).toMatchObject({ status: 'failed', error: 'hwid_mismatch', portalUrl: `${base}/portal?product=${on.appId}` });
    const activateRefusal = await activate(key, 'third-seat');
    expect(activateRefusal.status, activateRefusal.text).toBe(403);
    expect(activateRefusal.body).toMatchObject({ success: false, code: 'hwid_mismatch', portalUrl: `${base}/portal?product=${on.appId}` });

    const off = await portalTenant({ signIn: 'off' });
    const offKey = await license(off, { maxHwidSlots: 1 });
    expectStatus(await activate(offKey, 'first-seat'), 200);
    const refused = await activate(offKey, 'second-seat');
    expect(refused.status).toBe(403);
    expect(refused.body).not.toHaveProperty('portalUrl');
  });
});
