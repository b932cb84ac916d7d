/**
 * Seed 000 (Developer API integration guide) run as written against the local stack: the
 * guide's own functions (seed000Integration.ts) drive the real `v1` function over HTTP.
 */
import { describe, expect, it } from 'vitest';
import { createAccount, uniqueHwid } from '../support/fixtures.js';
import {
  apiBase,
  authHeaders,
  checkLicense,
  generateBulkLicenses,
  generateLicense,
  getAllLicenses,
  outbox,
  resetHwid,
  safeApiCall,
  useApiKey,
} from './seed000Integration.js';
import { clientActivate, expectStatus, getV1License, tenant, unknownLicenseKey, v1, type LicenseView } from './v1Support.js';

const keyPattern = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}(-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}){3}$/;

describe('seed 000: generate a license after payment', () => {
  it('creates one license per order, labelled with the order id, sets plan variables and emails the key', async () => {
    const { account, appId } = await tenant();
    useApiKey(account.apiKey);
    const orders = [
      { plan: 'basic', email: 'basic@example.com', orderId: 'order-1001', slots: 1 },
      { plan: 'pro', email: 'pro@example.com', orderId: 'order-1002', slots: 1 },
      { plan: 'enterprise', email: 'ent@example.com', orderId: 'order-1003', slots: 5 },
    ];
    for (const order of orders) {
      const licenseKey = await generateLicense({ appId, email: order.email, plan: order.plan, orderId: order.orderId });
      expect(licenseKey).toMatch(keyPattern);
      expect(outbox).toContainEqual({ to: order.email, licenseKey });

      const license = await getV1License(account.apiKey, licenseKey);
      expect(license).toMatchObject({ licenseKey, appId, status: 'active', label: order.orderId, maxHwidSlots: order.slots, expiresAt: null, hwidList: [] });
      const variables = await v1(account.apiKey, 'GET', `/licenses/${licenseKey}/variables`);
      expectStatus(variables, 200);
      if (order.plan === 'basic') expect(variables.body.variables).toEqual({});
      else {
        expect(variables.body.variables).toEqual({ plan: order.plan, maxProjects: order.plan === 'enterprise' ? 100 : 10, prioritySupport: order.plan === 'enterprise' });
        expect(license.variables).toEqual(variables.body.variables);
      }
    }
    const listed = await v1(account.apiKey, 'GET', '/licenses', { query: { appId } });
    expect((listed.body.licenses as LicenseView[]).map((license) => license.label)).toEqual(['order-1001', 'order-1002', 'order-1003']);
  });

  it('throws "AuthForge API error: <code>; <message>" when the API refuses, and emails nothing', async () => {
    const a = await tenant();
    const b = await tenant();
    useApiKey(a.account.apiKey);
    const sent = outbox.length;
    await expect(generateLicense({ appId: b.appId, email: 'x@example.com', plan: 'pro', orderId: 'o-1' })).rejects.toThrow(
      /^AuthForge API error: forbidden; .+/,
    );
    await expect(generateLicense({ appId: 'not an app id', email: 'x@example.com', plan: 'basic', orderId: 'o-2' })).rejects.toThrow(
      /^AuthForge API error: bad_request; .+/,
    );
    await expect(generateLicense({ appId: a.appId, email: 'x@example.com', plan: 'basic', orderId: 'x'.repeat(129) })).rejects.toThrow(
      /^AuthForge API error: bad_request; .*label/,
    );
    expect(outbox.length).toBe(sent);
    // Nothing was created on either app.
    for (const t of [a, b]) {
      const listed = await v1(t.account.apiKey, 'GET', '/licenses', { query: { appId: t.appId } });
      expect(listed.body).toEqual({ licenses: [], cursor: null });
    }
  });
});

describe('seed 000: bulk license generation', () => {
  it('generates 50 keys for a reseller with the example options', async () => {
    const { account, appId } = await tenant();
    useApiKey(account.apiKey);
    // As in the guide, with the app id of this test.
    const keys = await generateBulkLicenses(appId, 50, {
      expiresAt: '2027-01-01T00:00:00Z',
      label: 'Reseller batch #42',
    });
    expect(keys).toHaveLength(50);
    expect(new Set(keys).size).toBe(50);
    for (const key of keys) expect(key).toMatch(keyPattern);
    const expectedStatus = Date.now() < Date.parse('2027-01-01T00:00:00Z') ? 'active' : 'expired';
    for (const key of [keys[0], keys[24], keys[49]]) {
      const license = await checkLicense(String(key));
      expect(license).toMatchObject({ status: expectedStatus, expiresAt: '2027-01-01T00:00:00.000Z', label: 'Reseller batch #42', maxHwidSlots: 1 });
    }
  });

  it('passes maxHwidSlots through and creates lifetime keys without expiresAt', async () => {
    const { account, appId } = await tenant();
    useApiKey(account.apiKey);
    const keys = await generateBulkLicenses(appId, 3, { maxHwidSlots: 4 });
    expect(keys).toHaveLength(3);
    const license = await checkLicense(String(keys[1]));
    expect(license).toMatchObject({ maxHwidSlots: 4, expiresAt: null, label: null, status: 'active' });
  });
});

