/**
 * The failed-guess throttle: exactly `maxFailures` failures in a window refuse the caller 429
 * until the window (started by its first failure) ends; at most `maxTrackedIps` callers are
 * held, the least recently seen dropped first. Small limits here; the configured ones at the end.
 */
import { describe, expect, it } from 'vitest';
import { credentialGuesses } from '../../../../functions/src/config/constants.js';
import { ApiError } from '../../../../functions/src/domain/errors.js';
import type { RequestLogger } from '../../../../functions/src/domain/logger.js';
import {
  assertGuessesAllowed,
  FailedGuesses,
  recordFailedGuess,
  throttledAuthentication,
} from '../../../../functions/src/services/access/credentialGuesses.js';
import { apiErrorOf, apiErrorOfAsync } from '../../apiErrors.js';

const quietLog: RequestLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A logger that keeps its warnings, to see when the throttle says it started refusing. */
function recordingLog(): { log: RequestLogger; warnings: [string, Record<string, unknown> | undefined][] } {
  const warnings: [string, Record<string, unknown> | undefined][] = [];
  return { log: { info: () => undefined, warn: (message, data) => void warnings.push([message, data]), error: () => undefined }, warnings };
}

const limits = { maxFailures: 3, windowMs: 60_000, maxTrackedIps: 2 };
const t0 = 1_700_000_000_000;

function failTimes(guesses: FailedGuesses, ip: string, times: number, now: number): void {
  for (let i = 0; i < times; i += 1) guesses.record(ip, quietLog, now);
}

const refused = (guesses: FailedGuesses, ip: string, now: number) => apiErrorOf(() => guesses.assertAllowed(ip, now));

describe('FailedGuesses: the count and the window', () => {
  it('allows a caller with maxFailures - 1 failures and refuses it at maxFailures: 429 rate_limited with Retry-After', () => {
    const guesses = new FailedGuesses(limits);
    failTimes(guesses, '198.51.100.1', 2, t0);
    expect(() => guesses.assertAllowed('198.51.100.1', t0)).not.toThrow();
    guesses.record('198.51.100.1', quietLog, t0);
    const error = refused(guesses, '198.51.100.1', t0);
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.message).toBe('Too many failed credential attempts from this address; retry later');
    expect(error.retryAfterSeconds).toBe(60);
  });

  it('counts each caller on its own', () => {
    const guesses = new FailedGuesses(limits);
    failTimes(guesses, '198.51.100.1', 3, t0);
    expect(() => guesses.assertAllowed('198.51.100.2', t0)).not.toThrow();
  });

  it('Retry-After is the whole seconds left in the window, rounded up, and the window starts at the first failure', () => {
    const guesses = new FailedGuesses(limits);
    guesses.record('198.51.100.1', quietLog, t0);
    guesses.record('198.51.100.1', quietLog, t0 + 50_000);
    guesses.record('198.51.100.1', quietLog, t0 + 58_000);
    expect(refused(guesses, '198.51.100.1', t0 + 58_000).retryAfterSeconds).toBe(2);
    expect(refused(guesses, '198.51.100.1', t0 + 58_500).retryAfterSeconds).toBe(2);
    expect(refused(guesses, '198.51.100.1', t0 + 58_999).retryAfterSeconds).toBe(2);
    expect(refused(guesses, '198.51.100.1', t0 + 59_000).retryAfterSeconds).toBe(1);
    expect(refused(guesses, '198.51.100.1', t0 + 59_999).retryAfterSeconds).toBe(1);
    expect(() => guesses.assertAllowed('198.51.100.1', t0 + 60_000)).not.toThrow();
  });

  it('the window ends exactly windowMs after its first failure: refused 1 ms before, allowed at it', () => {
    const guesses = new FailedGuesses(limits);
    failTimes(guesses, '198.51.100.1', 3, t0);
    expect(refused(guesses, '198.51.100.1', t0 + 59_999).code).toBe('rate_limited');
    expect(() => guesses.assertAllowed('198.51.100.1', t0 + 60_000)).not.toThrow();
  });

  it('a failure after the window ends starts a new window counted from one', () => {
    const guesses = new FailedGuesses(limits);
    failTimes(guesses, '198.51.100.1', 3, t0);
    failTimes(guesses, '198.51.100.1', 2, t0 + 60_000);
    expect(() => guesses.assertAllowed('198.51.100.1', t0 + 60_000)).not.toThrow();
    guesses.record('198.51.100.1', quietLog, t0 + 60_000);
    expect(refused(guesses, '198.51.100.1', t0 + 60_000).retryAfterSeconds).toBe(60);
    expect(() => guesses.assertAllowed('198.51.100.1', t0 + 120_000)).not.toThrow();
  });

  it('warns once, at the failure that starts the refusals, naming the IP and the count', () => {
    const guesses = new FailedGuesses(limits);
    const { log, warnings } = recordingLog();
    guesses.record('198.51.100.9', log, t0);
    guesses.record('198.51.100.9', log, t0);
    expect(warnings).toEqual([]);
    guesses.record('198.51.100.9', log, t0);
    expect(warnings).toEqual([['credential guesses throttled', { ip: '198.51.100.9', failures: 3 }]]);
    guesses.record('198.51.100.9', log, t0);
    expect(warnings).toHaveLength(1);
  });

  it('counts IPv6 callers per /64', () => {
    const guesses = new FailedGuesses(limits);
    for (const ip of ['2001:db8:5:1::1', '2001:db8:5:1::2', '2001:db8:5:1:ffff::3']) guesses.record(ip, quietLog, t0);
    expect(refused(guesses, '2001:db8:5:1::abcd', t0).code).toBe('rate_limited');
    expect(() => guesses.assertAllowed('2001:db8:5:2::1', t0)).not.toThrow();
  });
});

