/**
 * issue 11 item 7 and the client-door low items, attacked over real HTTP: refused calls with keys
 * that name no license write no document; a burst from one IP is answered 429 from memory; the
 * 15-activations-per-hour limit holds under a concurrent burst of 50 and counts SDK validate's
 * fixed-seat binds; deactivate churn is bounded the same way; wrong app secrets are throttled per
 * IP; verify and activate answer a client view without personal data.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { activationAttemptsPerHour, clientDoorLimits, credentialGuesses, deactivationsPerHour } from '../../functions/src/config/constants.js';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';
import { activate, activated, expectClientError, expectSdkError, expectSession, fixture, sdk, sdkValidate, statusCounts, storedDevices, unknownLicenseKey } from '../licensing/sdkSupport.js';

const authLogCount = async (appId: string) => (await testDb().collection('authLogs').where('appId', '==', appId).count().get()).data().count;
/** A caller address of its own (the local stack trusts X-Forwarded-For; loopback is not limited per IP). */
const callerIp = () => `198.18.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

describe('refused calls that name no license write nothing', () => {
  it('a stream of SDK validates and app-secret selfbans with random keys adds no auth-log entry', async () => {
    const { product } = await fixture();
    const before = await authLogCount(product.productId);
    const ip = callerIp();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, index) =>
      index % 4 === 3
        ? sdk('/selfban', { appId: product.productId, appSecret: product.appSecret, licenseKey: unknownLicenseKey(), hwid: uniqueHwid(), nonce: uniqueNonce(), revokeLicense: false, blacklistHwid: true, blacklistIp: true })
        : call('auth', { path: '/validate', headers: { 'X-Forwarded-For': ip }, body: { appId: product.productId, appSecret: product.appSecret, licenseKey: index % 2 ? unknownLicenseKey() : `junk-${randomUUID()}`, hwid: uniqueHwid(), nonce: uniqueNonce() } }),
    ));
    for (const answer of answers) expectSdkError(answer, 401, 'invalid_key');
    expect(await authLogCount(product.productId)).toBe(before);
    const apps = await testDb().collection('apps').doc(product.productId).get();
    expect(apps.get('clientBans.hwids') ?? []).toEqual([]);
  });

  it('seed 004 verify and activate with random keys add no auth-log entry either', async () => {
    const { product } = await fixture();
    const before = await authLogCount(product.productId);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) =>
      index % 2 ? call('verify', { body: { licenseKey: unknownLicenseKey() } }) : activate(unknownLicenseKey(), uniqueHwid(), { productId: product.productId })));
    expect(statusCounts(answers)).toEqual({ 404: 20 });
    expect(await authLogCount(product.productId)).toBe(before);
  });
});

describe('the client doors limit a caller in memory before any Firestore work', () => {
  it(`one IP past ${clientDoorLimits.perIpBurst} calls in a burst is answered 429 with Retry-After; another IP is not`, async () => {
    const { product, key } = await fixture();
    const ip = callerIp();
    // Malformed keys: refused without reading Firestore, so the burst is cheap for the stack.
    const junk = () => call('auth', { path: '/validate', headers: { 'X-Forwarded-For': ip }, body: { appId: product.productId, appSecret: product.appSecret, licenseKey: 'junk', hwid: 'h', nonce: uniqueNonce() } });
    // Rounds of 40 until the bucket is empty: a loaded machine sends slower, and the bucket
    // refills (perIpPerSecond) meanwhile, so the number of rounds is bounded, not fixed.
    const answers = [];
    const started = performance.now();
    while (answers.filter((answer) => answer.status === 429).length < 20 && answers.length < clientDoorLimits.perIpBurst * 3) {
      answers.push(...(await Promise.all(Array.from({ length: 40 }, junk))));
    }
    const seconds = (performance.now() - started) / 1000;
    const limited = answers.filter((answer) => answer.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(20);
    // What got through is the burst plus what refilled while the rounds ran (and one round in flight).
    expect(answers.length - limited.length).toBeLessThanOrEqual(clientDoorLimits.perIpBurst + Math.ceil(seconds * clientDoorLimits.perIpPerSecond) + 40);
    expect(answers.length - limited.length).toBeGreaterThanOrEqual(clientDoorLimits.perIpBurst);
    expectSdkError(limited[0] ?? answers[0]!, 429, 'rate_limited');
    expect(Number(limited[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const elsewhere = await call('auth', { path: '/validate', headers: { 'X-Forwarded-For': callerIp() }, body: { appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: uniqueHwid(), nonce: uniqueNonce() } });
    await expectSession(product, elsewhere);
  });

  it(`wrong app secrets: after ${credentialGuesses.maxFailures} from one IP, that IP is answered 429 even with the right secret`, async () => {
    const { product, key } = await fixture();
    const ip = callerIp();
    const body = (appSecret: string) => ({ appId: product.productId, appSecret, licenseKey: key, hwid: uniqueHwid(), nonce: uniqueNonce() });
    const wrong = await Promise.all(Array.from({ length: credentialGuesses.maxFailures }, () => call('auth', { path: '/validate', headers: { 'X-Forwarded-For': ip }, body: body('as_wrong') })));
    for (const answer of wrong) expectSdkError(answer, 401, 'invalid_app');
    expectSdkError(await call('auth', { path: '/validate', headers: { 'X-Forwarded-For': ip }, body: body(product.appSecret) }), 429, 'rate_limited');
    await expectSession(product, await call('auth', { path: '/validate', headers: { 'X-Forwarded-For': callerIp() }, body: body(product.appSecret) }));
  });
});

describe(`${activationAttemptsPerHour} activations per hour per key`, () => {
  it('a concurrent burst of 50 activations: exactly 15 pass, the rest answer 429 (counted on the license)', async () => {
    const { key } = await fixture({ maxHwidSlots: 16 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => activate(key, uniqueHwid())));
    const counts = statusCounts(answers);
    // Contention on the license document is the server's to absorb: no 503, only 200 or 429.
    expect(counts).toEqual({ 200: activationAttemptsPerHour, 429: 50 - activationAttemptsPerHour });
    for (const answer of answers.filter((response) => response.status === 429)) expectClientError(answer, 'success', 429);
    expect(await storedDevices(key)).toHaveLength(activationAttemptsPerHour);
    const stored = (await testDb().collection('licenses').doc(key).get()).get('activationAttempts') as unknown[];
    expect(stored).toHaveLength(activationAttemptsPerHour);
  });

  it('refused attempts count too: a full license answers 403 until the window is spent, then 429', async () => {
    const { key } = await fixture({ maxHwidSlots: 1 });
    await activated(key, uniqueHwid());
    const answers = [];
    for (let attempt = 1; attempt < activationAttemptsPerHour; attempt += 1) answers.push(await activate(key, uniqueHwid()));
    expect(statusCounts(answers)).toEqual({ 403: activationAttemptsPerHour - 1 });
    expectClientError(await activate(key, uniqueHwid()), 'success', 429);
  });

  it('fixed seats bound by SDK validate take places in the same window, under a concurrent burst of both doors', async () => {
    const { product, key } = await fixture({ maxHwidSlots: 16 });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, index) => (index % 2 ? activate(key, uniqueHwid()) : sdkValidate(product, key, uniqueHwid()))));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(activationAttemptsPerHour);
    expect(await storedDevices(key)).toHaveLength(activationAttemptsPerHour);
    const sdkLimited = answers.filter((answer, index) => index % 2 === 0 && answer.status === 429);
    for (const answer of sdkLimited) expectSdkError(answer, 429, 'rate_limited');
  });

  it(`deactivate churn is bounded the same way: ${deactivationsPerHour} deactivations per hour per key`, async () => {
    const { product, key } = await fixture({ maxHwidSlots: 16 });
    const devices = Array.from({ length: deactivationsPerHour + 1 }, () => uniqueHwid());
    // 15 binds spend the activation window; it is cleared in the database to bind a 16th device,
    // so that one deactivation more than the limit can be tried.
    for (const hwid of devices.slice(0, activationAttemptsPerHour)) await expectSession(product, await sdkValidate(product, key, hwid));
    await testDb().collection('licenses').doc(key).update({ activationAttempts: [] });
    await expectSession(product, await sdkValidate(product, key, devices[activationAttemptsPerHour] ?? ''));
    const answers = await Promise.all(devices.map((hwid) => call('deactivate', { body: { licenseKey: key, hwid } })));
    const counts = statusCounts(answers);
    expect(counts[200]).toBe(deactivationsPerHour);
    // Client calls on one license take turns in an instance (data/documentTurns.ts): none aborts another.
    expect(counts).toEqual({ 200: deactivationsPerHour, 429: 1 });
    expect(await storedDevices(key)).toHaveLength(1);
  });
});

describe('client views carry no personal data', () => {
  it('verify, activate and deactivate answer no email, label or other devices\' HWIDs', async () => {
    const { key } = await fixture({ maxHwidSlots: 3, email: 'buyer@example.com', label: 'Jane Doe, ACME' });
    const other = uniqueHwid();
    await activated(key, other);
    const answers = [await call('verify', { body: { licenseKey: key } }), await activate(key, uniqueHwid()), await call('deactivate', { body: { licenseKey: key, hwid: other } })];
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(200);
      expect(answer.text).not.toContain('buyer@example.com');
      expect(answer.text).not.toContain('Jane Doe');
      expect(answer.text).not.toContain(other);
      expect(answer.body.license).toMatchObject({ licenseKey: key, status: 'active', maxHwidSlots: 3 });
    }
  });
});
