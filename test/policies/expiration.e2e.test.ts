/**
 * Expiration strategies, grace, the clock's basis and renewals over real HTTP: the SDK door
 * (signed answers), seed 004's client doors (verify, activate, validate, heartbeat), the admin
 * doors that set the policy (seed 004 createVariant / createLicense / updateLicense, v1), v1's
 * `extend {durationDays}`, and offline files. Time passing is a license made with its expiry in
 * the past: no sleeping, no clock control.
 */
import { describe, expect, it } from 'vitest';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';
import { activate, admin, expectClientError, expectSdkError, expectSession, fixture, getLicense, sdk, sdkValidate, type Fixture } from '../licensing/sdkSupport.js';
import { asLicense, createV1License, expectStatus, expectV1Error, getV1License, tenant, v1 } from '../v1/v1Support.js';
import { verifyLicenseFile } from '../offline/authforgeFormats.js';
import { keySet, mint, mintRequest } from '../offline/offlineSupport.js';

const dayMs = 86_400_000;
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();
/** The ISO instant `days` after `iso`. */
const daysAfter = (iso: string, days: number) => new Date(Date.parse(iso) + days * dayMs).toISOString();

async function storedEvents(appId: string, licenseKey: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const snapshot = await testDb().collection('events').where('appId', '==', appId).where('licenseKey', '==', licenseKey).get();
  return snapshot.docs
    .map((doc) => doc.data())
    .sort((a, b) => Number(a.createdAt.toMillis()) - Number(b.createdAt.toMillis()))
    .map((event) => ({ type: String(event.type), data: event.data as Record<string, unknown> }));
}

/** SDK validate, then a heartbeat of the same session: both signed; returns both payloads. */
async function validateAndBeat(f: Fixture, hwid = uniqueHwid()) {
  const validated = await expectSession(f.product, await sdkValidate(f.product, f.key, hwid));
  const beat = await expectSession(f.product, await sdk('/heartbeat', { appId: f.product.productId, sessionToken: validated.sessionToken, nonce: uniqueNonce(), hwid }));
  return { validated: validated as unknown as Record<string, unknown>, beat: beat as unknown as Record<string, unknown> };
}

