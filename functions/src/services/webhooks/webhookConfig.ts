import { randomBytes } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { limits } from '../../config/constants.js';
import { maxWebhooksPerApp } from '../../config/settings.js';
import { randomId } from '../../crypto/random.js';
import type { EventType } from '../../data/events.js';
import { db } from '../../data/firestore.js';
import { webhooksCollection, type WebhookDocument } from '../../data/webhooks.js';
import { badRequest, conflict, notFound } from '../../domain/errors.js';
import { loadOwnedApp } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import { sealSecret } from '../access/storedSecrets.js';
import { recordEvent } from '../licensing/licenseChanges.js';
import { webhookView } from '../../views/webhooks.js';
import { refusedWebhookUrl } from './webhookTargets.js';

const newSigningSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

/**
 * Refuses (400) a URL no delivery could be sent to: http outside the local stack, or a host that
 * is, or resolves now to, an address the attempts refuse (webhookTargets.ts, one rule for both).
 */
async function assertWebhookTarget(url: string): Promise<void> {
  const refusal = await refusedWebhookUrl(new URL(url), AbortSignal.timeout(limits.webhookSaveLookupMs));
  if (refusal) throw badRequest(`Webhook URL refused: ${refusal}`);
}

/** Creates a webhook; its signing secret is shown once. At most maxWebhooksPerApp() per app. */
export async function createWebhook(
  principal: Principal,
  appId: string,
  input: { url: string; events: EventType[]; description?: string | undefined; active: boolean },
) {
  await assertWebhookTarget(input.url);
  const now = Timestamp.now();
  const webhookId = randomId('wh');
  const secret = newSigningSecret();
  const webhook = await db().runTransaction(async (transaction) => {
    const app = await loadOwnedApp(principal, appId, transaction);
    const existing = await transaction.get(webhooksCollection(appId));
    const max = maxWebhooksPerApp();
    if (existing.size >= max) throw conflict(`An app has at most ${max} webhooks`);
    const document: WebhookDocument = {
      appId,
      accountId: app.accountId,
      url: input.url,
      description: input.description ?? null,
      events: input.events,
      active: input.active,
      secret: sealSecret(secret),
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
    };
    transaction.create(webhooksCollection(appId).doc(webhookId), document);
    return document;
  });
  return { webhook: webhookView(webhookId, webhook), secret };
}

export async function listWebhooks(principal: Principal, appId: string) {
  await loadOwnedApp(principal, appId);
  const snapshot = await webhooksCollection(appId).orderBy('createdAt', 'asc').get();
  return { webhooks: snapshot.docs.map((doc) => webhookView(doc.id, doc.data())) };
}

export async function updateWebhook(
  principal: Principal,
  appId: string,
  webhookId: string,
  input: { url?: string | undefined; events?: EventType[] | undefined; description?: string | null | undefined; active?: boolean | undefined; rotateSecret?: boolean | undefined },
) {
  if (input.url !== undefined) await assertWebhookTarget(input.url);
  let secret: string | undefined;
  const webhook = await db().runTransaction(async (transaction) => {
    await loadOwnedApp(principal, appId, transaction);
    const ref = webhooksCollection(appId).doc(webhookId);
    const current = (await transaction.get(ref)).data();
    if (!current) throw notFound('Webhook not found');
    if (input.rotateSecret) secret = newSigningSecret();
    const next: WebhookDocument = {
      ...current,
      url: input.url ?? current.url,
      events: input.events ?? current.events,
      description: input.description === undefined ? current.description : input.description,
      active: input.active ?? current.active,
      // Re-enabling clears the reason it was disabled (e.g. a 410 from the receiver).
      disabledReason: input.active ? null : current.disabledReason,
      secret: secret ? sealSecret(secret) : current.secret,
      updatedAt: Timestamp.now(),
    };
    transaction.set(ref, next);
    return next;
  });
  return { webhook: webhookView(webhookId, webhook), ...(secret ? { secret } : {}) };
}

export async function deleteWebhook(principal: Principal, appId: string, webhookId: string) {
  await db().runTransaction(async (transaction) => {
    await loadOwnedApp(principal, appId, transaction);
    const ref = webhooksCollection(appId).doc(webhookId);
    if (!(await transaction.get(ref)).exists) throw notFound('Webhook not found');
    transaction.delete(ref);
  });
  return { deleted: true, webhookId };
}

/** Records a `test.ping` event addressed to one webhook; delivery sends it like any event. */
export async function sendTestEvent(principal: Principal, appId: string, webhookId: string) {
  const app = await loadOwnedApp(principal, appId);
  const webhook = (await webhooksCollection(appId).doc(webhookId).get()).data();
  if (!webhook) throw notFound('Webhook not found');
  const now = Timestamp.now();
  const batch = db().batch();
  const ref = recordEvent(batch, 'test.ping', { appId, accountId: app.accountId, licenseKey: null }, { webhookId, message: 'Test event from Keywarden' }, now);
  await batch.commit();
  return { eventId: ref.id, event: 'test.ping', webhookId };
}