describe('seed 000: license lookup and HWID reset', () => {
  it('checkLicense reads status, expiry and devices; null for an unknown key', async () => {
    const { account, appId } = await tenant();
    useApiKey(account.apiKey);
    const [key] = await generateBulkLicenses(appId, 1, { maxHwidSlots: 2 });
    const licenseKey = String(key);
    const hwid = uniqueHwid();
    expectStatus(await clientActivate(licenseKey, hwid), 200);

    const license = await checkLicense(licenseKey);
    expect(license).not.toBeNull();
    if (!license) return;
    // The guide's usage lines.
    expect(`Status: ${license.status}`).toBe('Status: active');
    expect(`Expires: ${license.expiresAt || 'never'}`).toBe('Expires: never');
    expect(`Devices: ${license.hwidList.length}/${license.maxHwidSlots}`).toBe('Devices: 1/2');
    expect(license.hwidList).toEqual([hwid]);

    expect(await checkLicense(unknownLicenseKey())).toBeNull();
  });

  it('checkLicense throws "API error" for another account’s license (403, not 404)', async () => {
    const a = await tenant();
    const b = await tenant();
    useApiKey(b.account.apiKey);
    const [key] = await generateBulkLicenses(b.appId, 1);
    useApiKey(a.account.apiKey);
    await expect(checkLicense(String(key))).rejects.toThrow('API error');
  });

  it('resetHwid clears the bound devices so a new machine can activate', async () => {
    const { account, appId } = await tenant();
    useApiKey(account.apiKey);
    const [key] = await generateBulkLicenses(appId, 1);
    const licenseKey = String(key);
    const oldMachine = uniqueHwid();
    const newMachine = uniqueHwid();
    expectStatus(await clientActivate(licenseKey, oldMachine), 200);
    const full = await clientActivate(licenseKey, newMachine);
    expect(full.status, full.text).toBe(403);

    expect(await resetHwid(licenseKey)).toBe(true);
    expect((await checkLicense(licenseKey))?.hwidList).toEqual([]);
    expectStatus(await clientActivate(licenseKey, newMachine), 200);
    expect((await checkLicense(licenseKey))?.hwidList).toEqual([newMachine]);

    expect(await resetHwid(unknownLicenseKey())).toBe(false);
    const other = await createAccount();
    useApiKey(other.apiKey);
    expect(await resetHwid(licenseKey)).toBe(false);
    useApiKey(account.apiKey);
    expect((await checkLicense(licenseKey))?.hwidList).toEqual([newMachine]);
  });
});

describe('seed 000: pagination', () => {
  it('getAllLicenses collects 450 licenses from 5 bulk calls of 90, 3 pages of ≤200, in a stable order without duplicates', async () => {
    const { account, appId } = await tenant();
    useApiKey(account.apiKey);
    const created: string[] = [];
    for (let batch = 1; batch <= 5; batch += 1) {
      const keys = await generateBulkLicenses(appId, 90, { label: `batch ${batch}` });
      expect(keys).toHaveLength(90);
      created.push(...keys);
    }
    expect(new Set(created).size).toBe(450);

    const first = await getAllLicenses(appId);
    const second = await getAllLicenses(appId);
    const firstKeys = first.map((license) => license.licenseKey);
    expect(firstKeys).toHaveLength(450);
    expect(new Set(firstKeys).size).toBe(450);
    expect([...firstKeys].sort()).toEqual([...created].sort());
    expect(second.map((license) => license.licenseKey)).toEqual(firstKeys);
    // Oldest batch first: creation order across batches.
    expect(first.map((license) => license.label)).toEqual(Array.from({ length: 450 }, (_, i) => `batch ${Math.floor(i / 90) + 1}`));

    // The same walk by hand: exactly 3 pages of 200, 200 and 50, the last with cursor null.
    const sizes: number[] = [];
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await v1(account.apiKey, 'GET', '/licenses', { query: { appId, limit: '200', ...(cursor ? { cursor } : {}) } });
      expectStatus(page, 200);
      const licenses = page.body.licenses as LicenseView[];
      sizes.push(licenses.length);
      walked.push(...licenses.map((license) => license.licenseKey));
      cursor = page.body.cursor as string | null;
      if (cursor !== null) expect(typeof cursor).toBe('string');
    } while (cursor);
    expect(sizes).toEqual([200, 200, 50]);
    expect(walked).toEqual(firstKeys);
  }, 120_000);
});

describe('seed 000: error handling', () => {
  it('safeApiCall returns the JSON of a success', async () => {
    const { account, appId } = await tenant();
    useApiKey(account.apiKey);
    const [key] = await generateBulkLicenses(appId, 1, { label: 'safe' });
    const license = (await safeApiCall(`${apiBase()}/licenses/${key}`, { headers: authHeaders() })) as LicenseView;
    expect(license).toMatchObject({ licenseKey: key, label: 'safe', status: 'active' });
  });

  it('safeApiCall throws the error code: forbidden, not_found, bad_request, unauthorized', async () => {
    const a = await tenant();
    const b = await tenant();
    useApiKey(b.account.apiKey);
    const [foreignKey] = await generateBulkLicenses(b.appId, 1);
    useApiKey(a.account.apiKey);
    await expect(safeApiCall(`${apiBase()}/licenses/${foreignKey}`, { headers: authHeaders() })).rejects.toThrow(/^forbidden$/);
    await expect(
      safeApiCall(`${apiBase()}/licenses`, {
        method: 'POST',
        headers: { ...authHeaders(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ appId: b.appId, quantity: 1 }),
      }),
    ).rejects.toThrow(/^forbidden$/);
    await expect(safeApiCall(`${apiBase()}/licenses/${unknownLicenseKey()}`, { headers: authHeaders() })).rejects.toThrow(/^not_found$/);
    await expect(
      safeApiCall(`${apiBase()}/licenses`, {
        method: 'POST',
        headers: { ...authHeaders(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ appId: a.appId, quantity: 101 }),
      }),
    ).rejects.toThrow(/^bad_request$/);
    await expect(safeApiCall(`${apiBase()}/licenses/${foreignKey}`, { headers: { Authorization: 'Bearer af_live_revoked' } })).rejects.toThrow(
      /^unauthorized$/,
    );
  });
});