describe('the signed answer and the client views carry the policy', () => {
  it('a license with no policy answers as before, plus licenseState active, graceEndsAt null, expirationStrategy restrict', async () => {
    const f = await fixture({ expiresAt: isoIn(30 * dayMs) });
    const { validated, beat } = await validateAndBeat(f);
    for (const payload of [validated, beat]) expect(payload).toMatchObject({ licenseState: 'active', graceEndsAt: null, expirationStrategy: 'restrict' });
    const verified = await call('verify', { body: { licenseKey: f.key } });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.license).toMatchObject({ status: 'active', licenseState: 'active', graceEndsAt: null, expirationStrategy: 'restrict' });
    // The stored defaults read back through v1 too.
    const view = await getV1License(f.account.apiKey, f.key);
    expect(view).toMatchObject({ expirationStrategy: 'restrict', gracePeriodDays: 0, expirationBasis: 'creation', renewalBasis: 'fromExpiry', durationDays: null, licenseState: 'active' });
  });

  it('restrict with grace: ok and flagged grace (with graceEndsAt) at every door while in grace; 410 expired after', async () => {
    const expiresAt = isoIn(-dayMs);
    const f = await fixture({ expiresAt, gracePeriodDays: 3, maxHwidSlots: 4 });
    const graceEndsAt = daysAfter(expiresAt, 3);
    const { validated, beat } = await validateAndBeat(f);
    for (const payload of [validated, beat]) {
      expect(payload).toMatchObject({ licenseState: 'grace', graceEndsAt, expirationStrategy: 'restrict', licenseExpiresAt: expiresAt });
    }
    // seed 004: verify, activate, validate (session), heartbeat all answer with the same fields.
    const expected = { status: 'expired', licenseState: 'grace', graceEndsAt, expirationStrategy: 'restrict' };
    const verified = await call('verify', { body: { licenseKey: f.key } });
    expect(verified.body.license, verified.text).toMatchObject(expected);
    const activated = await activate(f.key, uniqueHwid());
    expect(activated.status, activated.text).toBe(200);
    expect(activated.body.license).toMatchObject(expected);
    const validated004 = await call('validate', { body: { sessionToken: activated.body.sessionToken } });
    expect(validated004.body, validated004.text).toMatchObject({ valid: true, license: expected });
    const beat004 = await call('heartbeat', { body: { sessionToken: activated.body.sessionToken } });
    expect(beat004.body.license, beat004.text).toMatchObject(expected);

    const over = await fixture({ expiresAt: isoIn(-4 * dayMs), gracePeriodDays: 3 });
    expectSdkError(await sdkValidate(over.product, over.key, uniqueHwid()), 410, 'expired');
    // seed 004 answers a license state that stops a client with 403 (its table).
    expectClientError(await call('verify', { body: { licenseKey: over.key } }), 'valid', 403);
    expectClientError(await activate(over.key, uniqueHwid()), 'success', 403);
  });

  it('revoke: past its expiry the license is revoked by the call that finds it, with license.revoked reason expired; 410 revoked after', async () => {
    const f = await fixture({ expiresAt: isoIn(-60_000), expirationStrategy: 'revoke' });
    expectSdkError(await sdkValidate(f.product, f.key, uniqueHwid()), 410, 'revoked');
    const { license } = await getLicense(f.account, f.key);
    expect(license).toMatchObject({ status: 'revoked', expirationStrategy: 'revoke' });
    const events = await storedEvents(f.product.productId, f.key);
    expect(events.filter((event) => event.type === 'license.revoked')).toEqual([{ type: 'license.revoked', data: expect.objectContaining({ reason: 'expired' }) as unknown }]);
    // Refused as revoked from now on, at every door, and revoked only once.
    const refused = await activate(f.key, uniqueHwid());
    expectClientError(refused, 'success', 403);
    expect(refused.body.code).toBe('revoked');
    expectSdkError(await sdkValidate(f.product, f.key, uniqueHwid()), 410, 'revoked');
    expect((await storedEvents(f.product.productId, f.key)).filter((event) => event.type === 'license.revoked')).toHaveLength(1);
    expect((await testDb().collection('licenses').doc(f.key).get()).get('revokeReason')).toBe('expired');
  });

  it('revoke with grace: ok in grace (flagged grace), seed 004 activate revokes it once the grace is over', async () => {
    const inGrace = await fixture({ expiresAt: isoIn(-dayMs), expirationStrategy: 'revoke', gracePeriodDays: 2 });
    const { validated } = await validateAndBeat(inGrace);
    expect(validated).toMatchObject({ licenseState: 'grace', expirationStrategy: 'revoke' });
    const over = await fixture({ expiresAt: isoIn(-3 * dayMs), expirationStrategy: 'revoke', gracePeriodDays: 2 });
    const refused = await activate(over.key, uniqueHwid());
    expectClientError(refused, 'success', 403);
    expect(refused.body.code).toBe('revoked');
    expect((await getLicense(over.account, over.key)).license.status).toBe('revoked');
  });

  it('maintain and allow: ok long after expiry, flagged expired; the signed expiry says which versions the app keeps', async () => {
    for (const strategy of ['maintain', 'allow'] as const) {
      const expiresAt = isoIn(-400 * dayMs);
      const f = await fixture({ expiresAt, expirationStrategy: strategy, gracePeriodDays: 5 });
      const { validated, beat } = await validateAndBeat(f);
      for (const payload of [validated, beat]) expect(payload).toMatchObject({ licenseState: 'expired', graceEndsAt: null, expirationStrategy: strategy, licenseExpiresAt: expiresAt });
      const verified = await call('verify', { body: { licenseKey: f.key } });
      expect(verified.status, verified.text).toBe(200);
      expect(verified.body).toMatchObject({ valid: true, license: { status: 'expired', licenseState: 'expired', expirationStrategy: strategy } });
    }
  });
});

