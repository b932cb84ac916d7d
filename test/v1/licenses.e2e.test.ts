/**
 * Developer REST API, licenses (seeds 001–003): create, list, get, update actions, delete,
 * logs, and every documented error in the `{error, message}` shape.
 */
import { describe, expect, it } from 'vitest';
import { adminSecret, call } from '../support/http.js';
import { uniqueHwid } from '../support/fixtures.js';
import {
  asLicense,
  clientActivate,
  clientVerify,
  createV1License,
  createV1Licenses,
  expectStatus,
  expectV1Error,
  getV1License,
  licensesOf,
  tenant,
  unknownApiKey,
  unknownAppId,
  unknownLicenseKey,
  v1,
  type LogEntry,
} from './v1Support.js';

const keyPattern = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}(-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}){3}$/;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

async function countLicenses(apiKey: string, appId: string): Promise<number> {
  const response = await v1(apiKey, 'GET', '/licenses', { query: { appId, limit: '200' } });
  expectStatus(response, 200);
  return licensesOf(response).length;
}

describe('POST /v1/licenses', () => {
  it('creates one license with the seed 002 defaults: 201 {licenses:[…]}', async () => {
    const { account, appId } = await tenant();
    const response = await v1(account.apiKey, 'POST', '/licenses', { body: { appId } });
    expectStatus(response, 201);
    expect(Object.keys(response.body)).toEqual(['licenses']);
    const [license] = licensesOf(response);
    expect(licensesOf(response)).toHaveLength(1);
    expect(license).toMatchObject({
      appId,
      productId: appId,
      status: 'active',
      label: null,
      expiresAt: null,
      maxHwidSlots: 1,
      unlimitedHwidSlots: false,
      hwidList: [],
      hwidCount: 0,
      variables: {},
    });
    expect(license?.licenseKey).toMatch(keyPattern);
    expect(await getV1License(account.apiKey, String(license?.licenseKey))).toEqual(license);
  });

  it('creates a batch with every option', async () => {
    const { account, appId } = await tenant();
    const label = 'L'.repeat(128);
    // Five years ahead, written with an offset: stored and answered in UTC.
    const year = new Date().getUTCFullYear() + 5;
    const licenses = await createV1Licenses(account.apiKey, appId, {
      quantity: 3,
      expiresAt: `${year}-06-30T12:00:00+02:00`,
      maxHwidSlots: 16,
      unlimitedHwidSlots: true,
      label,
    });
    expect(licenses).toHaveLength(3);
    expect(new Set(licenses.map((license) => license.licenseKey)).size).toBe(3);
    for (const license of licenses) {
      expect(license).toMatchObject({ expiresAt: `${year}-06-30T10:00:00.000Z`, maxHwidSlots: 16, unlimitedHwidSlots: true, label, status: 'active' });
    }
  });

  it('accepts the bounds: quantity 100 and maxHwidSlots 1', async () => {
    const { account, appId } = await tenant();
    const licenses = await createV1Licenses(account.apiKey, appId, { quantity: 100, maxHwidSlots: 1 });
    expect(licenses).toHaveLength(100);
    expect(new Set(licenses.map((license) => license.licenseKey)).size).toBe(100);
    expect(await countLicenses(account.apiKey, appId)).toBe(100);
  });

  it('answers 400 bad_request for bad JSON, wrong types and out-of-range values, and writes nothing', async () => {
    const { account, appId } = await tenant();
    expectV1Error(await v1(account.apiKey, 'POST', '/licenses', { rawBody: '{"appId": "' }), 400, 'bad_request');
    expectV1Error(await v1(account.apiKey, 'POST', '/licenses', { rawBody: '[1,2,3]' }), 400, 'bad_request');
    expectV1Error(await v1(account.apiKey, 'POST', '/licenses', { rawBody: '"just a string"' }), 400, 'bad_request');
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /appId/],
      [{ appId: 42 }, /appId/],
      [{ appId: 'has spaces' }, /appId/],
      [{ appId, quantity: 0 }, /quantity/],
      [{ appId, quantity: 101 }, /quantity/],
      [{ appId, quantity: 2.5 }, /quantity/],
      [{ appId, quantity: '5' }, /quantity/],
      [{ appId, maxHwidSlots: 0 }, /maxHwidSlots/],
      [{ appId, maxHwidSlots: 17 }, /maxHwidSlots/],
      [{ appId, maxHwidSlots: '2' }, /maxHwidSlots/],
      [{ appId, label: 'x'.repeat(129) }, /label/],
      [{ appId, label: 7 }, /label/],
      [{ appId, expiresAt: 'next tuesday' }, /expiresAt/],
      [{ appId, expiresAt: 1_900_000_000 }, /expiresAt/],
      // Valid ISO 8601, but outside what Firestore can store: a 400, never a 500.
      [{ appId, expiresAt: '0000-01-01T00:00:00Z' }, /expiresAt/],
      [{ appId, expiresAt: '9999-12-31T23:59:59-01:00' }, /expiresAt/],
      [{ appId, unlimitedHwidSlots: 'yes' }, /unlimitedHwidSlots/],
      [{ appId, surprise: true }, /surprise/],
    ];
    for (const [body, mentions] of bad) {
      const response = await v1(account.apiKey, 'POST', '/licenses', { body });
      expectV1Error(response, 400, 'bad_request');
      expect(String(response.body.message), JSON.stringify(body)).toMatch(mentions);
    }
    expect(await countLicenses(account.apiKey, appId)).toBe(0);
  });

  it('answers 415 for a body that is not sent as JSON', async () => {
    const { account, appId } = await tenant();
    const response = await v1(account.apiKey, 'POST', '/licenses', { rawBody: JSON.stringify({ appId }), headers: { 'content-type': 'text/plain' } });
    expectV1Error(response, 415, 'unsupported_media_type');
    expect(await countLicenses(account.apiKey, appId)).toBe(0);
  });

  it('answers 404 not_found for an unknown app', async () => {
    const { account } = await tenant();
    expectV1Error(await v1(account.apiKey, 'POST', '/licenses', { body: { appId: unknownAppId() } }), 404, 'not_found');
  });

  it('accepts the extreme dates Firestore can store', async () => {
    const { account, appId } = await tenant();
    const [ancient] = await createV1Licenses(account.apiKey, appId, { expiresAt: '0001-01-01T00:00:00Z' });
    expect(ancient).toMatchObject({ expiresAt: '0001-01-01T00:00:00.000Z', status: 'expired' });
    const [distant] = await createV1Licenses(account.apiKey, appId, { expiresAt: '9999-12-31T23:59:59Z' });
    expect(distant).toMatchObject({ expiresAt: '9999-12-31T23:59:59.000Z', status: 'active' });
  });
});

