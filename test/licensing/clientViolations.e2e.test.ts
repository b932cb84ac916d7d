/**
 * Violations (device limit, blocked device, replayed nonce) flagged on the license and shown
 * by getLicense, cleared by resolveLicense; one auth-log entry per client call, on both doors.
 */
import { describe, expect, it } from 'vitest';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { call } from '../support/http.js';
import {
  activate,
  activated,
  admin,
  authLogs,
  expectClientError,
  expectSdkError,
  expectSession,
  expectSignedOk,
  fixture,
  getLicense,
  sdk,
  sdkValidate,
} from './sdkSupport.js';

describe('violations', () => {
  it('the device limit on seed 004 activate flags a device_limit violation', async () => {
    const { account, key } = await fixture({ maxHwidSlots: 1 });
    await activated(key, uniqueHwid());
    expect((await getLicense(account, key)).violations).toEqual([]);
    const intruder = uniqueHwid();
    expectClientError(await activate(key, intruder), 'success', 403);
    const details = await getLicense(account, key);
    expect(details.license.flagged).toBe(true);
    expect(details.violations).toHaveLength(1);
    expect(details.violations[0]).toMatchObject({ type: 'device_limit', hwid: intruder });
    expect(Number.isNaN(Date.parse(details.violations[0]?.at ?? ''))).toBe(false);
  });

  it('the device limit, a blocked device and a replayed nonce on the SDK door are flagged; resolveLicense clears them', async () => {
    const { account, product, key } = await fixture({ maxHwidSlots: 1 });
    const owner = uniqueHwid();
    const nonce = uniqueNonce();
    await expectSession(product, await sdkValidate(product, key, owner, { nonce }));
    const clean = await getLicense(account, key);
    expect(clean.license.flagged).toBe(false);
    expect(clean.violations).toEqual([]);

    const intruder = uniqueHwid();
    expectSdkError(await sdkValidate(product, key, intruder), 403, 'hwid_mismatch');
    expectSdkError(await sdkValidate(product, key, owner, { nonce }), 401, 'replay_detected');
    // With only the app secret, a client may ban a device bound to the license it names: here its own.
    const banned = owner;
    await expectSignedOk(product, await sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: banned, nonce: uniqueNonce(),
      revokeLicense: false, blacklistHwid: true, blacklistIp: false,
    }));
    expectSdkError(await sdkValidate(product, key, banned), 403, 'blocked');

    const flagged = await getLicense(account, key);
    expect(flagged.license.flagged).toBe(true);
    expect(flagged.violations.map((violation) => violation.type).sort()).toEqual(['blocked_hwid', 'device_limit', 'replayed_nonce']);
    expect(flagged.violations.find((violation) => violation.type === 'device_limit')?.hwid).toBe(intruder);
    expect(flagged.violations.find((violation) => violation.type === 'blocked_hwid')?.hwid).toBe(banned);
    expect(flagged.violations.find((violation) => violation.type === 'replayed_nonce')?.hwid).toBe(owner);

    const resolved = await admin(account, 'resolveLicense', { licenseKey: key });
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body).toMatchObject({ success: true, license: { licenseKey: key, flagged: false } });
    const after = await getLicense(account, key);
    expect(after.license.flagged).toBe(false);
    expect(after.violations).toEqual([]);
    // Resolving clears the record, not the seats.
    expect(after.license.hwidList).toEqual([owner]);
    // A new violation is flagged again afterwards.
    expectSdkError(await sdkValidate(product, key, uniqueHwid()), 403, 'hwid_mismatch');
    expect((await getLicense(account, key)).violations.map((violation) => violation.type)).toEqual(['device_limit']);
  });

  it('successful and ordinary refused calls flag nothing', async () => {
    const { account, product, keys } = await fixture({ quantity: 2, maxHwidSlots: 2 });
    const [key, revokedKey] = keys as [string, string];
    const hwid = uniqueHwid();
    await expectSession(product, await sdkValidate(product, key, hwid));
    await activated(key, hwid);
    expect((await call('verify', { body: { licenseKey: key } })).status).toBe(200);
    expect((await admin(account, 'revokeLicense', { licenseKey: revokedKey })).status).toBe(200);
    expectSdkError(await sdkValidate(product, revokedKey, hwid), 410, 'revoked');
    for (const licenseKey of [key, revokedKey]) {
      const details = await getLicense(account, licenseKey);
      expect(details.license.flagged).toBe(false);
      expect(details.violations).toEqual([]);
    }
  });
});

describe('auth logs', () => {
  it('every client call writes exactly one auth log entry', async () => {
    const { account, product, key } = await fixture({ maxHwidSlots: 1 });
    const a = uniqueHwid();
    const b = uniqueHwid();
    const c = uniqueHwid();
    const expected: Array<{ hwid: string | null; ok: boolean }> = [];
    const step = async (response: Promise<{ status: number }>, hwid: string | null) => {
      const answered = await response;
      expected.push({ hwid, ok: answered.status === 200 });
      // Each call's entry is written before it answers.
      expect(await authLogs(key)).toHaveLength(expected.length);
    };

    await step(call('verify', { body: { licenseKey: key } }), null);
    const activation = await activate(key, a);
    expect(activation.status).toBe(200);
    expected.push({ hwid: a, ok: true });
    expect(await authLogs(key)).toHaveLength(expected.length);
    const sessionToken = String(activation.body.sessionToken);
    await step(activate(key, b), b);
    await step(call('validate', { body: { sessionToken } }), a);
    await step(call('heartbeat', { body: { sessionToken } }), a);
    await step(call('deactivate', { body: { licenseKey: key, hwid: a } }), a);
    await step(call('deactivate', { body: { licenseKey: key, hwid: a } }), a);
    const nonce = uniqueNonce();
    const validated = await sdkValidate(product, key, c, { nonce });
    const payload = await expectSession(product, validated);
    expected.push({ hwid: c, ok: true });
    expect(await authLogs(key)).toHaveLength(expected.length);
    await step(sdkValidate(product, key, b), b);
    await step(sdkValidate(product, key, c, { nonce }), c);
    await step(sdk('/heartbeat', { appId: product.productId, sessionToken: payload.sessionToken, nonce: uniqueNonce(), hwid: c }), c);
    await step(sdk('/selfban', { appId: product.productId, sessionToken: payload.sessionToken, hwid: c, revokeLicense: false, blacklistHwid: false, blacklistIp: false }), c);

    const logs = await authLogs(key);
    expect(logs).toHaveLength(12);
    expect(logs.filter((log) => log.result === 'ok')).toHaveLength(expected.filter((entry) => entry.ok).length);
    expect(logs.map((log) => log.hwid ?? '').sort()).toEqual(expected.map((entry) => entry.hwid ?? '').sort());
    for (const log of logs) {
      expect(log).toMatchObject({ appId: product.productId, licenseKey: key });
      expect(log.ip.length).toBeGreaterThan(0);
      expect(typeof log.result).toBe('string');
      expect(typeof log.createdAt.toMillis()).toBe('number');
    }
    // The same entries, newest first, in getLicense's recentLogs.
    const recent = (await getLicense(account, key)).recentLogs;
    expect(recent).toHaveLength(12);
    const times = recent.map((entry) => Date.parse(entry.timestamp));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(recent.filter((entry) => entry.result !== 'ok').map((entry) => entry.result).sort()).toEqual(
      ['hwid_mismatch', 'hwid_mismatch', 'not_found', 'replay_detected'].sort(),
    );
  });
});
