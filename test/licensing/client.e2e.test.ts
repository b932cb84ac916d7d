/**
 * seed 004 client functions over real HTTP: verify, activate, validate (session token),
 * deactivate, heartbeat. Success shapes `{valid:true,…}` / `{success:true,…}`, every documented
 * error with seed 004's status and shape, the 15-per-hour activation limit, and floating seats.
 */
import { describe, expect, it } from 'vitest';
import { createProduct, uniqueHwid } from '../support/fixtures.js';
import { call } from '../support/http.js';
import {
  activate,
  activated,
  admin,
  authenticToken,
  expectClientError,
  fixture,
  getLicense,
  nowSeconds,
  setLastSeen,
  storedDevices,
  tamperedToken,
  tokenClaims,
  unknownLicenseKey,
} from './sdkSupport.js';

const pastIso = () => new Date(Date.now() - 86_400_000).toISOString();

describe('seed 004 verify', () => {
  it('answers {valid:true, license} for a usable key, with or without the matching productId', async () => {
    const { product, key } = await fixture({ label: 'verify-me', maxHwidSlots: 2 });
    const response = await call('verify', { body: { licenseKey: key } });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({
      valid: true,
      license: { licenseKey: key, productId: product.productId, status: 'active', maxHwidSlots: 2, hwidCount: 0 },
    });
    // A client view: whoever holds the key learns nothing personal (no email, label or HWIDs).
    for (const field of ['email', 'label', 'hwidList', 'flagged']) expect(response.body.license).not.toHaveProperty(field);
    const scoped = await call('verify', { body: { licenseKey: key, productId: product.productId } });
    expect(scoped.status, scoped.text).toBe(200);
    expect(scoped.body.valid).toBe(true);
    // Keys are typed by humans: lower case and spaces are forgiven.
    const typed = await call('verify', { body: { licenseKey: ` ${key.toLowerCase()} ` } });
    expect(typed.status, typed.text).toBe(200);
    expect(typed.body).toMatchObject({ valid: true, license: { licenseKey: key } });
  });

  it('does not bind a machine', async () => {
    const { account, key } = await fixture();
    expect((await call('verify', { body: { licenseKey: key } })).status).toBe(200);
    const details = await getLicense(account, key);
    expect(details.license.hwidCount).toBe(0);
    expect(details.activations).toEqual([]);
  });

  it('answers 400 {valid:false} for bad input', async () => {
    expectClientError(await call('verify', { body: {} }), 'valid', 400);
    expectClientError(await call('verify', { body: { licenseKey: 'not-a-key' } }), 'valid', 400);
    expectClientError(await call('verify', { body: { licenseKey: 42 } }), 'valid', 400);
    expectClientError(await call('verify', { body: { licenseKey: unknownLicenseKey(), extra: true } }), 'valid', 400);
    expectClientError(await call('verify', { rawBody: '{"licenseKey":', headers: { 'content-type': 'application/json' } }), 'valid', 400);
  });

  it('answers 404 {valid:false} for an unknown key', async () => {
    expectClientError(await call('verify', { body: { licenseKey: unknownLicenseKey() } }), 'valid', 404);
  });

  it('answers 403 {valid:false} for a revoked, an expired, or another product\'s key', async () => {
    const { account, product, keys } = await fixture({ quantity: 2 });
    const [revokedKey, otherKey] = keys as [string, string];
    const expired = await call('createLicense', { headers: { 'X-API-Key': account.apiKey }, body: { productId: product.productId, expiresAt: pastIso() } });
    expect(expired.status, expired.text).toBe(200);
    const expiredKey = (expired.body.licenses as Array<{ licenseKey: string }>)[0]?.licenseKey ?? '';

    expect((await admin(account, 'revokeLicense', { licenseKey: revokedKey, reason: 'chargeback' })).status).toBe(200);
    expectClientError(await call('verify', { body: { licenseKey: revokedKey } }), 'valid', 403);
    expectClientError(await call('verify', { body: { licenseKey: expiredKey } }), 'valid', 403);

    const other = await createProduct(account);
    expectClientError(await call('verify', { body: { licenseKey: otherKey, productId: other.productId } }), 'valid', 403);
    // The key itself is fine for its own product.
    expect((await call('verify', { body: { licenseKey: otherKey, productId: product.productId } })).status).toBe(200);
  });
});

