import { z } from 'zod';
import { limits } from '../config/constants.js';
import { licenseKeyPattern, normalizeLicenseKey } from '../crypto/licenseKeys.js';
import { variablesSchema } from '../data/shared.js';
import { durationDays, policyInputFields } from '../data/policies.js';
import { entitlementCode, maxEntitlementsPerProduct } from '../data/entitlements.js';
import { meterDeclarations } from '../data/meters.js';
import { appAlias, pageCursor, pageLimit, resolvingAppAlias, resourceId } from './common.js';

/** A license key as typed by a human: case and surrounding spaces forgiven. */
export const licenseKey = z
  .string()
  .max(64)
  .transform(normalizeLicenseKey)
  .refine((key) => licenseKeyPattern.test(key), 'not a license key (format XXXX-XXXX-XXXX-XXXX)');

/** The instants a Firestore Timestamp can hold: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z. */
const firestoreTimeRange = { min: Date.parse('0001-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59.999Z') };

/**
 * ISO 8601 date-time with an offset or Z; null means lifetime. The year 0000, or an offset that
 * moves 9999-12-31 past the end of the year, is outside what Firestore can store: a 400, not a 500.
 */
export const isoDateTime = z.iso.datetime({ offset: true }).refine((value) => {
  const at = Date.parse(value);
  return !Number.isNaN(at) && at >= firestoreTimeRange.min && at <= firestoreTimeRange.max;
}, 'date out of range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z)');

export const hwid = z.string().trim().min(1).max(limits.maxHwidLength);

/**
 * A license's own entitlement grants as a request gives them (README, Entitlements): a code (for
 * good) or `{code, expiresAt}` (an add-on until expiresAt; null for good). Each code must be the
 * product's (checked by the service).
 */
export const licenseGrantsInput = z
  .array(z.union([entitlementCode, z.strictObject({ code: entitlementCode, expiresAt: isoDateTime.nullable().optional() })]))
  .max(maxEntitlementsPerProduct)
  .describe('Entitlement codes, each a code (for good) or {code, expiresAt} (an add-on until expiresAt)');

const licenseFields = {
  quantity: z.number().int().min(1).max(limits.maxLicensesPerCreate),
  expiresAt: isoDateTime.nullable(),
  maxHwidSlots: z.number().int().min(limits.minHwidSlots).max(limits.maxHwidSlots),
  unlimitedHwidSlots: z.boolean(),
  label: z.string().max(limits.maxLabelLength),
  email: z.email().max(320),
  floating: z.boolean(),
  heartbeatTimeoutSeconds: z.number().int().min(30).max(86_400),
  variables: variablesSchema,
};

/** seed 002's fields, ranges and defaults; a variant supplies defaults where given. */
export const createLicenseInput = z
  .strictObject({
    ...appAlias,
    variantId: resourceId.optional(),
    quantity: licenseFields.quantity.default(1),
    expiresAt: licenseFields.expiresAt.optional(),
    maxHwidSlots: licenseFields.maxHwidSlots.optional(),
    unlimitedHwidSlots: licenseFields.unlimitedHwidSlots.optional(),
    label: licenseFields.label.optional(),
    email: licenseFields.email.optional(),
    floating: licenseFields.floating.optional(),
    heartbeatTimeoutSeconds: licenseFields.heartbeatTimeoutSeconds.optional(),
    variables: licenseFields.variables.optional(),
    ...policyInputFields,
    durationDays: durationDays.optional(),
    entitlements: licenseGrantsInput.optional(),
    meters: meterDeclarations.optional(),
  })
  .transform(resolvingAppAlias);
export type CreateLicenseInput = z.infer<typeof createLicenseInput>;

export const licenseKeyInput = z.strictObject({ licenseKey });
export type LicenseKeyInput = z.infer<typeof licenseKeyInput>;

export const revokeLicenseInput = z.strictObject({ licenseKey, reason: z.string().max(500).optional() });
export type RevokeLicenseInput = z.infer<typeof revokeLicenseInput>;

export const licenseStatusFilter = z.enum(['active', 'revoked', 'expired']);

export const listLicensesInput = z
  .strictObject({
    ...appAlias,
    status: licenseStatusFilter.optional(),
    label: z.string().max(limits.maxLabelLength).optional(),
    email: z.string().max(320).optional(),
    limit: pageLimit,
    cursor: pageCursor,
  })
  .transform(resolvingAppAlias);
export type ListLicensesInput = z.infer<typeof listLicensesInput>;

export const updateLicenseInput = z.strictObject({
  licenseKey,
  expiresAt: licenseFields.expiresAt.optional(),
  maxHwidSlots: licenseFields.maxHwidSlots.optional(),
  unlimitedHwidSlots: licenseFields.unlimitedHwidSlots.optional(),
  label: licenseFields.label.nullable().optional(),
  email: licenseFields.email.nullable().optional(),
  floating: licenseFields.floating.optional(),
  heartbeatTimeoutSeconds: licenseFields.heartbeatTimeoutSeconds.optional(),
  variables: licenseFields.variables.optional(),
  expirationStrategy: policyInputFields.expirationStrategy,
  gracePeriodDays: policyInputFields.gracePeriodDays,
  renewalBasis: policyInputFields.renewalBasis,
});
export type UpdateLicenseInput = z.infer<typeof updateLicenseInput>;

export const grantCreditsInput = z.strictObject({
  accountId: resourceId,
  /** Credits to add (may be negative to take some back; the balance never goes below zero). */
  amount: z.number().int().min(-1_000_000_000).max(1_000_000_000).optional(),
  /** true: no credit limit at all; false: metered. */
  unlimited: z.boolean().optional(),
});
export type GrantCreditsInput = z.infer<typeof grantCreditsInput>;

export const getCreditsInput = z.strictObject({ accountId: resourceId.optional() });
export type GetCreditsInput = z.infer<typeof getCreditsInput>;
