import { limits } from '../config/constants.js';
import { z } from 'zod';
import { variablesSchema } from '../data/shared.js';
import { variantDocument } from '../data/variants.js';
import { policyInputFields } from '../data/policies.js';
import { entitlementCodesInput } from '../data/entitlements.js';
import { meterDeclarations } from '../data/meters.js';
import { displayName, pageCursor, pageLimit, resourceId } from './common.js';
import { portalSettingsInput } from './portal.js';

export const productSlug = z.string().min(2).max(64).regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case letters, digits and single dashes');

const productSettingsInput = z.strictObject({
  validatesPerLicensePerMinute: z.number().int().min(1).max(100_000).optional(),
  validatesPerIpPerMinute: z.number().int().min(1).max(1_000_000).optional(),
  maxIpsPerDay: z.number().int().min(1).max(limits.maxIpsPerDay).nullable().optional(),
});

export const createProductInput = z.strictObject({
  accountId: resourceId.optional(),
  name: displayName,
  slug: productSlug.optional(),
  description: z.string().max(1000).optional(),
  variables: variablesSchema.optional(),
  settings: productSettingsInput.optional(),
  /** The customer portal (README, Customer portal); defaults: sign-in by email, 3 releases per 30 days. */
  portal: portalSettingsInput.optional(),
});
export type CreateProductInput = z.infer<typeof createProductInput>;

export const listProductsInput = z.strictObject({ accountId: resourceId.optional(), limit: pageLimit, cursor: pageCursor });
export type ListProductsInput = z.infer<typeof listProductsInput>;

export const updateProductInput = z.strictObject({
  productId: resourceId,
  name: displayName.optional(),
  slug: productSlug.optional(),
  description: z.string().max(1000).nullable().optional(),
  disabled: z.boolean().optional(),
  variables: variablesSchema.optional(),
  settings: productSettingsInput.optional(),
  /** The customer portal: the fields given replace the current ones, the others stay. */
  portal: portalSettingsInput.optional(),
  /** Make a new signing key the active one; the old public key stays published. */
  rotateSigningKey: z.boolean().optional(),
  /** Issue a new app secret (shown once); the old one stops working at once. */
  rotateAppSecret: z.boolean().optional(),
  /** New session-token secret; tokens signed with the old one verify for a short overlap only. */
  rotateSessionSecret: z.boolean().optional(),
  /** Issue the product's payment webhook secret (shown once; the previous one stops working). */
  rotatePaymentSecret: z.boolean().optional(),
});
export type UpdateProductInput = z.infer<typeof updateProductInput>;

/** A variant's fields as stored (one definition for the document and the requests). */
const variantFields = { ...variantDocument.shape, name: displayName };

export const createVariantInput = z.strictObject({
  productId: resourceId,
  name: variantFields.name,
  maxHwidSlots: variantFields.maxHwidSlots.default(1),
  unlimitedHwidSlots: variantFields.unlimitedHwidSlots.default(false),
  durationDays: variantFields.durationDays.default(null),
  floating: variantFields.floating.default(false),
  heartbeatTimeoutSeconds: variantFields.heartbeatTimeoutSeconds.default(300),
  variables: variantFields.variables.default({}),
  expirationStrategy: variantFields.expirationStrategy,
  gracePeriodDays: variantFields.gracePeriodDays,
  expirationBasis: variantFields.expirationBasis,
  renewalBasis: variantFields.renewalBasis,
  entitlements: entitlementCodesInput.default([]).describe("Entitlement codes (the product's) its licenses are granted"),
  meters: meterDeclarations.optional().describe('Usage meters its licenses declare, by name ([a-z0-9_-]{1,40}, at most 10): {limit, period: none|month}'),
});
export type CreateVariantInput = z.infer<typeof createVariantInput>;

export const updateVariantInput = z.strictObject({
  variantId: resourceId,
  name: variantFields.name.optional(),
  maxHwidSlots: variantFields.maxHwidSlots.optional(),
  unlimitedHwidSlots: variantFields.unlimitedHwidSlots.optional(),
  durationDays: variantFields.durationDays.optional(),
  floating: variantFields.floating.optional(),
  heartbeatTimeoutSeconds: variantFields.heartbeatTimeoutSeconds.optional(),
  variables: variantFields.variables.optional(),
  disabled: variantFields.disabled.optional(),
  ...policyInputFields,
  entitlements: entitlementCodesInput.optional().describe("Entitlement codes its future licenses are granted (licenses already made keep theirs)"),
  meters: meterDeclarations.optional().describe('Usage meters its future licenses declare (licenses already made keep theirs)'),
});
export type UpdateVariantInput = z.infer<typeof updateVariantInput>;

export const listVariantsInput = z.strictObject({ productId: resourceId, limit: pageLimit, cursor: pageCursor });
export type ListVariantsInput = z.infer<typeof listVariantsInput>;