describe('authentication', () => {
  it('answers 401 unauthorized for a missing, malformed, unknown or non-Bearer key', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    const attempts = [
      () => v1(undefined, 'GET', `/licenses/${key}`),
      () => v1(undefined, 'POST', '/licenses', { body: { appId } }),
      () => v1(unknownApiKey(), 'GET', `/licenses/${key}`),
      () => v1('af_live_short', 'GET', `/licenses/${key}`),
      () => v1(undefined, 'GET', `/licenses/${key}`, { headers: { Authorization: `Basic ${Buffer.from(`x:${account.apiKey}`).toString('base64')}` } }),
      () => v1(undefined, 'GET', `/licenses/${key}`, { headers: { Authorization: 'Bearer' } }),
    ];
    for (const attempt of attempts) {
      const response = await attempt();
      expectV1Error(response, 401, 'unauthorized');
      expect(response.text).not.toContain(key);
    }
    expect(await countLicenses(account.apiKey, appId)).toBe(1);
  });

  it('answers 401 for a revoked key while the account’s other key keeps working', async () => {
    const { account, appId } = await tenant();
    const second = await call('createApiKey', { headers: { 'X-API-Key': account.apiKey }, body: { name: 'to be revoked' } });
    expectStatus(second, 200);
    const revokedKey = String(second.body.apiKey);
    const key = await createV1License(revokedKey, appId);

    const revoked = await call('revokeApiKey', { headers: { 'X-API-Key': account.apiKey }, body: { keyId: String(second.body.keyId) } });
    expectStatus(revoked, 200);
    const refused = await v1(revokedKey, 'GET', `/licenses/${key}`);
    expectV1Error(refused, 401, 'unauthorized');
    expect(refused.body.message).toMatch(/revoked/i);
    expect(refused.text).not.toContain(key);
    expectV1Error(await v1(revokedKey, 'POST', '/licenses', { body: { appId } }), 401, 'unauthorized');
    expect((await getV1License(account.apiKey, key)).licenseKey).toBe(key);
    expect(await countLicenses(account.apiKey, appId)).toBe(1);
  });

  it('lets the operator in with the admin secret as a Bearer token', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    const response = await call('v1', { path: `/licenses/${key}`, headers: { Authorization: `Bearer ${adminSecret()}` } });
    expectStatus(response, 200);
    expect(asLicense(response).licenseKey).toBe(key);
    expectV1Error(await call('v1', { path: `/licenses/${key}`, headers: { Authorization: 'Bearer not-the-admin-secret' } }), 401, 'unauthorized');
  });
});

