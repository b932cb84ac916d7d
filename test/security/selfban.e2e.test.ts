/**
 * issue 11 item 5: /auth/selfban attacked over real HTTP. The session variant refuses an hwid
 * other than its session's; the app-secret variant (the secret ships in every client) cannot
 * ban a stranger's device; a report bans on its own license and waits in the app's pending list
 * (issue 21 item 1: selfbanScope.e2e.test.ts), never in the vendor's lists; the pending cap holds
 * under a concurrent burst because it is checked in the transaction; the vendor confirms a report
 * and lifts a client ban like a blacklist entry.
 */
import { describe, expect, it } from 'vitest';
import { limits } from '../../functions/src/config/constants.js';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { expectSdkError, expectSession, expectSignedOk, fixture, sdk, sdkValidate } from '../licensing/sdkSupport.js';
import { v1 } from '../webhooks/support.js';

interface StoredBans {
  clientBans?: { hwids: string[]; ips: string[] };
  pendingClientBans?: Array<{ type: string; value: string }>;
  security: { hwidBlacklist: string[]; ipBlacklist: string[] };
}
const storedApp = async (appId: string) => (await testDb().collection('apps').doc(appId).get()).data() as StoredBans;

describe('/auth/selfban', () => {
  it('session variant: another device\'s hwid answers 403 hwid_mismatch and bans nothing', async () => {
    const { product, key } = await fixture({ maxHwidSlots: 2 });
    const mine = uniqueHwid();
    const victim = uniqueHwid();
    const { sessionToken } = await expectSession(product, await sdkValidate(product, key, mine));
    await expectSession(product, await sdkValidate(product, key, victim));
    const attack = await sdk('/selfban', { appId: product.productId, sessionToken, hwid: victim, revokeLicense: true, blacklistHwid: true, blacklistIp: false });
    expectSdkError(attack, 403, 'hwid_mismatch');
    expect((await storedApp(product.productId)).clientBans?.hwids ?? []).toEqual([]);
    await expectSession(product, await sdkValidate(product, key, victim));
  });

  it('app-secret variant: a stranger\'s HWID (not bound to the named license) is not banned', async () => {
    const { product, key } = await fixture({ maxHwidSlots: 2 });
    const stranger = uniqueHwid();
    const attack = await sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: stranger, nonce: uniqueNonce(),
      revokeLicense: false, blacklistHwid: true, blacklistIp: false,
    });
    const payload = await expectSignedOk(product, attack);
    expect(payload.hwidBlacklisted).toBe(false);
    const stored = await storedApp(product.productId);
    expect(stored.clientBans?.hwids ?? []).toEqual([]);
    expect(stored.pendingClientBans ?? []).toEqual([]);
    expect(stored.security.hwidBlacklist).toEqual([]);
    await expectSession(product, await sdkValidate(product, key, stranger));
  });

  it('app-secret variant: a device bound to the license bans itself on it and is reported, not put in the vendor\'s lists; the vendor confirms, then lifts it', async () => {
    const { account, product, key } = await fixture();
    const device = uniqueHwid();
    await expectSession(product, await sdkValidate(product, key, device));
    const ban = await sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: device, nonce: uniqueNonce(),
      revokeLicense: false, blacklistHwid: true, blacklistIp: true,
    });
    expect(await expectSignedOk(product, ban)).toMatchObject({ hwidBlacklisted: true, ipBlacklisted: true });
    const reported = await storedApp(product.productId);
    expect(reported.clientBans?.hwids).toEqual([]);
    expect(reported.pendingClientBans?.map((entry) => entry.type)).toEqual(['hwid', 'ip']);
    expect(reported.security.hwidBlacklist).toEqual([]);
    expect(reported.security.ipBlacklist).toEqual([]);
    expectSdkError(await sdkValidate(product, key, device), 403, 'blocked');
    for (const entry of reported.pendingClientBans ?? []) {
      const confirmed = await v1(account, 'POST', `/apps/${product.productId}/client-bans`, { type: entry.type, value: entry.value });
      expect(confirmed.status, confirmed.text).toBe(200);
    }
    const stored = await storedApp(product.productId);
    expect(stored.clientBans?.hwids).toEqual([device]);
    expect(stored.pendingClientBans).toEqual([]);

    const security = await v1(account, 'GET', `/apps/${product.productId}/security`);
    expect(security.body.clientBans).toMatchObject({ hwids: [device] });
    for (const entry of [{ type: 'hwid', value: device }, ...(stored.clientBans?.ips ?? []).map((ip) => ({ type: 'ip', value: ip }))]) {
      const lifted = await v1(account, 'DELETE', `/apps/${product.productId}/security/blacklist`, entry);
      expect(lifted.status, lifted.text).toBe(200);
    }
    await expectSession(product, await sdkValidate(product, key, device));
  });

  it('the pending cap holds under a concurrent burst (checked in the transaction): the oldest reports are dropped, every report takes effect', async () => {
    const { product, keys } = await fixture({ quantity: 6 });
    const devices = keys.map(() => uniqueHwid());
    await Promise.all(keys.map(async (key, index) => expectSession(product, await sdkValidate(product, key, devices[index] ?? ''))));
    // Two places left below the cap.
    const reportedAt = new Date(Date.now() - 60_000);
    const filler = Array.from({ length: limits.maxPendingClientBans - 2 }, (_, index) => ({ type: 'hwid', value: `filler-${index}`, licenseKey: keys[0], reportedAt }));
    await testDb().collection('apps').doc(product.productId).update({ pendingClientBans: filler });
    const answers = await Promise.all(keys.map((key, index) => sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: devices[index], nonce: uniqueNonce(),
      revokeLicense: false, blacklistHwid: true, blacklistIp: false,
    })));
    const payloads = await Promise.all(answers.map((answer) => expectSignedOk(product, answer)));
    expect(payloads.filter((payload) => payload.hwidBlacklisted === true)).toHaveLength(keys.length);
    const pending = (await storedApp(product.productId)).pendingClientBans ?? [];
    expect(pending).toHaveLength(limits.maxPendingClientBans);
    expect(pending.slice(-keys.length).map((entry) => entry.value).sort()).toEqual([...devices].sort());
  });
});