describe('seed 004 activate', () => {
  it('binds the machine and answers {success:true, sessionToken, expiresAt, license}', async () => {
    const { account, product, key } = await fixture({ maxHwidSlots: 2 });
    const hwid = uniqueHwid();
    const response = await activate(key, hwid, { productId: product.productId });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ success: true, license: { licenseKey: key, status: 'active', hwidCount: 1 } });
    for (const field of ['email', 'label', 'hwidList']) expect(response.body.license).not.toHaveProperty(field);
    const claims = tokenClaims(String(response.body.sessionToken));
    expect(claims).toMatchObject({ app: product.productId, lic: key, hwid });
    expect(Date.parse(String(response.body.expiresAt))).toBe(claims.exp * 1000);
    expect(claims.exp - claims.iat).toBe(86_400);

    // Activating the same machine again takes no second seat.
    const again = await activate(key, hwid);
    expect(again.status, again.text).toBe(200);
    expect(again.body).toMatchObject({ success: true, license: { hwidCount: 1 } });
    // machineId is accepted for hwid.
    const second = uniqueHwid();
    const viaMachineId = await call('activate', { body: { licenseKey: key, machineId: second } });
    expect(viaMachineId.status, viaMachineId.text).toBe(200);
    const details = await getLicense(account, key);
    expect(details.license.hwidList.sort()).toEqual([hwid, second].sort());
    expect(details.activations.map((activation) => activation.hwid).sort()).toEqual([hwid, second].sort());
  });

  it('answers 400 {success:false} for bad input and binds nothing', async () => {
    const { account, key } = await fixture();
    expectClientError(await call('activate', { body: { licenseKey: key } }), 'success', 400);
    expectClientError(await call('activate', { body: { licenseKey: key, hwid: '' } }), 'success', 400);
    expectClientError(await call('activate', { body: { licenseKey: key, hwid: 'x'.repeat(257) } }), 'success', 400);
    expectClientError(await call('activate', { body: { licenseKey: 'nope', hwid: uniqueHwid() } }), 'success', 400);
    expectClientError(await call('activate', { body: { licenseKey: key, hwid: uniqueHwid(), productId: 'not an id' } }), 'success', 400);
    expect((await getLicense(account, key)).license.hwidCount).toBe(0);
  });

  it('answers 404 {success:false} for an unknown key', async () => {
    expectClientError(await activate(unknownLicenseKey(), uniqueHwid()), 'success', 404);
  });

  it('answers 403 {success:false} for revoked, expired, machine limit reached and wrong product', async () => {
    const { account, product, keys } = await fixture({ quantity: 3, maxHwidSlots: 1 });
    const [revokedKey, fullKey, foreignKey] = keys as [string, string, string];
    expect((await admin(account, 'revokeLicense', { licenseKey: revokedKey })).status).toBe(200);
    expectClientError(await activate(revokedKey, uniqueHwid()), 'success', 403);

    const expired = await call('createLicense', { headers: { 'X-API-Key': account.apiKey }, body: { productId: product.productId, expiresAt: pastIso() } });
    const expiredKey = (expired.body.licenses as Array<{ licenseKey: string }>)[0]?.licenseKey ?? '';
    expectClientError(await activate(expiredKey, uniqueHwid()), 'success', 403);

    const first = uniqueHwid();
    await activated(fullKey, first);
    expectClientError(await activate(fullKey, uniqueHwid()), 'success', 403);

    const other = await createProduct(account);
    expectClientError(await activate(foreignKey, uniqueHwid(), { productId: other.productId }), 'success', 403);

    // Nothing refused was bound.
    expect((await getLicense(account, revokedKey)).license.hwidCount).toBe(0);
    expect((await getLicense(account, expiredKey)).license.hwidCount).toBe(0);
    expect((await getLicense(account, fullKey)).license.hwidList).toEqual([first]);
    expect((await getLicense(account, foreignKey)).license.hwidCount).toBe(0);
  });

  it('answers 429 after 15 activation attempts per hour per key, refused attempts included', async () => {
    const { account, keys } = await fixture({ quantity: 2, maxHwidSlots: 1 });
    const [key, otherKey] = keys as [string, string];
    const owner = uniqueHwid();
    await activated(key, owner);
    // 14 more attempts: alternately the owner (ok) and strangers (machine limit).
    for (let attempt = 2; attempt <= 15; attempt += 1) {
      const response = attempt % 2 === 0 ? await activate(key, owner) : await activate(key, uniqueHwid());
      expect(response.status, `attempt ${attempt}: ${response.text}`).toBe(attempt % 2 === 0 ? 200 : 403);
    }
    const limited = await activate(key, owner);
    expectClientError(limited, 'success', 429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Still limited, and for a stranger too: the limit is per key.
    expectClientError(await activate(key, uniqueHwid()), 'success', 429);
    // Another key is not affected, and the limited key is still fine for verify.
    expect((await activate(otherKey, uniqueHwid())).status).toBe(200);
    expect((await call('verify', { body: { licenseKey: key } })).status).toBe(200);
    expect((await getLicense(account, key)).license.hwidList).toEqual([owner]);
  });
});

