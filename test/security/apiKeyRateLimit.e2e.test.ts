/**
 * Issue 21 item 6: an API key's rate limit (seed 001: burst 100, 50/s) covers every door the key
 * opens, seed 004's admin functions as well as v1, in one bucket per key. The test host serves
 * every function in one process, as one instance of each would; bursts of concurrent requests
 * repeat (a bounded number of rounds) until the key is refused, since a loaded machine may serve
 * one round slower than the bucket refills.
 */
import { describe, expect, it } from 'vitest';
import { v1RateLimit } from '../../functions/src/config/constants.js';
import { createAccount, type Account } from '../support/fixtures.js';
import { call, type JsonResponse } from '../support/http.js';

const getCredits = (account: Account) => call('getCredits', { headers: { 'X-API-Key': account.apiKey }, body: {} });
/**
 * The same call with a field getCredits does not take: refused 400 after the key's token is
 * taken, before any Firestore read, so a burst measures the bucket and not how fast a loaded
 * machine reads the credit shards.
 */
const cheapGetCredits = (account: Account) => call('getCredits', { headers: { 'X-API-Key': account.apiKey }, body: { unknownField: true } });
const v1Credits = (account: Account) => call('v1', { path: `/v1/accounts/${account.accountId}/credits`, headers: { Authorization: `Bearer ${account.apiKey}` } });

/** Rounds of `size` concurrent requests until some are refused (at most `rounds`). */
async function untilRefused(send: (index: number) => Promise<JsonResponse>, size: number, rounds = 6) {
  const answers: JsonResponse[] = [];
  const started = performance.now();
  for (let round = 0; round < rounds && !answers.some((answer) => answer.status === 429); round += 1) {
    answers.push(...(await Promise.all(Array.from({ length: size }, (_, index) => send(index)))));
  }
  return { answers, seconds: (performance.now() - started) / 1000 };
}

describe("an API key's rate limit covers the admin functions", () => {
  it('300 concurrent getCredits with one key: some are refused 429 rate_limited with Retry-After, in the admin shape', async () => {
    const account = await createAccount();
    const { answers, seconds } = await untilRefused(() => cheapGetCredits(account), 300);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length, `no 429 among ${answers.length} getCredits`).toBeGreaterThan(0);
    expect(answers.every((answer) => answer.status === 400 || answer.status === 429)).toBe(true);
    expect(refused[0]!.body).toMatchObject({ success: false, code: 'rate_limited' });
    expect(refused[0]!.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    // What passed is bounded by the bucket: the burst plus what refilled meanwhile (+1 s of slack).
    const passed = answers.length - refused.length;
    expect(passed).toBeLessThanOrEqual(v1RateLimit.burst + v1RateLimit.perSecond * (seconds + 1));
    // Another key of another account is not affected.
    expect((await getCredits(await createAccount())).status).toBe(200);
  });

  it('v1 and the admin functions share the one bucket of the key', async () => {
    const account = await createAccount();
    const { answers, seconds } = await untilRefused((index) => (index % 2 ? cheapGetCredits(account) : v1Credits(account)), 200);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    const passed = answers.length - refused.length;
    expect(passed).toBeLessThanOrEqual(v1RateLimit.burst + v1RateLimit.perSecond * (seconds + 1));
  });
});
