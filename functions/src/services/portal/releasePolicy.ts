/**
 * The product's self-service release policy (`portal.selfServiceReleases`), as pure functions
 * over the license: how many releases the buyer has left in the rolling 30 days, when the next
 * one is possible, and the refusal past the bound. The releases are counted on the license
 * document (`portalReleases`), read and written in the release transaction.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { portal } from '../../config/constants.js';
import type { PortalSettings } from '../../data/apps.js';
import type { LicenseDocument } from '../../data/licenses.js';
import { ApiError, forbidden } from '../../domain/errors.js';

const windowMs = portal.releaseWindowDays * 86_400_000;

export interface ReleaseAllowance {
  /** The releases still inside the window, oldest first. */
  recent: Timestamp[];
  /** Releases left in the window (0 when releases are off). */
  remaining: number;
  /** When the next release is possible, if not now (the window is full or a cooldown runs); null when releases are off. */
  nextAvailableAt: Timestamp | null;
}

export function releaseAllowance(license: Pick<LicenseDocument, 'portalReleases'>, policy: PortalSettings['selfServiceReleases'], now: Timestamp): ReleaseAllowance {
  const recent = license.portalReleases.filter((at) => now.toMillis() - at.toMillis() < windowMs).sort((a, b) => a.toMillis() - b.toMillis());
  const max = policy.perLicensePer30Days;
  if (max === 0) return { recent, remaining: 0, nextAvailableAt: null };
  // Full: the next release is possible once enough of the window's releases have left it.
  const oldestToLeave = recent.length >= max ? recent[recent.length - max] : undefined;
  const byCount = oldestToLeave ? oldestToLeave.toMillis() + windowMs : 0;
  const last = recent[recent.length - 1];
  const byCooldown = last && policy.cooldownHours > 0 ? last.toMillis() + policy.cooldownHours * 3_600_000 : 0;
  const next = Math.max(byCount, byCooldown);
  return {
    recent,
    remaining: Math.max(0, max - recent.length),
    nextAvailableAt: next > now.toMillis() ? Timestamp.fromMillis(next) : null,
  };
}

/**
 * Takes one release or refuses it: 403 when the product allows none, 429 `rate_limited` naming
 * the date of the next possible release (and `retryAfterSeconds`) past the bound or within the
 * cooldown. Returns the license's releases with this one.
 */
export function takeRelease(license: Pick<LicenseDocument, 'portalReleases'>, policy: PortalSettings['selfServiceReleases'], now: Timestamp): Timestamp[] {
  const allowance = releaseAllowance(license, policy, now);
  if (policy.perLicensePer30Days === 0) throw forbidden('Releasing devices yourself is off for this product: contact its support');
  if (allowance.nextAvailableAt) {
    const when = allowance.nextAvailableAt.toDate().toISOString();
    const retryAfterSeconds = Math.max(1, Math.ceil((allowance.nextAvailableAt.toMillis() - now.toMillis()) / 1000));
    const why =
      allowance.remaining === 0
        ? `at most ${policy.perLicensePer30Days} per ${portal.releaseWindowDays} days`
        : `at most one every ${policy.cooldownHours} hour(s)`;
    throw new ApiError('rate_limited', `No device release possible on this license until ${when} (${why})`, {
      retryAfterSeconds,
      details: { nextAvailableAt: when, retryAfterSeconds },
    });
  }
  return [...allowance.recent, now].slice(-portal.maxReleasesPerWindow);
}
