import { onDocumentCreated } from 'firebase-functions/v2/firestore';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import * as logger from 'firebase-functions/logger';
import { collections, delivery } from '../config/constants.js';
import { eventDocument } from '../data/events.js';
import { emitExpiringReminders } from '../services/licensing/expiringRemindersPass.js';
import { emitExpiryEvents } from '../services/licensing/licenseExpiryPass.js';
import { deliverEvent, processDueDeliveries } from '../services/webhooks/webhookDispatch.js';
import { deliverEventsOptions, expireLicensesOptions, retryWebhookDeliveriesOptions } from './options.js';

/**
 * Fans each new event out to the app's webhooks and attempts delivery at once. Triggers can
 * run more than once: fan-out creates each delivery record only once. That is what makes
 * `retry: true` safe, and it is needed: nothing else fans an event out again, so a transient
 * failure here without a retry would lose the event for every endpoint (the scheduled
 * function only retries deliveries that exist).
 */
export const deliverEvents = onDocumentCreated({ ...deliverEventsOptions, document: `${collections.events}/{eventId}` }, async (event) => {
  const snapshot = event.data;
  if (!snapshot) return;
  const parsed = eventDocument.safeParse(snapshot.data());
  if (!parsed.success) {
    logger.error('malformed event document', { eventId: event.params.eventId });
    return;
  }
  await deliverEvent(event.params.eventId, parsed.data);
});

/** Retries due deliveries (backoff with jitter, about three days). Idempotent. */
export const retryWebhookDeliveries = onSchedule(retryWebhookDeliveriesOptions, async () => {
  const attempted = await processDueDeliveries(undefined, delivery.runBudgetMs);
  if (attempted > 0) logger.info('retried webhook deliveries', { attempted });
});

/**
 * Emits license.expired once for each license that has expired, then license.expiring once for
 * each reminder due (30, 7 and 1 days before expiry). Idempotent.
 */
export const expireLicenses = onSchedule(expireLicensesOptions, async () => {
  const emitted = await emitExpiryEvents();
  if (emitted > 0) logger.info('emitted license.expired events', { emitted });
  const reminded = await emitExpiringReminders();
  if (reminded > 0) logger.info('emitted license.expiring events', { reminded });
});