describe('policies on variants and licenses', () => {
  it('a variant holds the policy its licenses start with; a license overrides it; bad values are 400s at every admin door', async () => {
    const f = await fixture();
    const created = await admin(f.account, 'createVariant', { productId: f.product.productId, name: 'Support contract', durationDays: 365, expirationStrategy: 'maintain', gracePeriodDays: 7, renewalBasis: 'fromNowIfExpired' });
    expect(created.status, created.text).toBe(200);
    const variant = created.body.variant as Record<string, unknown>;
    expect(variant).toMatchObject({ expirationStrategy: 'maintain', gracePeriodDays: 7, expirationBasis: 'creation', renewalBasis: 'fromNowIfExpired', durationDays: 365 });
    const variantId = String(variant.variantId);
    const inherited = await admin(f.account, 'createLicense', { productId: f.product.productId, variantId });
    expect(inherited.body.licenses, inherited.text).toEqual([expect.objectContaining({ expirationStrategy: 'maintain', gracePeriodDays: 7, renewalBasis: 'fromNowIfExpired' })]);
    const overridden = await admin(f.account, 'createLicense', { productId: f.product.productId, variantId, expirationStrategy: 'revoke', gracePeriodDays: 0 });
    expect(overridden.body.licenses, overridden.text).toEqual([expect.objectContaining({ expirationStrategy: 'revoke', gracePeriodDays: 0, renewalBasis: 'fromNowIfExpired' })]);

    // v1: the variant route and the license create take the same fields.
    const updated = await v1(f.account.apiKey, 'PUT', `/apps/${f.product.productId}/variants/${variantId}`, { body: { expirationStrategy: 'allow', expirationBasis: 'firstValidation' } });
    expectStatus(updated, 200);
    expect(updated.body.variant).toMatchObject({ expirationStrategy: 'allow', expirationBasis: 'firstValidation', gracePeriodDays: 7 });
    const key = await createV1License(f.account.apiKey, f.product.productId, { expirationStrategy: 'restrict', gracePeriodDays: 14 });
    expect(await getV1License(f.account.apiKey, key)).toMatchObject({ expirationStrategy: 'restrict', gracePeriodDays: 14 });
    // seed 004 updateLicense changes a license's strategy, grace and renewal basis.
    const changed = await admin(f.account, 'updateLicense', { licenseKey: key, expirationStrategy: 'maintain', gracePeriodDays: 0, renewalBasis: 'fromNow' });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.license).toMatchObject({ expirationStrategy: 'maintain', gracePeriodDays: 0, renewalBasis: 'fromNow' });

    for (const bad of [{ gracePeriodDays: 91 }, { gracePeriodDays: -1 }, { gracePeriodDays: 1.5 }, { expirationStrategy: 'forever' }, { expirationBasis: 'firstLogin' }, { renewalBasis: 'fromThen' }, { durationDays: 0 }]) {
      expectV1Error(await v1(f.account.apiKey, 'POST', '/licenses', { body: { appId: f.product.productId, ...bad } }), 400, 'bad_request');
      const seed = await admin(f.account, 'createLicense', { productId: f.product.productId, ...bad });
      expect(seed.status, seed.text).toBe(400);
      expect(seed.body.success).toBe(false);
      const variantBad = await admin(f.account, 'createVariant', { productId: f.product.productId, name: 'Bad', ...bad });
      expect(variantBad.status, variantBad.text).toBe(400);
    }
  });
});

