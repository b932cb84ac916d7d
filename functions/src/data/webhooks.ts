import { z } from 'zod';
import { collections } from '../config/constants.js';
import { appsCollection, appWrites } from './apps.js';
import { countingWrites, schemaConverter } from './converter.js';
import { eventType } from './events.js';
import { timestamp } from './shared.js';

/** apps/{appId}/webhooks/{webhookId}: an endpoint that receives the app's events. */
export const webhookDocument = z.object({
  appId: z.string(),
  accountId: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  /** Event types delivered; empty means every type. */
  events: z.array(eventType),
  active: z.boolean(),
  /** Sealed with the KEK (services/access/storedSecrets.ts): deliveries are signed with it (HMAC-SHA256). */
  secret: z.string(),
  disabledReason: z.string().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type WebhookDocument = z.infer<typeof webhookDocument>;

export const webhooksCollection = (appId: string) =>
  appsCollection().doc(appId).collection(collections.webhooks).withConverter(countingWrites(schemaConverter(webhookDocument), appWrites));
