import { z } from 'zod';
import { collections, limits } from '../config/constants.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp, variablesSchema } from './shared.js';

/** variants/{variantId}: defaults for the licenses made from it (a plan, a tier). */
export const variantDocument = z.object({
  appId: z.string(),
  accountId: z.string(),
  name: z.string(),
  maxHwidSlots: z.number().int().min(limits.minHwidSlots).max(limits.maxHwidSlots),
  unlimitedHwidSlots: z.boolean(),
  /** License lifetime in days from creation; null for lifetime licenses. */
  durationDays: z.number().int().min(1).max(36_500).nullable(),
  floating: z.boolean(),
  heartbeatTimeoutSeconds: z.number().int().min(30).max(86_400),
  variables: variablesSchema,
  disabled: z.boolean(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type VariantDocument = z.infer<typeof variantDocument>;

export const variantsCollection = () => db().collection(collections.variants).withConverter(schemaConverter(variantDocument));