describe('routing', () => {
  it('answers 404 not_found for unknown routes, with or without a key', async () => {
    const { account } = await tenant();
    for (const path of ['/nope', '/licenses/AAAA-BBBB-CCCC-DDDD/nope', '/appz', '/apps/app_12345678/unknown', '/']) {
      expectV1Error(await v1(account.apiKey, 'GET', path), 404, 'not_found');
      expectV1Error(await v1(undefined, 'GET', path), 404, 'not_found');
    }
  });

  it('answers 405 with Allow for a method a route does not serve', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    const patch = await v1(account.apiKey, 'PATCH', '/licenses', { body: { appId } });
    expectV1Error(patch, 405, 'method_not_allowed');
    expect(patch.headers.get('allow')).toMatch(/GET/);

    const deleteAll = await v1(account.apiKey, 'DELETE', '/licenses', { query: { appId } });
    expectV1Error(deleteAll, 405, 'method_not_allowed');
    expect((deleteAll.headers.get('allow') ?? '').split(/,\s*/).sort()).toEqual(['GET', 'POST']);

    const putAll = await v1(account.apiKey, 'PUT', '/licenses', { body: { action: 'revoke' } });
    expectV1Error(putAll, 405, 'method_not_allowed');

    const postOne = await v1(account.apiKey, 'POST', `/licenses/${key}`, { body: { action: 'revoke' } });
    expectV1Error(postOne, 405, 'method_not_allowed');
    expect((postOne.headers.get('allow') ?? '').split(/,\s*/).sort()).toEqual(['DELETE', 'GET', 'PUT']);

    const postVariables = await v1(account.apiKey, 'POST', `/apps/${appId}/variables`, { body: { variables: {} } });
    expectV1Error(postVariables, 405, 'method_not_allowed');
    // Nothing happened to the license or the app.
    expect(await countLicenses(account.apiKey, appId)).toBe(1);
    expect((await getV1License(account.apiKey, key)).status).toBe('active');
  });
});