describe('the clock basis', () => {
  it('firstActivation: no expiry until the first SDK validate binds a device; then durationDays from that moment, signed', async () => {
    const f = await fixture({ durationDays: 30, expirationBasis: 'firstActivation' });
    expect(await getV1License(f.account.apiKey, f.key)).toMatchObject({ expiresAt: null, durationDays: 30, expirationBasis: 'firstActivation', status: 'active' });
    // A check that binds nothing does not start it.
    expect((await call('verify', { body: { licenseKey: f.key } })).body.license).toMatchObject({ expiresAt: null });
    const before = Date.now();
    const hwid = uniqueHwid();
    const payload = await expectSession(f.product, await sdkValidate(f.product, f.key, hwid));
    const expires = Date.parse(String(payload.licenseExpiresAt));
    expect(expires).toBeGreaterThanOrEqual(before + 30 * dayMs - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * dayMs + 1000);
    // Started once: a later validate leaves it where it is.
    const again = await expectSession(f.product, await sdkValidate(f.product, f.key, hwid));
    expect(again.licenseExpiresAt).toBe(payload.licenseExpiresAt);
    const view = await getV1License(f.account.apiKey, f.key);
    expect(view).toMatchObject({ expiresAt: payload.licenseExpiresAt, durationDays: 30, expirationBasis: 'firstActivation' });
    const started = (await storedEvents(f.product.productId, f.key)).filter((event) => event.data.reason === 'clock_started');
    expect(started).toEqual([{ type: 'license.updated', data: expect.objectContaining({ expirationBasis: 'firstActivation', expiresAt: payload.licenseExpiresAt }) as unknown }]);
  }, 60_000);

  it('firstValidation: seed 004 verify starts the clock; a variant\'s basis and duration apply to its licenses', async () => {
    const f = await fixture();
    const created = await admin(f.account, 'createVariant', { productId: f.product.productId, name: 'Trial', durationDays: 14, expirationBasis: 'firstValidation' });
    expect(created.status, created.text).toBe(200);
    const made = await admin(f.account, 'createLicense', { productId: f.product.productId, variantId: (created.body.variant as { variantId: string }).variantId });
    const key = String((made.body.licenses as Array<{ licenseKey: string }>)[0]?.licenseKey);
    expect((made.body.licenses as Array<Record<string, unknown>>)[0]).toMatchObject({ expiresAt: null, durationDays: 14 });
    const before = Date.now();
    const verified = await call('verify', { body: { licenseKey: key } });
    expect(verified.status, verified.text).toBe(200);
    const expires = Date.parse(String((verified.body.license as { expiresAt: string }).expiresAt));
    expect(expires).toBeGreaterThanOrEqual(before + 14 * dayMs - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 14 * dayMs + 1000);
  });
});

describe('v1 extend {durationDays} by renewalBasis', () => {
  const extend = (apiKey: string, key: string, body: Record<string, unknown>) => v1(apiKey, 'PUT', `/licenses/${key}`, { body: { action: 'extend', ...body } });

  it('fromExpiry adds to the expiry (even a past one), fromNow to now, fromNowIfExpired to now only once expired', async () => {
    const t = await tenant();
    const future = isoIn(10 * dayMs);
    const past = isoIn(-10 * dayMs);

    const fromExpiry = await createV1License(t.account.apiKey, t.appId, { expiresAt: future });
    expect(asLicense(await extend(t.account.apiKey, fromExpiry, { durationDays: 30 })).expiresAt).toBe(daysAfter(future, 30));
    const fromExpiryPast = await createV1License(t.account.apiKey, t.appId, { expiresAt: past });
    expect(asLicense(await extend(t.account.apiKey, fromExpiryPast, { durationDays: 30 })).expiresAt).toBe(daysAfter(past, 30));

    const fromNow = await createV1License(t.account.apiKey, t.appId, { expiresAt: future, renewalBasis: 'fromNow' });
    const before = Date.now();
    const nowBased = Date.parse(String(asLicense(await extend(t.account.apiKey, fromNow, { durationDays: 30 })).expiresAt));
    expect(nowBased).toBeGreaterThanOrEqual(before + 30 * dayMs - 1000);
    expect(nowBased).toBeLessThanOrEqual(Date.now() + 30 * dayMs + 1000);

    const ifExpiredFuture = await createV1License(t.account.apiKey, t.appId, { expiresAt: future, renewalBasis: 'fromNowIfExpired' });
    expect(asLicense(await extend(t.account.apiKey, ifExpiredFuture, { durationDays: 30 })).expiresAt).toBe(daysAfter(future, 30));
    const ifExpiredPast = await createV1License(t.account.apiKey, t.appId, { expiresAt: past, renewalBasis: 'fromNowIfExpired' });
    const renewed = asLicense(await extend(t.account.apiKey, ifExpiredPast, { durationDays: 30 }));
    expect(Date.parse(String(renewed.expiresAt))).toBeGreaterThanOrEqual(before + 30 * dayMs - 1000);
    expect(renewed).toMatchObject({ status: 'active', licenseState: 'active' });

    const extended = (await storedEvents(t.appId, ifExpiredPast)).filter((event) => event.type === 'license.extended');
    expect(extended).toEqual([{ type: 'license.extended', data: expect.objectContaining({ durationDays: 30, renewalBasis: 'fromNowIfExpired', expiresAt: renewed.expiresAt }) as unknown }]);
    // The renewed license validates again through the SDK door.
    await expectSession(t.app, await sdkValidate(t.app, ifExpiredPast, uniqueHwid()));
  });

  it('a pending clock is lengthened; a lifetime license, both fields, neither, or a bad count are 400s', async () => {
    const t = await tenant();
    const pending = await createV1License(t.account.apiKey, t.appId, { durationDays: 7, expirationBasis: 'firstActivation' });
    expect(asLicense(await extend(t.account.apiKey, pending, { durationDays: 3 }))).toMatchObject({ expiresAt: null, durationDays: 10 });
    const lifetime = await createV1License(t.account.apiKey, t.appId);
    expectV1Error(await extend(t.account.apiKey, lifetime, { durationDays: 30 }), 400, 'bad_request');
    const dated = await createV1License(t.account.apiKey, t.appId, { expiresAt: isoIn(dayMs) });
    for (const body of [{}, { durationDays: 30, expiresAt: isoIn(dayMs) }, { durationDays: 0 }, { durationDays: 36_501 }, { durationDays: '30' }]) {
      expectV1Error(await extend(t.account.apiKey, dated, body), 400, 'bad_request');
    }
    // The date form still works as seed 002 says.
    const at = isoIn(90 * dayMs);
    expect(asLicense(await extend(t.account.apiKey, dated, { expiresAt: at })).expiresAt).toBe(at);
  });
});

