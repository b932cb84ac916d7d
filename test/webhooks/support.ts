/**
 * Helpers for the outbound-webhook tests: a real HTTP receiver on loopback, an independent
 * implementation of the README's signature check, the deployed trigger and scheduled functions
 * wrapped by firebase-functions-test, and small v1 helpers.
 *
 * Events are real documents: the tests cause them over HTTP (the Functions emulator writes
 * `events/*`), read them back from Firestore and hand them to the wrapped `deliverEvents`
 * trigger, which is the only fan-out here (the local Functions emulator runs no Firestore
 * triggers).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Timestamp, type DocumentData, type QueryDocumentSnapshot } from 'firebase-admin/firestore';
import type { CloudFunction as CloudFunctionV1 } from 'firebase-functions/v1';
import type { ScheduleFunction } from 'firebase-functions/v2/scheduler';
import functionsTest from 'firebase-functions-test';
import { expect } from 'vitest';
import { deliverEvents, expireLicenses, retryWebhookDeliveries } from '../../functions/src/endpoints/webhooks.js';
import type { Account } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call, type JsonResponse } from '../support/http.js';

// ---------------------------------------------------------------- receiver

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

/** What the receiver answers to the n-th request (0-based): a status and body, or 'hang' (never answers). */
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';
export type Responder = (request: ReceivedRequest, index: number) => Answer;

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  respond: Responder;
  close(): Promise<void>;
}

const receivers = new Set<Receiver>();

