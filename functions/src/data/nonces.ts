import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { collections, sessions } from '../config/constants.js';
import { sha256Hex } from '../crypto/hashing.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp } from './shared.js';

/** nonces/{appId}~{sha256(nonce)}: created once; a second create fails, which is the replay check. */
export const nonceDocument = z.object({ appId: z.string(), createdAt: timestamp, expireAt: timestamp });
export type NonceDocument = z.infer<typeof nonceDocument>;

export const noncesCollection = () => db().collection(collections.nonces).withConverter(schemaConverter(nonceDocument));

export const nonceRef = (appId: string, nonce: string) => noncesCollection().doc(`${appId}~${sha256Hex(nonce)}`);

export const nonceRecord = (appId: string, now: Timestamp): NonceDocument => ({
  appId,
  createdAt: now,
  expireAt: Timestamp.fromMillis(now.toMillis() + sessions.nonceWindowSeconds * 1000),
});
