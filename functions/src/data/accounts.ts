import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { collections, limits } from '../config/constants.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';

export const accountDocument = z.object({
  name: z.string().min(1).max(limits.maxNameLength),
  email: z.string().max(320).nullable(),
  /** Unrevoked API keys, kept in step by createApiKey/revokeApiKey (absent on accounts made before the cap). */
  activeApiKeys: z.number().int().min(0).optional(),
  /** true: validates are free; false: each costs a credit from the shards. */
  creditsUnlimited: z.boolean(),
  createdAt: z.instanceof(Timestamp),
});
export type AccountDocument = z.infer<typeof accountDocument>;

export const accountsCollection = () =>
  db().collection(collections.accounts).withConverter(schemaConverter(accountDocument));
