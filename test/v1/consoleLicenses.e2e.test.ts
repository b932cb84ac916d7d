/**
 * v1 license routes the console adds: list filters and search, releasing one device, simulating
 * a check (which writes nothing), and an app's overview. Over real HTTP.
 */
import { describe, expect, it } from 'vitest';
import { appOverviewResponse, simulateResponse } from '../../functions/src/schemas/console.js';
import { testDb } from '../support/firestore.js';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { asLicense, createV1License, createV1Licenses, expectStatus, expectV1Error, licensesOf, tenant, v1, type Tenant } from './v1Support.js';

const keysOf = (response: Awaited<ReturnType<typeof v1>>) => licensesOf(response).map((license) => license.licenseKey).sort();
const sdkValidate = (t: Tenant, licenseKey: string, hwid: string) =>
  call('auth', { path: '/validate', body: { appId: t.appId, appSecret: t.app.appSecret, licenseKey, hwid, nonce: uniqueNonce() } });

describe('GET /licenses filters and search', () => {
  it('filters by status, variant and expiry, with cursors; unsupported combinations answer 400', async () => {
    const t = await tenant();
    const key = t.account.apiKey;
    const variant = await v1(key, 'POST', `/apps/${t.appId}/variants`, { body: { name: 'Yearly', durationDays: 365 } });
    expectStatus(variant, 201);
    const variantId = String((variant.body.variant as { variantId: string }).variantId);
    const soon = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const past = new Date(Date.now() - 86_400_000).toISOString();
    const fromVariant = (await createV1Licenses(key, t.appId, { variantId, quantity: 3 })).map((license) => license.licenseKey);
    const expiringSoon = await createV1License(key, t.appId, { expiresAt: soon });
    const expired = await createV1License(key, t.appId, { expiresAt: past });
    const lifetime = await createV1License(key, t.appId);
    const revoked = await createV1License(key, t.appId, { variantId });
    expectStatus(await v1(key, 'PUT', `/licenses/${revoked}`, { body: { action: 'revoke' } }), 200);
    const list = (query: Record<string, string>) => v1(key, 'GET', '/licenses', { query: { appId: t.appId, ...query } });

    expect(keysOf(await list({ status: 'revoked' }))).toEqual([revoked]);
    expect(keysOf(await list({ status: 'expired' }))).toEqual([expired]);
    expect(keysOf(await list({ status: 'active' }))).toEqual([...fromVariant, expiringSoon, lifetime].sort());
    expect(keysOf(await list({ variantId }))).toEqual([...fromVariant, revoked].sort());
    expect(keysOf(await list({ variantId, status: 'active' }))).toEqual([...fromVariant].sort());
    expect(keysOf(await list({ variantId, status: 'revoked' }))).toEqual([revoked]);
    const in30Days = new Date(Date.now() + 30 * 86_400_000).toISOString();
    // Sorted by expiry: the expired one first, then the one expiring in 5 days.
    const expiring = await list({ expiresBefore: in30Days });
    expect(licensesOf(expiring).map((license) => license.licenseKey)).toEqual([expired, expiringSoon]);
    expect(keysOf(await list({ expiresBefore: in30Days, status: 'active' }))).toEqual([expiringSoon]);
    expect(keysOf(await list({ expiresBefore: new Date(Date.now() + 400 * 86_400_000).toISOString(), variantId, status: 'active' }))).toEqual([...fromVariant].sort());
    expect(keysOf(await list({ expiresBefore: in30Days, variantId }))).toEqual([]);

    // Cursor pages through a filter.
    const first = await list({ variantId, limit: '2' });
    expectStatus(first, 200);
    const second = await list({ variantId, limit: '2', cursor: String(first.body.cursor) });
    expect([...keysOf(first), ...keysOf(second)].sort()).toEqual([...fromVariant, revoked].sort());
    expect(second.body.cursor).toBeNull();

    expectV1Error(await list({ status: 'gone' }), 400, 'bad_request');
    expectV1Error(await list({ expiresBefore: 'tomorrow' }), 400, 'bad_request');
    expectV1Error(await list({ variantId: 'nope' }), 400, 'bad_request');
    expectV1Error(await list({ q: 'x', status: 'active' }), 400, 'bad_request');
    expectV1Error(await list({ cursor: 'garbage' }), 400, 'bad_request');
  });

  it('q finds a license by key prefix, exact email, bound HWID, label and order id', async () => {
    const t = await tenant();
    const key = t.account.apiKey;
    const marker = uniqueHwid();
    const byEmail = await createV1License(key, t.appId, { email: `${marker}@example.com` });
    const byLabel = await createV1License(key, t.appId, { label: `label-${marker}` });
    const byHwid = await createV1License(key, t.appId, { maxHwidSlots: 2 });
    expect((await sdkValidate(t, byHwid, marker)).status).toBe(200);
    const orderId = `order-${marker}`;
    const paymentSecret = String((await v1(key, 'POST', `/apps/${t.appId}/payment-secret`)).body.paymentSecret);
    const order = await call('paymentWebhook', { headers: { 'x-webhook-secret': paymentSecret }, body: { orderId, appId: t.appId, email: 'buyer@example.com', label: 'from an order' } });
    expect(order.status, order.text).toBe(200);
    const search = (q: string) => v1(key, 'GET', '/licenses', { query: { appId: t.appId, q } });

    expect(keysOf(await search(`${marker}@example.com`))).toEqual([byEmail]);
    expect(keysOf(await search(`label-${marker}`))).toEqual([byLabel]);
    expect(keysOf(await search(marker))).toEqual([byHwid]);
    const fromOrder = keysOf(await search(orderId));
    expect(fromOrder).toHaveLength(1);
    expect(asLicense(await v1(key, 'GET', `/licenses/${fromOrder[0] ?? ''}`)).email).toBe('buyer@example.com');
    expect(keysOf(await search(byLabel.slice(0, 9)))).toContain(byLabel);
    expect(keysOf(await search(byLabel.slice(0, 9).toLowerCase()))).toContain(byLabel);
    expect(keysOf(await search(byLabel))).toEqual([byLabel]);
    expect(keysOf(await search('nothing-matches-this'))).toEqual([]);

    // Another tenant's search never finds these.
    const b = await tenant();
    expect(keysOf(await v1(b.account.apiKey, 'GET', '/licenses', { query: { appId: b.appId, q: marker } }))).toEqual([]);
    expectV1Error(await v1(b.account.apiKey, 'GET', '/licenses', { query: { appId: t.appId, q: marker } }), 403, 'forbidden');
  });

  it('a search pages by key with a cursor', async () => {
    const t = await tenant();
    const label = `batch-${uniqueHwid()}`;
    const made = (await createV1Licenses(t.account.apiKey, t.appId, { quantity: 5, label })).map((license) => license.licenseKey).sort();
    const page = (cursor?: string) => v1(t.account.apiKey, 'GET', '/licenses', { query: { appId: t.appId, q: label, limit: '2', ...(cursor ? { cursor } : {}) } });
    const seen: string[] = [];
    let response = await page();
    for (;;) {
      expectStatus(response, 200);
      seen.push(...licensesOf(response).map((license) => license.licenseKey));
      if (response.body.cursor === null) break;
      response = await page(String(response.body.cursor));
    }
    expect(seen).toEqual(made);
  });
});

