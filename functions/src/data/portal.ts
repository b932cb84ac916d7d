/**
 * The customer portal's documents: a buyer email's one-time code, and the mails the portal
 * writes for Firebase's Trigger Email extension (firestore-send-email) to deliver.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { collections, portal } from '../config/constants.js';
import { mailCollection } from '../config/settings.js';
import { sha256Hex } from '../crypto/hashing.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp } from './shared.js';

/**
 * portalCodes/{sha256(email)}: one per email, known or not (so a request answers the same
 * either way). `codeHash` is the only trace of the code (crypto/portalTokens.ts); null when no
 * code is live (never sent, used, or void after too many wrong tries). `requests` is the last
 * hour's code requests (the per-email limit). `expireAt` drives the TTL policy.
 */
export const portalCodeDocument = z.object({
  codeHash: z.string().nullable(),
  salt: z.string().nullable(),
  codeExpiresAt: timestamp.nullable(),
  /** Wrong codes tried against the live code. */
  attempts: z.number().int().min(0),
  requests: z.array(timestamp).max(portal.codeRequestsPerEmailPerHour),
  updatedAt: timestamp,
  expireAt: timestamp,
});
export type PortalCodeDocument = z.infer<typeof portalCodeDocument>;

export const portalCodesCollection = () => db().collection(collections.portalCodes).withConverter(schemaConverter(portalCodeDocument));
export const portalCodeRef = (email: string) => portalCodesCollection().doc(sha256Hex(email));

/** A mail as the Trigger Email extension reads it; `expireAt` (ignored by the extension) drives a TTL policy. */
export const mailDocument = z.object({
  to: z.string(),
  message: z.object({ subject: z.string(), text: z.string(), html: z.string() }),
  createdAt: timestamp,
  expireAt: timestamp,
});
export type MailDocument = z.infer<typeof mailDocument>;

/** The mail collection is a param (KEYWARDEN_MAIL_COLLECTION, default `mail`). */
export const mailsCollection = () => db().collection(mailCollection()).withConverter(schemaConverter(mailDocument));

/** When a portal document written now is deleted by TTL. */
export const portalExpireAt = (now: Timestamp) => Timestamp.fromMillis(now.toMillis() + portal.retentionDays * 86_400_000);