describe('GET /v1/licenses', () => {
  it('pages with a cursor, oldest first, cursor null on the last page; default limit 50', async () => {
    const { account, appId } = await tenant();
    const created: string[] = [];
    for (let i = 0; i < 5; i += 1) created.push(await createV1License(account.apiKey, appId, { label: `n${i}` }));
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const response = await v1(account.apiKey, 'GET', '/licenses', { query: { appId, limit: '2', ...(cursor ? { cursor } : {}) } });
      expectStatus(response, 200);
      expect(Object.keys(response.body).sort()).toEqual(['cursor', 'licenses']);
      sizes.push(licensesOf(response).length);
      seen.push(...licensesOf(response).map((license) => license.licenseKey));
      cursor = response.body.cursor as string | null;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(created);

    const all = await v1(account.apiKey, 'GET', '/licenses', { query: { appId } });
    expect(licensesOf(all).map((license) => license.licenseKey)).toEqual(created);
    expect(all.body.cursor).toBeNull();
  });

  it('defaults to 50 per page', async () => {
    const { account, appId } = await tenant();
    await createV1Licenses(account.apiKey, appId, { quantity: 51 });
    const first = await v1(account.apiKey, 'GET', '/licenses', { query: { appId } });
    expect(licensesOf(first)).toHaveLength(50);
    expect(typeof first.body.cursor).toBe('string');
    const second = await v1(account.apiKey, 'GET', '/licenses', { query: { appId, cursor: String(first.body.cursor) } });
    expect(licensesOf(second)).toHaveLength(1);
    expect(second.body.cursor).toBeNull();
  });

  it('answers 400 for a missing appId, a bad limit, a bad cursor or an unknown parameter; 404 for an unknown app', async () => {
    const { account, appId } = await tenant();
    const forged = Buffer.from(JSON.stringify({ after: [{ nested: 'object' }] })).toString('base64url');
    const badQueries: Array<Record<string, string>> = [
      {},
      { appId, limit: '0' },
      { appId, limit: '201' },
      { appId, limit: 'many' },
      { appId, cursor: 'not-a-cursor!!' },
      { appId, cursor: forged },
      { appId, cursor: Buffer.from(JSON.stringify({ after: [1, 'a/b'] })).toString('base64url') },
      { appId, color: 'blue' },
    ];
    for (const query of badQueries) expectV1Error(await v1(account.apiKey, 'GET', '/licenses', { query }), 400, 'bad_request');
    expectV1Error(await v1(account.apiKey, 'GET', '/licenses', { query: { appId: unknownAppId() } }), 404, 'not_found');
  });
});

describe('GET /v1/licenses/:licenseKey', () => {
  it('returns the license at top level with hwidList, maxHwidSlots, status, expiresAt and label', async () => {
    const { account, appId } = await tenant();
    const expiresAt = inDays(30);
    const key = await createV1License(account.apiKey, appId, { maxHwidSlots: 3, label: 'order-77', expiresAt });
    const hwid = uniqueHwid();
    expectStatus(await clientActivate(key, hwid), 200);
    const response = await v1(account.apiKey, 'GET', `/licenses/${key}`);
    expectStatus(response, 200);
    expect(response.body).toMatchObject({ licenseKey: key, appId, hwidList: [hwid], hwidCount: 1, maxHwidSlots: 3, status: 'active', expiresAt, label: 'order-77' });
    expect(response.body).not.toHaveProperty('license');
    // Keys are typed by humans: lower case is forgiven.
    expect((await getV1License(account.apiKey, key.toLowerCase())).licenseKey).toBe(key);
  });

  it('answers 404 for an unknown key and 400 for something that is not a key', async () => {
    const { account } = await tenant();
    const unknown = unknownLicenseKey();
    const response = await v1(account.apiKey, 'GET', `/licenses/${unknown}`);
    expectV1Error(response, 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'GET', '/licenses/not-a-key'), 400, 'bad_request');
  });
});

