/**
 * The chaos run (issue 22): the production-shaped local stack (embedded Firestore enforcing
 * firestore.indexes.json, the built functions served by functions-framework with the event pump,
 * a loopback webhook receiver that sometimes answers 500) under a mixed workload from concurrent
 * clients while the emulator fails a share of commits and reads at random (seeded, replayable);
 * afterwards every invariant is checked from the data itself (firebase-admin reads Firestore
 * directly) and from what the clients were answered. Used by `npm run chaos` (scripts/chaos.ts)
 * and by the short run inside `npm test` (test/chaos/).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import Stripe from 'stripe';
import { seededRandom, startFirestoreEmulator, type RunningEmulator } from '@keywarden/firestore-emulator';
import { ensureLocalSecrets, projectId, repoRoot, startFunctionsHost, type FunctionsServer } from './localStack.js';

export interface ChaosOptions {
  /** Replays a run: the same seed gives the same workload choices and the same fault draws. */
  seed: string;
  /** HTTP requests of the workload (retries included); at least this many are sent. */
  requests: number;
  clients: number;
  commitFaultRate: number;
  readFaultRate: number;
  /** Per-request timeout (every request has one). */
  requestTimeoutMs: number;
  /** 503 retries per request (the SDKs' bounded retry), each after Retry-After (capped). */
  maxRetries: number;
  /** The longest a client waits on one Retry-After, in seconds. */
  retryAfterCapSeconds: number;
  /** After the workload, with faults off: the longest the event pump gets to fan out the last events. */
  settleMs: number;
  /** Share of webhook deliveries the receiver answers 500. */
  receiverFailureRate: number;
  log?: (message: string) => void;
}

export interface ChaosResults {
  seed: string;
  requests: number;
  clients: number;
  faultRate: { commit: number; read: number };
  faultsInjected: number;
  answers: Record<string, number>;
  serverErrors: number;
  violations: string[];
  durationMs: number;
  /** What the workload did, for the README's figures. */
  operations: Record<string, number>;
  /** The first answer of each refused kind (path and status), to see what the refusals were. */
  refusalSamples: Record<string, string>;
  checked: Record<string, number>;
}

export const defaultChaosOptions: ChaosOptions = {
  seed: 'chaos',
  requests: 2_000,
  clients: 16,
  commitFaultRate: 0.1,
  readFaultRate: 0.05,
  requestTimeoutMs: 30_000,
  maxRetries: 4,
  retryAfterCapSeconds: 2,
  settleMs: 30_000,
  receiverFailureRate: 0.2,
};

const faultCodes = ['ABORTED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED'];

/** The same seeded PRNG as the emulator's fault rules: a seed replays the workload's choices. */
export const prng = (seed: string): (() => number) => seededRandom(seed);

interface Answer {
  status: number;
  json: Record<string, unknown>;
  retryAfter: string | null;
  /** When the request that got this answer was sent and answered (ms since epoch). */
  sentAt: number;
  answeredAt: number;
  /** When the first attempt was sent (before any 503 retry). */
  firstSentAt: number;
  /**
   * Some attempt may have taken effect unseen: it got no answer (timeout), or the function's own
   * request deadline answered 503 while its Firestore work went on (and may commit later).
   */
  unsure: boolean;
}

/** The functions answer 503 at their request deadline (20 s, config/constants.ts) while the work may go on. */
const deadlineAnswerMs = 19_000;

interface Session {
  licenseKey: string;
  hwid: string;
  appId: string;
  door: 'sdk' | 'client';
  /** When the answer that opened the session's line (validate/activate) arrived: it existed by then. */
  openedBy: number;
  /** The request that refreshed it into this token was answered at (for logs). */
  token: string;
}

interface Ending {
  kind: 'revoke' | 'reset' | 'deactivate' | 'ban';
  hwid?: string;
  /** The ending call was sent at `start` and answered (successfully) at `end`. */
  start: number;
  end: number;
}

interface LicenseInfo {
  key: string;
  appId: string;
  seats: number;
  unlimited: boolean;
  hwids: string[];
}

interface ProductInfo {
  appId: string;
  appSecret: string;
  paymentSecret: string;
  metered: boolean;
}

interface StripePlan {
  session: string;
  quantity: number;
  subscription: string | null;
  paymentIntent: string | null;
  events: Array<Record<string, unknown> & { id: string; type: string }>;
  appId: string;
}

interface OrderPlan {
  orderId: string;
  quantity: number;
  appId: string;
}

/** Everything the clients observed, for the checks afterwards. */
class Ledger {
  answers: Record<string, number> = {};
  operations: Record<string, number> = {};
  requests = 0;
  serverErrors = 0;
  violations: string[] = [];
  refusalSamples: Record<string, string> = {};
  /** Per license: HWIDs some successful answer bound (activate, SDK validate). */
  bound = new Map<string, Set<string>>();
  /** Per license: HWIDs of calls that got no answer (timeout): they may have bound. */
  unknownBinds = new Map<string, Set<string>>();
  endings = new Map<string, Ending[]>();
  /** nonce -> ok answers. */
  nonces = new Map<string, number>();
  creditsGranted = 0;
  creditsGrantUnknown = 0;
  meteredValidatesOk = 0;
  meteredValidatesUnknown = 0;
  stripeAnswered = new Map<string, { ok: number; firstApplied: number; unsure: boolean }>();
  ordersAnswered = new Map<string, { ok: number; firstApplied: number; unsure: boolean }>();

