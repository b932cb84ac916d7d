/**
 * seed 001's rate limit per API key (burst 100 requests, sustained 50/second), one bucket per
 * key for every door the key opens: v1 and seed 004's admin functions alike (a console user and
 * a portal buyer count as one key). Held in the instance's memory (rateLimiter.ts); in the local
 * host every function shares one process, in production each function's instances count their own.
 */
import { v1RateLimit } from '../../config/constants.js';
import { ApiError } from '../../domain/errors.js';
import type { Principal } from './principal.js';
import { TokenBuckets } from './rateLimiter.js';

const apiKeyBuckets = new TokenBuckets(v1RateLimit.burst, v1RateLimit.perSecond);

/** Takes one token from `bucket`, or throws 429 `rate_limited` with Retry-After. */
export function takeApiKeyRateLimit(bucket: string): void {
  const taken = apiKeyBuckets.take(bucket);
  if (!taken.allowed) {
    throw new ApiError('rate_limited', `Rate limit exceeded: ${v1RateLimit.burst} requests/second burst, ${v1RateLimit.perSecond}/second sustained`, {
      retryAfterSeconds: taken.retryAfterSeconds,
    });
  }
}

/** The bucket of a principal: its key (or console member), or the operator's. */
export const principalBucket = (principal: Principal): string => (principal.kind === 'account' ? principal.keyId : 'operator');
