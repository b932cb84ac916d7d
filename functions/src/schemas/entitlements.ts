/** Entitlements' request and response shapes (README, Entitlements), for v1 and the OpenAPI document. */
import { z } from 'zod';
import { entitlementCode } from '../data/entitlements.js';
import { licenseGrantsInput } from './licenses.js';

export const v1DefineEntitlementBody = z.strictObject({
  code: entitlementCode.describe('The code clients and grants name: 1–64 of A–Z, 0–9 and _'),
  name: z.string().trim().min(1).max(128).describe('What the feature is called, for people'),
});
export type DefineEntitlementInput = z.infer<typeof v1DefineEntitlementBody>;

export const entitlementResponse = z.object({ code: z.string(), name: z.string(), createdAt: z.string().nullable() });

export const v1LicenseEntitlementsBody = z.strictObject({
  entitlements: licenseGrantsInput.describe("The license's own grants, replacing the current ones (its variant's codes stay)"),
});