  violation(message: string): void {
    if (this.violations.length < 500) this.violations.push(message);
  }

  count(operation: string): void {
    this.operations[operation] = (this.operations[operation] ?? 0) + 1;
  }

  addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
    const set = map.get(key) ?? new Set<V>();
    set.add(value);
    map.set(key, set);
  }
}

interface Received {
  deliveryHeader: string;
  webhookHeader: string;
  eventId: string;
  status: number;
}

/** A loopback webhook receiver answering 500 to a share of deliveries (drawn from the seed). */
async function startReceiver(seed: string, failureRate: number): Promise<{ url: string; received: Received[]; stop(): Promise<void> }> {
  const random = prng(`${seed}:receiver`);
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let eventId: string;
      try {
        eventId = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown }).id ?? '');
      } catch {
        eventId = '';
      }
      const status = random() < failureRate ? 500 : 200;
      received.push({ deliveryHeader: String(req.headers['x-keywarden-delivery'] ?? ''), webhookHeader: String(req.headers['x-keywarden-webhook'] ?? ''), eventId, status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(input: Partial<ChaosOptions> = {}): Promise<ChaosResults> {
  const options: ChaosOptions = { ...defaultChaosOptions, ...input };
  const log = options.log ?? (() => undefined);
  const ledger = new Ledger();
  const started: Array<{ stop(): Promise<void> }> = [];
  const t0 = Date.now();
  const { secrets } = ensureLocalSecrets();
  // No GCE metadata server here: keep google-auth-library (firebase-admin) from probing for one.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  let adminApp: ReturnType<typeof initializeApp> | undefined;
  const totals = { faultsInjected: 0 };
  const checked: Record<string, number> = {};
  try {
    const firestore: RunningEmulator = await startFirestoreEmulator({ host: '127.0.0.1', port: 0, indexes: join(repoRoot, 'firestore.indexes.json') });
    started.push(firestore);
    const receiver = await startReceiver(options.seed, options.receiverFailureRate);
    started.push(receiver);
    const host: FunctionsServer = await startFunctionsHost({
      firestoreHost: `${firestore.host}:${firestore.port}`,
      pump: true,
      env: { KEYWARDEN_STRIPE: 'on', KEYWARDEN_PAYMENT_WEBHOOK: 'on', KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS: '1' },
    });
    started.push(host);
    log(`stack up: Firestore ${firestore.host}:${firestore.port}, functions ${host.baseUrl}, receiver ${receiver.url}`);
    adminApp = initializeApp({ projectId }, `chaos-${randomUUID()}`);
    // This run's own emulator: the Firestore client prefers FIRESTORE_EMULATOR_HOST (set in a test
    // worker for the shared one) over settings, and reads it when it is made and configured.
    const sharedEmulator = process.env.FIRESTORE_EMULATOR_HOST;
    delete process.env.FIRESTORE_EMULATOR_HOST;
    let db: Firestore;
    try {
      db = getFirestore(adminApp);
      db.settings({ host: `${firestore.host}:${firestore.port}`, ssl: false, customHeaders: { Authorization: 'Bearer owner' } });
    } finally {
      if (sharedEmulator !== undefined) process.env.FIRESTORE_EMULATOR_HOST = sharedEmulator;
    }

    const url = (name: string) => `${host.baseUrl}/${name}`;
    let measuring = false;

    /** One HTTP request with a timeout; 503s retried after Retry-After (capped), bounded. Every attempt is counted. */
    const send = async (target: string, init: { method?: string; body?: string; headers?: Record<string, string> }, retries = options.maxRetries): Promise<Answer> => {
      const firstSentAt = Date.now();
      let unsure = false;
      for (let attempt = 0; ; attempt += 1) {
        const sentAt = Date.now();
        let answer: Answer;
        try {
          const response = await fetch(target, {
            method: init.method ?? 'POST',
            headers: { 'content-type': 'application/json', ...init.headers },
            ...(init.body !== undefined ? { body: init.body } : {}),
            signal: AbortSignal.timeout(options.requestTimeoutMs),
          });
          const text = await response.text();
          let json: Record<string, unknown>;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = { raw: text.slice(0, 300) };
          }
          const answeredAt = Date.now();
          unsure ||= response.status === 503 && answeredAt - sentAt >= deadlineAnswerMs;
          answer = { status: response.status, json, retryAfter: response.headers.get('retry-after'), sentAt, answeredAt, firstSentAt, unsure };
        } catch (error) {
          unsure = true;
          answer = { status: 0, json: { error: String(error) }, retryAfter: null, sentAt, answeredAt: Date.now(), firstSentAt, unsure };
        }
        if (measuring) {
          ledger.requests += 1;
          const key = answer.status === 0 ? 'timeout' : String(answer.status);
          ledger.answers[key] = (ledger.answers[key] ?? 0) + 1;
          const path = target.replace(host.baseUrl, '').replace(/\/licenses\/[^/?]+/, '/licenses/:key');
          const sampleKey = `${path} ${key}`;
          if (answer.status !== 200 && ledger.refusalSamples[sampleKey] === undefined) ledger.refusalSamples[sampleKey] = JSON.stringify(answer.json).slice(0, 200);
          if (answer.status >= 500 && answer.status !== 503) {
            ledger.serverErrors += 1;
            ledger.violation(`${answer.status} from ${target.replace(host.baseUrl, '')}: ${JSON.stringify(answer.json).slice(0, 300)}`);
          }
          if (answer.status === 503 && !/^[1-9]\d*$/.test(answer.retryAfter ?? '')) {
            ledger.violation(`503 without a whole-number Retry-After from ${target.replace(host.baseUrl, '')} (Retry-After: ${answer.retryAfter})`);
          }
        }
        if (answer.status !== 503 || attempt >= retries) return answer;
        const wait = Math.min(Number(answer.retryAfter) || 1, options.retryAfterCapSeconds);
        await sleep(wait * 1000 * (0.5 + Math.random() * 0.5));
      }
    };
    const post = (name: string, body: unknown, headers: Record<string, string> = {}) => send(url(name), { body: JSON.stringify(body), headers });
    const expectOk = (what: string, answer: Answer): Record<string, unknown> => {
      if (answer.status < 200 || answer.status >= 300) throw new Error(`set-up: ${what} answered ${answer.status}: ${JSON.stringify(answer.json).slice(0, 400)}`);
      return answer.json;
    };

    // ------------------------------------------------------------------ set-up (no faults yet)
    const settings = { validatesPerLicensePerMinute: 100_000, validatesPerIpPerMinute: 1_000_000 };
    const newAccount = async (name: string) => {
      const created = expectOk('createApiKey', await post('createApiKey', { adminSecret: secrets.ADMIN_SECRET, accountName: `${name}-${randomUUID()}` }));
      return { apiKey: String(created.apiKey), accountId: String(created.accountId) };
    };
    const account = await newAccount('chaos');
    const metered = await newAccount('chaos-metered');
    const initialCredits = 40;
    expectOk('grantCredits', await post('grantCredits', { adminSecret: secrets.ADMIN_SECRET, accountId: metered.accountId, amount: initialCredits, unlimited: false }));
    const newProduct = async (owner: { apiKey: string }, name: string, isMetered: boolean): Promise<ProductInfo> => {
      const created = expectOk('createProduct', await post('createProduct', { name, settings }, { 'X-API-Key': owner.apiKey }));
      const appId = String((created.product as { productId: string }).productId);
      const rotated = expectOk('updateProduct', await post('updateProduct', { productId: appId, rotatePaymentSecret: true }, { 'X-API-Key': owner.apiKey }));
      return { appId, appSecret: String(created.appSecret), paymentSecret: String(rotated.paymentSecret), metered: isMetered };
    };
    const products = [await newProduct(account, 'Chaos A', false), await newProduct(account, 'Chaos B', false)];
    const meteredProduct = await newProduct(metered, 'Chaos metered', true);
    const ownerOf = (appId: string) => (appId === meteredProduct.appId ? metered : account);
    const [productA, productB] = products as [ProductInfo, ProductInfo];
    const appById = new Map([productA, productB, meteredProduct].map((product) => [product.appId, product]));
    // Webhooks first (so every event of the run is one they should get): every event of A and of the metered app; only a few types of B (the filter is checked too).
    const webhooks: Array<{ appId: string; webhookId: string; events: string[] }> = [];
    for (const [product, events] of [
      [productA, []],
      [productB, ['license.created', 'license.revoked', 'license.hwid_reset', 'license.extended']],
      [meteredProduct, []],
    ] as Array<[ProductInfo, string[]]>) {
      const created = expectOk(
        'create webhook',
        await send(`${url('v1')}/apps/${product.appId}/webhooks`, { body: JSON.stringify({ url: receiver.url, events }), headers: { Authorization: `Bearer ${ownerOf(product.appId).apiKey}` } }),
      );
      webhooks.push({ appId: product.appId, webhookId: String((created.webhook as { webhookId: string }).webhookId), events });
    }
    const licenses: LicenseInfo[] = [];
    const createLicenses = async (product: ProductInfo, quantity: number, seats: number, unlimited = false) => {
      const created = expectOk(
        'createLicense',
        await post('createLicense', { productId: product.appId, quantity, ...(unlimited ? { unlimitedHwidSlots: true } : { maxHwidSlots: seats }) }, { 'X-API-Key': ownerOf(product.appId).apiKey }),
      );
      for (const { licenseKey } of created.licenses as Array<{ licenseKey: string }>) {
        licenses.push({ key: licenseKey, appId: product.appId, seats, unlimited, hwids: Array.from({ length: unlimited ? 4 : seats + 2 }, (_, i) => `chaos-${licenseKey.slice(0, 4)}-${i}`) });
      }
    };
    await createLicenses(productA, 10, 2);
    await createLicenses(productA, 4, 1);
    await createLicenses(productB, 6, 3);
    await createLicenses(productB, 2, 1, true);
    await createLicenses(meteredProduct, 4, 2);
    // Stripe purchases (on A and B) and payment orders, each delivered repeatedly later.
    const setupRandom = prng(`${options.seed}:plans`);
    const stripeId = (prefix: string) => `${prefix}_chaos${Math.floor(setupRandom() * 1e12).toString(36)}${randomUUID().slice(0, 8)}`;
    const stripePlans: StripePlan[] = Array.from({ length: 8 }, (_, i) => {
      const appId = (i % 2 === 0 ? productA : productB).appId;
      const subscription = i % 3 === 0 ? stripeId('sub') : null;
      const paymentIntent = stripeId('pi');
      const session = stripeId('cs');
      const quantity = 1 + (i % 3);
      const events: StripePlan['events'] = [
        {
          id: stripeId('evt'),
          type: 'checkout.session.completed',
          data: {
            object: {
              id: session,
              object: 'checkout.session',
              payment_status: 'paid',
              customer: stripeId('cus'),
              customer_details: { email: `buyer${i}@example.com` },
              subscription,
              payment_intent: paymentIntent,
              metadata: { keywarden_app_id: appId, keywarden_quantity: String(quantity) },
            },
          },
        },
      ];
      if (subscription) {
        events.push({ id: stripeId('evt'), type: 'invoice.paid', data: { object: { id: stripeId('in'), subscription, lines: { data: [{ period: { end: Math.floor(Date.now() / 1000) + 30 * 86_400 } }] } } } });
        if (i % 2 === 0) events.push({ id: stripeId('evt'), type: 'customer.subscription.deleted', data: { object: { id: subscription, ended_at: Math.floor(Date.now() / 1000) - 5 } } });
      }
      if (i % 4 === 1) events.push({ id: stripeId('evt'), type: 'charge.refunded', data: { object: { id: stripeId('ch'), payment_intent: paymentIntent, refunded: true } } });
      return { session, quantity, subscription, paymentIntent, events, appId };
    });
    const orders: OrderPlan[] = Array.from({ length: 10 }, (_, i) => ({ orderId: `chaos-order-${i}-${randomUUID().slice(0, 8)}`, quantity: 1 + (i % 2), appId: (i % 2 === 0 ? productA : productB).appId }));

    // ------------------------------------------------------------------ faults on, workload
    const addRule = async (operation: 'commit' | 'read', rate: number) => {
      const response = await fetch(`${firestore.controlUrl}/faults`, {
        method: 'POST',
        body: JSON.stringify({ operation, code: faultCodes, rate, seed: `${options.seed}:${operation}` }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`fault rule refused: ${await response.text()}`);
    };
    if (options.commitFaultRate > 0) await addRule('commit', options.commitFaultRate);
    if (options.readFaultRate > 0) await addRule('read', options.readFaultRate);
    log(`set-up done: ${licenses.length} licenses, ${stripePlans.length} Stripe purchases, ${orders.length} payment orders; faults on (commits ${options.commitFaultRate}, reads ${options.readFaultRate}), seed ${options.seed}`);
    measuring = true;

    const sessions: Session[] = [];
    const acceptedNonces: Array<{ appId: string; appSecret: string; licenseKey: string; hwid: string; nonce: string }> = [];
    const v1Headers = (appId: string) => ({ Authorization: `Bearer ${ownerOf(appId).apiKey}` });
    const fixedOrUnlimited = licenses.filter((license) => license.appId !== meteredProduct.appId);
    const meteredLicenses = licenses.filter((license) => license.appId === meteredProduct.appId);

    /** A session answered ok after an ending that started once it existed and ended before the call: a violation. */
    const checkSessionUse = (session: Session, answer: Answer, what: string) => {
      if (answer.status !== 200) return;
      for (const ending of ledger.endings.get(session.licenseKey) ?? []) {
        if (ending.hwid !== undefined && ending.hwid !== session.hwid) continue;
        if (ending.start > session.openedBy && ending.end < answer.sentAt) {
          ledger.violation(
            `${what} answered ok for a session of ${session.licenseKey}/${session.hwid} opened by ${new Date(session.openedBy).toISOString()} after the ${ending.kind} that ended it (${new Date(ending.start).toISOString()}–${new Date(ending.end).toISOString()}), sent ${new Date(answer.sentAt).toISOString()}`,
          );
        }
      }
    };
    const recordEnding = (licenseKey: string, ending: Ending) => {
      const list = ledger.endings.get(licenseKey) ?? [];
      list.push(ending);
      ledger.endings.set(licenseKey, list);
    };
    const sdkToken = (answer: Answer): string | undefined => {
      try {
        const payload = JSON.parse(Buffer.from(String(answer.json.payload), 'base64').toString('utf8')) as { sessionToken?: unknown };
        return typeof payload.sessionToken === 'string' ? payload.sessionToken : undefined;
      } catch {
        return undefined;
      }
    };
    const noteBind = (license: LicenseInfo, hwid: string, answer: Answer) => {
      if (answer.status === 200) ledger.addTo(ledger.bound, license.key, hwid);
      else if (answer.unsure) ledger.addTo(ledger.unknownBinds, license.key, hwid);
    };

    type Operation = (random: () => number) => Promise<void>;
    const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

    const sdkValidate = async (random: () => number, license: LicenseInfo) => {
      const product = appById.get(license.appId) as ProductInfo;
      const hwid = pick(random, license.hwids);
      const nonce = randomUUID();
      const body = { appId: product.appId, appSecret: product.appSecret, licenseKey: license.key, hwid, nonce };
      const answer = await post('auth/validate', body);
      if (answer.status === 200) {
        ledger.nonces.set(nonce, (ledger.nonces.get(nonce) ?? 0) + 1);
        acceptedNonces.push(body);
        const token = sdkToken(answer);
        if (token) sessions.push({ licenseKey: license.key, hwid, appId: product.appId, door: 'sdk', openedBy: answer.answeredAt, token });
      }
      if (!license.unlimited) noteBind(license, hwid, answer);
      if (product.metered) {
        if (answer.status === 200) ledger.meteredValidatesOk += 1;
        else if (answer.unsure) ledger.meteredValidatesUnknown += 1;
      }
    };
    /** A recent session of the door (never the metered app's: its heartbeats cost a credit one time in ten, at random). */
    const takeSession = (random: () => number, door: 'sdk' | 'client'): Session | undefined => {
      const candidates = sessions.filter((session) => session.door === door && session.appId !== meteredProduct.appId);
      return candidates.length > 0 ? pick(random, candidates.slice(-40)) : undefined;
    };

    const operations: Array<[string, number, Operation]> = [
      ['sdkValidate', 18, (random) => sdkValidate(random, pick(random, fixedOrUnlimited))],
      ['sdkValidateMetered', 8, (random) => sdkValidate(random, pick(random, meteredLicenses))],
      [
        'sdkHeartbeat',
        10,
        async (random) => {
          const session = takeSession(random, 'sdk');
          if (!session) return;
          const answer = await post('auth/heartbeat', { appId: session.appId, sessionToken: session.token, nonce: randomUUID(), hwid: session.hwid });
          checkSessionUse(session, answer, 'SDK heartbeat');
          const token = answer.status === 200 ? sdkToken(answer) : undefined;
          if (token) sessions.push({ ...session, token });
        },
      ],
      [
        'sdkSelfban',
        1,
        async (random) => {
          const session = takeSession(random, 'sdk');
          if (!session || appById.get(session.appId)?.metered) return;
          const ban = random() < 0.3;
          const answer = await post('auth/selfban', { appId: session.appId, sessionToken: session.token, hwid: session.hwid, revokeLicense: !ban, blacklistHwid: ban, blacklistIp: false });
          if (answer.status === 200) {
            // A client's ban reaches its own license only (README, SDK protocol: selfban).
            if (ban) recordEnding(session.licenseKey, { kind: 'ban', hwid: session.hwid, start: answer.firstSentAt, end: answer.answeredAt });
            else recordEnding(session.licenseKey, { kind: 'revoke', start: answer.firstSentAt, end: answer.answeredAt });
          }
        },
      ],
      [
        'sdkReplay',
        2,
        async (random) => {
          if (acceptedNonces.length === 0) return;
          const body = pick(random, acceptedNonces);
          const answer = await post('auth/validate', body);
          if (answer.status === 200) ledger.nonces.set(body.nonce, (ledger.nonces.get(body.nonce) ?? 0) + 1);
        },
      ],
      [
        'activate',
        9,
        async (random) => {
          const license = pick(random, fixedOrUnlimited);
          const hwid = pick(random, license.hwids);
          const answer = await post('activate', { licenseKey: license.key, hwid });
          if (!license.unlimited) noteBind(license, hwid, answer);
          if (answer.status === 200 && typeof answer.json.sessionToken === 'string') {
            sessions.push({ licenseKey: license.key, hwid, appId: license.appId, door: 'client', openedBy: answer.answeredAt, token: answer.json.sessionToken });
          }
        },
      ],
      [
        'validate',
        10,
        async (random) => {
          const session = takeSession(random, 'client');
          if (!session) return;
          const answer = await post('validate', { sessionToken: session.token, hwid: session.hwid });
          checkSessionUse(session, answer, 'seed 004 validate');
        },
      ],
      [
        'heartbeat',
        6,
        async (random) => {
          const session = takeSession(random, 'client');
          if (!session) return;
          const answer = await post('heartbeat', { sessionToken: session.token, hwid: session.hwid });
          checkSessionUse(session, answer, 'seed 004 heartbeat');
          if (answer.status === 200 && typeof answer.json.sessionToken === 'string') sessions.push({ ...session, token: answer.json.sessionToken });
        },
      ],
      [
        'deactivate',
        4,
        async (random) => {
          const license = pick(random, fixedOrUnlimited);
          const hwid = pick(random, license.hwids);
          const answer = await post('deactivate', { licenseKey: license.key, hwid });
          if (answer.status === 200) recordEnding(license.key, { kind: 'deactivate', hwid, start: answer.firstSentAt, end: answer.answeredAt });
        },
      ],
      [
        'adminLicense',
        8,
        async (random) => {
          const license = pick(random, licenses);
          const roll = random();
          const extend = random() < 0.5 ? { action: 'extend', durationDays: 30 } : { action: 'extend', expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString() };
          const body = roll < 0.3 ? { action: 'revoke' } : roll < 0.55 ? { action: 'activate' } : roll < 0.8 ? { action: 'reset-hwid' } : extend;
          ledger.count(`admin:${body.action}`);
          const answer = await send(`${url('v1')}/licenses/${license.key}`, { method: 'PUT', body: JSON.stringify(body), headers: v1Headers(license.appId) });
          if (answer.status === 200 && (body.action === 'revoke' || body.action === 'reset-hwid')) {
            recordEnding(license.key, { kind: body.action === 'revoke' ? 'revoke' : 'reset', start: answer.firstSentAt, end: answer.answeredAt });
          }
        },
      ],
      [
        'grantCredits',
        3,
        async (random) => {
          const amount = 1 + Math.floor(random() * 5);
          const answer = await post('grantCredits', { adminSecret: secrets.ADMIN_SECRET, accountId: metered.accountId, amount });
          if (answer.status === 200) ledger.creditsGranted += amount;
          else if (answer.unsure) ledger.creditsGrantUnknown += amount;
        },
      ],
      [
        'stripe',
        6,
        async (random) => {
          const plan = pick(random, stripePlans);
          const event = pick(random, plan.events);
          const payload = JSON.stringify(event);
          const copies = 1 + Math.floor(random() * 3);
          const answers = await Promise.all(
            Array.from({ length: copies }, () =>
              send(url('stripeWebhook'), { body: payload, headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: secrets.STRIPE_WEBHOOK_SECRET }) } }),
            ),
          );
          const entry = ledger.stripeAnswered.get(event.id) ?? { ok: 0, firstApplied: 0, unsure: false };
          for (const answer of answers) {
            if (answer.status === 200) {
              entry.ok += 1;
              if (answer.json.duplicate === false) entry.firstApplied += 1;
            } else if (answer.unsure) entry.unsure = true;
          }
          ledger.stripeAnswered.set(event.id, entry);
        },
      ],
      [
        'paymentOrder',
        4,
        async (random) => {
          const order = pick(random, orders);
          const product = appById.get(order.appId) as ProductInfo;
          const copies = 1 + Math.floor(random() * 3);
          const answers = await Promise.all(
            Array.from({ length: copies }, () => post('paymentWebhook', { orderId: order.orderId, productId: order.appId, quantity: order.quantity, email: 'order@example.com' }, { 'x-webhook-secret': product.paymentSecret })),
          );
          const entry = ledger.ordersAnswered.get(order.orderId) ?? { ok: 0, firstApplied: 0, unsure: false };
          for (const answer of answers) {
            if (answer.status === 200 || answer.status === 201) {
              entry.ok += 1;
              if (answer.json.duplicate === false) entry.firstApplied += 1;
            } else if (answer.unsure) entry.unsure = true;
          }
          ledger.ordersAnswered.set(order.orderId, entry);
        },
      ],
    ];
    const totalWeight = operations.reduce((sum, [, weight]) => sum + weight, 0);
    const choose = (random: () => number): [string, Operation] => {
      let roll = random() * totalWeight;
      for (const [name, weight, run] of operations) {
        roll -= weight;
        if (roll < 0) return [name, run];
      }
      const [name, , run] = operations[0] as [string, number, Operation];
      return [name, run];
    };

    const workloadStart = Date.now();
    let lastReport = workloadStart;
    await Promise.all(
      Array.from({ length: options.clients }, async (_, worker) => {
        const random = prng(`${options.seed}:client:${worker}`);
        while (ledger.requests < options.requests) {
          const [name, run] = choose(random);
          ledger.count(name);
          await run(random);
          if (Date.now() - lastReport > 10_000) {
            lastReport = Date.now();
            log(`${ledger.requests}/${options.requests} requests, ${Math.round((Date.now() - workloadStart) / 1000)} s`);
          }
        }
      }),
    );
    measuring = false;
    const faultList = (await (await fetch(`${firestore.controlUrl}/faults`, { signal: AbortSignal.timeout(10_000) })).json()) as { faults: Array<{ injected: number }> };
    totals.faultsInjected = faultList.faults.reduce((sum, fault) => sum + fault.injected, 0);
    await fetch(`${firestore.controlUrl}/faults`, { method: 'DELETE', signal: AbortSignal.timeout(10_000) });
    log(`workload done: ${ledger.requests} requests in ${Math.round((Date.now() - workloadStart) / 1000)} s, ${totals.faultsInjected} faults injected; faults off, settling (at most ${options.settleMs} ms)`);
    // The pump fans out the last events (and the deliveries that failed under faults): wait until
    // every event a webhook should get has its delivery, for at most settleMs.
    const missingDeliveries = async (): Promise<string[]> => {
      const missing: string[] = [];
      for (const webhook of webhooks) {
        const events = await db.collection('events').where('appId', '==', webhook.appId).get();
        const deliveries = new Set((await db.collection('deliveries').where('webhookId', '==', webhook.webhookId).get()).docs.map((doc) => doc.id));
        for (const event of events.docs) {
          const type = String(event.get('type'));
          if (type === 'test.ping' || (webhook.events.length > 0 && !webhook.events.includes(type))) continue;
          if (!deliveries.has(`${event.id}~${webhook.webhookId}`)) missing.push(`event ${event.id} (${type}) has no delivery to webhook ${webhook.webhookId}`);
        }
      }
      return missing;
    };
    const settleDeadline = Date.now() + options.settleMs;
    await sleep(2_000);
    while (Date.now() < settleDeadline && (await missingDeliveries()).length > 0) await sleep(1_000);

    // ------------------------------------------------------------------ invariants, from the data
    const licenseDocs = await db.collection('licenses').where('appId', 'in', [productA.appId, productB.appId, meteredProduct.appId]).get();
    checked.licenses = licenseDocs.size;
    for (const doc of licenseDocs.docs) {
      const data = doc.data() as { maxHwidSlots: number; unlimitedHwidSlots: boolean; devices: Array<{ hwid: string }>; source: Record<string, string> | null };
      const devices = data.devices ?? [];
      if (!data.unlimitedHwidSlots && devices.length > data.maxHwidSlots) ledger.violation(`license ${doc.id} holds ${devices.length} devices with maxHwidSlots ${data.maxHwidSlots}`);
      if (data.unlimitedHwidSlots && devices.length > 0) ledger.violation(`unlimited-seat license ${doc.id} has bound devices`);
      const ours = licenses.find((license) => license.key === doc.id);
      if (!ours) continue;
      for (const device of devices) {
        if (ledger.bound.get(doc.id)?.has(device.hwid)) continue;
        if (ledger.unknownBinds.get(doc.id)?.has(device.hwid)) continue;
        ledger.violation(`license ${doc.id} has device ${device.hwid} bound that no successful answer bound`);
      }
    }

    // Credits: balance = initial + grants - successful metered validates, never negative.
    const shards = await db.collection('accounts').doc(metered.accountId).collection('creditShards').get();
    const balance = shards.docs.reduce((sum, shard) => sum + Number(shard.get('balance') ?? 0), 0);
    for (const shard of shards.docs) if (Number(shard.get('balance')) < 0) ledger.violation(`credit shard ${shard.id} is negative (${shard.get('balance')})`);
    const expected = initialCredits + ledger.creditsGranted - ledger.meteredValidatesOk;
    checked.creditBalance = balance;
    checked.creditsGranted = ledger.creditsGranted;
    checked.meteredValidatesOk = ledger.meteredValidatesOk;
    const slackUp = ledger.creditsGrantUnknown;
    const slackDown = ledger.meteredValidatesUnknown;
    if (balance < 0) ledger.violation(`credit balance is negative (${balance})`);
    if (balance > expected + slackUp || balance < expected - slackDown) {
      ledger.violation(`credit balance ${balance} != ${initialCredits} + grants ${ledger.creditsGranted} - successful metered validates ${ledger.meteredValidatesOk} = ${expected} (unanswered: grants ${slackUp}, validates ${slackDown})`);
    }

    // Stripe: each event applied once; each checkout's licenses made once, refunds and cancellations applied.
    const stripeEventIds = new Set((await db.collection('stripeEvents').get()).docs.map((doc) => doc.id));
    const allLicenses = await db.collection('licenses').where('appId', 'in', [productA.appId, productB.appId]).get();
    const bySession = new Map<string, Array<{ revoked: boolean; expiresAt: number | null }>>();
    const byOrder = new Map<string, number>();
    const createdEvents = await db.collection('events').where('type', '==', 'license.created').get();
    const createdPerLicense = new Map<string, number>();
    for (const event of createdEvents.docs) {
      const key = String(event.get('licenseKey'));
      createdPerLicense.set(key, (createdPerLicense.get(key) ?? 0) + 1);
    }
    for (const doc of allLicenses.docs) {
      const source = (doc.get('source') as Record<string, string> | null) ?? {};
      if (source.stripeCheckoutSessionId) {
        const list = bySession.get(source.stripeCheckoutSessionId) ?? [];
        list.push({ revoked: Boolean(doc.get('revoked')), expiresAt: (doc.get('expiresAt') as { toMillis(): number } | null)?.toMillis() ?? null });
        bySession.set(source.stripeCheckoutSessionId, list);
      }
      if (source.orderId) byOrder.set(source.orderId, (byOrder.get(source.orderId) ?? 0) + 1);
      if ((createdPerLicense.get(doc.id) ?? 0) !== 1) ledger.violation(`license ${doc.id} has ${createdPerLicense.get(doc.id) ?? 0} license.created events`);
    }
    for (const plan of stripePlans) {
      for (const event of plan.events) {
        const answered = ledger.stripeAnswered.get(event.id);
        checked.stripeEvents = (checked.stripeEvents ?? 0) + (answered ? 1 : 0);
        if (answered && answered.ok > 0 && !stripeEventIds.has(event.id)) ledger.violation(`Stripe event ${event.id} (${event.type}) answered 200 but not recorded`);
        if (answered && answered.ok === 0 && !answered.unsure && stripeEventIds.has(event.id)) ledger.violation(`Stripe event ${event.id} (${event.type}) was never answered 200 yet took effect`);
        if (answered && answered.firstApplied > 1) ledger.violation(`Stripe event ${event.id} (${event.type}) answered as newly applied ${answered.firstApplied} times`);
      }
      const checkout = plan.events[0];
      const made = bySession.get(plan.session) ?? [];
      const applied = checkout && stripeEventIds.has(checkout.id);
      if (applied && made.length !== plan.quantity) ledger.violation(`checkout ${plan.session} made ${made.length} licenses for quantity ${plan.quantity}`);
      if (!applied && made.length > 0) ledger.violation(`checkout ${plan.session} not recorded but made ${made.length} licenses`);
      const refund = plan.events.find((event) => event.type === 'charge.refunded');
      if (applied && refund && stripeEventIds.has(refund.id) && made.some((license) => !license.revoked)) ledger.violation(`checkout ${plan.session} refunded but a license is not revoked`);
      const cancel = plan.events.find((event) => event.type === 'customer.subscription.deleted');
      if (applied && cancel && stripeEventIds.has(cancel.id) && made.some((license) => license.expiresAt === null || license.expiresAt > Date.now())) {
        ledger.violation(`subscription ${plan.subscription} cancelled but a license has not expired`);
      }
    }
    const orderDocs = new Set((await db.collection('paymentOrders').get()).docs.map((doc) => String(doc.get('orderId'))));
    for (const order of orders) {
      const answered = ledger.ordersAnswered.get(order.orderId);
      if (!answered) continue;
      checked.paymentOrders = (checked.paymentOrders ?? 0) + 1;
      const made = byOrder.get(order.orderId) ?? 0;
      if (answered.ok > 0 && !orderDocs.has(order.orderId)) ledger.violation(`payment order ${order.orderId} answered ok but not recorded`);
      if (orderDocs.has(order.orderId) && made !== order.quantity) ledger.violation(`payment order ${order.orderId} made ${made} licenses for quantity ${order.quantity}`);
      if (!orderDocs.has(order.orderId) && made > 0) ledger.violation(`payment order ${order.orderId} not recorded but made ${made} licenses`);
      if (answered.ok === 0 && !answered.unsure && orderDocs.has(order.orderId)) ledger.violation(`payment order ${order.orderId} never answered ok yet took effect`);
      if (answered.firstApplied > 1) ledger.violation(`payment order ${order.orderId} answered as newly applied ${answered.firstApplied} times`);
    }

    // Nonces: each accepted at most once.
    for (const [nonce, ok] of ledger.nonces) if (ok > 1) ledger.violation(`nonce ${nonce} accepted ${ok} times`);
    checked.noncesAccepted = ledger.nonces.size;

    // Webhooks: every event a subscribed endpoint should get has its delivery (delivered or still
    // retrying); the receiver never saw one event under two delivery ids; delivered means received.
    for (const webhook of webhooks) {
      const events = await db.collection('events').where('appId', '==', webhook.appId).get();
      const deliveries = await db.collection('deliveries').where('webhookId', '==', webhook.webhookId).get();
      const deliveryById = new Map(deliveries.docs.map((doc) => [doc.id, doc.data() as { status: string; eventId: string }]));
      for (const event of events.docs) {
        const type = String(event.get('type'));
        if (type === 'test.ping' || (webhook.events.length > 0 && !webhook.events.includes(type))) continue;
        checked.deliveriesExpected = (checked.deliveriesExpected ?? 0) + 1;
        const delivery = deliveryById.get(`${event.id}~${webhook.webhookId}`);
        if (!delivery) ledger.violation(`event ${event.id} (${type}) has no delivery to webhook ${webhook.webhookId}`);
        else if (!['delivered', 'pending', 'delivering'].includes(delivery.status)) ledger.violation(`delivery ${event.id}~${webhook.webhookId} is ${delivery.status}`);
      }
      for (const [id, delivery] of deliveryById) {
        if (webhook.events.length > 0 && !webhook.events.includes(String((delivery as { eventType?: string }).eventType))) ledger.violation(`delivery ${id} of an event type webhook ${webhook.webhookId} does not take`);
        if (delivery.status === 'delivered' && !receiver.received.some((r) => r.deliveryHeader === id && r.status === 200)) ledger.violation(`delivery ${id} is delivered but the receiver never accepted it`);
      }
    }
    const idsPerEvent = new Map<string, Set<string>>();
    for (const r of receiver.received) {
      if (r.deliveryHeader !== `${r.eventId}~${r.webhookHeader}`) ledger.violation(`delivery header ${r.deliveryHeader} does not name event ${r.eventId} and webhook ${r.webhookHeader}`);
      ledger.addTo(idsPerEvent, `${r.eventId}|${r.webhookHeader}`, r.deliveryHeader);
    }
    for (const [event, ids] of idsPerEvent) if (ids.size > 1) ledger.violation(`event ${event} delivered under ${ids.size} ids`);
    checked.deliveriesReceived = receiver.received.length;
    checked.receiverAnswered500 = receiver.received.filter((r) => r.status === 500).length;
    checked.sessionsIssued = sessions.length;
    checked.endings = [...ledger.endings.values()].reduce((sum, list) => sum + list.length, 0);
  } finally {
    if (adminApp) await deleteApp(adminApp).catch(() => undefined);
    for (const piece of started.reverse()) await piece.stop().catch(() => undefined);
  }
  return {
    seed: options.seed,
    requests: ledger.requests,
    clients: options.clients,
    faultRate: { commit: options.commitFaultRate, read: options.readFaultRate },
    faultsInjected: totals.faultsInjected,
    answers: Object.fromEntries(Object.entries(ledger.answers).sort(([a], [b]) => a.localeCompare(b))),
    serverErrors: ledger.serverErrors,
    violations: ledger.violations,
    durationMs: Date.now() - t0,
    operations: Object.fromEntries(Object.entries(ledger.operations).sort(([a], [b]) => a.localeCompare(b))),
    checked,
    refusalSamples: Object.fromEntries(Object.entries(ledger.refusalSamples).sort(([a], [b]) => a.localeCompare(b))),
  };
}