describe('seed 004 validate (session token)', () => {
  it('answers {valid:true, license, hwid, expiresAt} for a live session', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    const token = await activated(key, hwid);
    const response = await call('validate', { body: { sessionToken: token } });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ valid: true, hwid, license: { licenseKey: key, productId: product.productId, status: 'active', hwidCount: 1 } });
    expect(Date.parse(String(response.body.expiresAt))).toBe(tokenClaims(token).exp * 1000);
  });

  it('answers 400 {valid:false} for bad input', async () => {
    expectClientError(await call('validate', { body: {} }), 'valid', 400);
    expectClientError(await call('validate', { body: { sessionToken: 'short' } }), 'valid', 400);
    expectClientError(await call('validate', { body: { sessionToken: 12345678901 } }), 'valid', 400);
  });

  it('answers 401 {valid:false} for forged, garbage, foreign-app and expired tokens', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    const token = await activated(key, hwid);
    expectClientError(await call('validate', { body: { sessionToken: tamperedToken(token) } }), 'valid', 401);
    expectClientError(await call('validate', { body: { sessionToken: 'this-is-not.a-session-token' } }), 'valid', 401);
    // Claims edited to another machine, MAC kept: forged.
    const [, mac] = token.split('.');
    const claims = tokenClaims(token);
    const edited = Buffer.from(JSON.stringify({ ...claims, hwid: 'someone-else' })).toString('base64url');
    expectClientError(await call('validate', { body: { sessionToken: `${edited}.${mac}` } }), 'valid', 401);
    // MAC'd with another app's secret.
    const other = await fixture();
    const foreign = await authenticToken({ app: other.product.productId, lic: key, hwid, iat: nowSeconds(), exp: nowSeconds() + 3600 });
    expectClientError(await call('validate', { body: { sessionToken: foreign } }), 'valid', 401);
    // Authentic (the app's own secret) but expired.
    const expired = await authenticToken({ app: product.productId, lic: key, hwid, iat: nowSeconds() - 7200, exp: nowSeconds() - 1 });
    expectClientError(await call('validate', { body: { sessionToken: expired } }), 'valid', 401);
    // The same claims unexpired are accepted: only the expiry differed.
    const fresh = await authenticToken({ app: product.productId, lic: key, hwid, iat: nowSeconds(), exp: nowSeconds() + 600 });
    expect((await call('validate', { body: { sessionToken: fresh } })).status).toBe(200);
  });

  it('answers 401 once the machine was deactivated and 403 once the license is revoked', async () => {
    const { account, keys } = await fixture({ quantity: 2 });
    const [deactivatedKey, revokedKey] = keys as [string, string];
    const hwid = uniqueHwid();
    const token = await activated(deactivatedKey, hwid);
    expect((await call('deactivate', { body: { licenseKey: deactivatedKey, hwid } })).status).toBe(200);
    expectClientError(await call('validate', { body: { sessionToken: token } }), 'valid', 401);

    const revokedToken = await activated(revokedKey, hwid);
    expect((await admin(account, 'revokeLicense', { licenseKey: revokedKey })).status).toBe(200);
    expectClientError(await call('validate', { body: { sessionToken: revokedToken } }), 'valid', 403);
    // Revoking ended the license's sessions: reinstating it does not revive them; activating again does.
    expect((await admin(account, 'reinstateLicense', { licenseKey: revokedKey })).status).toBe(200);
    expectClientError(await call('validate', { body: { sessionToken: revokedToken } }), 'valid', 401);
    const fresh = await activated(revokedKey, hwid);
    expect((await call('validate', { body: { sessionToken: fresh } })).status).toBe(200);
  });

  it('answers 403 once the license has expired', async () => {
    const { account, key } = await fixture();
    const token = await activated(key, uniqueHwid());
    expect((await admin(account, 'updateLicense', { licenseKey: key, expiresAt: pastIso() })).status).toBe(200);
    expectClientError(await call('validate', { body: { sessionToken: token } }), 'valid', 403);
  });
});

