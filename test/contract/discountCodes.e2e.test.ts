/**
 * README "Discount and trial codes": updating a code's limits applies to the next redemption,
 * and an inactive code is not redeemable (403), nothing issued.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAccount, createProduct, uniqueHwid } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';

describe('discount and trial codes', () => {
  it('maxRedemptions lowered by updateDiscountCode holds; a deactivated code answers 403 and issues nothing; reactivated, it redeems again', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const admin = (name: string, body: Record<string, unknown>) => call(name, { headers: { 'X-API-Key': account.apiKey }, body });
    const code = `TRY${randomUUID().slice(0, 8).toUpperCase()}`;
    const redeem = () => admin('redeemTrialCode', { code, hwid: uniqueHwid(), email: `${randomUUID()}@example.com` });
    const issued = async () => (await testDb().collection('licenses').where('appId', '==', product.productId).get()).size;

    expect((await admin('createDiscountCode', { productId: product.productId, code, kind: 'trial', trialDays: 7, maxRedemptions: 10 })).status).toBe(200);
    expect((await redeem()).status).toBe(200);
    const lowered = await admin('updateDiscountCode', { code, maxRedemptions: 2 });
    expect(lowered.status, lowered.text).toBe(200);
    expect((await redeem()).status).toBe(200);
    const overLimit = await redeem();
    expect(overLimit.status, overLimit.text).toBeGreaterThanOrEqual(400);
    expect(overLimit.status).toBeLessThan(500);
    expect(await issued()).toBe(2);

    expect((await admin('updateDiscountCode', { code, maxRedemptions: 5, active: false })).status).toBe(200);
    const inactive = await redeem();
    expect(inactive.status, inactive.text).toBe(403);
    expect(inactive.body).toMatchObject({ success: false, code: 'forbidden' });
    expect(await issued()).toBe(2);

    expect((await admin('updateDiscountCode', { code, active: true })).status).toBe(200);
    expect((await redeem()).status).toBe(200);
    expect(await issued()).toBe(3);
  });
});
