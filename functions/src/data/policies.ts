/**
 * A license policy's stored vocabulary (README, Policies): how a license ends, how long it may
 * run late, when its clock starts and how a renewal extends it. A variant holds the policy its
 * licenses start with; each license carries its own copy (so a client call still reads one
 * document) and may override it. Every field has a default that is today's behaviour, so a
 * document written before policies existed reads as it always did.
 */
import { z } from 'zod';

/**
 * `restrict`: refused once expired (410 expired). `revoke`: on expiry (after any grace) the
 * license becomes revoked, with `license.revoked` reason `expired`. `maintain`: the answer stays
 * ok and says it is expired (the app keeps the versions released before expiry working).
 * `allow`: ok, expiry is informational.
 */
export const expirationStrategies = ['restrict', 'revoke', 'maintain', 'allow'] as const;
export const expirationStrategy = z.enum(expirationStrategies);
export type ExpirationStrategy = z.infer<typeof expirationStrategy>;

/** When a `durationDays` clock starts: at creation, at the first device bound, at the first check. */
export const expirationBases = ['creation', 'firstActivation', 'firstValidation'] as const;
export const expirationBasis = z.enum(expirationBases);
export type ExpirationBasis = z.infer<typeof expirationBasis>;

/** How `extend {durationDays}` (and Stripe's invoice.paid) moves the expiry. */
export const renewalBases = ['fromExpiry', 'fromNow', 'fromNowIfExpired'] as const;
export const renewalBasis = z.enum(renewalBases);
export type RenewalBasis = z.infer<typeof renewalBasis>;

export const maxGracePeriodDays = 90;
export const gracePeriodDays = z.number().int().min(0).max(maxGracePeriodDays);
export const durationDays = z.number().int().min(1).max(36_500);

/** What a client is told: `grace` after expiry within the grace period; `expired` only for maintain and allow. */
export type LicenseState = 'active' | 'grace' | 'expired';

/** The policy fields as stored on a variant and on a license, with today's behaviour as defaults. */
export const storedPolicyFields = {
  expirationStrategy: expirationStrategy.default('restrict'),
  gracePeriodDays: gracePeriodDays.default(0),
  expirationBasis: expirationBasis.default('creation'),
  renewalBasis: renewalBasis.default('fromExpiry'),
};

/** The same fields in a request: each optional (absent: the variant's, else the default). */
export const policyInputFields = {
  expirationStrategy: expirationStrategy.optional().describe('restrict (default: refused once expired), revoke (revoked on expiry), maintain (ok, flagged expired), allow (ok, expiry informational)'),
  gracePeriodDays: gracePeriodDays.optional().describe('Days after expiresAt a restrict or revoke license still answers ok, flagged grace (0–90, default 0)'),
  expirationBasis: expirationBasis.optional().describe('When a durationDays clock starts: creation (default), firstActivation, firstValidation'),
  renewalBasis: renewalBasis.optional().describe('How extend {durationDays} moves the expiry: fromExpiry (default), fromNow, fromNowIfExpired'),
};
