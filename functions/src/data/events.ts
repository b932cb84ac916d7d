import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { collections, retention } from '../config/constants.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp } from './shared.js';

export const eventType = z.enum([
  'license.created',
  'license.validated',
  'license.hwid_bound',
  'license.hwid_reset',
  'license.revoked',
  'license.activated',
  'license.extended',
  'license.deleted',
  'license.expired',
  /** A reminder 30, 7 or 1 days before the license expires (data.daysBefore), once each per expiry. */
  'license.expiring',
  'license.updated',
  'license.offline_file_minted',
  /** The buyer released a device in the customer portal (its seat freed, its sessions ended). */
  'license.device_released',
  /** A license's own entitlement grants changed (README, Entitlements). */
  'license.entitlements_changed',
  /** A usage meter reached 80 % or 100 % of its limit in its period (README, Usage meters). */
  'license.meter_threshold',
  'test.ping',
]);
export type EventType = z.infer<typeof eventType>;

/** events/{eventId}: written in the same transaction or batch as the change it records. */
export const eventDocument = z.object({
  type: eventType,
  appId: z.string(),
  accountId: z.string(),
  licenseKey: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  createdAt: timestamp,
  expireAt: timestamp,
});
export type EventDocument = z.infer<typeof eventDocument>;

export const eventsCollection = () => db().collection(collections.events).withConverter(schemaConverter(eventDocument));

export function eventRecord(
  type: EventType,
  scope: { appId: string; accountId: string; licenseKey: string | null },
  data: Record<string, unknown>,
  now: Timestamp,
): EventDocument {
  return {
    type,
    ...scope,
    data: { ...(scope.licenseKey ? { licenseKey: scope.licenseKey } : {}), ...data },
    createdAt: now,
    expireAt: Timestamp.fromMillis(now.toMillis() + retention.eventDays * 86_400_000),
  };
}
