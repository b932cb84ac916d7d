/**
 * Helpers for the customer portal's end-to-end tests: real HTTP to `v1`'s `/portal/…` routes,
 * codes read from the `mail` collection the way the Trigger Email extension (or a buyer) sees
 * them, and the client doors a buyer's app calls.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { codeInMail } from '../../scripts/lib/mailWatcher.js';
import { uniqueNonce, type Product } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call, type JsonResponse } from '../support/http.js';
import { createV1License, expectStatus, tenant, v1, type Tenant } from '../v1/v1Support.js';

export const uniqueEmail = () => `buyer-${randomUUID()}@example.com`;
/** A caller address of its own (sent as X-Forwarded-For), so the per-IP limits apply (loopback is not limited). */
export const uniqueIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

export interface PortalRequest {
  body?: unknown;
  rawBody?: string;
  ip?: string;
  headers?: Record<string, string>;
}

/** One request to a portal route, with a buyer token (or none). */
export function portal(token: string | undefined, method: string, path: string, init: PortalRequest = {}): Promise<JsonResponse> {
  const headers = { ...init.headers, ...(init.ip ? { 'X-Forwarded-For': init.ip } : {}) };
  return v1(token, method, `/portal${path}`, { body: init.body, rawBody: init.rawBody, headers });
}

/** A product (its own account) with portal settings. */
export function portalTenant(portalSettings: Record<string, unknown> = {}): Promise<Tenant> {
  return tenant({ portal: portalSettings });
}

export async function license(t: Tenant, fields: Record<string, unknown>): Promise<string> {
  return createV1License(t.account.apiKey, t.appId, fields);
}

export const requestCode = (email: string, init: Omit<PortalRequest, 'body'> & { appId?: string } = {}) =>
  portal(undefined, 'POST', '/sign-in/code', { ...init, body: { email, ...(init.appId ? { appId: init.appId } : {}) } });

export interface StoredMail {
  id: string;
  to: string;
  message: { subject: string; text: string; html: string };
}

/** The mails written to an address, oldest first. */
export async function mailsTo(email: string): Promise<StoredMail[]> {
  const snapshot = await testDb().collection('mail').where('to', '==', email).get();
  return snapshot.docs
    .map((doc) => ({ doc, createdAt: (doc.get('createdAt') as { toMillis(): number }).toMillis() }))
    .sort((a, b) => a.createdAt - b.createdAt)
    .map(({ doc }) => ({ id: doc.id, ...(doc.data() as Omit<StoredMail, 'id'>) }));
}

/** The code of the latest mail to an address. */
export async function latestCode(email: string): Promise<string> {
  const mails = await mailsTo(email);
  const code = codeInMail(mails[mails.length - 1]?.message.text ?? '');
  if (!code) throw new Error(`no code mailed to ${email}`);
  return code;
}

/** Requests a code, reads it from the mail collection and signs in: the buyer token. */
export async function signIn(email: string): Promise<string> {
  expectStatus(await requestCode(email), 202);
  const answer = await portal(undefined, 'POST', '/sign-in', { body: { email, code: await latestCode(email) } });
  expectStatus(answer, 200);
  return String(answer.body.token);
}

export interface BuyerDevice {
  deviceId: string;
  hwidShort: string;
  machineName: string | null;
  os: string | null;
  lastSeenAt: string | null;
  boundAt: string | null;
}

export interface BuyerLicense {
  licenseKey: string;
  appId: string;
  product: { name: string; supportUrl: string | null; logoUrl: string | null };
  status: string;
  expiresAt: string | null;
  maxHwidSlots: number;
  unlimitedHwidSlots: boolean;
  seatsUsed: number;
  devices: BuyerDevice[];
  releases: { perLicensePer30Days: number; remaining: number; nextAvailableAt: string | null };
  offlineFilesAllowed: boolean;
}

export async function buyerLicenses(token: string): Promise<{ email: string | null; licenses: BuyerLicense[] }> {
  const answer = await portal(token, 'GET', '/licenses');
  expectStatus(answer, 200);
  return answer.body as unknown as { email: string | null; licenses: BuyerLicense[] };
}

export async function buyerLicense(token: string, licenseKey: string): Promise<BuyerLicense> {
  const found = (await buyerLicenses(token)).licenses.find((item) => item.licenseKey === licenseKey);
  if (!found) throw new Error(`license ${licenseKey} not listed`);
  return found;
}

/** seed 004 activate with what the app says about the machine; returns the answer. */
export const activate = (licenseKey: string, hwid: string, machine: { machineName?: string; os?: string } = {}) =>
  call('activate', { body: { licenseKey, hwid, ...machine } });

/** SDK validate; the session token of a success. */
export async function sdkSession(app: Product, licenseKey: string, hwid: string): Promise<string> {
  const answer = await call('auth', { path: '/validate', body: { appId: app.productId, appSecret: app.appSecret, licenseKey, hwid, nonce: uniqueNonce() } });
  expect(answer.status, answer.text).toBe(200);
  const payload = JSON.parse(Buffer.from(String(answer.body.payload), 'base64').toString('utf8')) as { sessionToken: string };
  return payload.sessionToken;
}

export const sdkHeartbeat = (app: Product, sessionToken: string, hwid: string) =>
  call('auth', { path: '/heartbeat', body: { appId: app.productId, sessionToken, nonce: uniqueNonce(), hwid } });

/** DELETE a device, retrying a 503 (contention) as a client would after its Retry-After. */
export async function release(token: string, licenseKey: string, deviceId: string): Promise<JsonResponse> {
  for (let attempt = 0; ; attempt += 1) {
    const answer = await portal(token, 'DELETE', `/licenses/${licenseKey}/devices/${deviceId}`);
    if (answer.status !== 503 || attempt >= 5) return answer;
    await new Promise((resolve) => setTimeout(resolve, 200 + randomInt(300)));
  }
}
