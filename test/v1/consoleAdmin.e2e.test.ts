/**
 * The v1 routes the operator console uses beyond licenses: apps, variants, API keys, credits,
 * discount and trial codes, client bans. Over real HTTP, with tenancy (another account's key:
 * 403 forbidden) and bad input (400, never a 500).
 */
import { createHash } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { appResponse, clientBansResponse, createdApiKeyResponse, discountCodeResponse, variantResponse } from '../../functions/src/schemas/console.js';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { adminSecret, call } from '../support/http.js';
import { expectStatus, expectV1Error, tenant, v1 } from './v1Support.js';

/** An API key's revokedAt as stored (apiKeys/{sha256(key)}, read with firebase-admin). */
async function storedRevokedAt(apiKey: string): Promise<unknown> {
  const stored = await testDb().collection('apiKeys').doc(createHash('sha256').update(apiKey).digest('hex')).get();
  expect(stored.exists).toBe(true);
  return stored.get('revokedAt');
}

const operator = () => adminSecret();

describe('apps', () => {
  it('creates, lists, reads and updates an app; the secret is shown once and rotations answer the new secret', async () => {
    const { account } = await tenant();
    const created = await v1(account.apiKey, 'POST', '/apps', { body: { name: 'Console App', description: 'made by v1', settings: { maxIpsPerDay: 5 } } });
    expectStatus(created, 201);
    const app = appResponse.parse(created.body.app);
    expect(app).toMatchObject({ name: 'Console App', description: 'made by v1', accountId: account.accountId, status: 'active' });
    expect(String(created.body.appSecret)).toMatch(/^\S{20,}$/);

    const listed = await v1(account.apiKey, 'GET', '/apps', { query: { limit: '1' } });
    expectStatus(listed, 200);
    expect((listed.body.apps as Array<{ appId: string }>).map((entry) => entry.appId)).toEqual([app.appId]);
    expect(listed.body.cursor).not.toBeNull();
    const next = await v1(account.apiKey, 'GET', '/apps', { query: { limit: '1', cursor: String(listed.body.cursor) } });
    expectStatus(next, 200);
    expect((next.body.apps as unknown[]).length).toBe(1);
    expect(next.body.cursor).toBeNull();
    // The operator names the account.
    expectV1Error(await v1(operator(), 'GET', '/apps'), 400, 'bad_request');
    const byOperator = await v1(operator(), 'GET', '/apps', { query: { accountId: account.accountId } });
    expectStatus(byOperator, 200);
    expect((byOperator.body.apps as unknown[]).length).toBe(2);

    const read = await v1(account.apiKey, 'GET', `/apps/${app.appId}`);
    expectStatus(read, 200);
    expect(appResponse.parse(read.body)).toEqual(app);

    const updated = await v1(account.apiKey, 'PUT', `/apps/${app.appId}`, { body: { name: 'Renamed', disabled: true, settings: { validatesPerLicensePerMinute: 7 } } });
    expectStatus(updated, 200);
    expect(appResponse.parse(updated.body)).toMatchObject({ name: 'Renamed', status: 'disabled', settings: { validatesPerLicensePerMinute: 7, maxIpsPerDay: 5 } });
    // Secret rotation is not an update field: it has its own routes.
    expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${app.appId}`, { body: { rotateAppSecret: true } }), 400, 'bad_request');

    const rotated = await v1(account.apiKey, 'POST', `/apps/${app.appId}/app-secret`);
    expectStatus(rotated, 200);
    expect(rotated.body.appSecret).not.toBe(created.body.appSecret);
    const payment = await v1(account.apiKey, 'POST', `/apps/${app.appId}/payment-secret`);
    expectStatus(payment, 200);
    expect(String(payment.body.paymentSecret).length).toBeGreaterThan(20);
    const session = await v1(account.apiKey, 'POST', `/apps/${app.appId}/session-secret`);
    expectStatus(session, 200);
    expect(session.body.rotated).toBe(true);
  });

  it('the rotated app secret is the one the SDK door accepts', async () => {
    const { account, app, appId } = await tenant();
    const licenseKey = String(((await v1(account.apiKey, 'POST', '/licenses', { body: { appId } })).body.licenses as Array<{ licenseKey: string }>)[0]?.licenseKey);
    const rotated = await v1(account.apiKey, 'POST', `/apps/${appId}/app-secret`);
    expectStatus(rotated, 200);
    const validate = (appSecret: string) => call('auth', { path: '/validate', body: { appId, appSecret, licenseKey, hwid: uniqueHwid(), nonce: uniqueNonce() } });
    expect((await validate(app.appSecret)).status).toBe(401);
    expect((await validate(String(rotated.body.appSecret))).status).toBe(200);
  });

  it('refuses bad input with 400 and another account with 403', async () => {
    const a = await tenant();
    const b = await tenant();
    expectV1Error(await v1(a.account.apiKey, 'POST', '/apps', { body: {} }), 400, 'bad_request');
    expectV1Error(await v1(a.account.apiKey, 'POST', '/apps', { body: { name: 'x', slug: 'Not A Slug' } }), 400, 'bad_request');
    expectV1Error(await v1(a.account.apiKey, 'GET', '/apps/not-an-id'), 400, 'bad_request');
    expectV1Error(await v1(a.account.apiKey, 'GET', '/apps', { query: { limit: '0' } }), 400, 'bad_request');
    expectV1Error(await v1(b.account.apiKey, 'GET', '/apps', { query: { accountId: a.account.accountId } }), 403, 'forbidden');
    expectV1Error(await v1(b.account.apiKey, 'POST', '/apps', { body: { name: 'planted', accountId: a.account.accountId } }), 403, 'forbidden');
    expectV1Error(await v1(b.account.apiKey, 'GET', `/apps/${a.appId}`), 403, 'forbidden');
    expectV1Error(await v1(b.account.apiKey, 'POST', `/apps/${a.appId}/app-secret`), 403, 'forbidden');
  });
});

describe('variants', () => {
  it('creates, lists and updates variants of an app; a variant reached through another app is not found', async () => {
    const { account, appId } = await tenant();
    const created = await v1(account.apiKey, 'POST', `/apps/${appId}/variants`, { body: { name: 'Pro', maxHwidSlots: 3, durationDays: 365 } });
    expectStatus(created, 201);
    const variant = variantResponse.parse(created.body.variant);
    expect(variant).toMatchObject({ name: 'Pro', maxHwidSlots: 3, durationDays: 365, productId: appId, status: 'active' });
    const listed = await v1(account.apiKey, 'GET', `/apps/${appId}/variants`);
    expectStatus(listed, 200);
    expect(listed.body).toEqual({ variants: [variant], cursor: null });
    const updated = await v1(account.apiKey, 'PUT', `/apps/${appId}/variants/${variant.variantId}`, { body: { maxHwidSlots: 5, disabled: true } });
    expectStatus(updated, 200);
    expect(variantResponse.parse(updated.body.variant)).toMatchObject({ maxHwidSlots: 5, status: 'disabled' });

    const other = await v1(account.apiKey, 'POST', '/apps', { body: { name: 'Other' } });
    expectStatus(other, 201);
    const otherId = String((other.body.app as { appId: string }).appId);
    expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${otherId}/variants/${variant.variantId}`, { body: { maxHwidSlots: 2 } }), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'POST', `/apps/${appId}/variants`, { body: { name: 'Bad', maxHwidSlots: 99 } }), 400, 'bad_request');
    expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${appId}/variants/${variant.variantId}`, { body: { unknown: 1 } }), 400, 'bad_request');

    const b = await tenant();
    expectV1Error(await v1(b.account.apiKey, 'GET', `/apps/${appId}/variants`), 403, 'forbidden');
    expectV1Error(await v1(b.account.apiKey, 'PUT', `/apps/${appId}/variants/${variant.variantId}`, { body: { maxHwidSlots: 1 } }), 403, 'forbidden');
  });
});

describe('API keys', () => {
  it('lists, creates (shown once) and revokes keys of the account; a revoked key is refused at once', async () => {
    const { account } = await tenant();
    const path = `/accounts/${account.accountId}/api-keys`;
    const created = await v1(account.apiKey, 'POST', path, { body: { name: 'CI', role: 'read' } });
    expectStatus(created, 201);
    const key = createdApiKeyResponse.parse(created.body);
    expect(key).toMatchObject({ name: 'CI', role: 'read', status: 'active', accountId: account.accountId });
    const listed = await v1(account.apiKey, 'GET', path);
    expectStatus(listed, 200);
    expect(listed.text).not.toContain(key.apiKey);
    expect((listed.body.apiKeys as Array<{ keyId: string }>).map((entry) => entry.keyId)).toContain(key.keyId);
    // A read key reads, and may not manage keys.
    expectStatus(await v1(key.apiKey, 'GET', '/apps'), 200);
    expectV1Error(await v1(key.apiKey, 'POST', path, { body: { name: 'escalate', role: 'admin' } }), 403, 'forbidden');

    const revoked = await v1(account.apiKey, 'DELETE', `${path}/${key.keyId}`);
    expectStatus(revoked, 200);
    expect(revoked.body.status).toBe('revoked');
    expectV1Error(await v1(key.apiKey, 'GET', '/apps'), 401, 'unauthorized');
    // Revoked in storage too: the key's document carries revokedAt; the account counts one active key.
    expect(await storedRevokedAt(key.apiKey)).toBeInstanceOf(Timestamp);
    expect((await testDb().collection('accounts').doc(account.accountId).get()).get('activeApiKeys')).toBe(1);

    expectV1Error(await v1(account.apiKey, 'POST', path, { body: { name: 'x', role: 'root' } }), 400, 'bad_request');
    const b = await tenant();
    expectV1Error(await v1(b.account.apiKey, 'GET', path), 403, 'forbidden');
    expectV1Error(await v1(b.account.apiKey, 'POST', path, { body: { name: 'planted' } }), 403, 'forbidden');
    expectV1Error(await v1(b.account.apiKey, 'DELETE', `${path}/${account.keyId}`), 403, 'forbidden');
    // B's own account path cannot reach A's key either.
    expectV1Error(await v1(b.account.apiKey, 'DELETE', `/accounts/${b.account.accountId}/api-keys/${account.keyId}`), 404, 'not_found');
    expectStatus(await v1(account.apiKey, 'GET', '/apps'), 200);
    expect(await storedRevokedAt(account.apiKey)).toBeNull();
  });
});

describe('credits', () => {
  it('answers the balance of the account; another account gets 403', async () => {
    const { account } = await tenant();
    const response = await v1(account.apiKey, 'GET', `/accounts/${account.accountId}/credits`);
    expectStatus(response, 200);
    expect(response.body).toMatchObject({ accountId: account.accountId, unlimited: expect.any(Boolean), balance: expect.any(Number) });
    const b = await tenant();
    expectV1Error(await v1(b.account.apiKey, 'GET', `/accounts/${account.accountId}/credits`), 403, 'forbidden');
    expectV1Error(await v1(account.apiKey, 'GET', '/accounts/nope/credits'), 400, 'bad_request');
  });
});

describe('discount and trial codes', () => {
  it('creates, lists, updates and deletes codes under the account', async () => {
    const { account, appId } = await tenant();
    const path = `/accounts/${account.accountId}/discount-codes`;
    const created = await v1(account.apiKey, 'POST', path, { body: { productId: appId, code: 'spring25', percentOff: 25 } });
    expectStatus(created, 201);
    expect(discountCodeResponse.parse(created.body.discountCode)).toMatchObject({ code: 'SPRING25', percentOff: 25, kind: 'discount', active: true });
    const trial = await v1(account.apiKey, 'POST', path, { body: { productId: appId, code: 'TRY7', kind: 'trial', trialDays: 7, maxRedemptions: 10 } });
    expectStatus(trial, 201);
    expectV1Error(await v1(account.apiKey, 'POST', path, { body: { productId: appId, code: 'SPRING25', percentOff: 10 } }), 409, 'conflict');
    expectV1Error(await v1(account.apiKey, 'POST', path, { body: { productId: appId, code: 'BAD', kind: 'trial' } }), 400, 'bad_request');

    const listed = await v1(account.apiKey, 'GET', path, { query: { appId } });
    expectStatus(listed, 200);
    expect((listed.body.discountCodes as Array<{ code: string }>).map((code) => code.code)).toEqual(['SPRING25', 'TRY7']);

    const updated = await v1(account.apiKey, 'PUT', `${path}/spring25`, { body: { active: false, maxRedemptions: 3 } });
    expectStatus(updated, 200);
    expect(updated.body.discountCode).toMatchObject({ code: 'SPRING25', active: false, maxRedemptions: 3 });
    expectV1Error(await v1(account.apiKey, 'PUT', `${path}/spring25`, { body: { percentOff: 500 } }), 400, 'bad_request');
    expectV1Error(await v1(account.apiKey, 'PUT', `${path}/a`, { body: { active: true } }), 400, 'bad_request');

    expectStatus(await v1(account.apiKey, 'DELETE', `${path}/SPRING25`), 200);
    expectV1Error(await v1(account.apiKey, 'DELETE', `${path}/SPRING25`), 404, 'not_found');

    const b = await tenant();
    expectV1Error(await v1(b.account.apiKey, 'GET', path), 403, 'forbidden');
    expectV1Error(await v1(b.account.apiKey, 'PUT', `${path}/TRY7`, { body: { active: false } }), 403, 'forbidden');
    expectV1Error(await v1(b.account.apiKey, 'DELETE', `${path}/TRY7`), 403, 'forbidden');
    // B cannot plant a code on A's app through its own account either.
    expectV1Error(await v1(b.account.apiKey, 'POST', `/accounts/${b.account.accountId}/discount-codes`, { body: { productId: appId, code: 'PLANT', percentOff: 5 } }), 403, 'forbidden');
    expect((await v1(account.apiKey, 'GET', path)).body.discountCodes).toEqual([expect.objectContaining({ code: 'TRY7', active: true })]);
  });
});

describe('client bans', () => {
  it('lists the reports an SDK made (pending until confirmed), confirms one app-wide and lifts it, which the SDK door then admits again', async () => {
    const { account, app, appId } = await tenant();
    const licenseKey = String(((await v1(account.apiKey, 'POST', '/licenses', { body: { appId, maxHwidSlots: 3 } })).body.licenses as Array<{ licenseKey: string }>)[0]?.licenseKey);
    const banned = uniqueHwid();
    // Only a device bound to the license may report itself.
    expect((await call('auth', { path: '/validate', body: { appId, appSecret: app.appSecret, licenseKey, hwid: banned, nonce: uniqueNonce() } })).status).toBe(200);
    const ban = await call('auth', {
      path: '/selfban',
      body: { appId, appSecret: app.appSecret, licenseKey, hwid: banned, nonce: uniqueNonce(), revokeLicense: false, blacklistHwid: true, blacklistIp: false },
    });
    expect(ban.status, ban.text).toBe(200);
    const listed = await v1(account.apiKey, 'GET', `/apps/${appId}/client-bans`);
    expectStatus(listed, 200);
    expect(clientBansResponse.parse(listed.body)).toEqual({
      appId, clientBans: { hwids: [], ips: [] }, pending: [{ type: 'hwid', value: banned, licenseKey, reportedAt: expect.any(String) as string }],
    });
    const validate = () => call('auth', { path: '/validate', body: { appId, appSecret: app.appSecret, licenseKey, hwid: banned, nonce: uniqueNonce() } });
    // Banned on the reporting license already.
    expect((await validate()).status).toBe(403);
    const confirmed = await v1(account.apiKey, 'POST', `/apps/${appId}/client-bans`, { body: { type: 'hwid', value: banned } });
    expectStatus(confirmed, 200);
    expect(confirmed.body).toEqual({ appId, clientBans: { hwids: [banned], ips: [] }, pending: [] });
    // The security view shows them too.
    expect((await v1(account.apiKey, 'GET', `/apps/${appId}/security`)).body.clientBans).toEqual({ hwids: [banned], ips: [] });
    expect((await validate()).status).toBe(403);
    expectV1Error(await v1(account.apiKey, 'DELETE', `/apps/${appId}/client-bans`, { query: { type: 'mac', value: banned } }), 400, 'bad_request');
    const b = await tenant();
    expectV1Error(await v1(b.account.apiKey, 'GET', `/apps/${appId}/client-bans`), 403, 'forbidden');
    expectV1Error(await v1(b.account.apiKey, 'DELETE', `/apps/${appId}/client-bans`, { query: { type: 'hwid', value: banned } }), 403, 'forbidden');

    const lifted = await v1(account.apiKey, 'DELETE', `/apps/${appId}/client-bans`, { query: { type: 'hwid', value: banned } });
    expectStatus(lifted, 200);
    expect(lifted.body).toEqual({ appId, clientBans: { hwids: [], ips: [] }, pending: [] });
    expect((await validate()).status).toBe(200);
  });
});
