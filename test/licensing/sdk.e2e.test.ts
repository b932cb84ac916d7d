/**
 * docs/design.md door 1, the AuthForge SDK protocol (function `auth`), over real HTTP: the
 * byte-level contract of a signed answer, session tokens and TTLs, every error code with its
 * status, heartbeats and selfban.
 */
import { describe, expect, it } from 'vitest';
import { createLicenses, createProduct, grantCredits, uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { testDb } from '../support/firestore.js';
import {
  admin,
  authLogs,
  authenticToken,
  expectSdkError,
  expectSession,
  expectSignedOk,
  freeHeartbeatSlots,
  fixture,
  getLicense,
  nowSeconds,
  sdk,
  sdkValidate,
  signatureVerifies,
  tamperedToken,
  tokenClaims,
  unknownLicenseKey,
} from './sdkSupport.js';

const payloadFields = [
  'answers',
  'appId',
  'appVariables',
  'entitlements',
  'entitlementsExpireAt',
  'expirationStrategy',
  'expiresIn',
  'graceEndsAt',
  'hwid',
  'hwidCount',
  'licenseExpiresAt',
  'licenseKey',
  'licenseLabel',
  'licenseState',
  'licenseVariables',
  'maxHwidSlots',
  'nonce',
  'requestId',
  'sessionExpiresAt',
  'sessionToken',
  'timestamp',
  'unlimitedHwidSlots',
];

describe('SDK /auth/validate: the signed answer', () => {
  it('answers {status:"ok", payload, signature, keyId} with every payload field', async () => {
    const expiresAt = new Date(Date.now() + 30 * 86_400_000);
    expiresAt.setUTCMilliseconds(0);
    const { product, key } = await fixture(
      { maxHwidSlots: 3, label: 'Équipe ✓ 東京', variables: { seats: 3, plan: 'team' }, expiresAt: expiresAt.toISOString() },
      { variables: { motd: 'héllo', minVersion: '2.1.0' } },
    );
    const hwid = uniqueHwid();
    const nonce = uniqueNonce();
    const before = nowSeconds();
    const response = await sdkValidate(product, key, hwid, { nonce });
    const payload = await expectSession(product, response);

    expect(Object.keys(payload).sort()).toEqual(payloadFields);
    expect(payload.nonce).toBe(nonce);
    expect(payload.requestId).toBe(response.headers.get('x-request-id'));
    expect(typeof payload.requestId).toBe('string');
    expect(payload.timestamp).toBeGreaterThanOrEqual(before - 1);
    expect(payload.timestamp).toBeLessThanOrEqual(nowSeconds() + 1);
    expect(payload.expiresIn).toBe(payload.timestamp + 86_400);
    expect(payload.sessionExpiresAt).toBe(new Date(payload.expiresIn * 1000).toISOString());
    expect(payload.licenseExpiresAt).toBe(expiresAt.toISOString());
    expect(payload.appVariables).toEqual({ motd: 'héllo', minVersion: '2.1.0' });
    expect(payload.licenseVariables).toEqual({ seats: 3, plan: 'team' });
    expect(payload.licenseLabel).toBe('Équipe ✓ 東京');
    expect(payload.maxHwidSlots).toBe(3);
    expect(payload.hwidCount).toBe(1);
    expect(payload.unlimitedHwidSlots).toBe(false);
    // The policy fields (README, License policies): a license that sets none is active, restrict, no grace.
    expect([payload.licenseState, payload.graceEndsAt, payload.expirationStrategy]).toEqual(['active', null, 'restrict']);
    // README, Entitlements: a license granted none carries an empty list.
    expect([payload.entitlements, payload.entitlementsExpireAt]).toEqual([[], {}]);
  });

  it('reports a lifetime license as licenseExpiresAt null and defaults label/variables', async () => {
    const { product, key } = await fixture();
    const payload = await expectSession(product, await sdkValidate(product, key, uniqueHwid()));
    expect(payload.licenseExpiresAt).toBeNull();
    expect(payload.licenseLabel).toBeNull();
    expect(payload.licenseVariables).toEqual({});
    expect(payload.appVariables).toEqual({});
    expect(payload.maxHwidSlots).toBe(1);
    expect(payload.hwidCount).toBe(1);
  });

  it('signs the UTF-8 bytes of the payload string: one altered byte, another key or another payload fails', async () => {
    const { product, key } = await fixture({ label: 'signed' });
    const response = await sdkValidate(product, key, uniqueHwid());
    await expectSignedOk(product, response);
    const payload = String(response.body.payload);
    const signature = String(response.body.signature);
    const keyId = String(response.body.keyId);

    const bytes = new TextEncoder().encode(payload);
    expect(await signatureVerifies(product, bytes, signature, keyId)).toBe(true);
    for (const index of [0, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const altered = Uint8Array.from(bytes);
      altered[index] = (altered[index] ?? 0) ^ 0x01;
      expect(await signatureVerifies(product, altered, signature, keyId)).toBe(false);
    }
    // The signature is over the base64 string, not over the decoded JSON.
    expect(await signatureVerifies(product, Buffer.from(payload, 'base64').toString('utf8'), signature, keyId)).toBe(false);
    // A flipped signature bit fails.
    const sigBytes = Buffer.from(signature, 'base64');
    sigBytes[5] = (sigBytes[5] ?? 0) ^ 0x80;
    expect(await signatureVerifies(product, payload, sigBytes.toString('base64'), keyId)).toBe(false);
    // Another product's key does not verify it.
    const other = await fixture();
    const otherKey = other.product.publicKeys[0];
    expect(otherKey).toBeDefined();
    expect(await signatureVerifies({ ...product, publicKeys: other.product.publicKeys }, payload, signature, otherKey?.keyId ?? '')).toBe(false);
  });

  it('publishes the signing key as standard base64 of 32 raw bytes, active, named by keyId', async () => {
    const { product, key } = await fixture();
    expect(product.publicKeys).toHaveLength(1);
    const [published] = product.publicKeys;
    expect(published?.active).toBe(true);
    expect(published?.publicKey).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(published?.publicKey ?? '', 'base64')).toHaveLength(32);
    const response = await sdkValidate(product, key, uniqueHwid());
    expect(response.body.keyId).toBe(published?.keyId);
  });

  it('issues a session token <base64url(JSON with exp)>.<base64url(mac)> whose exp is expiresIn', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    const payload = await expectSession(product, await sdkValidate(product, key, hwid));
    const [, mac] = payload.sessionToken.split('.');
    const claims = tokenClaims(payload.sessionToken);
    expect(claims.exp).toBe(payload.expiresIn);
    expect(claims).toMatchObject({ app: product.productId, lic: key, hwid });
    expect(Buffer.from(mac ?? '', 'base64url').length).toBeGreaterThanOrEqual(32);
  });

  it('clamps ttlSeconds to [3600, 604800], default 86400', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    const ttl = async (ttlSeconds?: number) => {
      const payload = await expectSession(product, await sdkValidate(product, key, hwid, ttlSeconds === undefined ? {} : { ttlSeconds }));
      expect(tokenClaims(payload.sessionToken).exp).toBe(payload.expiresIn);
      return payload.expiresIn - payload.timestamp;
    };
    expect(await ttl()).toBe(86_400);
    expect(await ttl(1)).toBe(3_600);
    expect(await ttl(3_599)).toBe(3_600);
    expect(await ttl(3_600)).toBe(3_600);
    expect(await ttl(7_200)).toBe(7_200);
    expect(await ttl(604_800)).toBe(604_800);
    expect(await ttl(604_801)).toBe(604_800);
    expect(await ttl(50_000_000)).toBe(604_800);
  });

  it('accepts the key as typed by a human (case, spaces)', async () => {
    const { product, key } = await fixture();
    const payload = await expectSession(product, await sdkValidate(product, ` ${key.toLowerCase()} `, uniqueHwid()));
    expect(tokenClaims(payload.sessionToken).lic).toBe(key);
  });
});

