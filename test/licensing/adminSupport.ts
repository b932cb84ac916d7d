/**
 * Helpers for the seed 004 admin end-to-end tests (test/licensing/admin-*.e2e.test.ts).
 * Every call is real HTTP to the Functions emulator; Firestore is only read, through testDb(),
 * to check what a request left behind (or did not).
 */
import { randomUUID } from 'node:crypto';
import type { DocumentData, Timestamp } from 'firebase-admin/firestore';
import { expect } from 'vitest';
import type { Account } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { adminSecret, call, type JsonResponse } from '../support/http.js';

/** An admin function called with the account's API key in the X-API-Key header. */
export function asAccount(account: Account, name: string, body: Record<string, unknown> = {}): Promise<JsonResponse> {
  return call(name, { headers: { 'X-API-Key': account.apiKey }, body });
}

/** An admin function called by the operator (adminSecret in the body). */
export function asOperator(name: string, body: Record<string, unknown> = {}): Promise<JsonResponse> {
  return call(name, { body: { adminSecret: adminSecret(), ...body } });
}

/** Asserts a 2xx `{success:true}` answer and returns its body. */
export function expectOk(response: JsonResponse): Record<string, unknown> {
  expect(response.status, response.text).toBe(200);
  expect(response.body.success, response.text).toBe(true);
  return response.body;
}

/** Asserts the seed 004 admin error shape `{success:false, error, code, requestId}` and the status. */
export function expectError(response: JsonResponse, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.body).toMatchObject({ success: false, code });
  expect(typeof response.body.error).toBe('string');
  expect(String(response.body.error).length).toBeGreaterThan(0);
  expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
  // No internals leak: no stack frames, no HTML error pages.
  expect(response.text).not.toMatch(/\bat [\w.<>]+ \(|<html|<pre/i);
}