describe('FailedGuesses: at most maxTrackedIps callers', () => {
  it('a new caller past the limit drops only the least recently seen one', () => {
    const guesses = new FailedGuesses(limits);
    failTimes(guesses, '203.0.113.1', 3, t0); // throttled, least recently seen
    guesses.record('203.0.113.2', quietLog, t0); // two callers held: at the limit
    guesses.record('203.0.113.3', quietLog, t0); // drops .1
    expect(() => guesses.assertAllowed('203.0.113.1', t0)).not.toThrow();
    // .2 kept its failure: two more refuse it.
    failTimes(guesses, '203.0.113.2', 2, t0);
    expect(refused(guesses, '203.0.113.2', t0).code).toBe('rate_limited');
  });

  it('below the limit, and for a caller already held, nothing is dropped', () => {
    const guesses = new FailedGuesses(limits);
    failTimes(guesses, '203.0.113.1', 2, t0);
    guesses.record('203.0.113.2', quietLog, t0); // second caller: below the limit when it came
    guesses.record('203.0.113.1', quietLog, t0); // held already: drops nobody
    expect(refused(guesses, '203.0.113.1', t0).code).toBe('rate_limited');
    failTimes(guesses, '203.0.113.2', 2, t0);
    expect(refused(guesses, '203.0.113.2', t0).code).toBe('rate_limited');
  });

  it('a refused caller that keeps calling is seen on each call, so a new caller drops another', () => {
    const guesses = new FailedGuesses(limits);
    failTimes(guesses, '203.0.113.1', 3, t0);
    failTimes(guesses, '203.0.113.2', 2, t0 + 1);
    expect(refused(guesses, '203.0.113.1', t0 + 2).code).toBe('rate_limited'); // .1 is now the most recently seen
    guesses.record('203.0.113.3', quietLog, t0 + 3); // drops .2
    expect(refused(guesses, '203.0.113.1', t0 + 4).code).toBe('rate_limited');
    guesses.record('203.0.113.2', quietLog, t0 + 5); // .2 starts again from one (and drops .3)
    expect(() => guesses.assertAllowed('203.0.113.2', t0 + 5)).not.toThrow();
  });

  it('an ended window is dropped when its caller is seen, so it does not push out a live one', () => {
    const guesses = new FailedGuesses(limits);
    guesses.record('203.0.113.20', quietLog, t0); // its window runs to t0 + 60 s
    failTimes(guesses, '203.0.113.10', 3, t0 + 1_000); // throttled until t0 + 61 s
    guesses.record('203.0.113.20', quietLog, t0 + 2_000); // seen after .10, same window
    expect(() => guesses.assertAllowed('203.0.113.20', t0 + 60_000)).not.toThrow(); // ended: dropped
    guesses.record('203.0.113.30', quietLog, t0 + 60_000); // one caller held: nothing to drop
    expect(refused(guesses, '203.0.113.10', t0 + 60_000).retryAfterSeconds).toBe(1);
  });
});