describe('SDK /auth/validate: errors', () => {
  it('400 bad_request for missing, mistyped or unknown fields and broken JSON', async () => {
    const { account, product, key } = await fixture();
    const good = { appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: uniqueHwid(), nonce: uniqueNonce() };
    const { nonce: _nonce, ...withoutNonce } = good;
    expectSdkError(await sdk('/validate', withoutNonce), 400, 'bad_request');
    expectSdkError(await sdk('/validate', { ...good, nonce: 'short' }), 400, 'bad_request');
    expectSdkError(await sdk('/validate', { ...good, hwid: '' }), 400, 'bad_request');
    expectSdkError(await sdk('/validate', { ...good, ttlSeconds: 0 }), 400, 'bad_request');
    expectSdkError(await sdk('/validate', { ...good, ttlSeconds: 'long' }), 400, 'bad_request');
    expectSdkError(await sdk('/validate', { ...good, licenseKey: 1234 }), 400, 'bad_request');
    expectSdkError(await sdk('/validate', { ...good, surprise: true }), 400, 'bad_request');
    expectSdkError(await sdk('/validate', {}), 400, 'bad_request');
    expectSdkError(await call('auth', { path: '/validate', rawBody: '{"appId":', headers: { 'content-type': 'application/json' } }), 400, 'bad_request');
    expectSdkError(await call('auth', { path: '/validate', rawBody: '[1,2]', headers: { 'content-type': 'application/json' } }), 400, 'bad_request');
    // None of these bound the device or spent the nonce.
    expect((await getLicense(account, key)).license.hwidCount).toBe(0);
    await expectSession(product, await sdk('/validate', good));
  });

  it('answers bodies it cannot read (non-JSON, oversized) and wrong methods with malformed_request, never a 500', async () => {
    const { product, key } = await fixture();
    const form = await call('auth', { path: '/validate', rawBody: 'appId=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectSdkError(form, 415, 'malformed_request');
    const good = { appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: uniqueHwid(), nonce: uniqueNonce() };
    expectSdkError(await sdk('/validate', { ...good, padding: 'x'.repeat(100 * 1024) }), 413, 'malformed_request');
    expectSdkError(await call('auth', { path: '/validate', method: 'GET' }), 405, 'malformed_request');
    // The nonce of the refused oversized call was not spent.
    await expectSession(product, await sdk('/validate', good));
  });

  it('401 invalid_app for a wrong app secret, another app\'s secret or an unknown app', async () => {
    const { account, product, key } = await fixture();
    const other = await createProduct(account);
    expectSdkError(await sdkValidate({ ...product, appSecret: `${product.appSecret}x` }, key, uniqueHwid()), 401, 'invalid_app');
    expectSdkError(await sdkValidate({ ...product, appSecret: other.appSecret }, key, uniqueHwid()), 401, 'invalid_app');
    expectSdkError(await sdkValidate({ ...product, productId: 'app_doesNotExist0000' }, key, uniqueHwid()), 401, 'invalid_app');
    expect((await getLicense(account, key)).license.hwidCount).toBe(0);
  });

  it('401 invalid_key for an unknown key, a malformed key and another product\'s key', async () => {
    const { account, product, key } = await fixture();
    const other = await createProduct(account);
    const [otherKey] = await createLicenses(account, other.productId);
    expectSdkError(await sdkValidate(product, unknownLicenseKey(), uniqueHwid()), 401, 'invalid_key');
    expectSdkError(await sdkValidate(product, 'definitely-not-a-key', uniqueHwid()), 401, 'invalid_key');
    expectSdkError(await sdkValidate(product, otherKey ?? '', uniqueHwid()), 401, 'invalid_key');
    expect((await getLicense(account, otherKey ?? '')).license.hwidCount).toBe(0);
    await expectSession(product, await sdkValidate(product, key, uniqueHwid()));
  });

  it('401 replay_detected for a nonce used before by the same app (any license or device)', async () => {
    const { account, product, keys } = await fixture({ quantity: 2, maxHwidSlots: 2 });
    const [key, secondKey] = keys as [string, string];
    const nonce = uniqueNonce();
    await expectSession(product, await sdkValidate(product, key, uniqueHwid(), { nonce }));
    const device = uniqueHwid();
    expectSdkError(await sdkValidate(product, key, device, { nonce }), 401, 'replay_detected');
    expectSdkError(await sdkValidate(product, secondKey, uniqueHwid(), { nonce }), 401, 'replay_detected');
    // The replayed call bound nothing.
    expect((await getLicense(account, key)).license.hwidCount).toBe(1);
    expect((await getLicense(account, secondKey)).license.hwidCount).toBe(0);
    // Nonces are per app: another app may use the same one.
    const other = await fixture();
    await expectSession(other.product, await sdkValidate(other.product, other.key, uniqueHwid(), { nonce }));
  });

  it('403 hwid_mismatch when every seat is taken; a bound device keeps working', async () => {
    const { account, product, key } = await fixture({ maxHwidSlots: 2 });
    const [a, b] = [uniqueHwid(), uniqueHwid()];
    await expectSession(product, await sdkValidate(product, key, a));
    const second = await expectSession(product, await sdkValidate(product, key, b));
    expect(second.hwidCount).toBe(2);
    expectSdkError(await sdkValidate(product, key, uniqueHwid()), 403, 'hwid_mismatch');
    const again = await expectSession(product, await sdkValidate(product, key, a));
    expect(again.hwidCount).toBe(2);
    expect((await getLicense(account, key)).license.hwidList.sort()).toEqual([a, b].sort());
  });

  it('403 app_disabled while the product is disabled', async () => {
    const { account, product, key } = await fixture();
    const hwid = uniqueHwid();
    await expectSession(product, await sdkValidate(product, key, hwid));
    expect((await admin(account, 'updateProduct', { productId: product.productId, disabled: true })).status).toBe(200);
    expectSdkError(await sdkValidate(product, key, hwid), 403, 'app_disabled');
    expect((await admin(account, 'updateProduct', { productId: product.productId, disabled: false })).status).toBe(200);
    await expectSession(product, await sdkValidate(product, key, hwid));
  });

  it('410 revoked and 410 expired', async () => {
    const { account, product, keys } = await fixture({ quantity: 2 });
    const [revokedKey, expiringKey] = keys as [string, string];
    const hwid = uniqueHwid();
    await expectSession(product, await sdkValidate(product, revokedKey, hwid));
    expect((await admin(account, 'revokeLicense', { licenseKey: revokedKey })).status).toBe(200);
    expectSdkError(await sdkValidate(product, revokedKey, hwid), 410, 'revoked');

    await expectSession(product, await sdkValidate(product, expiringKey, hwid));
    const past = new Date(Date.now() - 60_000).toISOString();
    expect((await admin(account, 'updateLicense', { licenseKey: expiringKey, expiresAt: past })).status).toBe(200);
    expectSdkError(await sdkValidate(product, expiringKey, hwid), 410, 'expired');

    const created = await admin(account, 'createLicense', { productId: product.productId, expiresAt: past });
    const bornExpired = (created.body.licenses as Array<{ licenseKey: string }>)[0]?.licenseKey ?? '';
    expectSdkError(await sdkValidate(product, bornExpired, hwid), 410, 'expired');
  });

  it('429 rate_limited with Retry-After past the product\'s validatesPerLicensePerMinute', async () => {
    const { account, product, keys } = await fixture({ quantity: 2 }, { settings: { validatesPerLicensePerMinute: 3 } });
    const [key, otherKey] = keys as [string, string];
    const hwid = uniqueHwid();
    for (let i = 0; i < 3; i += 1) await expectSession(product, await sdkValidate(product, key, hwid));
    const limited = await sdkValidate(product, key, hwid);
    expectSdkError(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The limit is per license.
    await expectSession(product, await sdkValidate(product, otherKey, hwid));
    expect((await getLicense(account, key)).license.hwidCount).toBe(1);
  });

  it('429 no_credits once a metered account has spent its credits', async () => {
    const { account, product, key } = await fixture({ unlimitedHwidSlots: true });
    await grantCredits(account.accountId, 2);
    await expectSession(product, await sdkValidate(product, key, uniqueHwid()));
    await expectSession(product, await sdkValidate(product, key, uniqueHwid()));
    expectSdkError(await sdkValidate(product, key, uniqueHwid()), 429, 'no_credits');
    await grantCredits(account.accountId, 1);
    await expectSession(product, await sdkValidate(product, key, uniqueHwid()));
  });

  it('403 blocked for a blacklisted HWID, other devices unaffected', async () => {
    const { product, key } = await fixture({ unlimitedHwidSlots: true });
    const banned = uniqueHwid();
    // An unlimited-seat license binds no device: its devices ban themselves with their session.
    const { sessionToken } = await expectSession(product, await sdkValidate(product, key, banned));
    const ban = await sdk('/selfban', {
      appId: product.productId, sessionToken, hwid: banned, revokeLicense: false, blacklistHwid: true, blacklistIp: false,
    });
    await expectSignedOk(product, ban);
    expectSdkError(await sdkValidate(product, key, banned), 403, 'blocked');
    await expectSession(product, await sdkValidate(product, key, uniqueHwid()));
  });

  it('answers an unknown route without a 500', async () => {
    const response = await call('auth', { path: '/nope', body: {} });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.body.status).toBe('failed');
  });
});

describe('SDK /auth/heartbeat', () => {
  it('refreshes the session with a signed answer that echoes the nonce', async () => {
    const { product, key } = await fixture({ label: 'hb' });
    const hwid = uniqueHwid();
    const first = await expectSession(product, await sdkValidate(product, key, hwid, { ttlSeconds: 3_600 }));
    const nonce = uniqueNonce();
    const beat = await expectSession(product, await sdk('/heartbeat', { appId: product.productId, sessionToken: first.sessionToken, nonce, hwid }));
    expect(beat.nonce).toBe(nonce);
    expect(beat.sessionToken).not.toBe(first.sessionToken);
    expect(beat.expiresIn - beat.timestamp).toBe(3_600);
    expect(beat.expiresIn).toBeGreaterThanOrEqual(first.expiresIn);
    expect(tokenClaims(beat.sessionToken).exp).toBe(beat.expiresIn);
    expect(beat.licenseLabel).toBe('hb');
    expect(beat.hwidCount).toBe(1);
    // The refreshed token is itself good for the next heartbeat (in the next 10 s slot).
    await freeHeartbeatSlots(key);
    await expectSession(product, await sdk('/heartbeat', { appId: product.productId, sessionToken: beat.sessionToken, nonce: uniqueNonce(), hwid }));
  });

  it('extends a session close to its end by its full TTL', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    await expectSession(product, await sdkValidate(product, key, hwid));
    const ending = await authenticToken({ app: product.productId, lic: key, hwid, iat: nowSeconds() - 7_000, exp: nowSeconds() + 200 });
    const beat = await expectSession(product, await sdk('/heartbeat', { appId: product.productId, sessionToken: ending, nonce: uniqueNonce(), hwid }));
    expect(beat.expiresIn).toBeGreaterThan(tokenClaims(ending).exp);
    expect(beat.expiresIn - beat.timestamp).toBe(7_200);
  });

  it('401 session_expired for expired, forged or foreign-app tokens', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    const { sessionToken } = await expectSession(product, await sdkValidate(product, key, hwid));
    const beat = (token: string, appId = product.productId) => sdk('/heartbeat', { appId, sessionToken: token, nonce: uniqueNonce(), hwid });
    const expired = await authenticToken({ app: product.productId, lic: key, hwid, iat: nowSeconds() - 7_200, exp: nowSeconds() - 1 });
    expectSdkError(await beat(expired), 401, 'session_expired');
    expectSdkError(await beat(tamperedToken(sessionToken)), 401, 'session_expired');
    expectSdkError(await beat('garbage-token.garbage'), 401, 'session_expired');
    const other = await fixture();
    expectSdkError(await beat(sessionToken, other.product.productId), 401, 'session_expired');
    await expectSession(product, await beat(sessionToken));
  });

  it('403 hwid_mismatch for another device, 401 replay_detected for a used nonce, 410 revoked, 400 bad input', async () => {
    const { account, product, key } = await fixture();
    const hwid = uniqueHwid();
    const { sessionToken } = await expectSession(product, await sdkValidate(product, key, hwid));
    expectSdkError(await sdk('/heartbeat', { appId: product.productId, sessionToken, nonce: uniqueNonce(), hwid: uniqueHwid() }), 403, 'hwid_mismatch');
    const nonce = uniqueNonce();
    await expectSession(product, await sdk('/heartbeat', { appId: product.productId, sessionToken, nonce, hwid }));
    expectSdkError(await sdk('/heartbeat', { appId: product.productId, sessionToken, nonce, hwid }), 401, 'replay_detected');
    expectSdkError(await sdk('/heartbeat', { appId: product.productId, sessionToken, hwid }), 400, 'bad_request');
    expect((await admin(account, 'revokeLicense', { licenseKey: key })).status).toBe(200);
    expectSdkError(await sdk('/heartbeat', { appId: product.productId, sessionToken, nonce: uniqueNonce(), hwid }), 410, 'revoked');
  });
});