describe('PUT /v1/licenses/:licenseKey', () => {
  it('revoke, activate, extend and reset-hwid change what GET shows', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId, { maxHwidSlots: 2 });
    const [h1, h2] = [uniqueHwid(), uniqueHwid()];

    const revoked = await v1(account.apiKey, 'PUT', `/licenses/${key}`, { body: { action: 'revoke' } });
    expectStatus(revoked, 200);
    expect(asLicense(revoked)).toMatchObject({ licenseKey: key, status: 'revoked' });
    expect((await getV1License(account.apiKey, key)).status).toBe('revoked');
    const refused = await clientActivate(key, h1);
    expect(refused.status, refused.text).toBe(403);

    const reactivated = await v1(account.apiKey, 'PUT', `/licenses/${key}`, { body: { action: 'activate' } });
    expectStatus(reactivated, 200);
    expect(asLicense(reactivated).status).toBe('active');
    expect((await getV1License(account.apiKey, key)).status).toBe('active');
    expectStatus(await clientActivate(key, h1), 200);
    expectStatus(await clientActivate(key, h2), 200);

    const until = `${new Date().getUTCFullYear() + 4}-01-01T00:00:00.000Z`;
    const extended = await v1(account.apiKey, 'PUT', `/licenses/${key}`, { body: { action: 'extend', expiresAt: until.replace('.000Z', 'Z') } });
    expectStatus(extended, 200);
    expect(asLicense(extended).expiresAt).toBe(until);
    expect(await getV1License(account.apiKey, key)).toMatchObject({ expiresAt: until, status: 'active' });

    const lapsed = await v1(account.apiKey, 'PUT', `/licenses/${key}`, { body: { action: 'extend', expiresAt: inDays(-1) } });
    expectStatus(lapsed, 200);
    expect((await getV1License(account.apiKey, key)).status).toBe('expired');
    expectStatus(await v1(account.apiKey, 'PUT', `/licenses/${key}`, { body: { action: 'extend', expiresAt: until } }), 200);

    expect((await getV1License(account.apiKey, key)).hwidList.sort()).toEqual([h1, h2].sort());
    const reset = await v1(account.apiKey, 'PUT', `/licenses/${key}`, { body: { action: 'reset-hwid' } });
    expectStatus(reset, 200);
    expect(asLicense(reset).hwidList).toEqual([]);
    expect(await getV1License(account.apiKey, key)).toMatchObject({ hwidList: [], hwidCount: 0, status: 'active', expiresAt: until });
  });

  it('revoke is idempotent and carries an optional reason', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    expectStatus(await v1(account.apiKey, 'PUT', `/licenses/${key}`, { body: { action: 'revoke', reason: 'chargeback' } }), 200);
    expectStatus(await v1(account.apiKey, 'PUT', `/licenses/${key}`, { body: { action: 'revoke' } }), 200);
    expect((await getV1License(account.apiKey, key)).status).toBe('revoked');
  });

  it('answers 400 for extend without expiresAt, an unknown action or a bad body, and changes nothing', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    const before = await getV1License(account.apiKey, key);
    const bodies: unknown[] = [
      { action: 'extend' },
      { action: 'extend', expiresAt: 'soon' },
      { action: 'extend', expiresAt: null },
      { action: 'extend', expiresAt: '0000-06-01T00:00:00Z' },
      { action: 'extend', expiresAt: '0001-01-01T00:30:00+01:00' },
      { action: 'explode' },
      { action: 'REVOKE' },
      {},
      { action: 'revoke', reason: 'r'.repeat(501) },
      { action: 'activate', extra: 1 },
    ];
    for (const body of bodies) expectV1Error(await v1(account.apiKey, 'PUT', `/licenses/${key}`, { body }), 400, 'bad_request');
    expectV1Error(await v1(account.apiKey, 'PUT', `/licenses/${key}`, { rawBody: '{"action":' }), 400, 'bad_request');
    expect(await getV1License(account.apiKey, key)).toEqual(before);
  });

  it('answers 404 for an unknown license', async () => {
    const { account } = await tenant();
    expectV1Error(await v1(account.apiKey, 'PUT', `/licenses/${unknownLicenseKey()}`, { body: { action: 'revoke' } }), 404, 'not_found');
  });
});