describe('seed 004 deactivate', () => {
  it('frees the slot: another machine can then activate', async () => {
    const { account, key } = await fixture({ maxHwidSlots: 1 });
    const first = uniqueHwid();
    const second = uniqueHwid();
    await activated(key, first);
    expectClientError(await activate(key, second), 'success', 403);

    const response = await call('deactivate', { body: { licenseKey: key, hwid: first } });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ success: true, license: { licenseKey: key, hwidCount: 0 } });

    await activated(key, second);
    expect((await getLicense(account, key)).license.hwidList).toEqual([second]);
    // The freed machine is now the one refused.
    expectClientError(await activate(key, first), 'success', 403);
  });

  it('accepts machineId and a matching productId', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    await activated(key, hwid);
    const response = await call('deactivate', { body: { licenseKey: key, machineId: hwid, productId: product.productId } });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ success: true, license: { hwidCount: 0 } });
  });

  it('answers {success:false} with 400 bad input, 404 unknown key or machine, 403 wrong product', async () => {
    const { account, key } = await fixture({ maxHwidSlots: 2 });
    const hwid = uniqueHwid();
    await activated(key, hwid);
    expectClientError(await call('deactivate', { body: { licenseKey: key } }), 'success', 400);
    expectClientError(await call('deactivate', { body: { licenseKey: 'bad', hwid } }), 'success', 400);
    expectClientError(await call('deactivate', { body: { licenseKey: unknownLicenseKey(), hwid } }), 'success', 404);
    expectClientError(await call('deactivate', { body: { licenseKey: key, hwid: uniqueHwid() } }), 'success', 404);
    const other = await createProduct(account);
    expectClientError(await call('deactivate', { body: { licenseKey: key, hwid, productId: other.productId } }), 'success', 403);
    // None of these freed the seat.
    expect((await getLicense(account, key)).license.hwidList).toEqual([hwid]);
  });
});

describe('seed 004 heartbeat', () => {
  it('answers {success:true} with a fresh session token that validates', async () => {
    const { product, key } = await fixture();
    const hwid = uniqueHwid();
    // A session close to its end: the heartbeat must renew it for a full TTL.
    const old = await authenticToken({ app: product.productId, lic: key, hwid, iat: nowSeconds() - 86_000, exp: nowSeconds() + 400 });
    await activated(key, hwid);
    const response = await call('heartbeat', { body: { sessionToken: old } });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ success: true, license: { licenseKey: key, hwidCount: 1 } });
    const renewed = String(response.body.sessionToken);
    expect(renewed).not.toBe(old);
    const claims = tokenClaims(renewed);
    expect(claims).toMatchObject({ app: product.productId, lic: key, hwid });
    expect(claims.exp).toBeGreaterThan(tokenClaims(old).exp);
    expect(claims.exp - claims.iat).toBe(86_400);
    expect(Date.parse(String(response.body.expiresAt))).toBe(claims.exp * 1000);
    const validated = await call('validate', { body: { sessionToken: renewed } });
    expect(validated.status, validated.text).toBe(200);
    expect(validated.body.valid).toBe(true);
  });

  it('answers {success:false}: 400 bad input, 401 forged or expired token, 403 revoked or expired license', async () => {
    const { account, product, keys } = await fixture({ quantity: 2 });
    const [key, expiringKey] = keys as [string, string];
    const hwid = uniqueHwid();
    const token = await activated(key, hwid);
    expectClientError(await call('heartbeat', { body: {} }), 'success', 400);
    expectClientError(await call('heartbeat', { body: { sessionToken: token, unexpected: 1 } }), 'success', 400);
    expectClientError(await call('heartbeat', { body: { sessionToken: tamperedToken(token) } }), 'success', 401);
    const expired = await authenticToken({ app: product.productId, lic: key, hwid, iat: nowSeconds() - 7200, exp: nowSeconds() - 5 });
    expectClientError(await call('heartbeat', { body: { sessionToken: expired } }), 'success', 401);

    const expiringToken = await activated(expiringKey, hwid);
    expect((await admin(account, 'updateLicense', { licenseKey: expiringKey, expiresAt: pastIso() })).status).toBe(200);
    expectClientError(await call('heartbeat', { body: { sessionToken: expiringToken } }), 'success', 403);

    expect((await admin(account, 'revokeLicense', { licenseKey: key })).status).toBe(200);
    expectClientError(await call('heartbeat', { body: { sessionToken: token } }), 'success', 403);
  });
});

