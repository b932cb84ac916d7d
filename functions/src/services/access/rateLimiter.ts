import { isIP } from 'node:net';

/**
 * The identity a per-IP limit counts: an IPv4 address, or the /64 of an IPv6 one (a /64 is what
 * one subscriber or host gets, so keying per address would give a caller 2^64 identities).
 * Anything else is counted as itself.
 */
export function callerKey(ip: string): string {
  const address = ip.split('%')[0] ?? ip;
  if (isIP(address) !== 6) return ip;
  const [head = '', tail] = address.toLowerCase().split('::');
  // A dotted IPv4 tail takes the place of two groups; only the first four groups matter here.
  const groups = (part: string) => (part === '' ? [] : part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group])));
  const first = groups(head);
  const last = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? first : [...first, ...Array<string>(Math.max(0, 8 - first.length - last.length)).fill('0'), ...last];
  return `${all.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`;
}

/**
 * Token buckets held in the function instance's memory: burst `capacity`, refilled at
 * `refillPerSecond`. Counting in memory writes nothing to Firestore, so no document becomes a
 * hot spot; the limit is per instance (one instance serves up to 80 concurrent requests).
 * At most `maxKeys` buckets are kept: past that the least recently used one is dropped (a Map
 * keeps insertion order, and each take moves its key to the end), never the whole map, so a
 * flood of new keys cannot free a key that is being refused.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token; when none is left, says how long until one is. */
  take(key: string, now = Date.now()): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, updatedAt: now };
    const refilled = Math.min(this.capacity, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.refillPerSecond);
    this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
    if (refilled < 1) {
      this.buckets.set(key, { tokens: refilled, updatedAt: now });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - refilled) / this.refillPerSecond)) };
    }
    this.buckets.set(key, { tokens: refilled - 1, updatedAt: now });
    return { allowed: true };
  }

  /** How many keys are held (for tests). */
  get size(): number {
    return this.buckets.size;
  }
}