describe('DELETE /licenses/:licenseKey/devices/:hwid', () => {
  it('releases one device: its seat is freed, its session ends (the next heartbeat is refused), the other device keeps its seat', async () => {
    const t = await tenant();
    const licenseKey = await createV1License(t.account.apiKey, t.appId, { maxHwidSlots: 2 });
    const [kept, released] = [uniqueHwid(), uniqueHwid()];
    expect((await sdkValidate(t, licenseKey, kept)).status).toBe(200);
    const validated = await sdkValidate(t, licenseKey, released);
    expect(validated.status).toBe(200);
    const sessionToken = String(JSON.parse(Buffer.from(String(validated.body.payload), 'base64').toString('utf8')).sessionToken);

    const before = asLicense(await v1(t.account.apiKey, 'GET', `/licenses/${licenseKey}`));
    expect(before.devices.map((device) => device.hwid).sort()).toEqual([kept, released].sort());
    expect(before.devices[0]).toMatchObject({ boundAt: expect.any(String), lastSeenAt: expect.any(String) });

    const b = await tenant();
    expectV1Error(await v1(b.account.apiKey, 'DELETE', `/licenses/${licenseKey}/devices/${released}`), 403, 'forbidden');
    const response = await v1(t.account.apiKey, 'DELETE', `/licenses/${licenseKey}/devices/${released}`);
    expectStatus(response, 200);
    expect(asLicense(response).hwidList).toEqual([kept]);
    expectV1Error(await v1(t.account.apiKey, 'DELETE', `/licenses/${licenseKey}/devices/${released}`), 404, 'not_found');

    const heartbeat = await call('auth', { path: '/heartbeat', body: { appId: t.appId, sessionToken, nonce: uniqueNonce(), hwid: released } });
    expect(heartbeat.status, heartbeat.text).toBe(401);
    expect(heartbeat.body).toMatchObject({ status: 'failed', error: 'session_expired' });
    const logs = await v1(t.account.apiKey, 'GET', `/licenses/${licenseKey}/logs`);
    expectStatus(logs, 200);
    // The event is recorded with the change.
    const events = await testDb().collection('events').where('licenseKey', '==', licenseKey).where('type', '==', 'license.hwid_reset').get();
    expect(events.docs.map((doc) => doc.data().data)).toEqual([expect.objectContaining({ hwid: released, reason: 'released' })]);
  });
});

