/**
 * Usage meters over real HTTP (v1): declarations on the license, increments exact under
 * concurrency (one idempotency key counts once; a limit is never passed; a retry after a 503
 * counts once), 409 meter_exhausted counting nothing, thresholds at 80 % and 100 % once each,
 * the vendor's decrement and reset, and bad input answering 400.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clearFaults, injectFaults } from '../support/faults.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';
import { createV1License, expectStatus, expectV1Error, tenant, v1, type Tenant } from '../v1/v1Support.js';

afterEach(clearFaults);

async function meteredLicense(meters: Record<string, unknown>): Promise<{ t: Tenant; licenseKey: string }> {
  const t = await tenant();
  const licenseKey = await createV1License(t.account.apiKey, t.appId);
  expectStatus(await v1(t.account.apiKey, 'PUT', `/licenses/${licenseKey}/meters`, { body: { meters } }), 200);
  return { t, licenseKey };
}

const increment = (t: Tenant, licenseKey: string, meter: string, amount: number, idempotencyKey: string) =>
  v1(t.account.apiKey, 'POST', `/licenses/${licenseKey}/meters/${meter}/increments`, { body: { amount, idempotencyKey } });

async function usedOf(t: Tenant, licenseKey: string, meter: string): Promise<number> {
  const response = await v1(t.account.apiKey, 'GET', `/licenses/${licenseKey}/meters`);
  expectStatus(response, 200);
  const found = (response.body.meters as Array<{ name: string; used: number }>).find((entry) => entry.name === meter);
  if (!found) throw new Error(`no meter ${meter}`);
  return found.used;
}

async function thresholdEvents(licenseKey: string) {
  const snapshot = await testDb().collection('events').where('licenseKey', '==', licenseKey).get();
  return snapshot.docs.map((doc) => doc.data()).filter((event) => event.type === 'license.meter_threshold').map((event) => event.data as Record<string, unknown>);
}

const nextMonth = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
};

describe('usage meters (v1)', () => {
  it('declares, lists and counts: {used, limit, remaining, resetsAt}; past the limit 409 meter_exhausted, nothing counted', async () => {
    const { t, licenseKey } = await meteredLicense({ api_calls: { limit: 5, period: 'month' }, exports: { limit: 3 } });
    const listed = await v1(t.account.apiKey, 'GET', `/licenses/${licenseKey}/meters`);
    expectStatus(listed, 200);
    expect(listed.body).toEqual({
      licenseKey,
      meters: [
        { name: 'api_calls', period: 'month', used: 0, limit: 5, remaining: 5, resetsAt: nextMonth() },
        { name: 'exports', period: 'none', used: 0, limit: 3, remaining: 3, resetsAt: null },
      ],
    });
    const counted = await increment(t, licenseKey, 'api_calls', 4, 'first');
    expectStatus(counted, 200);
    expect(counted.body).toEqual({ used: 4, limit: 5, remaining: 1, resetsAt: nextMonth() });
    const refused = await increment(t, licenseKey, 'api_calls', 2, 'second');
    expectV1Error(refused, 409, 'meter_exhausted');
    expect(refused.body).toMatchObject({ used: 4, limit: 5, remaining: 1 });
    expect(await usedOf(t, licenseKey, 'api_calls')).toBe(4);
    // The refused key was not recorded: once there is room, it counts.
    expectStatus(await v1(t.account.apiKey, 'POST', `/licenses/${licenseKey}/meters/api_calls/decrements`, { body: { amount: 2 } }), 200);
    const later = await increment(t, licenseKey, 'api_calls', 2, 'second');
    expect(later.body).toMatchObject({ used: 4, remaining: 1 });
    // Vendor reset: back to 0.
    const reset = await v1(t.account.apiKey, 'POST', `/licenses/${licenseKey}/meters/api_calls/reset`);
    expectStatus(reset, 200);
    expect(reset.body).toMatchObject({ used: 0, remaining: 5 });
    // A key repeated with another amount is a conflict, not a count.
    expectV1Error(await increment(t, licenseKey, 'api_calls', 3, 'first'), 409, 'conflict');
    expect(await usedOf(t, licenseKey, 'api_calls')).toBe(0);
    // An undeclared meter is 404; bad input 400.
    expectV1Error(await increment(t, licenseKey, 'nope', 1, 'x'), 404, 'not_found');
    expectV1Error(await increment(t, licenseKey, 'api_calls', 0, 'x'), 400, 'bad_request');
    expectV1Error(await increment(t, licenseKey, 'api_calls', 1001, 'x'), 400, 'bad_request');
    expectV1Error(await v1(t.account.apiKey, 'POST', `/licenses/${licenseKey}/meters/api_calls/increments`, { body: { amount: 1 } }), 400, 'bad_request');
    expectV1Error(await v1(t.account.apiKey, 'PUT', `/licenses/${licenseKey}/meters`, { body: { meters: { BAD: { limit: 1 } } } }), 400, 'bad_request');
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`m${index}`, { limit: 1 }]));
    expectV1Error(await v1(t.account.apiKey, 'PUT', `/licenses/${licenseKey}/meters`, { body: { meters: eleven } }), 400, 'bad_request');
  });

  it("a variant's meters are copied to its licenses at creation (v1 and seed 004), the license's own added and replacing by name", async () => {
    const t = await tenant();
    const variant = await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/variants`, { body: { name: 'Metered', meters: { api_calls: { limit: 1000, period: 'month' }, exports: { limit: 3 } } } });
    expectStatus(variant, 201);
    expect(variant.body.variant).toMatchObject({ meters: { api_calls: { limit: 1000, period: 'month' }, exports: { limit: 3, period: 'none' } } });
    const variantId = String((variant.body.variant as { variantId: string }).variantId);
    const licenseKey = await createV1License(t.account.apiKey, t.appId, { variantId, meters: { exports: { limit: 10 }, seats_sync: { limit: 5 } } });
    const view = await v1(t.account.apiKey, 'GET', `/licenses/${licenseKey}`);
    expectStatus(view, 200);
    expect(view.body.meters).toEqual({ api_calls: { limit: 1000, period: 'month' }, exports: { limit: 10, period: 'none' }, seats_sync: { limit: 5, period: 'none' } });
    const counted = await increment(t, licenseKey, 'exports', 4, 'copied');
    expect(counted.body).toEqual({ used: 4, limit: 10, remaining: 6, resetsAt: null });
    // seed 004's createLicense takes the same field; a license with none has no meters.
    const seed = await call('createLicense', { headers: { 'X-API-Key': t.account.apiKey }, body: { productId: t.appId, variantId } });
    expect(seed.status, seed.text).toBe(200);
    const seedKey = (seed.body.licenses as Array<{ licenseKey: string }>)[0]?.licenseKey ?? '';
    expect((await v1(t.account.apiKey, 'GET', `/licenses/${seedKey}/meters`)).body.meters).toHaveLength(2);
    const plain = await createV1License(t.account.apiKey, t.appId);
    expect((await v1(t.account.apiKey, 'GET', `/licenses/${plain}`)).body.meters).toEqual({});
    expect((await testDb().collection('licenses').doc(plain).get()).get('meters')).toBeUndefined();
    expectV1Error(await increment(t, plain, 'exports', 1, 'none'), 404, 'not_found');
  });

  it('50 concurrent increments with the same idempotencyKey count once and all answer the same', async () => {
    const { t, licenseKey } = await meteredLicense({ api_calls: { limit: 100 } });
    const answers = await Promise.all(Array.from({ length: 50 }, () => increment(t, licenseKey, 'api_calls', 3, 'same-key')));
    for (const answer of answers) {
      expectStatus(answer, 200);
      expect(answer.body).toEqual({ used: 3, limit: 100, remaining: 97, resetsAt: null });
    }
    expect(await usedOf(t, licenseKey, 'api_calls')).toBe(3);
  });

  it('50 concurrent increments of 1 with 10 left: exactly 10 counted, 40 refused 409; 80 % and 100 % announced once each', async () => {
    const { t, licenseKey } = await meteredLicense({ api_calls: { limit: 10 } });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, index) => increment(t, licenseKey, 'api_calls', 1, `key-${index}`)));
    const ok = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 409);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const answer of refused) expect(answer.body.error).toBe('meter_exhausted');
    expect(ok.map((answer) => answer.body.used).sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await usedOf(t, licenseKey, 'api_calls')).toBe(10);
    const events = await thresholdEvents(licenseKey);
    expect(events.map((data) => data.threshold).sort()).toEqual([100, 80]);
    expect(events.find((data) => data.threshold === 80)).toMatchObject({ licenseKey, meter: 'api_calls', used: 8, limit: 10, remaining: 2 });
  });

  it('a retry after a 503 counts once', async () => {
    const { t, licenseKey } = await meteredLicense({ api_calls: { limit: 10 } });
    await injectFaults({ operation: 'commit', code: 'UNAVAILABLE', count: 50, pathPrefix: `meters/${licenseKey}~api_calls` });
    const failed = await increment(t, licenseKey, 'api_calls', 2, 'retried');
    expect(failed.status, failed.text).toBe(503);
    await clearFaults();
    expect(await usedOf(t, licenseKey, 'api_calls')).toBe(0);
    const retried = await increment(t, licenseKey, 'api_calls', 2, 'retried');
    expectStatus(retried, 200);
    expect(retried.body).toMatchObject({ used: 2 });
    const again = await increment(t, licenseKey, 'api_calls', 2, 'retried');
    expect(again.body).toEqual(retried.body);
    expect(await usedOf(t, licenseKey, 'api_calls')).toBe(2);
  });
});
