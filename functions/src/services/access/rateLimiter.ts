/**
 * Token buckets held in the function instance's memory: burst `capacity`, refilled at
 * `refillPerSecond`. Counting in memory writes nothing to Firestore, so no document becomes a
 * hot spot; the limit is per instance (one instance serves up to 80 concurrent requests).
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
    if (this.buckets.size >= this.maxKeys && !this.buckets.has(key)) this.buckets.clear();
    if (refilled < 1) {
      this.buckets.set(key, { tokens: refilled, updatedAt: now });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - refilled) / this.refillPerSecond)) };
    }
    this.buckets.set(key, { tokens: refilled - 1, updatedAt: now });
    return { allowed: true };
  }
}
