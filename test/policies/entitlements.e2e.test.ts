/**
 * Entitlements over real HTTP (README, Entitlements): a product's catalogue (v1 POST/GET/DELETE
 * /apps/:appId/entitlements), variant and license grants (add-ons with expiresAt), the sorted
 * `entitlements` in every signed SDK answer, seed 004's client views, v1's license and offline
 * files; `requireEntitlements` refused with the missing codes before any device is bound, at the
 * SDK door and seed 004's validate; `license.entitlements_changed`; Stripe's
 * `keywarden_entitlements`.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, inject, it } from 'vitest';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';
import { activate, admin, expectClientError, expectSdkError, expectSession, sdk, sdkValidate } from '../licensing/sdkSupport.js';
import { asLicense, createV1License, expectStatus, expectV1Error, getV1License, tenant, v1, type Tenant } from '../v1/v1Support.js';
import { verifyLicenseFile } from '../offline/authforgeFormats.js';
import { keySet, mint } from '../offline/offlineSupport.js';

const dayMs = 86_400_000;
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

async function storedEvents(appId: string, licenseKey: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const snapshot = await testDb().collection('events').where('appId', '==', appId).where('licenseKey', '==', licenseKey).get();
  return snapshot.docs
    .map((doc) => doc.data())
    .sort((a, b) => Number(a.createdAt.toMillis()) - Number(b.createdAt.toMillis()))
    .map((event) => ({ type: String(event.type), data: event.data as Record<string, unknown> }));
}

async function define(t: Tenant, ...codes: string[]): Promise<void> {
  for (const code of codes) expectStatus(await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/entitlements`, { body: { code, name: `Feature ${code}` } }), 201);
}

describe('the catalogue', () => {
  it('defines, lists sorted, refuses repeats and bad codes, deletes; at most 200 per product', async () => {
    const t = await tenant();
    const created = await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/entitlements`, { body: { code: 'PRO', name: 'Pro features' } });
    expectStatus(created, 201);
    expect(created.body.entitlement).toMatchObject({ code: 'PRO', name: 'Pro features' });
    await define(t, 'AI_ASSIST', 'EXPORT_2');
    expectV1Error(await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/entitlements`, { body: { code: 'PRO', name: 'Again' } }), 409, 'conflict');
    for (const body of [{ code: 'pro', name: 'x' }, { code: 'A-B', name: 'x' }, { code: 'A'.repeat(65), name: 'x' }, { code: '', name: 'x' }, { code: 'OK' }, { code: 'OK', name: 'x', extra: 1 }]) {
      expectV1Error(await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/entitlements`, { body }), 400, 'bad_request');
    }
    const listed = await v1(t.account.apiKey, 'GET', `/apps/${t.appId}/entitlements`);
    expectStatus(listed, 200);
    expect((listed.body.entitlements as Array<{ code: string }>).map((entry) => entry.code)).toEqual(['AI_ASSIST', 'EXPORT_2', 'PRO']);
    expectStatus(await v1(t.account.apiKey, 'DELETE', `/apps/${t.appId}/entitlements/EXPORT_2`), 200);
    expectV1Error(await v1(t.account.apiKey, 'DELETE', `/apps/${t.appId}/entitlements/EXPORT_2`), 404, 'not_found');
    expectV1Error(await v1(t.account.apiKey, 'DELETE', `/apps/${t.appId}/entitlements/lower`), 400, 'bad_request');

    // Filled to 200 (written directly: 197 more definitions), the 201st is refused.
    const app = testDb().collection('apps').doc(t.appId);
    const current = ((await app.get()).get('entitlements') as unknown[]) ?? [];
    const filler = Array.from({ length: 200 - current.length }, (_, index) => ({ code: `F${index}`, name: 'filler', createdAt: new Date() }));
    await app.update({ entitlements: [...current, ...filler] });
    expectV1Error(await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/entitlements`, { body: { code: 'ONE_MORE', name: 'x' } }), 409, 'conflict');
  });
});

describe('grants reach every answer, sorted', () => {
  it("variant codes and license grants (an add-on past its end left out) in the SDK's signed answers, seed 004's views, v1 and offline files", async () => {
    const t = await tenant();
    await define(t, 'PRO', 'EXPORT', 'BETA', 'AI_ASSIST', 'OLD_ADDON');
    const variant = await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/variants`, { body: { name: 'Pro', entitlements: ['PRO', 'EXPORT'], maxHwidSlots: 3 } });
    expectStatus(variant, 201);
    expect(variant.body.variant).toMatchObject({ entitlements: ['PRO', 'EXPORT'] });
    const variantId = String((variant.body.variant as { variantId: string }).variantId);
    const addOnEnds = isoIn(30 * dayMs);
    const key = await createV1License(t.account.apiKey, t.appId, {
      variantId,
      maxHwidSlots: 3,
      entitlements: ['BETA', { code: 'AI_ASSIST', expiresAt: addOnEnds }, { code: 'OLD_ADDON', expiresAt: isoIn(-dayMs) }],
    });
    const expected = ['AI_ASSIST', 'BETA', 'EXPORT', 'PRO'];
    const ends = { AI_ASSIST: new Date(addOnEnds).toISOString() };

    const hwid = uniqueHwid();
    const validated = await expectSession(t.app, await sdkValidate(t.app, key, hwid));
    expect(validated).toMatchObject({ entitlements: expected, entitlementsExpireAt: ends });
    const beat = await expectSession(t.app, await sdk('/heartbeat', { appId: t.appId, sessionToken: validated.sessionToken, nonce: uniqueNonce(), hwid }));
    expect(beat).toMatchObject({ entitlements: expected, entitlementsExpireAt: ends });

    const verified = await call('verify', { body: { licenseKey: key } });
    expect(verified.body.license, verified.text).toMatchObject({ entitlements: expected, entitlementsExpireAt: ends });
    const activated = await activate(key, uniqueHwid());
    expect(activated.body.license, activated.text).toMatchObject({ entitlements: expected });
    const session004 = await call('validate', { body: { sessionToken: activated.body.sessionToken } });
    expect(session004.body, session004.text).toMatchObject({ valid: true, license: { entitlements: expected } });

    const view = await getV1License(t.account.apiKey, key);
    expect(view).toMatchObject({ entitlements: expected, variantEntitlements: ['PRO', 'EXPORT'], entitlementsExpireAt: ends });
    expect(view.entitlementGrants).toEqual([
      { code: 'AI_ASSIST', expiresAt: new Date(addOnEnds).toISOString() },
      { code: 'BETA', expiresAt: null },
      { code: 'OLD_ADDON', expiresAt: expect.any(String) as unknown },
    ]);

    const minted = await mint(t.account.apiKey, key, { hwids: [hwid] });
    const opened = verifyLicenseFile(minted.file, { trustedKeys: (await keySet(t.account.apiKey, t.appId)).publicKeys, appId: t.appId, hwid });
    expect(opened.ok).toBe(true);
    if (opened.ok) expect(opened.payload).toMatchObject({ entitlements: expected, entitlementsExpireAt: ends });
  }, 60_000);

  it('a license with none carries an empty list; unknown codes are 400s at every admin door', async () => {
    const t = await tenant();
    const key = await createV1License(t.account.apiKey, t.appId);
    const validated = await expectSession(t.app, await sdkValidate(t.app, key, uniqueHwid()));
    expect(validated).toMatchObject({ entitlements: [], entitlementsExpireAt: {} });
    await define(t, 'PRO');
    expectV1Error(await v1(t.account.apiKey, 'POST', '/licenses', { body: { appId: t.appId, entitlements: ['PRO', 'NOT_DEFINED'] } }), 400, 'bad_request');
    expectV1Error(await v1(t.account.apiKey, 'POST', '/licenses', { body: { appId: t.appId, entitlements: [{ code: 'PRO', expiresAt: 'tomorrow' }] } }), 400, 'bad_request');
    expectV1Error(await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/variants`, { body: { name: 'x', entitlements: ['NOT_DEFINED'] } }), 400, 'bad_request');
    const seed = await admin(t.account, 'createLicense', { productId: t.appId, entitlements: ['NOT_DEFINED'] });
    expect(seed.status, seed.text).toBe(400);
    expect(seed.body.success).toBe(false);
    const seedOk = await admin(t.account, 'createLicense', { productId: t.appId, entitlements: ['PRO'] });
    expect(seedOk.body.licenses, seedOk.text).toEqual([expect.objectContaining({ entitlements: ['PRO'] })]);
    const variantBad = await admin(t.account, 'createVariant', { productId: t.appId, name: 'x', entitlements: ['lower'] });
    expect(variantBad.status, variantBad.text).toBe(400);
  });
});

describe('requireEntitlements', () => {
  it('SDK validate: 403 entitlements_missing naming the missing codes, before any device is bound; with them, ok', async () => {
    const t = await tenant();
    await define(t, 'PRO', 'TEAM', 'ADMIN');
    const key = await createV1License(t.account.apiKey, t.appId, { entitlements: ['PRO'] });
    const hwid = uniqueHwid();
    const refused = await sdkValidate(t.app, key, hwid, { requireEntitlements: ['TEAM', 'PRO', 'ADMIN'] });
    expectSdkError(refused, 403, 'entitlements_missing');
    expect(refused.body.missing).toEqual(['ADMIN', 'TEAM']);
    expect(String(refused.body.message)).toContain('ADMIN, TEAM');
    const untouched = await getV1License(t.account.apiKey, key);
    expect(untouched.devices).toEqual([]);
    const logs = await v1(t.account.apiKey, 'GET', `/licenses/${key}/logs`);
    expect((logs.body.logs as Array<{ result: string }>).every((entry) => entry.result !== 'ok')).toBe(true);

    const admitted = await expectSession(t.app, await sdkValidate(t.app, key, hwid, { requireEntitlements: ['PRO'] }));
    expect(admitted.entitlements).toEqual(['PRO']);
    expect((await getV1License(t.account.apiKey, key)).hwidList).toEqual([hwid]);
    // Bad codes are the door's 400.
    for (const requireEntitlements of [['pro'], 'PRO', [1]]) {
      const bad = await sdkValidate(t.app, key, hwid, { requireEntitlements });
      expect(bad.status, bad.text).toBe(400);
      expect(bad.body.status).toBe('failed');
    }
  });

  it("seed 004 validate: the session's license lacking a code is refused 403 in seed 004's shape, naming it", async () => {
    const t = await tenant();
    await define(t, 'PRO', 'TEAM');
    const key = await createV1License(t.account.apiKey, t.appId, { entitlements: ['PRO'] });
    const activated = await activate(key, uniqueHwid());
    expect(activated.status, activated.text).toBe(200);
    const sessionToken = String(activated.body.sessionToken);
    const refused = await call('validate', { body: { sessionToken, requireEntitlements: ['TEAM'] } });
    expectClientError(refused, 'valid', 403);
    expect(refused.body).toMatchObject({ code: 'entitlements_missing', missing: ['TEAM'] });
    const ok = await call('validate', { body: { sessionToken, requireEntitlements: ['PRO'] } });
    expect(ok.body, ok.text).toMatchObject({ valid: true, license: { entitlements: ['PRO'] } });
    expectClientError(await call('validate', { body: { sessionToken, requireEntitlements: ['team'] } }), 'valid', 400);
  });
});

describe("changing a license's entitlements", () => {
  it('PUT /licenses/:key/entitlements replaces its own grants with license.entitlements_changed; the same list again changes nothing', async () => {
    const t = await tenant();
    await define(t, 'PRO', 'TEAM', 'AI_ASSIST');
    const key = await createV1License(t.account.apiKey, t.appId, { entitlements: ['PRO'] });
    const body = { entitlements: ['TEAM', { code: 'AI_ASSIST', expiresAt: isoIn(7 * dayMs) }] };
    const changed = await v1(t.account.apiKey, 'PUT', `/licenses/${key}/entitlements`, { body });
    expectStatus(changed, 200);
    expect(asLicense(changed).entitlements).toEqual(['AI_ASSIST', 'TEAM']);
    expectStatus(await v1(t.account.apiKey, 'PUT', `/licenses/${key}/entitlements`, { body }), 200);
    const events = (await storedEvents(t.appId, key)).filter((event) => event.type === 'license.entitlements_changed');
    expect(events).toEqual([
      { type: 'license.entitlements_changed', data: expect.objectContaining({ entitlements: ['AI_ASSIST', 'TEAM'], added: ['AI_ASSIST', 'TEAM'], removed: ['PRO'] }) as unknown },
    ]);
    const validated = await expectSession(t.app, await sdkValidate(t.app, key, uniqueHwid(), { requireEntitlements: ['TEAM'] }));
    expect(validated.entitlements).toEqual(['AI_ASSIST', 'TEAM']);
    expectV1Error(await v1(t.account.apiKey, 'PUT', `/licenses/${key}/entitlements`, { body: { entitlements: ['NOPE'] } }), 400, 'bad_request');
    expectV1Error(await v1(t.account.apiKey, 'PUT', `/licenses/${key}/entitlements`, { body: {} }), 400, 'bad_request');
    expect((await getV1License(t.account.apiKey, key)).entitlements).toEqual(['AI_ASSIST', 'TEAM']);
  });
});

describe('Stripe checkout metadata keywarden_entitlements', () => {
  it("grants the product's codes to the licenses it creates (an undefined code left out), once however often delivered", async () => {
    const t = await tenant();
    await define(t, 'PRO', 'EXPORT');
    const sessionId = `cs_test_${randomUUID().replace(/-/g, '')}`;
    const payload = JSON.stringify({
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      type: 'checkout.session.completed',
      data: {
        object: {
          id: sessionId, object: 'checkout.session', payment_status: 'paid', customer: 'cus_ent', customer_details: { email: 'buyer@example.com' },
          subscription: null, payment_intent: `pi_${randomUUID().replace(/-/g, '')}`,
          metadata: { keywarden_app_id: t.appId, keywarden_entitlements: 'PRO, EXPORT,UNDEFINED_ONE' },
        },
      },
    });
    const deliver = () => {
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: inject('stripeWebhookSecret') });
      return call('stripeWebhook', { rawBody: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
    };
    const responses = await Promise.all([deliver(), deliver(), deliver()]);
    for (const response of responses) expect(response.status, response.text).toBe(200);
    const bought = await v1(t.account.apiKey, 'GET', `/checkout-sessions/${sessionId}`);
    expectStatus(bought, 200);
    const licenses = bought.body.licenses as Array<{ licenseKey: string; entitlements: string[] }>;
    expect(licenses).toHaveLength(1);
    expect(licenses[0]?.entitlements).toEqual(['EXPORT', 'PRO']);
  });
});
