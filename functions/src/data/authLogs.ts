import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { collections, retention } from '../config/constants.js';
import { sha256Hex } from '../crypto/hashing.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp } from './shared.js';

/** `buyer_release`: the buyer released a device in the customer portal (services/portal). */
export const authAction = z.enum(['validate', 'heartbeat', 'selfban', 'verify', 'activate', 'session', 'deactivate', 'floating_heartbeat', 'buyer_release', 'usage']);
export type AuthAction = z.infer<typeof authAction>;

/** authLogs/{id}: one per client call (seed 003). `expireAt` drives the TTL policy. */
export const authLogDocument = z.object({
  appId: z.string(),
  licenseKey: z.string().nullable(),
  hwid: z.string().nullable(),
  ip: z.string(),
  action: authAction,
  /** "ok" or the error code answered. */
  result: z.string(),
  createdAt: timestamp,
  expireAt: timestamp,
});
export type AuthLogDocument = z.infer<typeof authLogDocument>;

export const authLogsCollection = () => db().collection(collections.authLogs).withConverter(schemaConverter(authLogDocument));

export function authLogEntry(entry: Omit<AuthLogDocument, 'createdAt' | 'expireAt'>, now: Timestamp): AuthLogDocument {
  return { ...entry, createdAt: now, expireAt: Timestamp.fromMillis(now.toMillis() + retention.authLogDays * 86_400_000) };
}

/**
 * The auth-log entry of a call that carries a nonce is stored at `{appId}~{sha256(nonce)}`:
 * creating it is also the replay check (a second create of the same id fails), so the nonce
 * costs no document of its own. A used nonce is refused for as long as its entry is kept.
 */
export const callRecordRef = (appId: string, nonce: string) => authLogsCollection().doc(`${appId}~${sha256Hex(nonce)}`);
