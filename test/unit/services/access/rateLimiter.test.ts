import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../../../functions/src/services/access/rateLimiter.js';

describe('TokenBuckets', () => {
  it('allows a burst of exactly `capacity`, then refuses', () => {
    const buckets = new TokenBuckets(3, 1);
    expect(buckets.take('k', 0)).toEqual({ allowed: true });
    expect(buckets.take('k', 0)).toEqual({ allowed: true });
    expect(buckets.take('k', 0)).toEqual({ allowed: true });
    expect(buckets.take('k', 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('refills at refillPerSecond: a token is back after exactly 1/rate seconds, not 1 ms before', () => {
    const buckets = new TokenBuckets(1, 2);
    expect(buckets.take('k', 0).allowed).toBe(true);
    expect(buckets.take('k', 499).allowed).toBe(false);
    expect(buckets.take('k', 500).allowed).toBe(true);
    expect(buckets.take('k', 500).allowed).toBe(false);
  });

  it('keeps the partial refill of a refused take', () => {
    const buckets = new TokenBuckets(1, 1);
    buckets.take('k', 0);
    expect(buckets.take('k', 600).allowed).toBe(false);
    expect(buckets.take('k', 999).allowed).toBe(false);
    expect(buckets.take('k', 1000).allowed).toBe(true);
  });

  it('says how many whole seconds until the next token (at least 1)', () => {
    const buckets = new TokenBuckets(1, 0.1);
    buckets.take('k', 0);
    expect(buckets.take('k', 0)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    expect(buckets.take('k', 5000)).toEqual({ allowed: false, retryAfterSeconds: 5 });
    expect(buckets.take('k', 9000)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(buckets.take('k', 9990)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(buckets.take('k', 10_000)).toEqual({ allowed: true });
  });

  it('never holds more than `capacity` tokens, however long idle', () => {
    const buckets = new TokenBuckets(2, 1);
    buckets.take('k', 0);
    buckets.take('k', 0);
    expect(buckets.take('k', 3_600_000).allowed).toBe(true);
    expect(buckets.take('k', 3_600_000).allowed).toBe(true);
    expect(buckets.take('k', 3_600_000).allowed).toBe(false);
  });

  it('keeps one bucket per key', () => {
    const buckets = new TokenBuckets(1, 1 / 60);
    expect(buckets.take('a', 0).allowed).toBe(true);
    expect(buckets.take('a', 0).allowed).toBe(false);
    expect(buckets.take('b', 0).allowed).toBe(true);
    expect(buckets.take('b', 0).allowed).toBe(false);
  });

  it('reads the clock when no time is given', () => {
    const buckets = new TokenBuckets(1, 1 / 3600);
    expect(buckets.take('k')).toEqual({ allowed: true });
    expect(buckets.take('k')).toEqual({ allowed: false, retryAfterSeconds: 3600 });
    // A bucket drained "now" by the clock is full again an hour later.
    expect(buckets.take('k', Date.now() + 3_600_000)).toEqual({ allowed: true });
  });

  it('forgets every bucket when a new key arrives with maxKeys buckets held', () => {
    const buckets = new TokenBuckets(1, 1 / 60, 2);
    buckets.take('a', 0);
    expect(buckets.take('a', 0).allowed).toBe(false);
    buckets.take('b', 0); // 2 buckets now: below the limit when b arrived, nothing forgotten
    expect(buckets.take('a', 0).allowed).toBe(false); // a known key at the limit forgets nothing
    expect(buckets.take('b', 0).allowed).toBe(false);
    expect(buckets.take('c', 0).allowed).toBe(true); // a third key: all forgotten
    expect(buckets.take('a', 0).allowed).toBe(true);
  });

  it('holds 10 000 keys by default', () => {
    const buckets = new TokenBuckets(1, 1 / 60);
    buckets.take('a', 0);
    for (let i = 1; i < 10_000; i += 1) buckets.take(`k${i}`, 0);
    expect(buckets.take('a', 0).allowed).toBe(false);
    buckets.take('one-too-many', 0);
    expect(buckets.take('a', 0).allowed).toBe(true);
  });
});
