import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { collections, limits } from '../config/constants.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';

/** Stored at apiKeys/{sha256(key)} so authentication is a single document read. */
export const apiKeyDocument = z.object({
  keyId: z.string(),
  accountId: z.string(),
  name: z.string().max(limits.maxNameLength),
  /** The first characters of the key, shown so a human can tell keys apart. */
  prefix: z.string(),
  createdAt: z.instanceof(Timestamp),
  createdBy: z.string(),
  /** What the key may do (services/access/keyRoles.ts); keys made before roles existed read as `admin`. */
  role: z.enum(['admin', 'licenses', 'read']).default('admin'),
  revokedAt: z.instanceof(Timestamp).nullable(),
});
export type ApiKeyDocument = z.infer<typeof apiKeyDocument>;

export const apiKeysCollection = () =>
  db().collection(collections.apiKeys).withConverter(schemaConverter(apiKeyDocument));