/** A node:http server on 127.0.0.1 (port 0) that records every request with its raw body. */
export async function startReceiver(respond: Responder = () => ({ status: 200, body: 'ok' })): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
      };
      const index = requests.length;
      requests.push(request);
      const answer = receiver.respond(request, index);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, { 'Content-Type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    respond,
    close: async () => {
      receivers.delete(receiver);
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  receivers.add(receiver);
  return receiver;
}

/** Closes every receiver still open (afterEach / afterAll). */
export async function closeReceivers(): Promise<void> {
  await Promise.all([...receivers].map((receiver) => receiver.close()));
}

/**
 * A loopback URL nothing listens on: port 9 (discard), below the ephemeral range the kernel
 * hands out for port 0, so no server of this suite can be listening there. (A port just bound
 * and released could be handed to another file's receiver before the attempt connects.)
 */
export function deadUrl(): Promise<string> {
  return Promise.resolve('http://127.0.0.1:9/hook');
}

/** The n-th request a receiver got (fails the test when there is none). */
export function requestAt(receiver: Receiver, index: number): ReceivedRequest {
  const request = receiver.requests[index];
  if (!request) throw new Error(`receiver got ${receiver.requests.length} request(s), wanted #${index + 1}`);
  return request;
}

export function header(request: ReceivedRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

// ---------------------------------------------------------------- the README's verification recipe

/**
 * The receiver's check as the README documents it, written independently of the production
 * code: parse `t=<unix>,v1=<hex>`, refuse a `t` more than 300 s away from now, recompute
 * HMAC-SHA256(secret, `${t}.${rawBody}`) and compare in constant time.
 */
export function verifyKeywardenSignature(secret: string, rawBody: string, signatureHeader: string | undefined, nowMs = Date.now(), toleranceSeconds = 300): boolean {
  if (!signatureHeader) return false;
  const fields = new Map<string, string>();
  for (const part of signatureHeader.split(',')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const t = fields.get('t');
  const v1 = fields.get('v1');
  if (!t || !/^\d{1,12}$/.test(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(nowMs / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest();
  const presented = Buffer.from(v1, 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Signs like a sender would (for forging old or tampered deliveries in the tests). */
export function signAt(secret: string, rawBody: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`, 'utf8').digest('hex')}`;
}

export interface DeliveredEvent {
  id: string;
  event: string;
  createdAt: string;
  appId: string;
  data: Record<string, unknown> & { licenseKey?: string; hwid?: string };
}

/**
 * Checks one received request the way a receiver must: POST, JSON, every header, a valid
 * signature within 300 s, and the body shape. Returns the parsed body.
 */
export function expectSignedDelivery(request: ReceivedRequest, secret: string, expected: { event: string; eventId: string; webhookId: string; appId: string }): DeliveredEvent {
  expect(request.method).toBe('POST');
  expect(request.path).toBe('/hook');
  expect(header(request, 'content-type')).toMatch(/^application\/json/);
  expect(header(request, 'x-keywarden-event')).toBe(expected.event);
  expect(header(request, 'x-keywarden-delivery')).toBe(`${expected.eventId}~${expected.webhookId}`);
  expect(header(request, 'x-keywarden-webhook')).toBe(expected.webhookId);
  const signature = header(request, 'x-keywarden-signature');
  expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  const t = Number(/^t=(\d+)/.exec(signature ?? '')?.[1]);
  expect(Math.abs(Date.now() / 1000 - t)).toBeLessThan(60);
  expect(verifyKeywardenSignature(secret, request.rawBody, signature)).toBe(true);
  const body = JSON.parse(request.rawBody) as DeliveredEvent;
  expect(Object.keys(body).sort()).toEqual(['appId', 'createdAt', 'data', 'event', 'id']);
  expect(body).toMatchObject({ id: expected.eventId, event: expected.event, appId: expected.appId });
  expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
  expect(typeof body.data).toBe('object');
  return body;
}

// ---------------------------------------------------------------- deployed functions, wrapped

const fft = functionsTest({ projectId: 'demo-keywarden' });

/**
 * A v2 `onSchedule` function is an HTTP function with `run` and a schedule trigger:
 * firebase-functions-test wraps it on its scheduled path (called with `{}`), but its
 * typings predate v2 schedules, hence the cast to the v1 shape it handles.
 */
type WrappedSchedule = (options: Record<string, never>) => unknown;
const wrapSchedule = (scheduled: ScheduleFunction): WrappedSchedule => fft.wrap(scheduled as unknown as CloudFunctionV1<unknown>) as WrappedSchedule;

const wrappedDeliverEvents = fft.wrap(deliverEvents);
const wrappedRetry = wrapSchedule(retryWebhookDeliveries);
const wrappedExpire = wrapSchedule(expireLicenses);

export interface StoredEvent {
  id: string;
  type: string;
  appId: string;
  licenseKey: string | null;
  data: Record<string, unknown>;
  createdAt: Timestamp;
  raw: DocumentData;
}

function storedEvent(doc: QueryDocumentSnapshot): StoredEvent {
  const raw = doc.data();
  return {
    id: doc.id,
    type: String(raw.type),
    appId: String(raw.appId),
    licenseKey: typeof raw.licenseKey === 'string' ? raw.licenseKey : null,
    data: raw.data as Record<string, unknown>,
    createdAt: raw.createdAt as Timestamp,
    raw,
  };
}

/** Every event of an app, oldest first, as the functions wrote them. */
export async function eventsOfApp(appId: string): Promise<StoredEvent[]> {
  const snapshot = await testDb().collection('events').where('appId', '==', appId).get();
  return snapshot.docs.map(storedEvent).sort((a, b) => a.createdAt.toMillis() - b.createdAt.toMillis() || a.id.localeCompare(b.id));
}

/** Runs the deployed `deliverEvents` trigger (onDocumentCreated('events/{eventId}')) for one stored event. */
export async function runDeliverEvents(event: StoredEvent): Promise<void> {
  await wrappedDeliverEvents({
    data: fft.firestore.makeDocumentSnapshot(event.raw, `events/${event.id}`),
    params: { eventId: event.id },
  });
}

/** Runs the deployed scheduled `retryWebhookDeliveries` once. */
export async function runRetryWebhookDeliveries(): Promise<void> {
  await wrappedRetry({});
}

/** Runs the deployed scheduled `expireLicenses` once. */
export async function runExpireLicenses(): Promise<void> {
  await wrappedExpire({});
}

/**
 * Tracks which events of an app the test has already handed to the trigger, so each step
 * fires exactly the events its request produced.
 */
export class EventFeed {
  private readonly fired = new Set<string>();

  constructor(private readonly appId: string) {}

  /** The events written since the last call, oldest first (not yet fired). */
  async fresh(): Promise<StoredEvent[]> {
    const events = (await eventsOfApp(this.appId)).filter((event) => !this.fired.has(event.id));
    for (const event of events) this.fired.add(event.id);
    return events;
  }

  /** Fires every new event through the trigger, one after another; returns them. */
  async fire(): Promise<StoredEvent[]> {
    const events = await this.fresh();
    for (const event of events) await runDeliverEvents(event);
    return events;
  }
}

// ---------------------------------------------------------------- deliveries in Firestore

export interface StoredDelivery {
  status: string;
  attempts: number;
  nextAttemptAt: Timestamp;
  lastAttemptAt: Timestamp | null;
  lastStatusCode: number | null;
  lastError: string | null;
  webhookId: string;
  eventId: string;
  body: string;
}

export async function storedDelivery(deliveryId: string): Promise<StoredDelivery> {
  const snapshot = await testDb().collection('deliveries').doc(deliveryId).get();
  expect(snapshot.exists, `delivery ${deliveryId}`).toBe(true);
  return snapshot.data() as StoredDelivery;
}

export async function deliveriesOfEvent(eventId: string): Promise<string[]> {
  const snapshot = await testDb().collection('deliveries').where('eventId', '==', eventId).get();
  return snapshot.docs.map((doc) => doc.id).sort();
}

/**
 * Runs the deployed `retryWebhookDeliveries` until one delivery has settled: `done` holds for
 * its stored record and no attempt of it is in flight. The scheduled function scans every
 * file's deliveries (a batch at a time, oldest due first) and other files run it at the same
 * time, so the attempt may come from another run, or only from a later one of ours: what the
 * caller checks afterwards is this delivery's own state, never which run sent it.
 */
export async function retryUntilSettled(deliveryId: string, done: (delivery: StoredDelivery) => boolean, maxMs = 20_000): Promise<StoredDelivery> {
  const stopAt = Date.now() + maxMs;
  for (;;) {
    await runRetryWebhookDeliveries();
    const current = await storedDelivery(deliveryId);
    if (current.status !== 'delivering' && done(current)) return current;
    if (Date.now() > stopAt) throw new Error(`delivery ${deliveryId} did not settle: ${JSON.stringify({ status: current.status, attempts: current.attempts })}`);
    await sleep(100);
  }
}

/**
 * The retry delay a pending delivery was given, from its own record: the time between its last
 * attempt and its next one (both set by the product in one write), so no test clock is involved.
 */
export function scheduledDelaySeconds(delivery: { lastAttemptAt: string | null; nextAttemptAt: string | null }): number {
  if (!delivery.lastAttemptAt || !delivery.nextAttemptAt) throw new Error(`not pending: ${JSON.stringify(delivery)}`);
  return (new Date(delivery.nextAttemptAt).getTime() - new Date(delivery.lastAttemptAt).getTime()) / 1000;
}

/** Makes a pending delivery due now (as if its backoff had elapsed). */
export async function makeDue(deliveryId: string): Promise<void> {
  await testDb().collection('deliveries').doc(deliveryId).update({ nextAttemptAt: Timestamp.fromMillis(Date.now() - 1_000) });
}

// ---------------------------------------------------------------- v1 helpers

export const bearer = (account: Account) => ({ Authorization: `Bearer ${account.apiKey}` });

export function v1(account: Account, method: string, path: string, body?: unknown): Promise<JsonResponse> {
  return call('v1', { method, path, headers: bearer(account), ...(body === undefined ? {} : { body }) });
}

export interface WebhookView {
  webhookId: string;
  appId: string;
  url: string;
  events: string[];
  active: boolean;
  disabledReason: string | null;
}

export interface CreatedWebhook {
  webhook: WebhookView;
  secret: string;
}

export async function createWebhook(account: Account, appId: string, url: string, events: string[] = []): Promise<CreatedWebhook> {
  const response = await v1(account, 'POST', `/apps/${appId}/webhooks`, { url, events });
  expect(response.status, response.text).toBe(201);
  const created = response.body as unknown as CreatedWebhook;
  expect(created.secret).toMatch(/^whsec_/);
  expect(created.webhook).toMatchObject({ appId, url, events, active: true });
  return created;
}

export interface AttemptView {
  attempt: number;
  at: string | null;
  url: string;
  statusCode: number | null;
  durationMs: number;
  responseSnippet: string | null;
  error: string | null;
}

export interface DeliveryDetail {
  delivery: {
    deliveryId: string;
    eventId: string;
    webhookId: string;
    event: string;
    status: string;
    attempts: number;
    nextAttemptAt: string | null;
    lastAttemptAt: string | null;
    lastStatusCode: number | null;
    lastError: string | null;
    deliveredAt: string | null;
    createdAt: string | null;
  };
  body: string;
  attempts: AttemptView[];
}

export async function getDelivery(account: Account, appId: string, webhookId: string, deliveryId: string): Promise<DeliveryDetail> {
  const response = await v1(account, 'GET', `/apps/${appId}/webhooks/${webhookId}/deliveries/${encodeURIComponent(deliveryId)}`);
  expect(response.status, response.text).toBe(200);
  return response.body as unknown as DeliveryDetail;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
