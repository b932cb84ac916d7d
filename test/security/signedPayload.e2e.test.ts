/**
 * issue 11 item 6: the signed validate and heartbeat answers say what was asked (appId,
 * licenseKey, hwid), so a client can refuse an answer relayed from another app, license or
 * device: the signature still verifies, the bound fields do not match.
 */
import { describe, expect, it } from 'vitest';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { expectSession, fixture, sdk, sdkValidate, type SdkPayload } from '../licensing/sdkSupport.js';

/** What an SDK checks before trusting a verified answer. */
const answersMe = (payload: SdkPayload, asked: { appId: string; licenseKey: string; hwid: string; nonce: string }) =>
  payload.appId === asked.appId && payload.licenseKey === asked.licenseKey && payload.hwid === asked.hwid && payload.nonce === asked.nonce;

describe('signed answers bound to what was asked', () => {
  it('validate and heartbeat payloads carry appId, licenseKey and hwid', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    const nonce = uniqueNonce();
    const validated = await expectSession(product, await sdkValidate(product, key, hwid, { nonce }));
    expect(validated).toMatchObject({ appId: product.productId, licenseKey: key, hwid, nonce });
    const beatNonce = uniqueNonce();
    const beat = await expectSession(product, await sdk('/heartbeat', { appId: product.productId, sessionToken: validated.sessionToken, nonce: beatNonce, hwid }));
    expect(beat).toMatchObject({ appId: product.productId, licenseKey: key, hwid, nonce: beatNonce });
  });

  it('a client tells an answer relayed from another license or device, though its signature verifies', async () => {
    const { product, keys } = await fixture({ quantity: 2, unlimitedHwidSlots: true });
    const [paid, other] = keys as [string, string];
    const victim = { appId: product.productId, licenseKey: paid, hwid: uniqueHwid(), nonce: uniqueNonce() };
    // A relay answers the victim's request with a genuine answer for another license and device,
    // replaying the victim's nonce (a fresh app-wide nonce, so the server accepts it once).
    const relayed = await expectSession(product, await sdkValidate(product, other, uniqueHwid(), { nonce: victim.nonce }));
    expect(answersMe(relayed, victim)).toBe(false);
    const sameKeyOtherDevice = await expectSession(product, await sdkValidate(product, paid, uniqueHwid(), { nonce: uniqueNonce() }));
    expect(answersMe(sameKeyOtherDevice, { ...victim, nonce: sameKeyOtherDevice.nonce })).toBe(false);
    const genuine = await expectSession(product, await sdkValidate(product, paid, victim.hwid, { nonce: uniqueNonce() }));
    expect(answersMe(genuine, { ...victim, nonce: genuine.nonce })).toBe(true);
  });
});
