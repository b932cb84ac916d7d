/** Outbound webhooks of a product: endpoints, deliveries, redelivery, test pings. */
import { api, ok } from './client';
import type { paths } from './v1';

export type Webhook = paths['/apps/{appId}/webhooks']['get']['responses'][200]['content']['application/json']['webhooks'][number];
export type CreateWebhook = paths['/apps/{appId}/webhooks']['post']['requestBody']['content']['application/json'];
export type UpdateWebhook = paths['/apps/{appId}/webhooks/{webhookId}']['put']['requestBody']['content']['application/json'];

const hook = (appId: string, webhookId: string) => ({ params: { path: { appId, webhookId } } });
const delivery = (appId: string, webhookId: string, deliveryId: string) => ({ params: { path: { appId, webhookId, deliveryId } } });

export const webhooks = {
  list: (appId: string) => ok(api.GET('/apps/{appId}/webhooks', { params: { path: { appId } } })),
  create: (appId: string, body: CreateWebhook) => ok(api.POST('/apps/{appId}/webhooks', { params: { path: { appId } }, body })),
  update: (appId: string, webhookId: string, body: UpdateWebhook) => ok(api.PUT('/apps/{appId}/webhooks/{webhookId}', { ...hook(appId, webhookId), body })),
  remove: (appId: string, webhookId: string) => ok(api.DELETE('/apps/{appId}/webhooks/{webhookId}', hook(appId, webhookId))),
  test: (appId: string, webhookId: string) => ok(api.POST('/apps/{appId}/webhooks/{webhookId}/test', hook(appId, webhookId))),
  deliveries: (appId: string, webhookId: string) =>
    ok(api.GET('/apps/{appId}/webhooks/{webhookId}/deliveries', { params: { path: { appId, webhookId }, query: { limit: 50 } } })),
  delivery: (appId: string, webhookId: string, deliveryId: string) =>
    ok(api.GET('/apps/{appId}/webhooks/{webhookId}/deliveries/{deliveryId}', delivery(appId, webhookId, deliveryId))),
  redeliver: (appId: string, webhookId: string, deliveryId: string) =>
    ok(api.POST('/apps/{appId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver', delivery(appId, webhookId, deliveryId))),
};
