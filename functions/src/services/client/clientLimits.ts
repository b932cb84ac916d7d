/**
 * SDK validate's rate limits (the app's `validatesPerLicensePerMinute` and
 * `validatesPerIpPerMinute`), counted in the function instance's memory: no aggregation query
 * holds the validate open and no counter document is written. Each instance admits up to the
 * limit, so across N instances a license can make up to N times it; the durable limits are
 * the heartbeat slots (data/heartbeatSlots.ts) and seed 004's activation count.
 */
import { clientDoorLimits } from '../../config/constants.js';
import { localAppBucket } from '../../config/settings.js';
import type { AppSettings } from '../../data/apps.js';
import { callerKey, TokenBuckets } from '../access/rateLimiter.js';
import { ApiError } from '../../domain/errors.js';

/** One set of buckets per limit value: capacity = the per-minute limit, refilled over a minute. */
const bucketsByLimit = new Map<number, TokenBuckets>();

function buckets(perMinute: number): TokenBuckets {
  let found = bucketsByLimit.get(perMinute);
  if (!found) {
    if (bucketsByLimit.size > 100) bucketsByLimit.clear();
    found = new TokenBuckets(perMinute, perMinute / 60);
    bucketsByLimit.set(perMinute, found);
  }
  return found;
}

export function assertValidateRate(appId: string, settings: AppSettings, licenseKey: string, ip: string, nowMs = Date.now()): void {
  // Scoped to the app: another tenant's app presenting this key cannot spend its budget.
  const perLicense = buckets(settings.validatesPerLicensePerMinute).take(`${appId}~license~${licenseKey}`, nowMs);
  const perIp = perLicense.allowed ? buckets(settings.validatesPerIpPerMinute).take(`${appId}~ip~${callerKey(ip)}`, nowMs) : perLicense;
  if (!perIp.allowed) throw new ApiError('rate_limited', 'Too many requests; retry later', { retryAfterSeconds: perIp.retryAfterSeconds });
}

const perIp = new TokenBuckets(clientDoorLimits.perIpBurst, clientDoorLimits.perIpPerSecond);
const appBucket = localAppBucket();
const perApp = new TokenBuckets(appBucket?.burst ?? clientDoorLimits.perAppBurst, appBucket?.perSecond ?? clientDoorLimits.perAppPerSecond);

const loopback = (ip: string) => ip === '::1' || ip.startsWith('127.');

const refuse = (retryAfterSeconds: number) => new ApiError('rate_limited', 'Too many requests; retry later', { retryAfterSeconds });

/**
 * The client doors' first step, before any Firestore work: one token from the caller's bucket
 * (its IP; an IPv6 caller's /64). A flood of calls (random keys, forged tokens) is answered 429
 * from memory. Loopback callers (the local stack) skip it.
 */
export function assertClientDoorRate(ip: string, nowMs = Date.now()): void {
  if (loopback(ip)) return;
  const taken = perIp.take(callerKey(ip), nowMs);
  if (!taken.allowed) throw refuse(taken.retryAfterSeconds);
}

/**
 * One token from the app's bucket, taken once the caller proved itself for that app (its secret,
 * a session token it signed, an existing key of it): a stranger naming the app cannot spend its
 * budget.
 */
export function assertAppRate(appId: string, nowMs = Date.now()): void {
  const taken = perApp.take(appId, nowMs);
  if (!taken.allowed) throw refuse(taken.retryAfterSeconds);
}
