import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { collections, sessions } from '../config/constants.js';
import { sha256Hex } from '../crypto/hashing.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp } from './shared.js';

/**
 * heartbeatSlots/{appId}~{licenseKey}~{sha256(hwid)}~{slot}: a device's SDK heartbeat in one
 * `heartbeatSlotSeconds` slot. Created once; a second heartbeat of the device in the same slot
 * fails to create it, which is the rate limit (no counter is read or rewritten). Also the
 * device's last-seen record, without rewriting the license. `expireAt` drives the TTL policy.
 */
export const heartbeatSlotDocument = z.object({
  appId: z.string(),
  licenseKey: z.string(),
  hwid: z.string(),
  ip: z.string(),
  createdAt: timestamp,
  expireAt: timestamp,
});
export type HeartbeatSlotDocument = z.infer<typeof heartbeatSlotDocument>;

export const heartbeatSlotsCollection = () =>
  db().collection(collections.heartbeatSlots).withConverter(schemaConverter(heartbeatSlotDocument));

export const heartbeatSlotOf = (now: Timestamp) => Math.floor(now.toMillis() / (sessions.heartbeatSlotSeconds * 1000));

export const heartbeatSlotRef = (appId: string, licenseKey: string, hwid: string, slot: number) =>
  heartbeatSlotsCollection().doc(`${appId}~${licenseKey}~${sha256Hex(hwid)}~${slot}`);

/** Seconds until the next slot opens (the Retry-After of a refused heartbeat). */
export function secondsToNextSlot(now: Timestamp): number {
  const slotMs = sessions.heartbeatSlotSeconds * 1000;
  return Math.max(1, Math.ceil((slotMs - (now.toMillis() % slotMs)) / 1000));
}

export function heartbeatSlotRecord(entry: Omit<HeartbeatSlotDocument, 'createdAt' | 'expireAt'>, now: Timestamp): HeartbeatSlotDocument {
  return { ...entry, createdAt: now, expireAt: Timestamp.fromMillis(now.toMillis() + sessions.heartbeatSlotRetentionSeconds * 1000) };
}

/** Tells which document a failed create in the client transaction collided with. */
export const isHeartbeatSlotCollision = (error: unknown) => error instanceof Error && error.message.includes(`/${collections.heartbeatSlots}/`);
