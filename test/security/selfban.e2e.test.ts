/**
 * issue 11 item 5: /auth/selfban attacked over real HTTP. The session variant refuses an hwid
 * other than its session's; the app-secret variant (the secret ships in every client) cannot
 * ban a stranger's device; client bans go to their own bounded list (apps.clientBans), never
 * the vendor's, and the cap holds under a concurrent burst because it is checked in the
 * transaction; the vendor lifts a client ban like a blacklist entry.
 */
import { describe, expect, it } from 'vitest';
import { limits } from '../../functions/src/config/constants.js';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { expectSdkError, expectSession, expectSignedOk, fixture, sdk, sdkValidate } from '../licensing/sdkSupport.js';
import { v1 } from '../webhooks/support.js';

interface StoredBans {
  clientBans?: { hwids: string[]; ips: string[] };
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
    expect(stored.security.hwidBlacklist).toEqual([]);
    await expectSession(product, await sdkValidate(product, key, stranger));
  });

  it('app-secret variant: a device bound to the license bans itself into the client list, not the vendor\'s; the vendor lifts it', async () => {
    const { account, product, key } = await fixture();
    const device = uniqueHwid();
    await expectSession(product, await sdkValidate(product, key, device));
    const ban = await sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: device, nonce: uniqueNonce(),
      revokeLicense: false, blacklistHwid: true, blacklistIp: true,
    });
    expect(await expectSignedOk(product, ban)).toMatchObject({ hwidBlacklisted: true, ipBlacklisted: true });
    const stored = await storedApp(product.productId);
    expect(stored.clientBans?.hwids).toEqual([device]);
    expect(stored.security.hwidBlacklist).toEqual([]);
    expect(stored.security.ipBlacklist).toEqual([]);
    expectSdkError(await sdkValidate(product, key, device), 403, 'blocked');

    const security = await v1(account, 'GET', `/apps/${product.productId}/security`);
    expect(security.body.clientBans).toMatchObject({ hwids: [device] });
    for (const entry of [{ type: 'hwid', value: device }, ...(stored.clientBans?.ips ?? []).map((ip) => ({ type: 'ip', value: ip }))]) {
      const lifted = await v1(account, 'DELETE', `/apps/${product.productId}/security/blacklist`, entry);
      expect(lifted.status, lifted.text).toBe(200);
    }
    await expectSession(product, await sdkValidate(product, key, device));
  });

  it('the client-ban cap holds under a concurrent burst (checked in the transaction)', async () => {
    const { product, keys } = await fixture({ quantity: 6 });
    const devices = keys.map(() => uniqueHwid());
    await Promise.all(keys.map(async (key, index) => expectSession(product, await sdkValidate(product, key, devices[index] ?? ''))));
    // Two places left below the cap.
    const filler = Array.from({ length: limits.maxClientBans - 2 }, (_, index) => `filler-${index}`);
    await testDb().collection('apps').doc(product.productId).update({ clientBans: { hwids: filler, ips: [] } });
    const answers = await Promise.all(keys.map((key, index) => sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: devices[index], nonce: uniqueNonce(),
      revokeLicense: false, blacklistHwid: true, blacklistIp: false,
    })));
    const payloads = await Promise.all(answers.map((answer) => expectSignedOk(product, answer)));
    expect(payloads.filter((payload) => payload.hwidBlacklisted === true)).toHaveLength(2);
    expect((await storedApp(product.productId)).clientBans?.hwids).toHaveLength(limits.maxClientBans);
  });
});
