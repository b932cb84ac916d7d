/**
 * issue 21 item 1: a selfban cannot ban a stranger's device. A client report (SDK /auth/selfban
 * with blacklistHwid or blacklistIp) bans the device or IP on the reporting license only, and
 * lands in the app's pending reports; only the vendor's confirmation (v1 POST
 * /apps/:appId/client-bans) bans it app-wide. A full pending list drops its oldest report: a
 * later genuine report still takes effect on its license and is still shown to the vendor.
 */
import { describe, expect, it } from 'vitest';
import { limits } from '../../functions/src/config/constants.js';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { expectSdkError, expectSession, expectSignedOk, fixture, sdk, sdkValidate } from '../licensing/sdkSupport.js';
import { v1 } from '../webhooks/support.js';

interface Pending { type: string; value: string; licenseKey: string }
const storedApp = async (appId: string) =>
  (await testDb().collection('apps').doc(appId).get()).data() as { clientBans: { hwids: string[]; ips: string[] }; pendingClientBans?: Pending[] };

describe('/auth/selfban reaches the reporting license only', () => {
  it('an attacker binding the victim\'s HWID to their own license and selfbanning it (HWID and IP) leaves the victim working', async () => {
    const { account, product, keys } = await fixture({ quantity: 2, maxHwidSlots: 2 });
    const [victimKey, attackerKey] = keys as [string, string];
    const victimHwid = uniqueHwid();
    await expectSession(product, await sdkValidate(product, victimKey, victimHwid));
    // The attacker presents the victim's HWID on their own license, then reports it, with its IP.
    const { sessionToken } = await expectSession(product, await sdkValidate(product, attackerKey, victimHwid));
    const report = await sdk('/selfban', {
      appId: product.productId, sessionToken, hwid: victimHwid, revokeLicense: false, blacklistHwid: true, blacklistIp: true,
    });
    expect(await expectSignedOk(product, report)).toMatchObject({ answers: 'selfban', hwidBlacklisted: true, ipBlacklisted: true, scope: 'license' });

    // The victim (same HWID, same IP here: the loopback every test shares) is unaffected.
    await expectSession(product, await sdkValidate(product, victimKey, victimHwid));
    // The reporting license refuses the device and the IP.
    expectSdkError(await sdkValidate(product, attackerKey, victimHwid), 403, 'blocked');
    expectSdkError(await sdkValidate(product, attackerKey, uniqueHwid()), 403, 'blocked');
    const stored = await storedApp(product.productId);
    expect(stored.clientBans).toEqual({ hwids: [], ips: [] });
    expect(stored.pendingClientBans?.map(({ type, value, licenseKey }) => ({ type, value, licenseKey }))).toEqual([
      { type: 'hwid', value: victimHwid, licenseKey: attackerKey },
      { type: 'ip', value: expect.any(String) as string, licenseKey: attackerKey },
    ]);

    // The vendor sees the reports and confirms the HWID: now it is banned app-wide.
    const listed = await v1(account, 'GET', `/apps/${product.productId}/client-bans`);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.pending).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'hwid', value: victimHwid, licenseKey: attackerKey })]));
    const confirmed = await v1(account, 'POST', `/apps/${product.productId}/client-bans`, { type: 'hwid', value: victimHwid });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body.clientBans).toMatchObject({ hwids: [victimHwid] });
    expect((confirmed.body.pending as Pending[]).some((entry) => entry.type === 'hwid')).toBe(false);
    expectSdkError(await sdkValidate(product, victimKey, victimHwid), 403, 'blocked');
    // Confirming what nobody reported: 404.
    expect((await v1(account, 'POST', `/apps/${product.productId}/client-bans`, { type: 'hwid', value: uniqueHwid() })).status).toBe(404);
  });

  it('the app-secret variant reaches only the license it names, and only a device bound to it', async () => {
    const { product, keys } = await fixture({ quantity: 2, maxHwidSlots: 2 });
    const [victimKey, attackerKey] = keys as [string, string];
    const hwid = uniqueHwid();
    await expectSession(product, await sdkValidate(product, victimKey, hwid));
    await expectSession(product, await sdkValidate(product, attackerKey, hwid));
    const report = await sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey: attackerKey, hwid, nonce: uniqueNonce(),
      revokeLicense: false, blacklistHwid: true, blacklistIp: false,
    });
    expect(await expectSignedOk(product, report)).toMatchObject({ hwidBlacklisted: true });
    await expectSession(product, await sdkValidate(product, victimKey, hwid));
    expectSdkError(await sdkValidate(product, attackerKey, hwid), 403, 'blocked');
  });

  it('a full pending list drops its oldest report: a later genuine report still bans its device on its license and is shown', async () => {
    const { product, key } = await fixture();
    const device = uniqueHwid();
    await expectSession(product, await sdkValidate(product, key, device));
    const filler = Array.from({ length: limits.maxPendingClientBans }, (_, index) => ({
      type: 'hwid', value: `filler-${index}`, licenseKey: key, reportedAt: new Date(Date.now() - 60_000 + index),
    }));
    await testDb().collection('apps').doc(product.productId).update({ pendingClientBans: filler });
    const report = await sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: device, nonce: uniqueNonce(),
      revokeLicense: false, blacklistHwid: true, blacklistIp: false,
    });
    expect(await expectSignedOk(product, report)).toMatchObject({ hwidBlacklisted: true });
    expectSdkError(await sdkValidate(product, key, device), 403, 'blocked');
    const pending = (await storedApp(product.productId)).pendingClientBans ?? [];
    expect(pending).toHaveLength(limits.maxPendingClientBans);
    expect(pending[0]?.value).toBe('filler-1');
    expect(pending.at(-1)).toMatchObject({ type: 'hwid', value: device, licenseKey: key });
  });
});
