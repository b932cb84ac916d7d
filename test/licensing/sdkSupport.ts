/**
 * Helpers shared by the client (seed 004) and SDK-protocol (docs/design.md door 1) end-to-end tests.
 * Everything goes over real HTTP to the Functions emulator; Firestore is only read (or, for
 * time travel and forged-but-authentic session tokens, written) through testDb().
 */
import { sessions } from '../../functions/src/config/constants.js';
import { open } from '../../functions/src/crypto/envelope.js';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { Timestamp } from 'firebase-admin/firestore';
import { expect } from 'vitest';
import { createAccount, createLicenses, createProduct, uniqueNonce, type Account, type Product } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call, type JsonResponse } from '../support/http.js';

export interface Fixture {
  account: Account;
  product: Product;
  keys: string[];
  key: string;
}

/** A fresh account, product and license(s): nothing is shared between tests. */
export async function fixture(licenseFields: Record<string, unknown> = {}, productFields: Record<string, unknown> = {}): Promise<Fixture> {
  const account = await createAccount();
  const product = await createProduct(account, productFields);
  const keys = await createLicenses(account, product.productId, licenseFields);
  const key = keys[0];
  if (!key) throw new Error('createLicense returned no key');
  return { account, product, keys, key };
}

/** An admin function called with the account's API key in X-API-Key. */
export function admin(account: Account, name: string, body: Record<string, unknown> = {}): Promise<JsonResponse> {
  return call(name, { headers: { 'X-API-Key': account.apiKey }, body });
}

export interface LicenseDetails {
  license: Record<string, unknown> & { status: string; hwidList: string[]; hwidCount: number; flagged: boolean };
  activations: Array<{ hwid: string; boundAt: string; lastSeenAt: string; ip: string | null }>;
  violations: Array<{ type: string; at: string; hwid: string | null; ip: string | null; detail: string }>;
  recentLogs: Array<{ action: string; result: string; hwid: string | null; ip: string; timestamp: string }>;
}

export async function getLicense(account: Account, licenseKey: string): Promise<LicenseDetails> {
  const response = await admin(account, 'getLicense', { licenseKey });
  expect(response.status, response.text).toBe(200);
  expect(response.body.success).toBe(true);
  return response.body as unknown as LicenseDetails;
}

export async function creditBalance(account: Account): Promise<number> {
  const response = await admin(account, 'getCredits');
  expect(response.status, response.text).toBe(200);
  expect(response.body).toMatchObject({ success: true, accountId: account.accountId, unlimited: false });
  return Number(response.body.balance);
}

// ---------------------------------------------------------------- seed 004 client functions

export const activate = (licenseKey: string, hwid: string, extra: Record<string, unknown> = {}) =>
  call('activate', { body: { licenseKey, hwid, ...extra } });

/** Activates and returns the session token (asserting success). */
export async function activated(licenseKey: string, hwid: string): Promise<string> {
  const response = await activate(licenseKey, hwid);
  expect(response.status, response.text).toBe(200);
  expect(response.body.success).toBe(true);
  return String(response.body.sessionToken);
}

/** seed 004 error shapes: `{valid:false, error}` (verify, validate) or `{success:false, error}` (the rest). */
export function expectClientError(response: JsonResponse, shape: 'valid' | 'success', status: number): void {
  expect(response.status, response.text).toBe(status);
  expect(response.body[shape]).toBe(false);
  expect(typeof response.body.error).toBe('string');
  expect(String(response.body.error).length).toBeGreaterThan(0);
  expect(response.text).not.toMatch(/\bat [\w.<>]+ \(|<html|<pre/i);
}

// ---------------------------------------------------------------- SDK protocol (function auth)

export const sdk = (path: '/validate' | '/heartbeat' | '/selfban', body: unknown) => call('auth', { path, body });

export function sdkValidate(product: Product, licenseKey: string, hwid: string, extra: Record<string, unknown> = {}): Promise<JsonResponse> {
  return sdk('/validate', { appId: product.productId, appSecret: product.appSecret, licenseKey, hwid, nonce: uniqueNonce(), ...extra });
}

export interface SdkPayload {
  /** What was asked (issue 11 item 6): a client refuses an answer for another app, license or device. */
  appId: string;
  licenseKey: string;
  hwid: string;
  sessionToken: string;
  timestamp: number;
  expiresIn: number;
  nonce: string;
  requestId: string;
  appVariables: Record<string, unknown>;
  licenseVariables: Record<string, unknown>;
  sessionExpiresAt: string;
  licenseExpiresAt: string | null;
  maxHwidSlots: number;
  hwidCount: number;
  licenseLabel: string | null;
  unlimitedHwidSlots: boolean;
  /** README, License policies: what the policy says now. */
  licenseState: 'active' | 'grace' | 'expired';
  graceEndsAt: string | null;
  expirationStrategy: string;
  /** README, Entitlements: the codes held now, sorted, and the add-ons' ends. */
  entitlements: string[];
  entitlementsExpireAt: Record<string, string>;
}

/** The JSON inside a `payload` (standard base64 of UTF-8 JSON). */
export function decodePayload(payload: unknown): Record<string, unknown> {
  expect(typeof payload).toBe('string');
  const text = String(payload);
  expect(text).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  expect(Buffer.from(text, 'base64').toString('base64')).toBe(text);
  const parsed: unknown = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  expect(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)).toBe(true);
  return parsed as Record<string, unknown>;
}

