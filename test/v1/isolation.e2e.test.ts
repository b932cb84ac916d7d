/**
 * Tenant isolation on every `v1` route: account B's API key aimed at account A's app, license
 * or webhook answers 403 `forbidden`, shows none of A's data, and changes nothing of A's.
 */
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { describe, expect, inject, it } from 'vitest';
import { call, type JsonResponse } from '../support/http.js';
import {
  asLicense,
  asSecurity,
  clientActivate,
  concretePath,
  createV1License,
  expectStatus,
  expectV1Error,
  licensesOf,
  routeId,
  servedV1Routes,
  tenant,
  v1,
  v1Routes,
  webhookTarget,
  type RouteSpec,
  type Tenant,
  type WebhookView,
} from './v1Support.js';

interface VictimData {
  tenant: Tenant;
  licenseKey: string;
  label: string;
  licenseVariables: Record<string, string>;
  appVariables: Record<string, string>;
  webhookId: string;
  webhookUrl: string;
  webhookSecret: string;
  device: string;
  bannedHwid: string;
  allowedIp: string;
  checkoutSessionId: string;
  signingKeyId: string;
  deliveryId: string;
}

/** A Stripe checkout for A's app, signed as Stripe signs it: A now has a checkout session. */
async function checkoutFor(appId: string): Promise<string> {
  const sessionId = `cs_test_${randomUUID().replace(/-/g, '')}`;
  const payload = JSON.stringify({
    id: `evt_${randomUUID().replace(/-/g, '')}`,
    type: 'checkout.session.completed',
    data: {
      object: {
        id: sessionId,
        object: 'checkout.session',
        payment_status: 'paid',
        customer: 'cus_isolation',
        customer_details: { email: 'a-buyer@example.com' },
        subscription: null,
        payment_intent: `pi_${randomUUID().replace(/-/g, '')}`,
        metadata: { keywarden_app_id: appId },
      },
    },
  });
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: inject('stripeWebhookSecret') });
  const response = await call('stripeWebhook', { rawBody: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
  expect(response.status, response.text).toBe(200);
  return sessionId;
}

/** Account A with a license, variables, a webhook, security entries and an auth log. */
async function victim(): Promise<VictimData> {
  const a = await tenant();
  const marker = randomUUID();
  const label = `A-label-${marker}`;
  const licenseKey = await createV1License(a.account.apiKey, a.appId, { label, maxHwidSlots: 2 });
  const licenseVariables = { secretPlan: `A-license-var-${marker}` };
  const appVariables = { secretFlag: `A-app-var-${marker}` };
  expectStatus(await v1(a.account.apiKey, 'PUT', `/licenses/${licenseKey}/variables`, { body: { variables: licenseVariables } }), 200);
  expectStatus(await v1(a.account.apiKey, 'PUT', `/apps/${a.appId}/variables`, { body: { variables: appVariables } }), 200);
  const webhookUrl = webhookTarget(`/A-${marker}`);
  const hook = await v1(a.account.apiKey, 'POST', `/apps/${a.appId}/webhooks`, { body: { url: webhookUrl, description: `A-hook-${marker}` } });
  expectStatus(hook, 201);
  const bannedHwid = `A-banned-${marker}`;
  const allowedIp = '192.0.2.0/24';
  expectStatus(await v1(a.account.apiKey, 'POST', `/apps/${a.appId}/security/blacklist`, { body: { type: 'hwid', value: bannedHwid } }), 200);
  expectStatus(await v1(a.account.apiKey, 'POST', `/apps/${a.appId}/security/blacklist`, { body: { type: 'ip', value: allowedIp } }), 200);
  const device = `A-device-${marker}`;
  expectStatus(await clientActivate(licenseKey, device), 200);
  const checkoutSessionId = await checkoutFor(a.appId);
  const webhookId = (hook.body.webhook as WebhookView).webhookId;
  return {
    tenant: a,
    licenseKey,
    label,
    licenseVariables,
    appVariables,
    webhookId,
    webhookUrl,
    webhookSecret: String(hook.body.secret),
    device,
    bannedHwid,
    allowedIp,
    checkoutSessionId,
    signingKeyId: a.app.publicKeys[0]?.keyId ?? '',
    // A delivery id as the fan-out makes them (event~webhook): B must be refused before any lookup.
    deliveryId: `evt${marker.replace(/-/g, '')}~${webhookId}`,
  };
}

/** The request B sends on each route: valid in every way except whose data it names. */
function attackBody(route: RouteSpec, data: VictimData): { body?: unknown; query?: Record<string, string> } {
  switch (routeId(route)) {
    case 'POST /licenses':
      return { body: { appId: data.tenant.appId, quantity: 5, label: 'planted by B' } };
    case 'GET /licenses':
      return { query: { appId: data.tenant.appId, limit: '200' } };
    case 'PUT /licenses/{licenseKey}':
      return { body: { action: 'revoke', reason: 'B was here' } };
    case 'PUT /apps/{appId}/variables':
    case 'PUT /licenses/{licenseKey}/variables':
      return { body: { variables: { hijacked: true } } };
    case 'POST /apps/{appId}/webhooks':
      return { body: { url: webhookTarget('/B-steals-events') } };
    case 'PUT /apps/{appId}/webhooks/{webhookId}':
      return { body: { url: webhookTarget('/B-redirect'), rotateSecret: true } };
    case 'PUT /apps/{appId}/security':
      return { body: { validatesPerLicensePerMinute: 1, maxIpsPerDay: 1 } };
    case 'POST /apps/{appId}/security/blacklist':
      return { body: { type: 'ip', value: '0.0.0.0/0' } };
    case 'DELETE /apps/{appId}/security/blacklist':
      return { body: { type: 'hwid', value: data.bannedHwid } };
    case 'POST /apps/{appId}/security/whitelist':
      return { body: { type: 'hwid', value: 'only-B-machine' } };
    case 'DELETE /apps/{appId}/security/whitelist':
      return { body: { type: 'ip', value: data.allowedIp } };
    case 'POST /licenses/{licenseKey}/offline-files':
      return { body: { anyHwid: true, expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() } };
    case 'POST /accounts':
      return { body: { name: 'B makes accounts', ownerEmail: 'b@example.com' } };
    case 'POST /accounts/{accountId}/invitations':
      return { body: { email: 'b-joins-a@example.com', role: 'owner' } };
    case 'PUT /accounts/{accountId}/members/{uid}':
      return { body: { role: 'viewer' } };
    case 'GET /apps':
      return { query: { accountId: data.tenant.account.accountId } };
    case 'POST /apps':
      return { body: { name: 'planted by B', accountId: data.tenant.account.accountId } };
    case 'PUT /apps/{appId}':
      return { body: { name: 'renamed by B', disabled: true } };
    case 'POST /apps/{appId}/variants':
      return { body: { name: 'planted by B' } };
    case 'PUT /apps/{appId}/variants/{variantId}':
      return { body: { maxHwidSlots: 16 } };
    case 'POST /apps/{appId}/client-bans':
    case 'DELETE /apps/{appId}/client-bans':
      return { body: { type: 'hwid', value: data.bannedHwid } };
    case 'POST /accounts/{accountId}/api-keys':
      return { body: { name: 'B in A', role: 'admin' } };
    case 'POST /accounts/{accountId}/discount-codes':
      return { body: { productId: data.tenant.appId, code: 'BCODE', percentOff: 100 } };
    case 'PUT /accounts/{accountId}/discount-codes/{code}':
      return { body: { active: false } };
    case 'POST /licenses/{licenseKey}/simulate':
      return { body: { hwid: data.device } };
    case 'POST /apps/{appId}/entitlements':
      return { body: { code: 'PLANTED_BY_B', name: 'planted by B' } };
    case 'PUT /licenses/{licenseKey}/entitlements':
      return { body: { entitlements: [] } };
    case 'PUT /licenses/{licenseKey}/meters':
      return { body: { meters: { planted_by_b: { limit: 1 } } } };
    case 'POST /licenses/{licenseKey}/meters/{meter}/increments':
      return { body: { amount: 1, idempotencyKey: 'b-counts-on-a' } };
    case 'POST /licenses/{licenseKey}/meters/{meter}/decrements':
      return { body: { amount: 1 } };
    case 'POST /apps/{appId}/activation-requests/parse':
      return { body: { activationRequest: '-----BEGIN AUTHFORGE ACTIVATION REQUEST-----\nVersion: 1\n-----END AUTHFORGE ACTIVATION REQUEST-----' } };
    default:
      return {};
  }
}

/** None of A's identifiers, secrets or data appear in the text. */
function expectNoTraceOf(text: string, data: VictimData): void {
  const secrets = [
    data.licenseKey,
    data.label,
    data.tenant.appId,
    data.tenant.app.appSecret,
    data.tenant.account.apiKey,
    data.tenant.account.accountId,
    ...Object.values(data.licenseVariables),
    ...Object.values(data.appVariables),
    data.webhookId,
    data.webhookUrl,
    data.webhookSecret,
    data.device,
    data.bannedHwid,
    data.allowedIp,
    data.checkoutSessionId,
    data.signingKeyId,
  ];
  for (const secret of secrets) expect(text, `${secret} leaked`).not.toContain(secret);
}

/** An error body that is only `{error, message, requestId}` and shows nothing of A's. */
function expectNothingOf(response: JsonResponse, data: VictimData): void {
  expectNoTraceOf(response.text, data);
  expect(Object.keys(response.body).sort()).toEqual(['error', 'message', 'requestId']);
}

/** A's view of its own data, to compare before and after B's attempts. */
async function snapshot(data: VictimData) {
  const { apiKey } = data.tenant.account;
  const { appId } = data.tenant;
  // One request at a time: the emulator starts a worker process per concurrent request.
  const license = await v1(apiKey, 'GET', `/licenses/${data.licenseKey}`);
  const list = await v1(apiKey, 'GET', '/licenses', { query: { appId } });
  const logs = await v1(apiKey, 'GET', `/licenses/${data.licenseKey}/logs`);
  const appVariables = await v1(apiKey, 'GET', `/apps/${appId}/variables`);
  const licenseVariables = await v1(apiKey, 'GET', `/licenses/${data.licenseKey}/variables`);
  const webhooks = await v1(apiKey, 'GET', `/apps/${appId}/webhooks`);
  const security = await v1(apiKey, 'GET', `/apps/${appId}/security`);
  const signingKeys = await v1(apiKey, 'GET', `/apps/${appId}/signing-keys`);
  const offlineFiles = await v1(apiKey, 'GET', `/licenses/${data.licenseKey}/offline-files`);
  const checkout = await v1(apiKey, 'GET', `/checkout-sessions/${data.checkoutSessionId}`);
  for (const response of [license, list, logs, appVariables, licenseVariables, webhooks, security, signingKeys, offlineFiles, checkout]) expectStatus(response, 200);
  return {
    license: asLicense(license),
    keys: licensesOf(list).map((entry) => entry.licenseKey),
    logs: logs.body.logs,
    appVariables: appVariables.body.variables,
    licenseVariables: licenseVariables.body.variables,
    webhooks: webhooks.body.webhooks,
    security: asSecurity(security),
    signingKeys: signingKeys.body,
    offlineFiles: offlineFiles.body,
    checkout: checkout.body,
  };
}

describe('tenant isolation', () => {
  it('every route answers 403 forbidden to another account’s key, leaks nothing and changes nothing', async () => {
    const data = await victim();
    const before = await snapshot(data);
    expect(before.license).toMatchObject({ status: 'active', label: data.label, hwidList: [data.device], variables: data.licenseVariables });
    expect(before.keys).toContain(data.licenseKey);
    expect(before.security.blacklist).toEqual({ hwids: [data.bannedHwid], ips: [data.allowedIp] });

    // The list below must name every route the code serves behind an API key.
    expect(v1Routes.map(routeId).sort()).toEqual((await servedV1Routes()).map(routeId).sort());

    const b = await tenant();
    const covered: string[] = [];
    const params = {
      licenseKey: data.licenseKey,
      appId: data.tenant.appId,
      webhookId: data.webhookId,
      sessionId: data.checkoutSessionId,
      keyId: data.signingKeyId,
      deliveryId: data.deliveryId,
      accountId: data.tenant.account.accountId,
      // Members are checked before any lookup: B is refused whoever it names.
      invitationId: `${data.tenant.account.accountId}~0000`,
      uid: 'someMemberOfA',
      // Console routes: the account, app or license is checked before the named item is looked up.
      apiKeyId: data.tenant.account.keyId,
      variantId: 'var_0000000000000000',
      code: 'ACODE',
      hwid: data.device,
      meter: 'api_calls',
    };
    for (const route of v1Routes) {
      const path = concretePath(route, params);
      const response = await v1(b.account.apiKey, route.method, path, attackBody(route, data));
      expect(response.status, `${routeId(route)}: ${response.text}`).toBe(403);
      expectV1Error(response, 403, 'forbidden');
      expectNothingOf(response, data);
      covered.push(routeId(route));
    }
    expect(covered.sort()).toEqual(v1Routes.map(routeId).sort());

    // DELETE of A's license last of all, then everything of A's is as it was.
    const after = await snapshot(data);
    expect(after).toEqual(before);
    // B got nothing either: no licenses on A's app were created for B, and B's app is untouched.
    const bLicenses = await v1(b.account.apiKey, 'GET', '/licenses', { query: { appId: b.appId } });
    expect(bLicenses.body).toEqual({ licenses: [], cursor: null });
  });

  it('A’s webhook cannot be reached through B’s own app id', async () => {
    const data = await victim();
    const b = await tenant();
    const paths: Array<[RouteSpec['method'], string, unknown]> = [
      ['PUT', `/apps/${b.appId}/webhooks/${data.webhookId}`, { active: false }],
      ['DELETE', `/apps/${b.appId}/webhooks/${data.webhookId}`, undefined],
      ['POST', `/apps/${b.appId}/webhooks/${data.webhookId}/test`, undefined],
    ];
    for (const [method, path, body] of paths) {
      const response = await v1(b.account.apiKey, method, path, body === undefined ? {} : { body });
      expectV1Error(response, 404, 'not_found');
      expectNothingOf(response, data);
    }
    const hooks = await v1(data.tenant.account.apiKey, 'GET', `/apps/${data.tenant.appId}/webhooks`);
    expect(hooks.body.webhooks).toEqual([expect.objectContaining({ webhookId: data.webhookId, active: true, url: data.webhookUrl })]);
  });

  it('B’s lists and searches never include A’s licenses, and A’s license is invisible through B’s app', async () => {
    const data = await victim();
    const b = await tenant();
    const own = await createV1License(b.account.apiKey, b.appId);
    const listed = await v1(b.account.apiKey, 'GET', '/licenses', { query: { appId: b.appId } });
    expectStatus(listed, 200);
    expect(licensesOf(listed).map((license) => license.licenseKey)).toEqual([own]);
    expectNoTraceOf(listed.text, data);
    const logs = await v1(b.account.apiKey, 'GET', `/licenses/${own}/logs`);
    expect(logs.body).toEqual({ logs: [], cursor: null });
  });
});