describe('POST /licenses/:licenseKey/simulate', () => {
  it('answers what each door would say and which rule decided, writing nothing', async () => {
    const t = await tenant();
    const key = t.account.apiKey;
    const licenseKey = await createV1License(key, t.appId, { maxHwidSlots: 1 });
    const bound = uniqueHwid();
    expect((await sdkValidate(t, licenseKey, bound)).status).toBe(200);
    expectStatus(await v1(key, 'POST', `/apps/${t.appId}/security/blacklist`, { body: { type: 'ip', value: '203.0.113.0/24' } }), 200);
    const db = testDb();
    const licenseRef = db.collection('licenses').doc(licenseKey);
    const appRef = db.collection('apps').doc(t.appId);
    const state = async () => ({
      license: (await licenseRef.get()).updateTime?.toMillis(),
      app: (await appRef.get()).updateTime?.toMillis(),
      logs: (await db.collection('authLogs').where('appId', '==', t.appId).count().get()).data().count,
      events: (await db.collection('events').where('licenseKey', '==', licenseKey).count().get()).data().count,
    });
    const before = await state();
    const simulate = async (body: Record<string, unknown>) => {
      const response = await v1(key, 'POST', `/licenses/${licenseKey}/simulate`, { body });
      expectStatus(response, 200);
      return simulateResponse.parse(response.body);
    };

    expect(await simulate({ hwid: bound })).toMatchObject({ status: 'ok', httpStatus: 200, error: null, rule: 'admitted', wouldBindDevice: false, ipChecked: false });
    expect(await simulate({ hwid: uniqueHwid() })).toMatchObject({ status: 'failed', httpStatus: 403, error: 'hwid_mismatch', rule: 'seat_limit' });
    expect(await simulate({ hwid: bound, ip: '203.0.113.9' })).toMatchObject({ status: 'failed', httpStatus: 403, error: 'blocked', rule: 'blacklist', ipChecked: true });
    expect(await simulate({ hwid: bound, ip: '198.51.100.1', door: 'validate' })).toMatchObject({ status: 'ok', rule: 'admitted' });
    expect(await simulate({ hwid: uniqueHwid(), door: 'validate' })).toMatchObject({ status: 'failed', error: 'session_expired', httpStatus: 401, rule: 'device_not_activated' });
    expect(await simulate({ hwid: uniqueHwid(), door: 'activate' })).toMatchObject({ status: 'failed', error: 'hwid_mismatch', httpStatus: 403, rule: 'seat_limit' });
    expect(await state()).toEqual(before);

    expectStatus(await v1(key, 'PUT', `/licenses/${licenseKey}`, { body: { action: 'revoke' } }), 200);
    const revokedState = await state();
    expect(await simulate({ hwid: bound })).toMatchObject({ status: 'failed', httpStatus: 410, error: 'revoked', rule: 'license_revoked' });
    expect(await simulate({ hwid: bound, door: 'activate' })).toMatchObject({ status: 'failed', httpStatus: 403, error: 'revoked' });
    expect(await state()).toEqual(revokedState);

    expectV1Error(await v1(key, 'POST', `/licenses/${licenseKey}/simulate`, { body: {} }), 400, 'bad_request');
    expectV1Error(await v1(key, 'POST', `/licenses/${licenseKey}/simulate`, { body: { hwid: bound, ip: 'not-an-ip' } }), 400, 'bad_request');
    expectV1Error(await v1(key, 'POST', `/licenses/${licenseKey}/simulate`, { body: { hwid: bound, door: 'fax' } }), 400, 'bad_request');
    const b = await tenant();
    expectV1Error(await v1(b.account.apiKey, 'POST', `/licenses/${licenseKey}/simulate`, { body: { hwid: bound } }), 403, 'forbidden');
  });

  it('a new machine on a free seat would be bound; a disabled app refuses', async () => {
    const t = await tenant();
    const licenseKey = await createV1License(t.account.apiKey, t.appId, { maxHwidSlots: 2 });
    const simulate = async () => simulateResponse.parse((await v1(t.account.apiKey, 'POST', `/licenses/${licenseKey}/simulate`, { body: { hwid: uniqueHwid() } })).body);
    expect(await simulate()).toMatchObject({ status: 'ok', wouldBindDevice: true });
    expect(asLicense(await v1(t.account.apiKey, 'GET', `/licenses/${licenseKey}`)).hwidList).toEqual([]);
    expectStatus(await v1(t.account.apiKey, 'PUT', `/apps/${t.appId}`, { body: { disabled: true } }), 200);
    expect(await simulate()).toMatchObject({ status: 'failed', error: 'app_disabled', rule: 'app_disabled', httpStatus: 403 });
  });
});