/** Ed25519 over the UTF-8 bytes of the payload string, with the product's published key. */
export async function signatureVerifies(product: Product, payload: string | Uint8Array, signature: string, keyId: string): Promise<boolean> {
  const key = product.publicKeys.find((candidate) => candidate.keyId === keyId);
  if (!key) return false;
  const message = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  const publicKey = new Uint8Array(Buffer.from(key.publicKey, 'base64'));
  const sig = new Uint8Array(Buffer.from(signature, 'base64'));
  return ed.verifyAsync(sig, message, publicKey);
}

/**
 * Asserts a successful SDK answer: exactly `{status:"ok", payload, signature, keyId}`, a
 * signature that verifies, and a payload; returns the decoded payload.
 */
export async function expectSignedOk(product: Product, response: JsonResponse): Promise<Record<string, unknown>> {
  expect(response.status, response.text).toBe(200);
  expect(Object.keys(response.body).sort()).toEqual(['keyId', 'payload', 'signature', 'status']);
  expect(response.body.status).toBe('ok');
  const { payload, signature, keyId } = response.body;
  expect(typeof signature).toBe('string');
  expect(String(signature)).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  expect(Buffer.from(String(signature), 'base64')).toHaveLength(64);
  expect(product.publicKeys.some((key) => key.keyId === keyId && key.active)).toBe(true);
  expect(await signatureVerifies(product, String(payload), String(signature), String(keyId))).toBe(true);
  return decodePayload(payload);
}

/** A successful validate/heartbeat: signed, with a session payload. */
export async function expectSession(product: Product, response: JsonResponse): Promise<SdkPayload> {
  const payload = await expectSignedOk(product, response);
  expect(typeof payload.sessionToken).toBe('string');
  expect(typeof payload.expiresIn).toBe('number');
  return payload as unknown as SdkPayload;
}

/** `{status:"failed", error:"<code>", message}` with the status docs/design.md gives. */
export function expectSdkError(response: JsonResponse, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.body.status).toBe('failed');
  expect(response.body.error).toBe(code);
  expect(typeof response.body.message).toBe('string');
  expect(response.text).not.toMatch(/\bat [\w.<>]+ \(|<html|<pre/i);
}

// ---------------------------------------------------------------- session tokens

export interface TokenClaims {
  sid: string;
  app: string;
  lic: string;
  hwid: string;
  iat: number;
  exp: number;
}

/** `<base64url(JSON claims)>.<base64url(mac)>`: decodes the claims (asserting the format). */
export function tokenClaims(token: string): TokenClaims {
  expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  const [body] = token.split('.');
  const parsed: unknown = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8'));
  return parsed as TokenClaims;
}

/**
 * A session token MAC'd with the app's real session secret (read from Firestore), so its
 * only defect is the one the test gives it (typically an `exp` in the past).
 */
export async function authenticToken(claims: Omit<TokenClaims, 'sid'> & { sid?: string; openedMs?: number; iatMs?: number; ep?: number }): Promise<string> {
  const app = await testDb().collection('apps').doc(claims.app).get();
  // Stored sealed with the KEK (README, Security): open it as the functions do.
  const secret = open(String(app.get('sessionSecret')), process.env.KEYWARDEN_KEK ?? '');
  const optional = {
    ...(claims.iatMs === undefined ? {} : { iatMs: claims.iatMs }),
    ...(claims.openedMs === undefined ? {} : { openedMs: claims.openedMs }),
    ...(claims.ep === undefined ? {} : { ep: claims.ep }),
  };
  const body = Buffer.from(JSON.stringify({ sid: claims.sid ?? randomUUID(), app: claims.app, lic: claims.lic, hwid: claims.hwid, iat: claims.iat, ...optional, exp: claims.exp }), 'utf8').toString('base64url');
  const mac = createHmac('sha256', Buffer.from(secret, 'base64url')).update(body, 'utf8').digest('base64url');
  return `${body}.${mac}`;
}

