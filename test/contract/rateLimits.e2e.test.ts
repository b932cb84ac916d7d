/**
 * README rate limits: the v1 API's burst of exactly 100 and 50/s sustained per key (the token
 * bucket v1 is built with, run on simulated time: no race with the real clock; the over-HTTP
 * burst is test/v1/ratelimit.e2e.test.ts); `validatesPerIpPerMinute` per app and caller IP;
 * the caller IP taken from the rightmost `X-Forwarded-For` entry.
 */
import { describe, expect, it } from 'vitest';
import { v1RateLimit } from '../../functions/src/config/constants.js';
import { TokenBuckets } from '../../functions/src/services/access/rateLimiter.js';
import { createAccount, createLicenses, createProduct, uniqueHwid, uniqueNonce, type Product } from '../support/fixtures.js';
import { call } from '../support/http.js';

describe('v1: burst 100, sustained 50/s, per API key (the bucket v1 uses, simulated time)', () => {
  it('admits exactly 100 at once, then exactly 50 per second however fast requests come', () => {
    expect(v1RateLimit).toEqual({ burst: 100, perSecond: 50 });
    const buckets = new TokenBuckets(v1RateLimit.burst, v1RateLimit.perSecond);
    let allowed = 0;
    for (let request = 0; request < 150; request += 1) if (buckets.take('key_a', 0).allowed) allowed += 1;
    expect(allowed).toBe(100);
    expect(buckets.take('key_a', 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // 200 requests a second for 10 s: 50 of each second's are admitted.
    let sustained = 0;
    for (let at = 5; at <= 10_000; at += 5) if (buckets.take('key_a', at).allowed) sustained += 1;
    expect(sustained).toBe(500);
    // Another key has its own full bucket.
    for (let request = 0; request < 100; request += 1) expect(buckets.take('key_b', 10_000).allowed).toBe(true);
    expect(buckets.take('key_b', 10_000).allowed).toBe(false);
  });
});

async function sdkValidate(product: Product, licenseKey: string, forwardedFor: string) {
  return call('auth', {
    path: '/validate',
    headers: { 'X-Forwarded-For': forwardedFor },
    body: { appId: product.productId, appSecret: product.appSecret, licenseKey, hwid: uniqueHwid(), nonce: uniqueNonce() },
  });
}

describe('validatesPerIpPerMinute', () => {
  it('admits that many SDK validates per minute from one IP across licenses, then 429 rate_limited with Retry-After; another IP and another app are not affected', async () => {
    const account = await createAccount();
    const product = await createProduct(account, { settings: { validatesPerIpPerMinute: 3, validatesPerLicensePerMinute: 100 } });
    const other = await createProduct(account, { settings: { validatesPerIpPerMinute: 3 } });
    const keys = await createLicenses(account, product.productId, { quantity: 5, unlimitedHwidSlots: true });
    const [otherKey = ''] = await createLicenses(account, other.productId, { unlimitedHwidSlots: true });
    const ip = '198.51.100.77';
    for (const key of keys.slice(0, 3)) {
      const response = await sdkValidate(product, key, ip);
      expect(response.status, response.text).toBe(200);
      expect(response.body.status).toBe('ok');
    }
    const refused = await sdkValidate(product, keys[3] ?? '', ip);
    expect(refused.status, refused.text).toBe(429);
    expect(refused.body).toMatchObject({ status: 'failed', error: 'rate_limited' });
    // A bucket of 3 per minute refills one token in 20 s.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(20);
    expect((await sdkValidate(product, keys[4] ?? '', '198.51.100.78')).status).toBe(200);
    expect((await sdkValidate(other, otherKey, ip)).status).toBe(200);
  });
});

describe('the caller IP', () => {
  it('is the rightmost X-Forwarded-For entry: what a client puts to its left is not taken', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const [licenseKey = ''] = await createLicenses(account, product.productId, { unlimitedHwidSlots: true });
    const response = await sdkValidate(product, licenseKey, '6.6.6.6, 203.0.113.50');
    expect(response.status, response.text).toBe(200);
    const logs = await call('v1', { path: `/licenses/${licenseKey}/logs`, headers: { Authorization: `Bearer ${account.apiKey}` } });
    expect(logs.status, logs.text).toBe(200);
    const entries = (logs.body.logs ?? logs.body.entries) as Array<{ ip: string; result: string }>;
    expect(entries.map((entry) => entry.ip)).toEqual(['203.0.113.50']);
  });
});
