/** What callers see of a webhook (never its secret) and of its deliveries. */
import type { z } from 'zod';
import type { DeliveryDocument } from '../data/deliveries.js';
import { isoDate } from '../data/shared.js';
import type { WebhookDocument } from '../data/webhooks.js';
import type { deliveryResponse, webhookResponse } from '../schemas/v1.js';

export function webhookView(webhookId: string, webhook: WebhookDocument): z.infer<typeof webhookResponse> {
  return {
    webhookId,
    appId: webhook.appId,
    url: webhook.url,
    description: webhook.description,
    events: webhook.events,
    active: webhook.active,
    disabledReason: webhook.disabledReason,
    createdAt: isoDate(webhook.createdAt),
    updatedAt: isoDate(webhook.updatedAt),
  };
}

export function deliveryView(id: string, record: DeliveryDocument): z.infer<typeof deliveryResponse> {
  return {
    deliveryId: id,
    eventId: record.eventId,
    webhookId: record.webhookId,
    event: record.eventType,
    status: record.status,
    attempts: record.attempts,
    nextAttemptAt: record.status === 'pending' ? isoDate(record.nextAttemptAt) : null,
    lastAttemptAt: isoDate(record.lastAttemptAt),
    lastStatusCode: record.lastStatusCode,
    lastError: record.lastError,
    deliveredAt: isoDate(record.deliveredAt),
    createdAt: isoDate(record.createdAt),
  };
}
