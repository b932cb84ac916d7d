/**
 * Failed credential guesses, counted per caller IP in the instance's memory (no Firestore
 * write, so a flood of guesses costs nothing but this map). Past `maxFailures` in a window the
 * IP is answered 429 before its credentials are even checked, until the window ends. IPv6
 * callers are counted per /64 (rateLimiter.ts `callerKey`). At most `maxTrackedIps` windows are
 * kept: past that the least recently seen caller's is dropped, never the whole map (clearing it
 * freed every IP being throttled; a throttled IP that keeps calling is seen on each call).
 */
import { credentialGuesses } from '../../config/constants.js';
import { ApiError } from '../../domain/errors.js';
import type { RequestLogger } from '../../domain/logger.js';
import { callerKey } from './rateLimiter.js';

interface Window {
  failures: number;
  startedAt: number;
}

export interface GuessLimits {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly maxTrackedIps: number;
}

/**
 * A caller on this host (the local stack's scripts and tests; in production every caller comes
 * through Google's front end and has its own address) is not throttled.
 */
const onThisHost = (ip: string) => ip === '127.0.0.1' || ip === '::1';

/** The failure windows of one instance; the limits are a parameter so tests can use small ones (like TokenBuckets). */
export class FailedGuesses {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly limits: GuessLimits = credentialGuesses) {}

  private current(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && now - window.startedAt >= this.limits.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  /** Marks a caller as seen now: a Map keeps insertion order, so the first entry is the least recently seen. */
  private seen(key: string, window: Window): void {
    this.windows.delete(key);
    this.windows.set(key, window);
  }

  /** Refuses an IP that failed too often in the current window (429 with Retry-After). */
  assertAllowed(ip: string, now = Date.now()): void {
    const key = callerKey(ip);
    const window = this.current(key, now);
    if (window && window.failures >= this.limits.maxFailures) {
      this.seen(key, window);
      const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + this.limits.windowMs - now) / 1000));
      throw new ApiError('rate_limited', 'Too many failed credential attempts from this address; retry later', { retryAfterSeconds });
    }
  }

  /** Counts one failed guess for the IP. */
  record(ip: string, log: RequestLogger, now = Date.now()): void {
    const key = callerKey(ip);
    const window = this.current(key, now) ?? { failures: 0, startedAt: now };
    if (!this.windows.has(key) && this.windows.size >= this.limits.maxTrackedIps) {
      const leastRecent = this.windows.keys().next();
      if (!leastRecent.done) this.windows.delete(leastRecent.value);
    }
    window.failures += 1;
    this.seen(key, window);
    if (window.failures === this.limits.maxFailures) log.warn('credential guesses throttled', { ip, failures: window.failures });
  }

  /** Runs `authenticate` under the guess throttle: a 401 from it counts as a failed guess. */
  async throttled<T>(ip: string, log: RequestLogger, authenticate: () => Promise<T>): Promise<T> {
    if (onThisHost(ip)) return authenticate();
    this.assertAllowed(ip);
    try {
      return await authenticate();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.record(ip, log);
      throw error;
    }
  }
}

/** This instance's guesses, under the configured limits. */
const failedGuesses = new FailedGuesses();

export const assertGuessesAllowed = (ip: string, now?: number): void => failedGuesses.assertAllowed(ip, now);
export const recordFailedGuess = (ip: string, log: RequestLogger, now?: number): void => failedGuesses.record(ip, log, now);
export const throttledAuthentication = <T>(ip: string, log: RequestLogger, authenticate: () => Promise<T>): Promise<T> =>
  failedGuesses.throttled(ip, log, authenticate);
