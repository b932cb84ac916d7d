/**
 * issue 21 item 2: signed answers are not interchangeable. Every signed payload says which verb it
 * answers (`answers`: validate, heartbeat, selfban), which an SDK's bound-answer check compares;
 * a selfban answer never echoes its nonce as `nonce` (a man in the middle could otherwise turn a
 * validate's nonce into a signed selfban answer to hand back in place of the validate's); and no
 * door signs `ok` for a license that is revoked or expired.
 */
import { describe, expect, it } from 'vitest';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { admin, expectSdkError, expectSession, expectSignedOk, fixture, freeHeartbeatSlots, sdk, sdkValidate } from '../licensing/sdkSupport.js';

/** What a current SDK checks before trusting a verified validate answer. */
const answersValidate = (payload: Record<string, unknown>, asked: { appId: string; licenseKey: string; hwid: string; nonce: string }) =>
  payload.answers === 'validate' && payload.appId === asked.appId && payload.licenseKey === asked.licenseKey && payload.hwid === asked.hwid && payload.nonce === asked.nonce;

describe('signed answers name their verb', () => {
  it('validate, heartbeat and selfban payloads carry answers: validate, heartbeat, selfban', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    const validated = await expectSession(product, await sdkValidate(product, key, hwid));
    expect(validated).toMatchObject({ answers: 'validate' });
    await freeHeartbeatSlots(key);
    const beat = await expectSession(product, await sdk('/heartbeat', { appId: product.productId, sessionToken: validated.sessionToken, nonce: uniqueNonce(), hwid }));
    expect(beat).toMatchObject({ answers: 'heartbeat' });
    const report = await expectSignedOk(product, await sdk('/selfban', {
      appId: product.productId, sessionToken: beat.sessionToken, hwid, revokeLicense: false, blacklistHwid: false, blacklistIp: false,
    }));
    expect(report).toMatchObject({ answers: 'selfban' });
  });

  it('a selfban made with a validate\'s nonce cannot pass for that validate\'s answer', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    await expectSession(product, await sdkValidate(product, key, hwid));
    // The man in the middle holds the validate request (its nonce) and sends a selfban instead.
    const asked = { appId: product.productId, licenseKey: key, hwid, nonce: uniqueNonce() };
    const forged = await expectSignedOk(product, await sdk('/selfban', {
      ...asked, appSecret: product.appSecret, revokeLicense: false, blacklistHwid: false, blacklistIp: false,
    }));
    expect(forged).toMatchObject({ answers: 'selfban', selfbanNonce: asked.nonce });
    expect(forged.nonce).toBeUndefined();
    expect(answersValidate(forged, asked)).toBe(false);
    // Even an SDK that checks only the nonce (not yet `answers`) refuses it.
    expect(forged.nonce === asked.nonce).toBe(false);
  });

  it('selfban signs no ok for a revoked license (410 revoked) nor an expired one (410 expired), and writes nothing', async () => {
    const { account, product, keys } = await fixture({ quantity: 2 });
    const [revokedKey, expiredKey] = keys as [string, string];
    const revokedDevice = uniqueHwid();
    const expiredDevice = uniqueHwid();
    await expectSession(product, await sdkValidate(product, revokedKey, revokedDevice));
    await expectSession(product, await sdkValidate(product, expiredKey, expiredDevice));
    expect((await admin(account, 'revokeLicense', { licenseKey: revokedKey })).status).toBe(200);
    await testDb().collection('licenses').doc(expiredKey).update({ expiresAt: new Date(Date.now() - 60_000) });

    const report = (licenseKey: string, hwid: string) => sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey, hwid, nonce: uniqueNonce(),
      revokeLicense: false, blacklistHwid: true, blacklistIp: false,
    });
    expectSdkError(await report(revokedKey, revokedDevice), 410, 'revoked');
    expectSdkError(await report(expiredKey, expiredDevice), 410, 'expired');
    const app = (await testDb().collection('apps').doc(product.productId).get()).data() ?? {};
    expect(app.clientBans?.hwids ?? []).toEqual([]);
    expect(app.pendingClientBans ?? []).toEqual([]);
  });
});
