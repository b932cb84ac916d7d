/**
 * Entitlements' stored vocabulary (README, Entitlements): named feature codes a product defines
 * (kept on its app document, at most `maxEntitlementsPerProduct`), a variant grants, and a
 * license adds to, each license grant optionally ending (an add-on). The license carries its
 * variant's codes and its own grants, so a client call still reads one document.
 */
import { z } from 'zod';
import { timestamp } from './shared.js';

export const maxEntitlementsPerProduct = 200;
export const entitlementCodePattern = /^[A-Z0-9_]{1,64}$/;
export const entitlementCode = z.string().regex(entitlementCodePattern, 'an entitlement code is 1–64 characters of A–Z, 0–9 and _');

/** One code in a product's catalogue. */
export const entitlementDefinition = z.object({
  code: entitlementCode,
  name: z.string().min(1).max(128),
  createdAt: timestamp,
});
export type EntitlementDefinition = z.infer<typeof entitlementDefinition>;

/** A license's own grant: for good (`expiresAt` null), or an add-on until `expiresAt` (excluded from then on). */
export const entitlementGrant = z.object({ code: entitlementCode, expiresAt: timestamp.nullable() });
export type EntitlementGrant = z.infer<typeof entitlementGrant>;

/** The product's catalogue as stored on its app (written before entitlements existed: empty). */
export const storedCatalogue = z.array(entitlementDefinition).max(maxEntitlementsPerProduct).default([]);
/** A variant's grants (codes), copied to the licenses made from it. */
export const storedVariantEntitlements = z.array(entitlementCode).max(maxEntitlementsPerProduct).default([]);
/** A license's own grants. */
export const storedLicenseGrants = z.array(entitlementGrant).max(maxEntitlementsPerProduct).default([]);

/** A list of codes in a request (a variant's grants): no default, so an update that omits it keeps the stored list. */
export const entitlementCodesInput = z.array(entitlementCode).max(maxEntitlementsPerProduct);
