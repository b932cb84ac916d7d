import { z } from 'zod';
import { collections } from '../config/constants.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp } from './shared.js';

export const deliveryStatus = z.enum(['pending', 'delivering', 'delivered', 'failed', 'cancelled']);
export type DeliveryStatus = z.infer<typeof deliveryStatus>;

/**
 * deliveries/{eventId}~{webhookId}: the id makes fan-out idempotent (create-if-absent), so a
 * trigger that runs twice creates no second delivery. The body is fixed at fan-out: every
 * attempt sends the same bytes.
 */
export const deliveryDocument = z.object({
  eventId: z.string(),
  webhookId: z.string(),
  appId: z.string(),
  accountId: z.string(),
  eventType: z.string(),
  body: z.string(),
  status: deliveryStatus,
  attempts: z.number().int(),
  /** When the next attempt is due; while `delivering`, when the sender's claim lapses. */
  nextAttemptAt: timestamp,
  lastAttemptAt: timestamp.nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: timestamp.nullable(),
  createdAt: timestamp,
  expireAt: timestamp,
});
export type DeliveryDocument = z.infer<typeof deliveryDocument>;

export const deliveryAttemptDocument = z.object({
  attempt: z.number().int(),
  at: timestamp,
  url: z.string(),
  statusCode: z.number().int().nullable(),
  durationMs: z.number(),
  responseSnippet: z.string().nullable(),
  error: z.string().nullable(),
  expireAt: timestamp,
});
export type DeliveryAttemptDocument = z.infer<typeof deliveryAttemptDocument>;

export const deliveriesCollection = () => db().collection(collections.deliveries).withConverter(schemaConverter(deliveryDocument));
export const deliveryId = (eventId: string, webhookId: string) => `${eventId}~${webhookId}`;
export const deliveryAttemptsCollection = (id: string) =>
  deliveriesCollection().doc(id).collection(collections.deliveryAttempts).withConverter(schemaConverter(deliveryAttemptDocument));