describe('seed 004 heartbeat after the seat was freed', () => {
  it('does not take back a fixed seat freed by deactivate: 401, and the seat stays free', async () => {
    const { account, key } = await fixture({ maxHwidSlots: 1 });
    const hwid = uniqueHwid();
    const token = await activated(key, hwid);
    expect((await call('deactivate', { body: { licenseKey: key, hwid } })).status).toBe(200);
    expectClientError(await call('heartbeat', { body: { sessionToken: token } }), 'success', 401);
    expect((await getLicense(account, key)).license.hwidList).toEqual([]);
    // The freed seat is available to another machine.
    await activated(key, uniqueHwid());
  });

  it('does not undo resetActivations', async () => {
    const { account, key } = await fixture({ maxHwidSlots: 1 });
    const token = await activated(key, uniqueHwid());
    expect((await admin(account, 'resetActivations', { licenseKey: key })).status).toBe(200);
    expectClientError(await call('heartbeat', { body: { sessionToken: token } }), 'success', 401);
    expect((await getLicense(account, key)).license.hwidCount).toBe(0);
  });
});

describe('floating licenses (seed 004)', () => {
  it('refuses a heartbeat timeout under 30 seconds', async () => {
    const { account, product } = await fixture();
    const response = await admin(account, 'createLicense', { productId: product.productId, floating: true, heartbeatTimeoutSeconds: 29 });
    expectClientError(response, 'success', 400);
  });

  it('holds a seat only while heartbeats arrive', async () => {
    const { account, key } = await fixture({ floating: true, maxHwidSlots: 1, heartbeatTimeoutSeconds: 30 });
    const first = uniqueHwid();
    const second = uniqueHwid();
    const firstToken = await activated(key, first);
    expectClientError(await activate(key, second), 'success', 403);

    // 25 s of silence is within the 30 s timeout: the seat is still held.
    await setLastSeen(key, first, 25);
    expectClientError(await activate(key, second), 'success', 403);

    // A heartbeat brings lastSeenAt back to now.
    const beat = await call('heartbeat', { body: { sessionToken: firstToken } });
    expect(beat.status, beat.text).toBe(200);
    const seen = (await storedDevices(key)).find((device) => device.hwid === first);
    expect(Math.abs((seen?.lastSeenAt.toMillis() ?? 0) - Date.now())).toBeLessThan(10_000);

    // 60 s of silence: the seat is free, and the next machine takes it.
    await setLastSeen(key, first, 60);
    const details = await getLicense(account, key);
    expect(details.license.hwidCount).toBe(0);
    expect(details.activations).toEqual([]);
    const takeover = await activate(key, second);
    expect(takeover.status, takeover.text).toBe(200);
    expect(takeover.body).toMatchObject({ success: true, license: { hwidCount: 1 } });

    // The silent machine lost its seat: its session no longer validates, its heartbeat is refused.
    expectClientError(await call('validate', { body: { sessionToken: firstToken } }), 'valid', 401);
    expectClientError(await call('heartbeat', { body: { sessionToken: firstToken } }), 'success', 403);
    expect((await getLicense(account, key)).license.hwidList).toEqual([second]);
    expect((await storedDevices(key)).map((device) => device.hwid)).toEqual([second]);
  });

  it('lets a timed-out machine take its seat back with a heartbeat while the seat is free', async () => {
    const { account, key } = await fixture({ floating: true, maxHwidSlots: 1, heartbeatTimeoutSeconds: 30 });
    const first = uniqueHwid();
    const token = await activated(key, first);
    await setLastSeen(key, first, 120);
    expect((await getLicense(account, key)).license.hwidCount).toBe(0);
    const beat = await call('heartbeat', { body: { sessionToken: token } });
    expect(beat.status, beat.text).toBe(200);
    expect(beat.body).toMatchObject({ success: true, license: { hwidCount: 1 } });
    expect(await storedDevices(key)).toMatchObject([{ hwid: first }]);
    expectClientError(await activate(key, uniqueHwid()), 'success', 403);
  });
});