describe('offline files carry the policy', () => {
  it('a license in grace mints a file up to the end of its grace, carrying licenseState, graceEndsAt and expirationStrategy', async () => {
    const t = await tenant();
    const expiresAt = isoIn(-dayMs);
    const key = await createV1License(t.account.apiKey, t.appId, { expiresAt, gracePeriodDays: 5 });
    const graceEndsAt = daysAfter(expiresAt, 5);
    const hwid = uniqueHwid();
    const minted = await mint(t.account.apiKey, key, { hwids: [hwid], expiresAt: graceEndsAt });
    const trusted = (await keySet(t.account.apiKey, t.appId)).publicKeys;
    const opened = verifyLicenseFile(minted.file, { trustedKeys: trusted, appId: t.appId, hwid });
    expect(opened.ok).toBe(true);
    if (opened.ok) expect(opened.payload).toMatchObject({ licenseState: 'grace', graceEndsAt: new Date(graceEndsAt).toISOString(), expirationStrategy: 'restrict', licenseExpiresAt: new Date(expiresAt).toISOString() });
    expectV1Error(await mintRequest(t.account.apiKey, key, { hwids: [hwid], expiresAt: daysAfter(graceEndsAt, 1) }), 400, 'bad_request');

    const over = await createV1License(t.account.apiKey, t.appId, { expiresAt: isoIn(-6 * dayMs), gracePeriodDays: 5 });
    expectV1Error(await mintRequest(t.account.apiKey, over, { hwids: [hwid], expiresAt: isoIn(dayMs) }), 410, 'expired');
  });

  it('maintain: an expired license mints a lifetime file flagged expired', async () => {
    const t = await tenant();
    const key = await createV1License(t.account.apiKey, t.appId, { expiresAt: isoIn(-dayMs), expirationStrategy: 'maintain' });
    const hwid = uniqueHwid();
    const minted = await mint(t.account.apiKey, key, { hwids: [hwid] });
    const opened = verifyLicenseFile(minted.file, { trustedKeys: (await keySet(t.account.apiKey, t.appId)).publicKeys, appId: t.appId, hwid });
    expect(opened.ok).toBe(true);
    if (opened.ok) expect(opened.payload).toMatchObject({ expiresAt: null, licenseState: 'expired', graceEndsAt: null, expirationStrategy: 'maintain' });
  });
});
