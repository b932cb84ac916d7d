/**
 * issue 21 item 5: a reset, revoke or deactivate ends every session issued before it, whatever
 * the devices list holds. The license carries a session epoch (a counter) bumped in the ending's
 * own transaction; a session token carries the epoch of the license it was issued from, so the
 * comparison does not depend on a clock read before either transaction.
 */
import { describe, expect, it } from 'vitest';
import { uniqueHwid, uniqueNonce, type Product } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { testDb } from '../support/firestore.js';
import {
  admin, authenticToken, expectSdkError, expectSession, fixture, freeHeartbeatSlots, nowSeconds, sdk, sdkValidate, setLastSeen, storedDevices,
  tokenClaims,
} from '../licensing/sdkSupport.js';
import { v1 } from '../webhooks/support.js';

const beat = (product: Product, sessionToken: string, hwid: string) => sdk('/heartbeat', { appId: product.productId, sessionToken, nonce: uniqueNonce(), hwid });

describe('session epoch', () => {
  it('a reset with no device bound ends a floating session whose seat timed out (its heartbeat does not take the free seat)', async () => {
    const { account, product, key } = await fixture({ floating: true, maxHwidSlots: 1, heartbeatTimeoutSeconds: 300 });
    const old = uniqueHwid();
    const { sessionToken } = await expectSession(product, await sdkValidate(product, key, old));
    // The old device goes silent past the timeout; another takes the free seat, then leaves.
    await setLastSeen(key, old, 600);
    const passing = uniqueHwid();
    await expectSession(product, await sdkValidate(product, key, passing));
    expect((await call('deactivate', { body: { licenseKey: key, hwid: passing } })).status).toBe(200);
    expect(await storedDevices(key)).toEqual([]);

    const reset = await v1(account, 'PUT', `/licenses/${key}`, { action: 'reset-hwid' });
    expect(reset.status, reset.text).toBe(200);
    await freeHeartbeatSlots(key);
    expectSdkError(await beat(product, sessionToken, old), 401, 'session_expired');
    expect(await storedDevices(key)).toEqual([]);
    // A new validate works, and its session survives until the next ending.
    const fresh = await expectSession(product, await sdkValidate(product, key, old));
    await freeHeartbeatSlots(key);
    await expectSession(product, await beat(product, fresh.sessionToken, old));
  });

  it('a session from before a reset ends though its clock reads later than the reset (epoch, not time)', async () => {
    const { account, product, key } = await fixture({ unlimitedHwidSlots: true });
    const hwid = uniqueHwid();
    const issued = await expectSession(product, await sdkValidate(product, key, hwid));
    const epoch = Number((tokenClaims(issued.sessionToken) as unknown as { ep?: number }).ep ?? 0);
    const reset = await admin(account, 'resetActivations', { licenseKey: key });
    expect(reset.status, reset.text).toBe(200);
    // A validate that read the license before the reset committed, on an instance whose clock
    // runs 30 s ahead: its token names the old epoch and an issue time after the reset.
    const aheadMs = Date.now() + 30_000;
    const raced = await authenticToken({ app: product.productId, lic: key, hwid, iat: Math.floor(aheadMs / 1000), iatMs: aheadMs, openedMs: aheadMs, ep: epoch, exp: nowSeconds() + 3_600 });
    expectSdkError(await beat(product, raced, hwid), 401, 'session_expired');
    expect((await call('validate', { body: { sessionToken: raced } })).status).toBe(401);
  });

  it('revoke then reinstate ends the sessions from before the revoke, at every door', async () => {
    const { account, product, key } = await fixture({ floating: true, maxHwidSlots: 2, heartbeatTimeoutSeconds: 300 });
    const hwid = uniqueHwid();
    const { sessionToken } = await expectSession(product, await sdkValidate(product, key, hwid));
    const epoch = Number((tokenClaims(sessionToken) as unknown as { ep?: number }).ep ?? 0);
    expect((await admin(account, 'revokeLicense', { licenseKey: key })).status).toBe(200);
    expect((await admin(account, 'reinstateLicense', { licenseKey: key })).status).toBe(200);
    const aheadMs = Date.now() + 30_000;
    const raced = await authenticToken({ app: product.productId, lic: key, hwid, iat: Math.floor(aheadMs / 1000), iatMs: aheadMs, openedMs: aheadMs, ep: epoch, exp: nowSeconds() + 3_600 });
    await freeHeartbeatSlots(key);
    expectSdkError(await beat(product, sessionToken, hwid), 401, 'session_expired');
    await freeHeartbeatSlots(key);
    expectSdkError(await beat(product, raced, hwid), 401, 'session_expired');
  });

  it('a deactivated device\'s session from the epoch before ends; another device\'s does not', async () => {
    const { product, key } = await fixture({ floating: true, maxHwidSlots: 2, heartbeatTimeoutSeconds: 300 });
    const gone = uniqueHwid();
    const stays = uniqueHwid();
    const goneSession = await expectSession(product, await sdkValidate(product, key, gone));
    const staysSession = await expectSession(product, await sdkValidate(product, key, stays));
    const epoch = Number((tokenClaims(goneSession.sessionToken) as unknown as { ep?: number }).ep ?? 0);
    expect((await call('deactivate', { body: { licenseKey: key, hwid: gone } })).status).toBe(200);
    const aheadMs = Date.now() + 30_000;
    const raced = await authenticToken({ app: product.productId, lic: key, hwid: gone, iat: Math.floor(aheadMs / 1000), iatMs: aheadMs, openedMs: aheadMs, ep: epoch, exp: nowSeconds() + 3_600 });
    await freeHeartbeatSlots(key);
    expectSdkError(await beat(product, raced, gone), 401, 'session_expired');
    await expectSession(product, await beat(product, staysSession.sessionToken, stays));
  });

  it('a token without an epoch (issued before epochs) keeps working until an ending, as before', async () => {
    const { product, key } = await fixture({ unlimitedHwidSlots: true });
    const hwid = uniqueHwid();
    await expectSession(product, await sdkValidate(product, key, hwid));
    const legacy = await authenticToken({ app: product.productId, lic: key, hwid, iat: nowSeconds() - 60, exp: nowSeconds() + 3_600 });
    await freeHeartbeatSlots(key);
    await expectSession(product, await beat(product, legacy, hwid));
    const stored = (await testDb().collection('licenses').doc(key).get()).data() ?? {};
    expect(stored.sessionEpoch ?? 0).toBe(0);
  });
});