describe('GET /apps/:appId/overview', () => {
  it('counts licenses by status, expiring soon, checks per day, refusals by code and the credit balance', async () => {
    const t = await tenant();
    const key = t.account.apiKey;
    const active = await createV1License(key, t.appId, { maxHwidSlots: 1 });
    await createV1License(key, t.appId, { expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    await createV1License(key, t.appId, { expiresAt: new Date(Date.now() - 86_400_000).toISOString() });
    const revoked = await createV1License(key, t.appId);
    expectStatus(await v1(key, 'PUT', `/licenses/${revoked}`, { body: { action: 'revoke' } }), 200);
    expect((await sdkValidate(t, active, uniqueHwid())).status).toBe(200);
    expect((await sdkValidate(t, active, uniqueHwid())).status).toBe(403);
    expect((await sdkValidate(t, revoked, uniqueHwid())).status).toBe(410);

    const started = Date.now();
    const response = await v1(key, 'GET', `/apps/${t.appId}/overview`);
    const elapsedMs = Date.now() - started;
    expectStatus(response, 200);
    const overview = appOverviewResponse.parse(response.body);
    expect(overview.licenses).toEqual({ active: 2, expired: 1, revoked: 1, expiringNext30Days: 1 });
    expect(overview.validationsPerDay).toHaveLength(30);
    expect(overview.validationsPerDay.at(-1)).toEqual({ date: new Date().toISOString().slice(0, 10), count: 1 });
    expect(overview.validationsPerDay.reduce((sum, day) => sum + day.count, 0)).toBe(1);
    expect(overview.failedChecksByCode.sort((a, b) => a.code.localeCompare(b.code))).toEqual([
      { code: 'hwid_mismatch', count: 1 },
      { code: 'revoked', count: 1 },
    ]);
    expect(overview.credits).toMatchObject({ accountId: t.account.accountId, balance: expect.any(Number) });
    // About 55 count() aggregations side by side: well under a second on the local stack.
    expect(elapsedMs).toBeLessThan(5_000);

    const b = await tenant();
    expectV1Error(await v1(b.account.apiKey, 'GET', `/apps/${t.appId}/overview`), 403, 'forbidden');
    expectV1Error(await v1(key, 'GET', '/apps/bad/overview'), 400, 'bad_request');
  });
});
