/**
 * How a license ends (README, Expiration strategies and grace): the pure rules every door and
 * the scheduler use (`expiryStanding`, `clockStarts`, `renewedExpiry`, `expiryNotice`). The
 * scheduled pass that reads the expired licenses and writes `license.expired` is
 * licenseExpiryPass.ts.
 */
import { Timestamp } from 'firebase-admin/firestore';
import type { LicenseDocument } from '../../data/licenses.js';
import type { LicenseState, RenewalBasis } from '../../data/policies.js';
import { isoDate } from '../../data/shared.js';
import type { LicenseEvent } from './licenseChanges.js';
import { endAllSessions, licenseStatus } from './licenseRules.js';

export const dayMs = 86_400_000;

type ExpiryFields = Pick<LicenseDocument, 'expiresAt' | 'expirationStrategy' | 'gracePeriodDays'>;

export interface ExpiryStanding {
  /** What the client is told. */
  state: LicenseState;
  /** The license may be used now (ok answers); false: refused, as expired or (revoke) revoked. */
  usable: boolean;
  /**
   * The instant the grace period ends (expiresAt + gracePeriodDays) for a restrict or revoke
   * license that expires and has a grace period, else null: carried in signed answers and
   * offline files so a client holding an answer past expiry enforces the same end.
   */
  graceEndsAt: Timestamp | null;
}

/** expiresAt + gracePeriodDays, for strategies that refuse after expiry; null when there is no grace. */
export function graceEnd(license: ExpiryFields): Timestamp | null {
  if (!license.expiresAt || license.gracePeriodDays === 0) return null;
  if (license.expirationStrategy !== 'restrict' && license.expirationStrategy !== 'revoke') return null;
  return Timestamp.fromMillis(license.expiresAt.toMillis() + license.gracePeriodDays * dayMs);
}

/**
 * Where a license stands against its expiry now. Expired from the instant `expiresAt` (as
 * licenseStatus); in grace from then until, not including, `graceEndsAt`. Revocation is not
 * looked at here (licenseRules.assertUsable refuses a revoked license first).
 */
export function expiryStanding(license: ExpiryFields, now: Timestamp): ExpiryStanding {
  const graceEndsAt = graceEnd(license);
  if (!license.expiresAt || now.toMillis() < license.expiresAt.toMillis()) return { state: 'active', usable: true, graceEndsAt };
  if (license.expirationStrategy === 'maintain' || license.expirationStrategy === 'allow') return { state: 'expired', usable: true, graceEndsAt };
  if (graceEndsAt && now.toMillis() < graceEndsAt.toMillis()) return { state: 'grace', usable: true, graceEndsAt };
  return { state: 'expired', usable: false, graceEndsAt };
}

/** The license revoked by its own expiry (strategy revoke): its sessions end with it. */
export function revokedOnExpiry(license: LicenseDocument, now: Timestamp): LicenseDocument {
  return { ...endAllSessions(license, now), revoked: true, revokedAt: now, revokeReason: 'expired', updatedAt: now };
}

/** The actions that start a pending clock: a device taking a seat, or any check. */
export type ClockAction = 'validate' | 'activate' | 'heartbeat' | 'session' | 'verify' | 'deactivate' | 'selfban';

/**
 * True when this admitted call starts the license's pending clock: an expirationBasis of
 * firstActivation starts it at the first SDK validate or seed 004 activate, firstValidation at
 * the first check of any door (those two, verify, session validate, heartbeat).
 */
export function clockStarts(license: LicenseDocument, action: ClockAction): boolean {
  if (license.clockStartedAt !== null || license.expiresAt !== null || license.durationDays === null) return false;
  if (license.expirationBasis === 'firstActivation') return action === 'validate' || action === 'activate';
  if (license.expirationBasis === 'firstValidation') return action !== 'deactivate' && action !== 'selfban';
  return false;
}

/** The license with its clock started now: expires `durationDays` later. */
export function withClockStarted(license: LicenseDocument, now: Timestamp): LicenseDocument {
  const expiresAt = Timestamp.fromMillis(now.toMillis() + (license.durationDays ?? 0) * dayMs);
  return { ...license, clockStartedAt: now, expiresAt, expiresSort: expiresAt, expiryNotified: false };
}

/**
 * The expiry after a renewal of `days`: from the current expiry (fromExpiry), from now
 * (fromNow), or from now only when already expired (fromNowIfExpired). Undefined for a license
 * that never expires (nothing to extend); a pending clock is lengthened instead (see
 * extendLicense).
 */
export function renewedExpiry(expiresAt: Timestamp | null, basis: RenewalBasis, days: number, now: Timestamp): Timestamp | undefined {
  if (!expiresAt) return undefined;
  const from =
    basis === 'fromNow' ? now.toMillis() : basis === 'fromNowIfExpired' && expiresAt.toMillis() <= now.toMillis() ? now.toMillis() : expiresAt.toMillis();
  return Timestamp.fromMillis(from + days * dayMs);
}

/** What the scheduled expiry pass writes for one license, in one transaction. */
export interface ExpiryNotice {
  /** The license marked notified; for strategy revoke without grace, revoked as well. */
  record: LicenseDocument;
  /** `license.expired`, written with the record. */
  expiredEvent: LicenseEvent;
  /** `license.revoked` (reason expired) when the pass revokes the license, else null. */
  revokedEvent: LicenseEvent | null;
}

/**
 * The expiry pass's decision for a license read in its transaction: null when there is nothing
 * to announce (gone, already notified, not expired now), so a repeat or concurrent pass writes
 * nothing. A license of strategy revoke without grace is revoked by the pass, both events in one
 * commit; with grace, the first client call after the grace revokes it.
 */
export function expiryNotice(license: LicenseDocument | undefined, now: Timestamp): ExpiryNotice | null {
  if (!license || license.expiryNotified || licenseStatus(license, now) !== 'expired') return null;
  const expiresAt = isoDate(license.expiresAt);
  const expiredEvent: LicenseEvent = { type: 'license.expired', data: { expiresAt } };
  if (license.expirationStrategy === 'revoke' && license.gracePeriodDays === 0) {
    return {
      record: { ...revokedOnExpiry(license, now), expiryNotified: true },
      expiredEvent,
      revokedEvent: { type: 'license.revoked', data: { reason: 'expired', expiresAt } },
    };
  }
  return { record: { ...license, expiryNotified: true }, expiredEvent, revokedEvent: null };
}