describe('FailedGuesses.throttled', () => {
  const invalidKey = () => new ApiError('invalid_key', 'Invalid API key');

  it('answers what authenticate answers', async () => {
    const guesses = new FailedGuesses(limits);
    await expect(guesses.throttled('198.51.100.1', quietLog, async () => 'principal')).resolves.toBe('principal');
  });

  it('a 401 counts as a failed guess and is rethrown as it is; past the limit authenticate is not even called', async () => {
    const guesses = new FailedGuesses(limits);
    const thrown = invalidKey();
    for (let i = 0; i < 3; i += 1) expect(await apiErrorOfAsync(() => guesses.throttled('198.51.100.1', quietLog, () => Promise.reject(thrown)))).toBe(thrown);
    let called = false;
    const error = await apiErrorOfAsync(() =>
      guesses.throttled('198.51.100.1', quietLog, async () => {
        called = true;
        return 'principal';
      }),
    );
    expect(error.code).toBe('rate_limited');
    expect(called).toBe(false);
  });

  it('refusals other than 401, and errors that are not ApiErrors, do not count', async () => {
    const guesses = new FailedGuesses(limits);
    const forbidden = new ApiError('forbidden', 'No');
    const crash = Object.assign(new Error('crash'), { status: 401 });
    for (let i = 0; i < 3; i += 1) {
      expect(await apiErrorOfAsync(() => guesses.throttled('198.51.100.1', quietLog, () => Promise.reject(forbidden)))).toBe(forbidden);
      await expect(guesses.throttled('198.51.100.1', quietLog, () => Promise.reject(crash))).rejects.toBe(crash);
    }
    await expect(guesses.throttled('198.51.100.1', quietLog, async () => 'principal')).resolves.toBe('principal');
  });

  it('callers on this host (127.0.0.1, ::1) are never throttled, whatever they failed', async () => {
    const guesses = new FailedGuesses(limits);
    for (const ip of ['127.0.0.1', '::1']) {
      failTimes(guesses, ip, 3, Date.now());
      for (let i = 0; i < 3; i += 1) await expect(guesses.throttled(ip, quietLog, () => Promise.reject(invalidKey()))).rejects.toThrow('Invalid API key');
      await expect(guesses.throttled(ip, quietLog, async () => 'principal'), ip).resolves.toBe('principal');
    }
  });
});

describe('the instance throttle, under the configured limits', () => {
  it(`refuses an IP after ${credentialGuesses.maxFailures} 401s in a row, before its credentials are checked`, async () => {
    const ip = '192.0.2.77';
    for (let i = 0; i < credentialGuesses.maxFailures; i += 1) {
      await expect(throttledAuthentication(ip, quietLog, () => Promise.reject(new ApiError('invalid_app', 'Invalid app')))).rejects.toThrow('Invalid app');
    }
    let called = false;
    const error = await apiErrorOfAsync(() =>
      throttledAuthentication(ip, quietLog, async () => {
        called = true;
        return 'principal';
      }),
    );
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterSeconds).toBeGreaterThan(credentialGuesses.windowMs / 1000 - 60);
    expect(called).toBe(false);
  });

  it('counts IPv6 guesses per /64', () => {
    const now = 1_000_000_000;
    for (let i = 1; i <= credentialGuesses.maxFailures; i += 1) recordFailedGuess(`2001:db8:77:1::${i.toString(16)}`, quietLog, now);
    expect(() => assertGuessesAllowed('2001:db8:77:1:ffff::9', now)).toThrow(/Too many failed/);
    expect(() => assertGuessesAllowed('2001:db8:77:2::1', now)).not.toThrow();
  });

  it('at 10 000 tracked callers a new one evicts the least recently seen, not every window: a throttled IP that keeps calling stays throttled', () => {
    const now = 2_000_000_000;
    const failTimesNow = (ip: string, times: number) => {
      for (let i = 0; i < times; i += 1) recordFailedGuess(ip, quietLog, now);
    };
    failTimesNow('203.0.113.200', credentialGuesses.maxFailures); // throttled, then silent
    failTimesNow('203.0.113.201', credentialGuesses.maxFailures); // throttled, and keeps calling
    for (let i = 0; i < credentialGuesses.maxTrackedIps; i += 1) {
      recordFailedGuess(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, quietLog, now + 1);
      if (i % 1_000 === 0) expect(() => assertGuessesAllowed('203.0.113.201', now + 1)).toThrow(/Too many failed/);
    }
    expect(() => assertGuessesAllowed('203.0.113.201', now + 2)).toThrow(/Too many failed/);
    // The silent one was the least recently seen, and went first.
    expect(() => assertGuessesAllowed('203.0.113.200', now + 2)).not.toThrow();
  });
});
