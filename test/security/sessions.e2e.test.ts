/**
 * issue 11 item 4: sessions that can be ended, attacked over real HTTP. An evicted device's
 * session (deactivate, reset-hwid, revoke then reinstate) is refused at every door; a session is
 * bound to its HWID at every door; the security lists apply to seed 004's validate and
 * heartbeat; seed 004's heartbeat neither renews a session past its absolute lifetime nor runs
 * faster than one per device per 10 s slot.
 */
import { describe, expect, it } from 'vitest';
import { sessions } from '../../functions/src/config/constants.js';
import { uniqueHwid, uniqueNonce, type Product } from '../support/fixtures.js';
import { call } from '../support/http.js';
import {
  activated, admin, authenticToken, expectClientError, expectOneHeartbeatPerSlot, expectSdkError, expectSession, fixture, freeHeartbeatSlots,
  nowSeconds, sdk, sdkValidate, storedDevices, tokenClaims, untilFreshHeartbeatSlot,
} from '../licensing/sdkSupport.js';
import { v1 } from '../webhooks/support.js';

/** A device validated through the SDK, with its heartbeat. */
async function sdkDevice(product: Product, key: string) {
  const hwid = uniqueHwid();
  const { sessionToken } = await expectSession(product, await sdkValidate(product, key, hwid));
  await freeHeartbeatSlots(key);
  return { hwid, sessionToken, beat: () => sdk('/heartbeat', { appId: product.productId, sessionToken, nonce: uniqueNonce(), hwid }) };
}

describe('an evicted device', () => {
  it('deactivated (fixed seat): its SDK heartbeat answers 401 session_expired and its seat stays free', async () => {
    const { product, key } = await fixture({ maxHwidSlots: 2 });
    const evicted = await sdkDevice(product, key);
    expect((await call('deactivate', { body: { licenseKey: key, hwid: evicted.hwid } })).status).toBe(200);
    expectSdkError(await evicted.beat(), 401, 'session_expired');
    expect(await storedDevices(key)).toEqual([]);
  });

  it('deactivated (floating seat, free again): its heartbeat does not take the seat back; other devices keep theirs', async () => {
    const { product, key } = await fixture({ floating: true, maxHwidSlots: 2, heartbeatTimeoutSeconds: 300 });
    const evicted = await sdkDevice(product, key);
    const other = await sdkDevice(product, key);
    expect((await call('deactivate', { body: { licenseKey: key, hwid: evicted.hwid } })).status).toBe(200);
    expectSdkError(await evicted.beat(), 401, 'session_expired');
    await expectSession(product, await other.beat());
    expect((await storedDevices(key)).map((device) => device.hwid)).toEqual([other.hwid]);
  });

  it('reset through v1 reset-hwid: every door refuses the old sessions (SDK heartbeat, seed 004 validate and heartbeat)', async () => {
    const { account, product, key } = await fixture({ maxHwidSlots: 2 });
    const device = await sdkDevice(product, key);
    const seedHwid = uniqueHwid();
    const seedToken = await activated(key, seedHwid);
    const reset = await v1(account, 'PUT', `/licenses/${key}`, { action: 'reset-hwid' });
    expect(reset.status, reset.text).toBe(200);
    expectSdkError(await device.beat(), 401, 'session_expired');
    expectClientError(await call('validate', { body: { sessionToken: seedToken } }), 'valid', 401);
    expectClientError(await call('heartbeat', { body: { sessionToken: seedToken } }), 'success', 401);
  });

  it('revoked then reinstated: the sessions from before the revoke stay over; a new validate works', async () => {
    const { account, product, key } = await fixture();
    const device = await sdkDevice(product, key);
    expect((await admin(account, 'revokeLicense', { licenseKey: key })).status).toBe(200);
    expectSdkError(await device.beat(), 410, 'revoked');
    expect((await admin(account, 'reinstateLicense', { licenseKey: key })).status).toBe(200);
    expectSdkError(await device.beat(), 401, 'session_expired');
    await expectSession(product, await sdkValidate(product, key, device.hwid));
  });
});