/** The same token with one character of its MAC changed. */
export function tamperedToken(token: string): string {
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -2)}${last}${token.slice(-1)}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------- Firestore views

export interface AuthLogRow {
  appId: string;
  licenseKey: string | null;
  hwid: string | null;
  ip: string;
  action: string;
  result: string;
  createdAt: Timestamp;
}

export async function authLogs(licenseKey: string): Promise<AuthLogRow[]> {
  const snapshot = await testDb().collection('authLogs').where('licenseKey', '==', licenseKey).get();
  return snapshot.docs.map((doc) => doc.data() as AuthLogRow);
}

export async function storedDevices(licenseKey: string): Promise<Array<{ hwid: string; lastSeenAt: Timestamp }>> {
  const doc = await testDb().collection('licenses').doc(licenseKey).get();
  expect(doc.exists).toBe(true);
  return doc.get('devices') as Array<{ hwid: string; lastSeenAt: Timestamp }>;
}

/** Moves a device's last heartbeat `secondsAgo` into the past, directly in Firestore. */
export async function setLastSeen(licenseKey: string, hwid: string, secondsAgo: number): Promise<void> {
  const ref = testDb().collection('licenses').doc(licenseKey);
  const devices = await storedDevices(licenseKey);
  expect(devices.some((device) => device.hwid === hwid)).toBe(true);
  const moved = devices.map((device) =>
    device.hwid === hwid ? { ...device, lastSeenAt: Timestamp.fromMillis(Date.now() - secondsAgo * 1000) } : device,
  );
  await ref.update({ devices: moved });
}

/** A well-formed license key that no license has (fresh each time: 80 random bits). */
export function unknownLicenseKey(): string {
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const symbols = Array.from(randomBytes(16), (byte) => alphabet[byte % alphabet.length]).join('');
  return symbols.match(/.{4}/g)?.join('-') ?? symbols;
}

/** Counts answers by status. */
export function statusCounts(responses: JsonResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const response of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
  return counts;
}

/**
 * Frees a license's SDK heartbeat slots (one heartbeat per device per 10 s), directly in
 * Firestore, so a test can heartbeat the same device again without waiting for the next slot.
 */
export async function freeHeartbeatSlots(licenseKey: string): Promise<void> {
  const slots = await testDb().collection('heartbeatSlots').where('licenseKey', '==', licenseKey).get();
  await Promise.all(slots.docs.map((doc) => doc.ref.delete()));
}

const heartbeatSlotMs = sessions.heartbeatSlotSeconds * 1000;

/**
 * Waits until a heartbeat slot has just begun (the functions host runs on this machine's
 * clock), so that a burst sent then lands in one slot unless the machine stalls for seconds.
 */
export async function untilFreshHeartbeatSlot(): Promise<void> {
  const intoSlot = Date.now() % heartbeatSlotMs;
  if (intoSlot > 250) await new Promise((resolve) => setTimeout(resolve, heartbeatSlotMs - intoSlot + 50));
}

/**
 * Checks a burst of heartbeats of one device against the slots stored for the license (emptied
 * before the burst with freeHeartbeatSlots): one heartbeat accepted per slot the burst touched,
 * each slot record written at a server time inside its own slot, every other answer a 429
 * with Retry-After (the seconds left in its slot). Returns how many heartbeats were accepted.
 */
export async function expectOneHeartbeatPerSlot(licenseKey: string, answers: JsonResponse[]): Promise<number> {
  const stored = await testDb().collection('heartbeatSlots').where('licenseKey', '==', licenseKey).get();
  const slots = stored.docs.map((doc) => ({ slot: Number(doc.id.split('~').at(-1)), writtenAtMs: (doc.get('createdAt') as Timestamp).toMillis() }));
  for (const { slot, writtenAtMs } of slots) expect(Math.floor(writtenAtMs / heartbeatSlotMs)).toBe(slot);
  expect(new Set(slots.map(({ slot }) => slot)).size).toBe(slots.length);
  const accepted = answers.filter((answer) => answer.status === 200).length;
  expect(slots).toHaveLength(accepted);
  expect(statusCounts(answers)).toEqual({ 200: accepted, 429: answers.length - accepted });
  for (const answer of answers.filter((response) => response.status === 429)) {
    const retryAfter = Number(answer.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(sessions.heartbeatSlotSeconds);
  }
  return accepted;
}
