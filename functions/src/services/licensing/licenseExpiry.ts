/**
 * How a license ends (README, Expiration strategies and grace): the pure rules every door and
 * the scheduler use (`expiryStanding`, `clockStarts`, `renewedExpiry`), and the scheduled pass
 * that emits `license.expired`.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { db } from '../../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';
import type { LicenseState, RenewalBasis } from '../../data/policies.js';
import { isoDate } from '../../data/shared.js';
import { endAllSessions, licenseStatus } from './licenseRules.js';
import { commitLicense, recordEvent } from './licenseChanges.js';

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

/**
 * Emits `license.expired` once per expiry: finds unrevoked licenses past `expiresAt` not yet
 * notified, and in one transaction each marks them and writes the event. Safe to run twice.
 * A license of strategy revoke without grace is revoked in the same commit (`license.revoked`,
 * reason expired); with grace, the first client call after the grace revokes it.
 */
export async function emitExpiryEvents(now = Timestamp.now(), batchSize = 500): Promise<number> {
  const due = await licensesCollection()
    .where('revoked', '==', false)
    .where('expiryNotified', '==', false)
    .where('expiresSort', '<=', now)
    .orderBy('expiresSort', 'asc')
    .limit(batchSize)
    .get();
  let emitted = 0;
  for (const doc of due.docs) {
    const done = await db().runTransaction(async (transaction) => {
      const license = (await transaction.get(doc.ref)).data();
      if (!license || license.expiryNotified || licenseStatus(license, now) !== 'expired') return false;
      const expiredEvent = { type: 'license.expired' as const, data: { expiresAt: isoDate(license.expiresAt) } };
      if (license.expirationStrategy === 'revoke' && license.gracePeriodDays === 0) {
        // Strategy revoke without grace: the license is revoked at its expiry, both events in one commit.
        commitLicense(transaction, doc.id, { ...revokedOnExpiry(license, now), expiryNotified: true }, expiredEvent, now);
        recordEvent(transaction, 'license.revoked', { appId: license.appId, accountId: license.accountId, licenseKey: doc.id }, { reason: 'expired', expiresAt: isoDate(license.expiresAt) }, now);
        return true;
      }
      commitLicense(transaction, doc.id, { ...license, expiryNotified: true }, expiredEvent, now);
      return true;
    });
    if (done) emitted += 1;
  }
  return emitted;
}