describe('a session is bound to its device', () => {
  it('seed 004 validate and heartbeat refuse an hwid (or machineId) other than the session\'s (403)', async () => {
    const { key } = await fixture();
    const hwid = uniqueHwid();
    const token = await activated(key, hwid);
    expectClientError(await call('validate', { body: { sessionToken: token, hwid: uniqueHwid() } }), 'valid', 403);
    expectClientError(await call('heartbeat', { body: { sessionToken: token, machineId: uniqueHwid() } }), 'success', 403);
    expect((await call('validate', { body: { sessionToken: token, hwid } })).status).toBe(200);
  });

  it('the SDK heartbeat refuses another device presenting the session (403 hwid_mismatch)', async () => {
    const { product, key } = await fixture({ unlimitedHwidSlots: true });
    const device = await sdkDevice(product, key);
    const stolen = await sdk('/heartbeat', { appId: product.productId, sessionToken: device.sessionToken, nonce: uniqueNonce(), hwid: uniqueHwid() });
    expectSdkError(stolen, 403, 'hwid_mismatch');
  });
});

describe('the security lists apply at every call', () => {
  it('seed 004 validate and heartbeat answer 403 once the vendor blacklists the device or its IP', async () => {
    const { account, product, key } = await fixture({ maxHwidSlots: 2 });
    const hwid = uniqueHwid();
    const token = await activated(key, hwid);
    expect((await call('validate', { body: { sessionToken: token } })).status).toBe(200);
    const listed = await v1(account, 'POST', `/apps/${product.productId}/security/blacklist`, { type: 'hwid', value: hwid });
    expect(listed.status, listed.text).toBe(200);
    expectClientError(await call('validate', { body: { sessionToken: token } }), 'valid', 403);
    expectClientError(await call('heartbeat', { body: { sessionToken: token } }), 'success', 403);

    const ip = '198.51.100.77';
    const other = await activated(key, uniqueHwid());
    expect((await v1(account, 'POST', `/apps/${product.productId}/security/blacklist`, { type: 'ip', value: ip })).status).toBe(200);
    expectClientError(await call('validate', { body: { sessionToken: other }, headers: { 'X-Forwarded-For': ip } }), 'valid', 403);
    expect((await call('validate', { body: { sessionToken: other }, headers: { 'X-Forwarded-For': '198.51.100.78' } })).status).toBe(200);
  });
});

describe('seed 004 heartbeat', () => {
  it('never renews a session past its absolute lifetime', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    await activated(key, hwid);
    const lifetime = sessions.maxLifetimeSeconds;
    // Opened almost a lifetime ago, refreshed a minute ago: the refresh stops at the lifetime.
    const openedMs = (nowSeconds() - lifetime + 3_600) * 1000;
    const late = await authenticToken({ app: product.productId, lic: key, hwid, iat: nowSeconds() - 60, exp: nowSeconds() + 86_400, openedMs });
    const renewed = await call('heartbeat', { body: { sessionToken: late } });
    expect(renewed.status, renewed.text).toBe(200);
    expect(tokenClaims(String(renewed.body.sessionToken)).exp).toBe(Math.floor(openedMs / 1000) + lifetime);
    // Past it: refused, whatever exp the token carries.
    const over = await authenticToken({ app: product.productId, lic: key, hwid, iat: nowSeconds() - 60, exp: nowSeconds() + 86_400, openedMs: openedMs - 3_600_000 });
    expectClientError(await call('heartbeat', { body: { sessionToken: over } }), 'success', 401);
    expectClientError(await call('validate', { body: { sessionToken: over } }), 'valid', 401);
  });

  it('takes one heartbeat per device per 10 s slot: a burst answers 429 with Retry-After', async () => {
    const { key } = await fixture({ floating: true, heartbeatTimeoutSeconds: 300 });
    const token = await activated(key, uniqueHwid());
    await freeHeartbeatSlots(key);
    // Sent as a slot begins, the burst lands in one slot; the check below reads the slot each
    // accepted heartbeat was stored in, so a stall across a boundary still counts exactly.
    await untilFreshHeartbeatSlot();
    const answers = await Promise.all(Array.from({ length: 4 }, () => call('heartbeat', { body: { sessionToken: token } })));
    const accepted = await expectOneHeartbeatPerSlot(key, answers);
    expect(accepted).toBeLessThan(answers.length);
    for (const answer of answers) {
      if (answer.status === 200) expect(answer.body).toMatchObject({ success: true });
      else expectClientError(answer, 'success', 429);
    }
  });
});