/** Ids the service mints look like this; these are well formed but never exist. */
export const unknownProductId = () => `app_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
export const unknownVariantId = () => `var_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
export const unknownAccountId = () => `acc_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
/** A well-formed license key that no license has (the alphabet has no 0/1/O/I; Z-runs are never minted in tests). */
export function unknownLicenseKey(): string {
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const pick = () => Array.from({ length: 4 }, () => alphabet[Math.floor(Math.random() * alphabet.length)] ?? 'Z').join('');
  return `ZZZZ-${pick()}-${pick()}-${pick()}`;
}

export const licenseKeyFormat = /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;

import type { LicenseView } from '../support/fixtures.js';
export type { LicenseView };

export interface ProductView {
  productId: string;
  appId: string;
  accountId: string;
  name: string;
  slug: string;
  description: string | null;
  status: 'active' | 'disabled';
  activeSigningKeyId: string;
  publicKeys: Array<{ keyId: string; algorithm: string; publicKey: string; active: boolean; createdAt: string | null; retiredAt: string | null }>;
  variables: Record<string, unknown>;
}

export interface VariantView {
  variantId: string;
  productId: string;
  name: string;
  maxHwidSlots: number;
  unlimitedHwidSlots: boolean;
  durationDays: number | null;
  floating: boolean;
  heartbeatTimeoutSeconds: number;
  variables: Record<string, unknown>;
  status: 'active' | 'disabled';
}

export const licenseOf = (body: Record<string, unknown>) => body.license as LicenseView;
export const licensesOf = (body: Record<string, unknown>) => body.licenses as LicenseView[];
export const productOf = (body: Record<string, unknown>) => body.product as ProductView;
export const variantOf = (body: Record<string, unknown>) => body.variant as VariantView;

/** An event document as stored in `events`. */
export interface StoredEvent {
  id: string;
  type: string;
  appId: string;
  accountId: string;
  licenseKey: string | null;
  data: Record<string, unknown>;
  createdAt: Timestamp;
  expireAt: Timestamp;
}

function toEvent(id: string, data: DocumentData): StoredEvent {
  return {
    id,
    type: data.type as string,
    appId: data.appId as string,
    accountId: data.accountId as string,
    licenseKey: (data.licenseKey as string | null | undefined) ?? null,
    data: (data.data as Record<string, unknown> | undefined) ?? {},
    createdAt: data.createdAt as Timestamp,
    expireAt: data.expireAt as Timestamp,
  };
}

/** Every event recorded for one license key. */
export async function eventsForLicense(licenseKey: string): Promise<StoredEvent[]> {
  const snapshot = await testDb().collection('events').where('licenseKey', '==', licenseKey).get();
  return snapshot.docs.map((doc) => toEvent(doc.id, doc.data()));
}

/** Every event recorded for one app (product). */
export async function eventsForApp(appId: string): Promise<StoredEvent[]> {
  const snapshot = await testDb().collection('events').where('appId', '==', appId).get();
  return snapshot.docs.map((doc) => toEvent(doc.id, doc.data()));
}

/**
 * Events only the scheduled expiry run writes (no admin call does). Other files run it
 * (test/webhooks, test/indexes) at any moment over every file's licenses: a license of ours
 * that is expired, or 30, 7 or 1 days from its expiry, may get one of these between our reads.
 */
const scheduledRunEvents = new Set(['license.expired', 'license.expiring']);

/** The license's events an admin action could have written: without the scheduled run's (unless asked for). */
async function actionEventsForLicense(licenseKey: string, expected?: string): Promise<StoredEvent[]> {
  return (await eventsForLicense(licenseKey)).filter((event) => event.type === expected || !scheduledRunEvents.has(event.type));
}

/**
 * Runs `action` and asserts it wrote exactly one event for the license, of `type`, scoped to
 * the license's app and account, with a createdAt and a 30-day expireAt (TTL). Returns it.
 */
export async function expectOneEvent(
  licenseKey: string,
  scope: { appId: string; accountId: string },
  type: string,
  action: () => Promise<void>,
): Promise<StoredEvent> {
  const before = new Set((await actionEventsForLicense(licenseKey, type)).map((event) => event.id));
  await action();
  const added = (await actionEventsForLicense(licenseKey, type)).filter((event) => !before.has(event.id));
  expect(added.map((event) => event.type)).toEqual([type]);
  const event = added[0];
  if (!event) throw new Error('no event');
  expectEventShape(event, licenseKey, scope, type);
  return event;
}

export function expectEventShape(event: StoredEvent, licenseKey: string, scope: { appId: string; accountId: string }, type: string): void {
  expect(event).toMatchObject({ type, licenseKey, appId: scope.appId, accountId: scope.accountId });
  expect(event.data.licenseKey).toBe(licenseKey);
  expect(Math.abs(event.createdAt.toMillis() - Date.now())).toBeLessThan(120_000);
  const ttlDays = (event.expireAt.toMillis() - event.createdAt.toMillis()) / 86_400_000;
  expect(ttlDays).toBe(30);
}

/** Runs `action` and asserts it wrote no event for the license. */
export async function expectNoEvent(licenseKey: string, action: () => Promise<void>): Promise<void> {
  const before = (await actionEventsForLicense(licenseKey)).length;
  await action();
  expect(await actionEventsForLicense(licenseKey)).toHaveLength(before);
}

/** Stored license documents of an app, by key. */
export async function storedLicenses(appId: string): Promise<Map<string, DocumentData>> {
  const snapshot = await testDb().collection('licenses').where('appId', '==', appId).get();
  return new Map(snapshot.docs.map((doc) => [doc.id, doc.data()]));
}

export async function storedLicense(licenseKey: string): Promise<DocumentData | undefined> {
  return (await testDb().collection('licenses').doc(licenseKey).get()).data();
}

/** Binds a device to a license through the client endpoint `activate`. */
export async function activate(licenseKey: string, hwid: string): Promise<JsonResponse> {
  return call('activate', { body: { licenseKey, hwid } });
}

export async function expectActivated(licenseKey: string, hwid: string): Promise<void> {
  const response = await activate(licenseKey, hwid);
  expect(response.status, response.text).toBe(200);
  expect(response.body.success).toBe(true);
}

/** Follows cursors until the end, asserting every page is within `limit`. Returns the pages. */
export async function collectPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<JsonResponse>,
  itemsOf: (body: Record<string, unknown>) => T[],
  limit: number,
): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const body = expectOk(await fetchPage(cursor));
    const items = itemsOf(body);
    expect(items.length).toBeLessThanOrEqual(limit);
    pages.push(items);
    const next = body.cursor;
    expect(next === null || typeof next === 'string').toBe(true);
    cursor = typeof next === 'string' ? next : undefined;
    if (pages.length > 50) throw new Error('pagination does not end');
  } while (cursor);
  return pages;
}

/** An ISO time `days` from now (negative: in the past), whole seconds. */
export function isoInDays(days: number): string {
  const at = new Date(Date.now() + days * 86_400_000);
  at.setUTCMilliseconds(0);
  return at.toISOString();
}