describe('DELETE /v1/licenses/:licenseKey', () => {
  it('deletes permanently: GET answers 404 afterwards, a second DELETE too', async () => {
    const { account, appId } = await tenant();
    const keep = await createV1License(account.apiKey, appId);
    const drop = await createV1License(account.apiKey, appId);
    const response = await v1(account.apiKey, 'DELETE', `/licenses/${drop}`);
    expectStatus(response, 200);
    expect(response.body).toEqual({ deleted: true, licenseKey: drop });
    expectV1Error(await v1(account.apiKey, 'GET', `/licenses/${drop}`), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'DELETE', `/licenses/${drop}`), 404, 'not_found');
    const listed = await v1(account.apiKey, 'GET', '/licenses', { query: { appId } });
    expect(licensesOf(listed).map((license) => license.licenseKey)).toEqual([keep]);
    // A deleted key no longer activates anywhere.
    expect((await clientActivate(String(drop), uniqueHwid())).status).toBe(404);
  });
});

describe('GET /v1/licenses/:licenseKey/logs', () => {
  it('lists the auth log newest first, page by page', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId, { maxHwidSlots: 3 });
    const [h1, h2] = [uniqueHwid(), uniqueHwid()];
    const steps: Array<{ action: string; hwid: string | null }> = [];
    expectStatus(await clientActivate(key, h1), 200);
    steps.push({ action: 'activate', hwid: h1 });
    expectStatus(await clientVerify(key), 200);
    steps.push({ action: 'verify', hwid: null });
    expectStatus(await clientActivate(key, h2), 200);
    steps.push({ action: 'activate', hwid: h2 });
    expectStatus(await clientVerify(key), 200);
    steps.push({ action: 'verify', hwid: null });
    expectStatus(await clientActivate(key, h1), 200);
    steps.push({ action: 'activate', hwid: h1 });

    const pages: LogEntry[][] = [];
    let cursor: string | null = null;
    do {
      const response = await v1(account.apiKey, 'GET', `/licenses/${key}/logs`, { query: { limit: '2', ...(cursor ? { cursor } : {}) } });
      expectStatus(response, 200);
      pages.push(response.body.logs as LogEntry[]);
      cursor = response.body.cursor as string | null;
    } while (cursor);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    const logs = pages.flat();
    expect(logs.map((log) => ({ action: log.action, hwid: log.hwid }))).toEqual([...steps].reverse());
    for (const log of logs) {
      expect(log).toMatchObject({ appId, licenseKey: key, result: 'ok', ip: '127.0.0.1' });
      expect(Number.isNaN(Date.parse(String(log.timestamp)))).toBe(false);
    }
    const times = logs.map((log) => Date.parse(String(log.timestamp)));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const all = await v1(account.apiKey, 'GET', `/licenses/${key}/logs`);
    expectStatus(all, 200);
    expect(all.body.logs).toEqual(logs);
    expect(all.body.cursor).toBeNull();
  });

  it('records refused calls with their result code', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    expectStatus(await v1(account.apiKey, 'PUT', `/licenses/${key}`, { body: { action: 'revoke' } }), 200);
    const hwid = uniqueHwid();
    expect((await clientActivate(key, hwid)).status).toBe(403);
    const response = await v1(account.apiKey, 'GET', `/licenses/${key}/logs`);
    expectStatus(response, 200);
    expect(response.body.logs).toEqual([expect.objectContaining({ action: 'activate', hwid, result: 'revoked', licenseKey: key })]);
  });

  it('answers 400 for a bad limit or cursor and 404 for an unknown license', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    expectStatus(await v1(account.apiKey, 'GET', `/licenses/${key}/logs`), 200);
    const badQueries: Array<Record<string, string>> = [
      { limit: '0' },
      { limit: '201' },
      { cursor: '%%%' },
      { cursor: Buffer.from('{"after":[]}').toString('base64url') },
      { appId },
    ];
    for (const query of badQueries) {
      expectV1Error(await v1(account.apiKey, 'GET', `/licenses/${key}/logs`, { query }), 400, 'bad_request');
    }
    expectV1Error(await v1(account.apiKey, 'GET', `/licenses/${unknownLicenseKey()}/logs`), 404, 'not_found');
  });
});
