/**
 * Issue 21 item 8, the limiters' edges over real HTTP: IPv6 callers are one caller per /64 (a
 * /64 is what one subscriber gets, so per-address keys gave unlimited identities); the
 * per-product bucket of the client doors is taken only once the caller proved itself (app
 * secret, session token, an existing key of the product), so a stranger cannot spend another
 * product's budget; and a rate-limited stream of random keys writes nothing. The per-product
 * bucket is watched on a host this file starts with a small bucket (30 calls, 1/s), so it
 * empties in tens of calls instead of thousands. (Evicting the oldest entries instead of
 * clearing the maps at 10,000 is unit-tested: test/unit/services/access/rateLimiter.test.ts and
 * credentialGuesses.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { credentialGuesses } from '../../functions/src/config/constants.js';
import { startFunctionsHost, type FunctionsServer } from '../../scripts/lib/localStack.js';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call, callUrl, type JsonResponse } from '../support/http.js';
import { fixture, statusCounts, unknownLicenseKey } from '../licensing/sdkSupport.js';

const appBucket = { burst: 30, perSecond: 1 };
let host: FunctionsServer | undefined;

beforeAll(async () => {
  host = await startFunctionsHost({
    firestoreHost: inject('firestoreEmulatorHost'),
    pump: false,
    env: { KEYWARDEN_LOCAL_APP_BUCKET: `${appBucket.burst},${appBucket.perSecond}` },
  });
});

afterAll(async () => {
  await host?.stop();
});

let nextAddress = Math.floor(Math.random() * 200) * 250;
/** A caller address of its own for each call (198.18.0.0/15, benchmarking), so no per-IP limit is met. */
const freshIp = () => {
  nextAddress += 1;
  return `198.19.${Math.floor(nextAddress / 250) % 250}.${1 + (nextAddress % 250)}`;
};
const onHost = (name: string, init: Parameters<typeof callUrl>[1]) => callUrl(`${host!.baseUrl}/${name}`, init);
const authLogCount = async (appId: string) => (await testDb().collection('authLogs').where('appId', '==', appId).count().get()).data().count;

describe('IPv6 callers are counted per /64', () => {
  it('wrong credentials from many addresses of one /64 are throttled together; another /64 is not', async () => {
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const statuses: number[] = [];
    for (let index = 1; index <= credentialGuesses.maxFailures + 2; index += 1) {
      const answer = await call('listApiKeys', { headers: { 'X-Admin-Secret': 'wrong-secret-wrong-secret-wrong-secret', 'X-Forwarded-For': `${prefix}::${index.toString(16)}` }, body: {} });
      statuses.push(answer.status);
    }
    expect(statuses.slice(credentialGuesses.maxFailures), statuses.join(',')).toEqual([429, 429]);
    // Written another way (zeros spelled out, upper case), the same /64 is the same caller.
    const spelled = `${prefix.toUpperCase()}:0:0:0:ff`;
    expect((await call('listApiKeys', { headers: { 'X-Admin-Secret': 'wrong-secret-wrong-secret-wrong-secret', 'X-Forwarded-For': spelled }, body: {} })).status).toBe(429);
    const neighbour = `2001:db8:1:${Math.floor(Math.random() * 0xffff).toString(16)}::1`;
    expect((await call('listApiKeys', { headers: { 'X-Admin-Secret': 'wrong-secret-wrong-secret-wrong-secret', 'X-Forwarded-For': neighbour }, body: {} })).status).toBe(401);
  });
});

describe("the per-product bucket is taken after the caller's credential", () => {
  it("a stranger's wrong secrets, forged tokens and unknown keys never spend the product's budget", async () => {
    const { product } = await fixture();
    // A session token that names the product but whose MAC is made up.
    const now = Math.floor(Date.now() / 1000);
    const forged = () => `${Buffer.from(JSON.stringify({ sid: 's', app: product.productId, lic: unknownLicenseKey(), hwid: 'h', iat: now, exp: now + 3600 })).toString('base64url')}.${'A'.repeat(43)}`;
    const strangers: Array<() => Promise<JsonResponse>> = [
      () => onHost('auth', { path: '/validate', headers: { 'X-Forwarded-For': freshIp() }, body: { appId: product.productId, appSecret: 'as_wrong', licenseKey: unknownLicenseKey(), hwid: uniqueHwid(), nonce: uniqueNonce() } }),
      () => onHost('auth', { path: '/heartbeat', headers: { 'X-Forwarded-For': freshIp() }, body: { appId: product.productId, sessionToken: forged(), hwid: 'h', nonce: uniqueNonce() } }),
      () => onHost('validate', { headers: { 'X-Forwarded-For': freshIp() }, body: { sessionToken: forged() } }),
      () => onHost('verify', { headers: { 'X-Forwarded-For': freshIp() }, body: { licenseKey: unknownLicenseKey(), productId: product.productId } }),
    ];
    // Three times the bucket, faster than it refills (1/s): before the fix these emptied it.
    const answers: JsonResponse[] = [];
    for (let index = 0; index < appBucket.burst * 3; index += 1) answers.push(await strangers[index % strangers.length]!());
    expect(answers.filter((answer) => answer.status === 429).length, JSON.stringify(statusCounts(answers))).toBe(0);
    expect(answers.every((answer) => answer.status === 401 || answer.status === 404), JSON.stringify(statusCounts(answers))).toBe(true);

    // The product's own callers still find its budget whole, and past it they are refused:
    // the bucket applies once the app secret checked.
    const before = await authLogCount(product.productId);
    const own: JsonResponse[] = [];
    for (let round = 0; round < 4 && !own.some((answer) => answer.status === 429); round += 1) {
      own.push(...(await Promise.all(Array.from({ length: appBucket.burst }, (_, index) =>
        onHost('auth', { path: '/validate', headers: { 'X-Forwarded-For': freshIp() }, body: { appId: product.productId, appSecret: product.appSecret, licenseKey: index % 2 ? unknownLicenseKey() : 'junk', hwid: uniqueHwid(), nonce: uniqueNonce() } }),
      ))));
    }
    const counts = statusCounts(own);
    expect(counts[429], JSON.stringify(counts)).toBeGreaterThan(0);
    expect(own.filter((answer) => answer.status !== 429).every((answer) => answer.status === 401 && answer.body.error === 'invalid_key'), JSON.stringify(counts)).toBe(true);
    // A rate-limited stream of random keys writes nothing: no auth-log entry, no license.
    expect(await authLogCount(product.productId)).toBe(before);
    expect((await testDb().collection('licenses').where('appId', '==', product.productId).get()).size).toBe(1);
  });
});
