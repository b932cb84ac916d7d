/**
 * Issue 21: README, Security, "Rotating each secret": after `updateProduct {rotateSessionSecret}`
 * the session tokens signed with the old secret verify for 10 more minutes, then devices
 * validate again. Over real HTTP to the built functions; time is moved by setting the stored
 * end of the overlap (apps/{appId}.previousSessionSecret.validUntil) in Firestore, not by waiting.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { uniqueHwid, uniqueNonce, type Account, type Product } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { admin, expectSdkError, expectSession, fixture, freeHeartbeatSlots, sdk, sdkValidate } from '../licensing/sdkSupport.js';

const overlapMs = 10 * 60_000;

const heartbeat = (product: Product, sessionToken: string, hwid: string) =>
  sdk('/heartbeat', { appId: product.productId, sessionToken, nonce: uniqueNonce(), hwid });

/**
 * Moves the end of the old secret's overlap to `validUntilMs`, directly in Firestore, then has the
 * functions host itself write the app once (a harmless rename), which drops its cached copy of the
 * app (services/client/clientApps.ts) as any change made through the host does.
 */
async function moveOverlapEnd(account: Account, product: Product, validUntilMs: number): Promise<void> {
  const ref = testDb().collection('apps').doc(product.productId);
  await ref.update({ 'previousSessionSecret.validUntil': Timestamp.fromMillis(validUntilMs) });
  const renamed = await admin(account, 'updateProduct', { productId: product.productId, name: `Renamed ${validUntilMs}` });
  expect(renamed.status, renamed.text).toBe(200);
  expect(((await ref.get()).get('previousSessionSecret.validUntil') as Timestamp).toMillis()).toBe(validUntilMs);
}

describe('session secret rotation', () => {
  it('tokens under the old secret keep working for the 10-minute overlap and are refused after it; a new validate works', async () => {
    const { account, product, key } = await fixture({ unlimitedHwidSlots: true });
    const [early, late] = [uniqueHwid(), uniqueHwid()];
    const earlyToken = (await expectSession(product, await sdkValidate(product, key, early))).sessionToken;
    const lateToken = (await expectSession(product, await sdkValidate(product, key, late))).sessionToken;

    const before = Date.now();
    const rotated = await admin(account, 'updateProduct', { productId: product.productId, rotateSessionSecret: true });
    expect(rotated.status, rotated.text).toBe(200);
    // The overlap the README documents: the old secret's stored end is 10 minutes after the rotation.
    const stored = (await testDb().collection('apps').doc(product.productId).get()).get('previousSessionSecret.validUntil') as Timestamp;
    expect(stored.toMillis()).toBeGreaterThanOrEqual(before + overlapMs - 1_000);
    expect(stored.toMillis()).toBeLessThanOrEqual(Date.now() + overlapMs + 1_000);

    // Nine minutes into the overlap (one minute left): the old token still heartbeats, and the
    // refreshed token it gets back is signed with the new secret, so it outlives the overlap.
    await moveOverlapEnd(account, product, Date.now() + 60_000);
    await freeHeartbeatSlots(key);
    const refreshed = (await expectSession(product, await heartbeat(product, earlyToken, early))).sessionToken;
    expect(refreshed).not.toBe(earlyToken);

    // The overlap is over: a token only the old secret signed is refused, and its device validates again.
    await moveOverlapEnd(account, product, Date.now() - 1_000);
    await freeHeartbeatSlots(key);
    expectSdkError(await heartbeat(product, lateToken, late), 401, 'session_expired');
    await freeHeartbeatSlots(key);
    expectSdkError(await heartbeat(product, earlyToken, early), 401, 'session_expired');
    await freeHeartbeatSlots(key);
    await expectSession(product, await heartbeat(product, refreshed, early));
    const revalidated = (await expectSession(product, await sdkValidate(product, key, late))).sessionToken;
    await freeHeartbeatSlots(key);
    await expectSession(product, await heartbeat(product, revalidated, late));
  });
});
