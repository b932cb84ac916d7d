/**
 * Helpers for the Developer REST API (function `v1`) end-to-end tests. Everything goes over
 * real HTTP to the Functions emulator with `Authorization: Bearer af_live_…`.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { z } from 'zod';
import { licenseResponse, securityResponse } from '../../functions/src/schemas/v1.js';
import { createAccount, createProduct, uniqueNonce, type Account, type Product } from '../support/fixtures.js';
import { call, type JsonResponse } from '../support/http.js';

export interface Tenant {
  account: Account;
  app: Product;
  appId: string;
}

/** A fresh account with one app: nothing is shared between tests. */
export async function tenant(productFields: Record<string, unknown> = {}): Promise<Tenant> {
  const account = await createAccount();
  const app = await createProduct(account, productFields);
  return { account, app, appId: app.productId };
}

export interface V1Request {
  body?: unknown;
  rawBody?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

/** One request to `v1` with the key as a Bearer token (no Authorization header when key is undefined). */
export function v1(apiKey: string | undefined, method: string, path: string, init: V1Request = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...(apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` }), ...init.headers };
  if (init.rawBody !== undefined) headers['content-type'] ??= 'application/json';
  return call('v1', { method, path, headers, body: init.body, rawBody: init.rawBody, query: init.query });
}

/** seed 001: `{error, message}` with the documented status; never a stack trace or an HTML page. */
export function expectV1Error(response: JsonResponse, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  expect(response.body.error, response.text).toBe(code);
  expect(typeof response.body.message).toBe('string');
  expect(String(response.body.message).length).toBeGreaterThan(0);
  expect(response.text).not.toMatch(/\bat [\w.<>]+ \(|<html|<pre|node_modules/i);
}

export function expectStatus(response: JsonResponse, status: number): void {
  expect(response.status, response.text).toBe(status);
}

import type { LicenseView } from '../support/fixtures.js';
export type { LicenseView };

export interface LogEntry {
  appId: string;
  licenseKey: string | null;
  hwid: string | null;
  ip: string;
  action: string;
  result: string;
  timestamp: string | null;
}

export interface WebhookView {
  webhookId: string;
  appId: string;
  url: string;
  description: string | null;
  events: string[];
  active: boolean;
  disabledReason: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export type SecurityView = z.infer<typeof securityResponse>;

export const licensesOf = (response: JsonResponse) => response.body.licenses as LicenseView[];
/** The body parsed by v1's own response schema: a drift from the documented shape fails the test. */
export const asLicense = (response: JsonResponse): LicenseView => licenseResponse.parse(response.body);
export const asSecurity = (response: JsonResponse): SecurityView => securityResponse.parse(response.body);

/** POST /v1/licenses, asserting 201. */
export async function createV1Licenses(apiKey: string, appId: string, fields: Record<string, unknown> = {}): Promise<LicenseView[]> {
  const response = await v1(apiKey, 'POST', '/licenses', { body: { appId, ...fields } });
  expectStatus(response, 201);
  return licensesOf(response);
}

export async function createV1License(apiKey: string, appId: string, fields: Record<string, unknown> = {}): Promise<string> {
  const [license] = await createV1Licenses(apiKey, appId, { ...fields, quantity: 1 });
  if (!license) throw new Error('POST /v1/licenses returned no license');
  return license.licenseKey;
}

/** GET /v1/licenses/:key, asserting 200. */
export async function getV1License(apiKey: string, licenseKey: string): Promise<LicenseView> {
  const response = await v1(apiKey, 'GET', `/licenses/${licenseKey}`);
  expectStatus(response, 200);
  return asLicense(response);
}

const keyAlphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const randomFrom = (alphabet: string, length: number) =>
  Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');

/** A well-formed license key that was never issued. */
export const unknownLicenseKey = () => (randomFrom(keyAlphabet, 16).match(/.{4}/g) ?? []).join('-');
/** A well-formed app id that was never issued. */
export const unknownAppId = () => `app_${randomFrom(base62, 20)}`;
/** A well-formed API key that was never issued. */
export const unknownApiKey = () => `af_live_${randomFrom(base62, 32)}`;

/** A webhook receiver that refuses connections at once (nothing listens on port 9). */
export const webhookTarget = (suffix = '') => `http://127.0.0.1:9/keywarden-hooks${suffix}`;

// ---------------------------------------------------------------- client doors

/** seed 004 `activate` (writes an auth-log entry). */
export const clientActivate = (licenseKey: string, hwid: string) => call('activate', { body: { licenseKey, hwid } });
/** seed 004 `verify` (writes an auth-log entry). */
export const clientVerify = (licenseKey: string) => call('verify', { body: { licenseKey } });

/** SDK protocol validate (function `auth`). */
export function sdkValidate(app: Product, licenseKey: string, hwid: string, nonce = uniqueNonce()): Promise<JsonResponse> {
  return call('auth', { path: '/validate', body: { appId: app.productId, appSecret: app.appSecret, licenseKey, hwid, nonce } });
}

export interface SdkPayload {
  appVariables: Record<string, unknown>;
  licenseVariables: Record<string, unknown>;
  nonce: string;
  maxHwidSlots: number;
  hwidCount: number;
  licenseLabel: string | null;
}

/** Asserts a signed SDK success and returns the decoded payload (standard base64 JSON). */
export function sdkPayload(response: JsonResponse): SdkPayload {
  expect(response.status, response.text).toBe(200);
  expect(response.body.status).toBe('ok');
  expect(typeof response.body.signature).toBe('string');
  const payload = String(response.body.payload);
  expect(payload).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  return JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as SdkPayload;
}

export function expectSdkBlocked(response: JsonResponse): void {
  expect(response.status, response.text).toBe(403);
  expect(response.body).toMatchObject({ status: 'failed', error: 'blocked' });
}

// ---------------------------------------------------------------- the routes

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** OpenAPI style: `{param}`. */
  path: string;
}

/**
 * Every route the isolation suite attacks. It is compared with the routes the running `v1`
 * serves (its OpenAPI document, generated from the router table), so a route added to the
 * code without a cross-account test fails the suite.
 */
export const v1Routes: RouteSpec[] = [
  { method: 'POST', path: '/licenses' },
  { method: 'GET', path: '/licenses' },
  { method: 'GET', path: '/licenses/{licenseKey}' },
  { method: 'PUT', path: '/licenses/{licenseKey}' },
  { method: 'DELETE', path: '/licenses/{licenseKey}' },
  { method: 'GET', path: '/checkout-sessions/{sessionId}' },
  { method: 'GET', path: '/licenses/{licenseKey}/logs' },
  { method: 'POST', path: '/licenses/{licenseKey}/offline-files' },
  { method: 'GET', path: '/licenses/{licenseKey}/offline-files' },
  { method: 'POST', path: '/apps/{appId}/activation-requests/parse' },
  { method: 'GET', path: '/apps/{appId}/signing-keys' },
  { method: 'POST', path: '/apps/{appId}/signing-keys' },
  { method: 'DELETE', path: '/apps/{appId}/signing-keys/{keyId}' },
  { method: 'GET', path: '/apps/{appId}/variables' },
  { method: 'PUT', path: '/apps/{appId}/variables' },
  { method: 'GET', path: '/licenses/{licenseKey}/variables' },
  { method: 'PUT', path: '/licenses/{licenseKey}/variables' },
  { method: 'POST', path: '/apps/{appId}/webhooks' },
  { method: 'GET', path: '/apps/{appId}/webhooks' },
  { method: 'PUT', path: '/apps/{appId}/webhooks/{webhookId}' },
  { method: 'DELETE', path: '/apps/{appId}/webhooks/{webhookId}' },
  { method: 'POST', path: '/apps/{appId}/webhooks/{webhookId}/test' },
  { method: 'GET', path: '/apps/{appId}/webhooks/{webhookId}/deliveries' },
  { method: 'GET', path: '/apps/{appId}/webhooks/{webhookId}/deliveries/{deliveryId}' },
  { method: 'POST', path: '/apps/{appId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver' },
  { method: 'GET', path: '/apps/{appId}/security' },
  { method: 'PUT', path: '/apps/{appId}/security' },
  { method: 'POST', path: '/apps/{appId}/security/blacklist' },
  { method: 'DELETE', path: '/apps/{appId}/security/blacklist' },
  { method: 'POST', path: '/apps/{appId}/security/whitelist' },
  { method: 'DELETE', path: '/apps/{appId}/security/whitelist' },
  { method: 'POST', path: '/accounts' },
  { method: 'GET', path: '/accounts/{accountId}/members' },
  { method: 'POST', path: '/accounts/{accountId}/invitations' },
  { method: 'DELETE', path: '/accounts/{accountId}/invitations/{invitationId}' },
  { method: 'PUT', path: '/accounts/{accountId}/members/{uid}' },
  { method: 'DELETE', path: '/accounts/{accountId}/members/{uid}' },
  { method: 'GET', path: '/apps' },
  { method: 'POST', path: '/apps' },
  { method: 'GET', path: '/apps/{appId}' },
  { method: 'PUT', path: '/apps/{appId}' },
  { method: 'POST', path: '/apps/{appId}/app-secret' },
  { method: 'POST', path: '/apps/{appId}/payment-secret' },
  { method: 'POST', path: '/apps/{appId}/session-secret' },
  { method: 'GET', path: '/apps/{appId}/variants' },
  { method: 'POST', path: '/apps/{appId}/variants' },
  { method: 'PUT', path: '/apps/{appId}/variants/{variantId}' },
  { method: 'GET', path: '/apps/{appId}/client-bans' },
  { method: 'POST', path: '/apps/{appId}/client-bans' },
  { method: 'DELETE', path: '/apps/{appId}/client-bans' },
  { method: 'GET', path: '/apps/{appId}/overview' },
  { method: 'GET', path: '/accounts/{accountId}/api-keys' },
  { method: 'POST', path: '/accounts/{accountId}/api-keys' },
  { method: 'DELETE', path: '/accounts/{accountId}/api-keys/{apiKeyId}' },
  { method: 'GET', path: '/accounts/{accountId}/credits' },
  { method: 'GET', path: '/accounts/{accountId}/discount-codes' },
  { method: 'POST', path: '/accounts/{accountId}/discount-codes' },
  { method: 'PUT', path: '/accounts/{accountId}/discount-codes/{code}' },
  { method: 'DELETE', path: '/accounts/{accountId}/discount-codes/{code}' },
  { method: 'DELETE', path: '/licenses/{licenseKey}/devices/{hwid}' },
  { method: 'POST', path: '/licenses/{licenseKey}/simulate' },
  { method: 'POST', path: '/apps/{appId}/entitlements' },
  { method: 'GET', path: '/apps/{appId}/entitlements' },
  { method: 'DELETE', path: '/apps/{appId}/entitlements/{code}' },
  { method: 'PUT', path: '/licenses/{licenseKey}/entitlements' },
  { method: 'GET', path: '/licenses/{licenseKey}/meters' },
  { method: 'PUT', path: '/licenses/{licenseKey}/meters' },
  { method: 'POST', path: '/licenses/{licenseKey}/meters/{meter}/increments' },
  { method: 'POST', path: '/licenses/{licenseKey}/meters/{meter}/decrements' },
  { method: 'POST', path: '/licenses/{licenseKey}/meters/{meter}/reset' },
];

/** The routes the running `v1` serves behind an API key, from its own OpenAPI document. */
export async function servedV1Routes(): Promise<RouteSpec[]> {
  const response = await v1(undefined, 'GET', '/openapi.json');
  expect(response.status, response.text).toBe(200);
  const paths = response.body.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    // /openapi.json is public; /me… is the signed-in console user's own, /portal/… the customer
    // portal's (public or a buyer token's, test/portal): reached by no API key.
    .filter(([path]) => path !== '/openapi.json' && path !== '/console/settings' && path !== '/me' && !path.startsWith('/me/') && !path.startsWith('/portal/'))
    .flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => ['get', 'post', 'put', 'delete', 'patch'].includes(method))
        .map((method) => ({ method: method.toUpperCase() as RouteSpec['method'], path })),
    );
}

export const routeId = (route: RouteSpec) => `${route.method} ${route.path}`;

/** A route's concrete path for the given parameters. */
export function concretePath(route: RouteSpec, params: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${route.path}`);
    return encodeURIComponent(value);
  });
}
