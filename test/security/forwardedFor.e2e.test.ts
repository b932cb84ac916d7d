/**
 * Issue 21 item 3: with KEYWARDEN_TRUSTED_PROXY_HOPS = 2 the caller's address is the entry two
 * places from the right of X-Forwarded-For, which a caller reaching the front end directly
 * writes itself. That entry must be an IP address, and "on this host" (which skips the
 * credential-guess throttle and the per-IP buckets) is decided from the socket only: a
 * forwarded `127.0.0.1` is not this host. Attacked over real HTTP on a second functions host
 * started with hops = 2 against the suite's Firestore.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { credentialGuesses } from '../../functions/src/config/constants.js';
import { startFunctionsHost, type FunctionsServer } from '../../scripts/lib/localStack.js';
import { callUrl, type JsonResponse } from '../support/http.js';

let host: FunctionsServer | undefined;

beforeAll(async () => {
  host = await startFunctionsHost({ firestoreHost: inject('firestoreEmulatorHost'), pump: false, env: { KEYWARDEN_TRUSTED_PROXY_HOPS: '2' } });
});

afterAll(async () => {
  await host?.stop();
});

/** An address of its own per test (documentation range 198.51.100.0/24 and 203.0.113.0/24). */
const octet = () => 1 + Math.floor(Math.random() * 250);

/** A wrong admin secret from whoever the X-Forwarded-For header makes us. */
const wrongSecret = (forwardedFor: string): Promise<JsonResponse> =>
  callUrl(`${host!.baseUrl}/listApiKeys`, { headers: { 'X-Admin-Secret': 'wrong-secret-wrong-secret-wrong-secret', 'X-Forwarded-For': forwardedFor }, body: {} });

/** Sends the guesses one after another (each a failed guess) and the statuses they got. */
async function guesses(count: number, forwardedFor: (index: number) => string): Promise<number[]> {
  const statuses: number[] = [];
  for (let index = 0; index < count; index += 1) statuses.push((await wrongSecret(forwardedFor(index))).status);
  return statuses;
}

describe('KEYWARDEN_TRUSTED_PROXY_HOPS = 2', () => {
  it('takes the entry two from the right: its guesses are throttled, another client behind the same proxy is not', async () => {
    const proxy = `198.51.100.${octet()}`;
    const client = `203.0.113.${octet()}`;
    const statuses = await guesses(credentialGuesses.maxFailures + 3, () => `${client}, ${proxy}`);
    expect(statuses.slice(0, credentialGuesses.maxFailures)).toEqual(Array(credentialGuesses.maxFailures).fill(401));
    expect(statuses.slice(credentialGuesses.maxFailures)).toEqual([429, 429, 429]);
    const neighbour = `203.0.113.${(Number(client.split('.')[3]) % 250) + 1}`;
    expect((await wrongSecret(`${neighbour}, ${proxy}`)).status).toBe(401);
  });

  it('a forwarded 127.0.0.1 is not this host: the caller is counted under the next trusted entry and throttled', async () => {
    const proxy = `198.51.100.${octet()}`;
    const statuses = await guesses(credentialGuesses.maxFailures + 3, () => `127.0.0.1, ${proxy}`);
    expect(statuses.slice(credentialGuesses.maxFailures), statuses.join(',')).toEqual([429, 429, 429]);
    // ::1 and an IPv4-mapped loopback are refused the same way, under the same address.
    expect((await wrongSecret(`::1, ${proxy}`)).status).toBe(429);
    expect((await wrongSecret(`::ffff:127.0.0.1, ${proxy}`)).status).toBe(429);
  });

  it('an entry that is not an IP address gives no identity of its own: every junk value counts under the next trusted entry', async () => {
    const proxy = `198.51.100.${octet()}`;
    const statuses = await guesses(credentialGuesses.maxFailures + 3, (index) => `not-an-ip-${index}, ${proxy}`);
    expect(statuses.slice(credentialGuesses.maxFailures), statuses.join(',')).toEqual([429, 429, 429]);
  });
});
