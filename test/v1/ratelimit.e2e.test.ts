/**
 * seed 001 rate limits: burst 100 requests, sustained 50/second, per API key, answered with
 * 429 `rate_limited` and Retry-After; seed 000's safeApiCall backs off and retries.
 *
 * The Firebase Functions emulator serves one request at a time per worker process and starts
 * another worker for each concurrent request, each with its own in-memory buckets (as separate
 * instances would be in production). So the bucket of one key is drained here by sequential
 * requests, which one warm worker serves faster than 50 per second on an idle machine (about
 * 90/s measured); firing 150 concurrent requests would instead start up to 150 processes, none
 * of which would see more than one request. On a machine too loaded to send 50 requests a
 * second, no limit is reached and the first test fails saying so.
 */
import { describe, expect, it } from 'vitest';
import { call, type JsonResponse } from '../support/http.js';
import { apiBase, authHeaders, safeApiCall, sleeps, useApiKey } from './seed000Integration.js';
import { createV1License, expectStatus, expectV1Error, licensesOf, tenant, v1 } from './v1Support.js';

/** The cheapest request that still takes a token: authenticated, then refused by validation. */
const cheapRequest = (apiKey: string) => v1(apiKey, 'GET', '/licenses', { query: { appId: 'not-an-app-id' } });

/** Sends cheap requests one after another until one is rate limited (bounded by count and time). */
async function drainUntilLimited(apiKey: string, maxRequests = 4000, maxMs = 45_000): Promise<{ allowed: number; limited: JsonResponse | undefined }> {
  const started = Date.now();
  let allowed = 0;
  while (allowed < maxRequests && Date.now() - started < maxMs) {
    const response = await cheapRequest(apiKey);
    if (response.status === 429) return { allowed, limited: response };
    expectV1Error(response, 400, 'bad_request');
    allowed += 1;
  }
  return { allowed, limited: undefined };
}

describe('rate limiting', () => {
  it('answers 429 rate_limited with Retry-After after the burst of 100; other keys pass; the key recovers', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    const secondKey = await call('createApiKey', { headers: { 'X-API-Key': account.apiKey }, body: { name: 'second' } });
    expectStatus(secondKey, 200);
    const other = await tenant();

    const { allowed, limited } = await drainUntilLimited(account.apiKey);
    expect(limited, `no 429 after ${allowed} sequential requests`).toBeDefined();
    if (!limited) return;
    // The bucket starts full: at least the burst passes before the first refusal.
    expect(allowed).toBeGreaterThanOrEqual(100);
    expectV1Error(limited, 429, 'rate_limited');
    expect(limited.text).not.toContain(key);
    const retryAfter = limited.headers.get('retry-after');
    expect(retryAfter).toMatch(/^[1-9]\d*$/);
    expect(limited.headers.get('access-control-expose-headers') ?? '').toMatch(/Retry-After/i);

    // Per key: the account's other key and another account's key are not limited.
    const viaSecond = await v1(String(secondKey.body.apiKey), 'GET', `/licenses/${key}`);
    expectStatus(viaSecond, 200);
    expectStatus(await v1(other.account.apiKey, 'GET', '/licenses', { query: { appId: other.appId } }), 200);

    // After Retry-After the key is served again.
    await new Promise((resolve) => setTimeout(resolve, Number(retryAfter) * 1000 + 250));
    const again = await v1(account.apiKey, 'GET', '/licenses', { query: { appId } });
    expectStatus(again, 200);
    expect(licensesOf(again).map((license) => license.licenseKey)).toEqual([key]);
  }, 120_000);

  it('seed 000 safeApiCall sleeps and retries on rate_limited, then returns the data', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId, { label: 'retry me' });
    useApiKey(account.apiKey);
    const sleptBefore = sleeps.length;
    for (let round = 0; round < 20 && sleeps.length === sleptBefore; round += 1) {
      const { limited } = await drainUntilLimited(account.apiKey);
      expect(limited, 'the key was never rate limited').toBeDefined();
      // Called right after a 429: the bucket is (nearly) empty, so the first try is often refused.
      const data = (await safeApiCall(`${apiBase()}/licenses?appId=${appId}`, { headers: authHeaders() })) as { licenses: Array<{ licenseKey: string; label: string }>; cursor: string | null };
      expect(data).toEqual({ licenses: [expect.objectContaining({ licenseKey: key, label: 'retry me' })], cursor: null });
    }
    expect(sleeps.length).toBeGreaterThan(sleptBefore);
    expect(sleeps.slice(sleptBefore).every((ms) => ms === 1000)).toBe(true);
  }, 180_000);
});
