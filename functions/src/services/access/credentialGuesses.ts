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

const windows = new Map<string, Window>();

function current(key: string, now: number): Window | undefined {
  const window = windows.get(key);
  if (window && now - window.startedAt >= credentialGuesses.windowMs) {
    windows.delete(key);
    return undefined;
  }
  return window;
}

/** Marks a caller as seen now: a Map keeps insertion order, so the first entry is the least recently seen. */
function seen(key: string, window: Window): void {
  windows.delete(key);
  windows.set(key, window);
}

/** Refuses an IP that failed too often in the current window (429 with Retry-After). */
export function assertGuessesAllowed(ip: string, now = Date.now()): void {
  const key = callerKey(ip);
  const window = current(key, now);
  if (window && window.failures >= credentialGuesses.maxFailures) {
    seen(key, window);
    const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + credentialGuesses.windowMs - now) / 1000));
    throw new ApiError('rate_limited', 'Too many failed credential attempts from this address; retry later', { retryAfterSeconds });
  }
}

/** Counts one failed guess for the IP. */
export function recordFailedGuess(ip: string, log: RequestLogger, now = Date.now()): void {
  const key = callerKey(ip);
  const window = current(key, now) ?? { failures: 0, startedAt: now };
  if (!windows.has(key) && windows.size >= credentialGuesses.maxTrackedIps) {
    const leastRecent = windows.keys().next();
    if (!leastRecent.done) windows.delete(leastRecent.value);
  }
  window.failures += 1;
  seen(key, window);
  if (window.failures === credentialGuesses.maxFailures) log.warn('credential guesses throttled', { ip, failures: window.failures });
}

/**
 * A caller on this host (the local stack's scripts and tests; in production every caller comes
 * through Google's front end and has its own address) is not throttled.
 */
const onThisHost = (ip: string) => ip === '127.0.0.1' || ip === '::1';

/** Runs `authenticate` under the guess throttle: a 401 from it counts as a failed guess. */
export async function throttledAuthentication<T>(ip: string, log: RequestLogger, authenticate: () => Promise<T>): Promise<T> {
  if (onThisHost(ip)) return authenticate();
  assertGuessesAllowed(ip);
  try {
    return await authenticate();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) recordFailedGuess(ip, log);
    throw error;
  }
}
