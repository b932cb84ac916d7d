import { z } from 'zod';
import { collections, limits } from '../config/constants.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { durationDays, storedPolicyFields } from './policies.js';
import { storedVariantEntitlements } from './entitlements.js';
import { meterDeclarations } from './meters.js';
import { timestamp, variablesSchema } from './shared.js';

/** variants/{variantId}: defaults for the licenses made from it (a plan, a tier). */
export const variantDocument = z.object({
  appId: z.string(),
  accountId: z.string(),
  name: z.string(),
  maxHwidSlots: z.number().int().min(limits.minHwidSlots).max(limits.maxHwidSlots),
  unlimitedHwidSlots: z.boolean(),
  /** License lifetime in days from the expirationBasis (creation by default); null for lifetime licenses. */
  durationDays: durationDays.nullable(),
  /** The policy its licenses start with (data/policies.ts). */
  ...storedPolicyFields,
  /** Entitlement codes its licenses are granted (copied to each at creation). */
  entitlements: storedVariantEntitlements,
  /** Usage meters its licenses declare (copied to each at creation; README, Usage meters). Absent: none. */
  meters: meterDeclarations.optional(),
  floating: z.boolean(),
  heartbeatTimeoutSeconds: z.number().int().min(30).max(86_400),
  variables: variablesSchema,
  disabled: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type VariantDocument = z.infer<typeof variantDocument>;

export const variantsCollection = () => db().collection(collections.variants).withConverter(schemaConverter(variantDocument));
