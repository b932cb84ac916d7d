/**
 * docs/design.md invariants under concurrency, over real HTTP (all requests in flight at once):
 * seat limits, unlimited seats, nonce replay, credits.
 */
import { warmWorkers } from '../support/http.js';
import { Timestamp } from 'firebase-admin/firestore';
import { beforeAll, describe, expect, it } from 'vitest';
import { grantCredits, uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import type { JsonResponse } from '../support/http.js';
import {
  activate,
  admin,
  authLogs,
  creditBalance,
  decodePayload,
  expectSdkError,
  expectSession,
  fixture,
  getLicense,
  sdkValidate,
  statusCounts,
  storedDevices,
  unknownLicenseKey,
} from './sdkSupport.js';

/** Bursts of 50 requests in flight at once, on a machine that may be small and busy. */
const burstTimeout = 180_000;

beforeAll(async () => {
  await warmWorkers('activate', '', 50);
  await warmWorkers('auth', '/validate', 50);
}, 400_000);

/** Validate limits out of the way: these tests are about the invariants, not rate limiting. */
const unthrottled = { settings: { validatesPerLicensePerMinute: 100_000, validatesPerIpPerMinute: 1_000_000 } };

describe('seat limit under concurrency', () => {
  it('50 concurrent seed 004 activations of a 3-slot license bind exactly 3', { timeout: burstTimeout }, async () => {
    const { account, key } = await fixture({ maxHwidSlots: 3 });
    const hwids = Array.from({ length: 50 }, uniqueHwid);
    const responses = await Promise.all(hwids.map((hwid) => activate(key, hwid)));

    const winners = hwids.filter((_hwid, index) => responses[index]?.status === 200);
    expect(winners, JSON.stringify(statusCounts(responses))).toHaveLength(3);
    for (const response of responses) {
      if (response.status === 200) {
        expect(response.body.success).toBe(true);
        continue;
      }
      // Machine limit reached (403), or past 15 activation attempts per hour (429): never a 500.
      expect([403, 429], response.text).toContain(response.status);
      expect(response.body.success).toBe(false);
    }
    const details = await getLicense(account, key);
    expect(details.license.hwidCount).toBe(3);
    expect(details.license.hwidList.sort()).toEqual([...winners].sort());
    expect((await storedDevices(key)).map((device) => device.hwid).sort()).toEqual([...winners].sort());
  });

  it('50 concurrent SDK validates of a 3-slot license bind exactly 3; the rest are hwid_mismatch', { timeout: burstTimeout }, async () => {
    const { account, product, key } = await fixture({ maxHwidSlots: 3 }, unthrottled);
    const hwids = Array.from({ length: 50 }, uniqueHwid);
    const responses = await Promise.all(hwids.map((hwid) => sdkValidate(product, key, hwid)));

    const winners = hwids.filter((_hwid, index) => responses[index]?.status === 200);
    expect(winners, JSON.stringify(statusCounts(responses))).toHaveLength(3);
    for (const response of responses) {
      if (response.status === 200) await expectSession(product, response);
      else expectSdkError(response, 403, 'hwid_mismatch');
    }
    const details = await getLicense(account, key);
    expect(details.license.hwidCount).toBe(3);
    expect(details.license.hwidList.sort()).toEqual([...winners].sort());
    expect((await storedDevices(key)).map((device) => device.hwid).sort()).toEqual([...winners].sort());
    // The winners keep working.
    for (const hwid of winners) await expectSession(product, await sdkValidate(product, key, hwid));
  });
});

describe('unlimited seats', () => {
  it('never answers hwid_mismatch (20 concurrent HWIDs) and logs every one in authLogs', { timeout: burstTimeout }, async () => {
    const { account, product, key } = await fixture({ unlimitedHwidSlots: true, maxHwidSlots: 1 }, unthrottled);
    const hwids = Array.from({ length: 20 }, uniqueHwid);
    const started = Timestamp.now();
    const responses = await Promise.all(hwids.map((hwid) => sdkValidate(product, key, hwid)));
    expect(statusCounts(responses)).toEqual({ 200: 20 });
    for (const response of responses) {
      const payload = await expectSession(product, response);
      expect(payload.unlimitedHwidSlots).toBe(true);
      expect(payload.maxHwidSlots).toBe(1);
    }

    const logs = await authLogs(key);
    expect(logs).toHaveLength(20);
    expect(logs.map((log) => log.hwid).sort()).toEqual([...hwids].sort());
    for (const log of logs) {
      expect(log.appId).toBe(product.productId);
      expect(log.licenseKey).toBe(key);
      expect(log.result).toBe('ok');
      expect(typeof log.ip).toBe('string');
      expect(log.ip.length).toBeGreaterThan(0);
      expect(log.createdAt).toBeInstanceOf(Timestamp);
      expect(log.createdAt.toMillis()).toBeGreaterThanOrEqual(started.toMillis() - 2_000);
      expect(log.createdAt.toMillis()).toBeLessThanOrEqual(Date.now() + 2_000);
    }
    // Nothing is bound: there is no ownership to undo.
    expect((await getLicense(account, key)).license.hwidCount).toBe(0);
  });

  it('seed 004 activate of an unlimited-seat license admits every machine', { timeout: burstTimeout }, async () => {
    const { key } = await fixture({ unlimitedHwidSlots: true, maxHwidSlots: 1 });
    const responses = await Promise.all(Array.from({ length: 10 }, () => activate(key, uniqueHwid())));
    expect(statusCounts(responses)).toEqual({ 200: 10 });
    expect(await authLogs(key)).toHaveLength(10);
  });
});

describe('nonce replay under concurrency', () => {
  it('20 concurrent validates with one nonce succeed exactly once; the others are replay_detected', { timeout: burstTimeout }, async () => {
    const { product, key } = await fixture({ unlimitedHwidSlots: true }, unthrottled);
    const nonce = uniqueNonce();
    const responses = await Promise.all(Array.from({ length: 20 }, () => sdkValidate(product, key, uniqueHwid(), { nonce })));
    expect(statusCounts(responses)).toEqual({ 200: 1, 401: 19 });
    for (const response of responses) {
      if (response.status === 200) expect((await expectSession(product, response)).nonce).toBe(nonce);
      else expectSdkError(response, 401, 'replay_detected');
    }
    // And it stays spent.
    expectSdkError(await sdkValidate(product, key, uniqueHwid(), { nonce }), 401, 'replay_detected');
  });
});

describe('credits', () => {
  it('stop at zero under concurrent validates: exactly N succeed, the rest are no_credits', { timeout: burstTimeout }, async () => {
    const credits = 20;
    const { account, product, keys } = await fixture({ unlimitedHwidSlots: true, quantity: 3 }, unthrottled);
    await grantCredits(account.accountId, credits);
    expect(await creditBalance(account)).toBe(credits);

    const calls = Array.from({ length: credits + 10 }, (_unused, index) => keys[index % keys.length] ?? '');
    const responses: JsonResponse[] = await Promise.all(calls.map((key) => sdkValidate(product, key, uniqueHwid())));
    expect(statusCounts(responses)).toEqual({ 200: credits, 429: 10 });
    for (const response of responses) {
      if (response.status === 200) decodePayload(response.body.payload);
      else expectSdkError(response, 429, 'no_credits');
    }
    expect(await creditBalance(account)).toBe(0);
    // Still nothing once empty, and the balance never goes below zero.
    expectSdkError(await sdkValidate(product, keys[0] ?? '', uniqueHwid()), 429, 'no_credits');
    expect(await creditBalance(account)).toBe(0);
  });

  it('failed validates cost no credit; each successful one costs exactly one', { timeout: burstTimeout }, async () => {
    const { account, product, keys } = await fixture({ quantity: 3, maxHwidSlots: 1 }, unthrottled);
    const [key, revokedKey] = keys as [string, string, string];
    await grantCredits(account.accountId, 5);

    const owner = uniqueHwid();
    const nonce = uniqueNonce();
    await expectSession(product, await sdkValidate(product, key, owner, { nonce }));
    expect(await creditBalance(account)).toBe(4);

    expectSdkError(await sdkValidate(product, key, owner, { nonce }), 401, 'replay_detected');
    expectSdkError(await sdkValidate(product, key, uniqueHwid()), 403, 'hwid_mismatch');
    expectSdkError(await sdkValidate({ ...product, appSecret: 'as_wrong' }, key, owner), 401, 'invalid_app');
    expectSdkError(await sdkValidate(product, unknownLicenseKey(), owner), 401, 'invalid_key');
    const revoke = await admin(account, 'revokeLicense', { licenseKey: revokedKey });
    expect(revoke.status, revoke.text).toBe(200);
    expectSdkError(await sdkValidate(product, revokedKey, owner), 410, 'revoked');
    expect(await creditBalance(account)).toBe(4);

    // Concurrent failures cost nothing either.
    const failures = await Promise.all(Array.from({ length: 10 }, () => sdkValidate(product, key, uniqueHwid())));
    expect(statusCounts(failures)).toEqual({ 403: 10 });
    expect(await creditBalance(account)).toBe(4);

    await expectSession(product, await sdkValidate(product, key, owner));
    expect(await creditBalance(account)).toBe(3);
  });
});
