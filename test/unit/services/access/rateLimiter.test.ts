import { describe, expect, it } from 'vitest';
import { callerKey, TokenBuckets } from '../../../../functions/src/services/access/rateLimiter.js';

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

  it('with maxKeys buckets held, a new key evicts only the least recently used one', () => {
    const buckets = new TokenBuckets(1, 1 / 60, 2);
    buckets.take('a', 0);
    expect(buckets.take('a', 0).allowed).toBe(false);
    buckets.take('b', 0); // 2 buckets now: below the limit when b arrived, nothing forgotten
    expect(buckets.take('a', 0).allowed).toBe(false); // a known key at the limit forgets nothing; a is now the most recent
    expect(buckets.take('c', 0).allowed).toBe(true); // a third key evicts b, the least recently used
    expect(buckets.size).toBe(2);
    expect(buckets.take('a', 0).allowed).toBe(false); // a, still being refused, is still refused
    expect(buckets.take('b', 0).allowed).toBe(true); // b was forgotten (and now evicts c)
    expect(buckets.take('a', 0).allowed).toBe(false);
  });

  it('a flood of 10 000 new keys does not free a key that is refused while it keeps calling', () => {
    const buckets = new TokenBuckets(1, 1 / 60);
    buckets.take('attacker', 0);
    for (let i = 0; i < 30_000; i += 1) {
      buckets.take(`flood-${i}`, 0);
      if (i % 1_000 === 0) expect(buckets.take('attacker', 0).allowed).toBe(false);
    }
    expect(buckets.size).toBe(10_000);
    expect(buckets.take('attacker', 0).allowed).toBe(false);
  });

  it('holds 10 000 keys by default; the 10 001st evicts the oldest', () => {
    const buckets = new TokenBuckets(1, 1 / 60);
    buckets.take('a', 0);
    for (let i = 1; i < 10_000; i += 1) buckets.take(`k${i}`, 0);
    expect(buckets.take('a', 0).allowed).toBe(false); // a is the most recent now
    buckets.take('one-too-many', 0); // evicts k1, the oldest
    expect(buckets.take('a', 0).allowed).toBe(false);
    expect(buckets.take('k2', 0).allowed).toBe(false);
    expect(buckets.take('k1', 0).allowed).toBe(true);
  });
});

describe('callerKey', () => {
  it('keys an IPv6 caller by its /64, however the address is written', () => {
    expect(callerKey('2001:db8:a:b::1')).toBe('2001:db8:a:b::/64');
    expect(callerKey('2001:DB8:A:B:0:0:0:FF')).toBe('2001:db8:a:b::/64');
    expect(callerKey('2001:0db8:000a:000b:1:2:3:4')).toBe('2001:db8:a:b::/64');
    expect(callerKey('2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff')).toBe('2001:db8:aaaa:bbbb::/64');
    expect(callerKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(callerKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(callerKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(callerKey('2001:db8:a:c::1')).not.toBe(callerKey('2001:db8:a:b::1'));
  });

  it('expands :: by the groups on both sides, an IPv4 tail counting as two', () => {
    expect(callerKey('::1')).toBe('0:0:0:0::/64');
    expect(callerKey('1::2:3:4:5:6:7')).toBe('1:0:2:3::/64');
    expect(callerKey('1:2::3:4:5:1.2.3.4')).toBe('1:2:0:3::/64');
    expect(callerKey('::ffff:192.0.2.1')).toBe('0:0:0:0::/64');
  });

  it('keeps an IPv4 address (and anything that is not IPv6) as it is', () => {
    expect(callerKey('198.51.100.7')).toBe('198.51.100.7');
    expect(callerKey('198.51.100.8')).not.toBe(callerKey('198.51.100.7'));
    expect(callerKey('junk')).toBe('junk');
  });
});
