import { z } from 'zod';
import { collections, limits } from '../config/constants.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp } from './shared.js';

/**
 * offlineFiles/{jti}: one minted `.authforge` file. A minted file cannot be revoked (the SDK
 * checks it offline), so this record is kept for good: it is what the vendor can still see.
 */
export const offlineFileDocument = z.object({
  appId: z.string(),
  accountId: z.string(),
  licenseKey: z.string(),
  keyId: z.string(),
  hwidMode: z.enum(['bound', 'any']),
  hwids: z.array(z.string()).max(limits.maxHwidSlots),
  issuedAt: timestamp,
  /** null: a lifetime file (only for a license that never expires). */
  expiresAt: timestamp.nullable(),
  /** `operator` or `apiKey:<keyId>`. */
  mintedBy: z.string(),
  /** What the customer's activation request said, when the file was minted from one. */
  activationRequest: z
    .object({
      hwid: z.string(),
      createdAt: z.string(),
      machineName: z.string().nullable(),
      os: z.string().nullable(),
      sdk: z.string().nullable(),
    })
    .nullable(),
  /** Whether the mint took a credit (metered accounts). */
  creditCharged: z.boolean(),
});
export type OfflineFileDocument = z.infer<typeof offlineFileDocument>;

export const offlineFilesCollection = () => db().collection(collections.offlineFiles).withConverter(schemaConverter(offlineFileDocument));