describe('SDK /auth/selfban', () => {
  it('with a session, revokes the license when asked', async () => {
    const { account, product, key } = await fixture();
    const hwid = uniqueHwid();
    const { sessionToken } = await expectSession(product, await sdkValidate(product, key, hwid));
    const response = await sdk('/selfban', { appId: product.productId, sessionToken, hwid, revokeLicense: true, blacklistHwid: false, blacklistIp: false });
    const answer = await expectSignedOk(product, response);
    expect(answer).toMatchObject({ action: 'selfban', revoked: true, hwidBlacklisted: false, ipBlacklisted: false });
    expect((await getLicense(account, key)).license.status).toBe('revoked');
    expectSdkError(await sdkValidate(product, key, hwid), 410, 'revoked');
  });

  it('without a session, refuses revokeLicense:true with 403 revoke_requires_session and changes nothing', async () => {
    const { account, product, key } = await fixture();
    const hwid = uniqueHwid();
    const response = await sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid, nonce: uniqueNonce(),
      revokeLicense: true, blacklistHwid: true, blacklistIp: false,
    });
    expectSdkError(response, 403, 'revoke_requires_session');
    expect((await getLicense(account, key)).license.status).toBe('active');
    await expectSession(product, await sdkValidate(product, key, hwid));
  });

  it('without a session, blacklists the HWID: later validates of that HWID are blocked', async () => {
    const { account, product, key } = await fixture({ maxHwidSlots: 3 });
    const hwid = uniqueHwid();
    await expectSession(product, await sdkValidate(product, key, hwid));
    const nonce = uniqueNonce();
    const response = await sdk('/selfban', {
      appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid, nonce,
      revokeLicense: false, blacklistHwid: true, blacklistIp: false,
    });
    const answer = await expectSignedOk(product, response);
    expect(answer).toMatchObject({ answers: 'selfban', action: 'selfban', revoked: false, hwidBlacklisted: true, selfbanNonce: nonce });
    expect(answer.nonce).toBeUndefined();
    expectSdkError(await sdkValidate(product, key, hwid), 403, 'blocked');
    expect((await getLicense(account, key)).license.status).toBe('active');
    // The report reaches its own license only (issue 21 item 1): the app's other licenses admit the HWID.
    const [otherKey] = await createLicenses(account, product.productId);
    await expectSession(product, await sdkValidate(product, otherKey ?? '', hwid));
    await expectSession(product, await sdkValidate(product, key, uniqueHwid()));
    // The selfban nonce is spent.
    expectSdkError(await sdkValidate(product, key, uniqueHwid(), { nonce }), 401, 'replay_detected');
  });

  it('with a session, blacklists the HWID and the IP of the caller', async () => {
    const { product, key } = await fixture({ maxHwidSlots: 3 });
    const hwid = uniqueHwid();
    const { sessionToken } = await expectSession(product, await sdkValidate(product, key, hwid));
    const response = await sdk('/selfban', { appId: product.productId, sessionToken, hwid, revokeLicense: false, blacklistHwid: true, blacklistIp: true });
    expect(await expectSignedOk(product, response)).toMatchObject({ hwidBlacklisted: true, ipBlacklisted: true, revoked: false });
    expectSdkError(await sdkValidate(product, key, hwid), 403, 'blocked');
    // Same IP (this test runner), another device: blocked by the IP entry.
    const sameIp = await sdkValidate(product, key, uniqueHwid());
    const stored = (await testDb().collection('apps').doc(product.productId).get()).get('security') as unknown;
    const seen = (await authLogs(key)).map((log) => `${log.action}:${log.ip}:${log.result}`);
    expect(sameIp.status, `ipBlacklist ${JSON.stringify(stored)}; logs ${seen.join(' ')}`).toBe(403);
    expectSdkError(sameIp, 403, 'blocked');
  });

  it('refuses bad credentials and bad input', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    const base = { appId: product.productId, licenseKey: key, hwid, nonce: uniqueNonce(), revokeLicense: false, blacklistHwid: true, blacklistIp: false };
    expectSdkError(await sdk('/selfban', { ...base, appSecret: 'as_wrong' }), 401, 'invalid_app');
    expectSdkError(await sdk('/selfban', { ...base, appSecret: product.appSecret, blacklistHwid: 'yes' }), 400, 'bad_request');
    expectSdkError(await sdk('/selfban', { appId: product.productId, sessionToken: 'forged.session-token', hwid, revokeLicense: true, blacklistHwid: false, blacklistIp: false }), 401, 'session_expired');
    // Nothing was blacklisted.
    await expectSession(product, await sdkValidate(product, key, hwid));
  });
});
