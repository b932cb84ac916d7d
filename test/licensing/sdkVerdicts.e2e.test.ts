/**
 * issue 12 item 1: what a heartbeating SDK client hears once its license changes. Each change
 * (revoke, expiry, HWID blacklist, resetActivations) reaches the next heartbeat as
 * `{status:"failed"}` with a code current SDKs treat as definitive, and the heartbeat rate limit
 * (one per device per 10 s slot) answers 429 `rate_limited` with Retry-After, over real HTTP.
 */
import { describe, expect, it } from 'vitest';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import {
  admin, expectOneHeartbeatPerSlot, expectSdkError, expectSession, fixture, freeHeartbeatSlots, sdk, sdkValidate, storedDevices, untilFreshHeartbeatSlot,
} from './sdkSupport.js';

async function heartbeating(licenseFields: Record<string, unknown> = {}) {
  const setup = await fixture(licenseFields);
  const hwid = uniqueHwid();
  const { sessionToken } = await expectSession(setup.product, await sdkValidate(setup.product, setup.key, hwid));
  const beat = () => sdk('/heartbeat', { appId: setup.product.productId, sessionToken, nonce: uniqueNonce(), hwid });
  await expectSession(setup.product, await beat());
  await freeHeartbeatSlots(setup.key);
  return { ...setup, hwid, sessionToken, beat };
}

describe('SDK heartbeat verdicts', () => {
  it('410 revoked after revokeLicense', async () => {
    const { account, key, beat } = await heartbeating();
    expect((await admin(account, 'revokeLicense', { licenseKey: key })).status).toBe(200);
    expectSdkError(await beat(), 410, 'revoked');
  });

  it('410 expired once the license expires', async () => {
    const { account, key, beat } = await heartbeating();
    const past = new Date(Date.now() - 60_000).toISOString();
    const updated = await admin(account, 'updateLicense', { licenseKey: key, expiresAt: past });
    expect(updated.status, updated.text).toBe(200);
    expectSdkError(await beat(), 410, 'expired');
  });

  it('403 blocked once the device is blacklisted', async () => {
    const { product, key, hwid, beat } = await heartbeating();
    const ban = await sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid, nonce: uniqueNonce(),
      revokeLicense: false, blacklistHwid: true, blacklistIp: false,
    });
    expect(ban.status, ban.text).toBe(200);
    expectSdkError(await beat(), 403, 'blocked');
  });

  it('401 session_expired after resetActivations: the freed seat is not re-taken', async () => {
    const { account, key, beat } = await heartbeating({ maxHwidSlots: 1 });
    expect((await admin(account, 'resetActivations', { licenseKey: key })).status).toBe(200);
    expectSdkError(await beat(), 401, 'session_expired');
    expect(await storedDevices(key)).toEqual([]);
  });

  it('401 session_expired after resetActivations of an unlimited-seat license', async () => {
    const { account, product, key, beat } = await heartbeating({ unlimitedHwidSlots: true });
    expect((await admin(account, 'resetActivations', { licenseKey: key })).status).toBe(200);
    expectSdkError(await beat(), 401, 'session_expired');
    // A new validate opens a new session that heartbeats.
    const hwid = uniqueHwid();
    const fresh = await expectSession(product, await sdkValidate(product, key, hwid));
    await expectSession(product, await sdk('/heartbeat', { appId: product.productId, sessionToken: fresh.sessionToken, nonce: uniqueNonce(), hwid }));
  });

  it('429 rate_limited with Retry-After for a second heartbeat of a device in one 10 s slot', async () => {
    const { product, key, beat } = await heartbeating();
    // Sent as a slot begins, the burst lands in one slot; the check below reads the slot each
    // accepted heartbeat was stored in, so a stall across a boundary still counts exactly.
    await untilFreshHeartbeatSlot();
    const answers = await Promise.all([beat(), beat(), beat()]);
    const accepted = await expectOneHeartbeatPerSlot(key, answers);
    expect(accepted).toBeLessThan(answers.length);
    for (const answer of answers) {
      if (answer.status === 200) await expectSession(product, answer);
      else expectSdkError(answer, 429, 'rate_limited');
    }
  });

  it('1 unlimited license, 30 devices heartbeating at once: every one answered, none limited by another', async () => {
    const { product, key } = await fixture({ unlimitedHwidSlots: true });
    const devices = Array.from({ length: 30 }, () => uniqueHwid());
    const sessions = await Promise.all(devices.map(async (hwid) => (await expectSession(product, await sdkValidate(product, key, hwid))).sessionToken));
    const answers = await Promise.all(devices.map((hwid, index) => sdk('/heartbeat', { appId: product.productId, sessionToken: sessions[index], nonce: uniqueNonce(), hwid })));
    for (const answer of answers) await expectSession(product, answer);
  });
});
