/**
 * `npm run bench`: drives the client paths on the production-shaped local stack (embedded
 * Firestore enforcing firestore.indexes.json + the built functions served by
 * functions-framework, scripts/functionsHost.ts) and prints throughput, latency, Firestore
 * document reads/writes per request and the hottest document's writes per second, next to the
 * floor: the same host answering `benchFloor`, a function that does one read and one write.
 * Then it measures cold starts (fresh host process to first answer) for the floor and for SDK
 * validate. Writes bench-results.json at the repo root. Bounded in requests and time; talks to
 * 127.0.0.1 only; stops everything it started, also on failure.
 *
 * Env: BENCH_REQUESTS (default 600) and BENCH_CONCURRENCY (default 8); BENCH_VERBOSE=1 logs steps.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startFirestoreEmulator, type RunningEmulator } from '@keywarden/firestore-emulator';
import { ensureAdminSecret, repoRoot, startFunctionsHost, type FunctionsServer } from './lib/localStack.js';

const requestsPerScenario = positiveInt('BENCH_REQUESTS', 600);
const concurrency = positiveInt('BENCH_CONCURRENCY', 8);
/**
 * Warm-up rounds (one request per worker each) before every measured scenario: the first
 * requests of a path compile its code and open its channels. With only 2 rounds the floor,
 * measured first, ran slower than seed 004 validate (2 reads + 1 write).
 */
const warmupRounds = 6;
/** seed 004 activate: 15 attempts per hour per key (constants.ts); the bench stays below it. */
const activationsPerLicense = 14;
/** createLicense takes at most 100 licenses per call (limits.maxLicensesPerCreate). */
const maxLicensesPerCreate = 100;
const requestTimeoutMs = 30_000;
/** Console list scenarios: staff at the console, two requests in flight (the other scenarios model fleets of apps). */
const consoleConcurrency = 2;
/** Licenses of the product the console list scenarios page through (issue 18: lists of 10,000). */
const consoleLicenses = positiveInt('BENCH_CONSOLE_LICENSES', 10_000);
/** Devices heartbeating one unlimited-seat license in the heartbeat scenario (issue 13's fleet). */
const fleetDevices = positiveInt('BENCH_FLEET_DEVICES', 1_000);

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

const step = (message: string) => {
  if (process.env.BENCH_VERBOSE) console.error(`[bench] ${message}`);
};

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/** POST JSON on 127.0.0.1 with a 30 s timeout. A network error or timeout answers status 0. */
async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { raw: text.slice(0, 500) };
    }
    return { status: response.status, json };
  } catch (error) {
    return { status: 0, json: { error: String(error) } };
  }
}

/** GET on 127.0.0.1 with the same timeout and answer shape as `post`. */
async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(requestTimeoutMs) });
    const text = await response.text();
    try {
      return { status: response.status, json: JSON.parse(text) as Record<string, unknown> };
    } catch {
      return { status: response.status, json: { raw: text.slice(0, 500) } };
    }
  } catch (error) {
    return { status: 0, json: { error: String(error) } };
  }
}

const ok = (answer: Answer) => answer.status >= 200 && answer.status < 300;

/** Set-up calls must succeed: anything else stops the bench with the answer. */
function expectOk(what: string, answer: Answer): Record<string, unknown> {
  if (!ok(answer)) throw new Error(`${what} answered ${answer.status}: ${JSON.stringify(answer.json).slice(0, 500)}`);
  return answer.json;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

/** The session token inside an SDK answer (`payload` is base64 JSON). */
function sdkSessionToken(answer: Answer): string {
  const payload = JSON.parse(Buffer.from(String(answer.json.payload), 'base64').toString('utf8')) as { sessionToken?: unknown };
  if (typeof payload.sessionToken !== 'string') throw new Error('SDK validate payload has no sessionToken');
  return payload.sessionToken;
}

interface Scenario {
  name: string;
  label: string;
  /** Measured requests (default BENCH_REQUESTS). */
  requests?: number;
  /** Requests in flight at once (default BENCH_CONCURRENCY). */
  concurrency?: number;
  /** `index` counts every request of the scenario, warm-up included, from 0. */
  send: (worker: number, index: number) => Promise<Answer>;
}

interface Result {
  name: string;
  label: string;
  requests: number;
  failures: number;
  failureSamples: string[];
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Requests slower than 500 ms (transaction retries show up here). */
  slow: number;
  readsPerRequest: number;
  writesPerRequest: number;
  hottestDoc: string | null;
  hottestDocWritesPerSecond: number | null;
}

type Stats = ReturnType<RunningEmulator['stats']>;

/** The document written most between two snapshots (null when the emulator keeps no per-document counts). */
function hottest(before: Stats, after: Stats): { path: string; writes: number } | null {
  const prior = (before as Partial<Stats>).documentWrites;
  const current = (after as Partial<Stats>).documentWrites;
  if (!prior || !current) return null;
  let best: { path: string; writes: number } = { path: '', writes: 0 };
  for (const [path, count] of Object.entries(current)) {
    const delta = count - (prior[path] ?? 0);
    if (delta > best.writes) best = { path, writes: delta };
  }
  return best.writes > 0 ? best : null;
}

async function runScenario(firestore: RunningEmulator, scenario: Scenario): Promise<Result> {
  step(`scenario ${scenario.name}`);
  const workers = scenario.concurrency ?? concurrency;
  let index = 0;
  // Warm-up: the first requests load modules and open channels; not measured.
  for (let round = 0; round < warmupRounds; round += 1) {
    await Promise.all(Array.from({ length: workers }, (_, worker) => scenario.send(worker, index++)));
  }
  const before = firestore.stats();
  const latencies: number[] = [];
  const failureSamples: string[] = [];
  let failures = 0;
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (issued < (scenario.requests ?? requestsPerScenario)) {
        issued += 1;
        const t0 = performance.now();
        const answer = await scenario.send(worker, index++);
        latencies.push(performance.now() - t0);
        if (!ok(answer)) {
          failures += 1;
          if (failureSamples.length < 3) failureSamples.push(`${answer.status} ${JSON.stringify(answer.json).slice(0, 300)}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = firestore.stats();
  latencies.sort((a, b) => a - b);
  const hot = hottest(before, after);
  return {
    name: scenario.name,
    label: scenario.label,
    requests: latencies.length,
    failures,
    failureSamples,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    slow: latencies.filter((ms) => ms > 500).length,
    readsPerRequest: (after.reads - before.reads) / latencies.length,
    writesPerRequest: (after.writes - before.writes) / latencies.length,
    hottestDoc: hot?.path ?? null,
    hottestDocWritesPerSecond: hot ? hot.writes / seconds : null,
  };
}

function frameworkVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'node_modules', '@google-cloud', 'functions-framework', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const started: Array<{ stop(): Promise<void> }> = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const piece of started.reverse()) await piece.stop().catch(() => undefined);
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`[bench] ${signal}: stopping`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const hostEnv = { KEYWARDEN_BENCH_FLOOR: '1' };
  // Other work on the machine skews every figure: note how busy it was when the run began.
  const loadAtStart = loadavg()[0] ?? 0;
  const { secret } = ensureAdminSecret();
  try {
    const firestore = await startFirestoreEmulator({ host: '127.0.0.1', port: 0, indexes: join(repoRoot, 'firestore.indexes.json') });
    started.push(firestore);
    const firestoreHost = `${firestore.host}:${firestore.port}`;
    const host: FunctionsServer = await startFunctionsHost({ firestoreHost, pump: false, env: hostEnv });
    started.push(host);
    const url = (name: string) => `${host.baseUrl}/${name}`;
    step(`host ready at ${host.baseUrl}`);

    // Set-up through the API: a metered account (so the credit path is measured), a product
    // with rate limits raised out of the way, unlimited-seat licenses.
    const account = expectOk('createApiKey', await post(url('createApiKey'), { adminSecret: secret, accountName: `bench-${randomUUID()}` }));
    const apiKey = String(account.apiKey);
    const withKey = { 'X-API-Key': apiKey };
    // The main scenarios run on an unlimited-credit account (the steady state the hot path is
    // measured on); a second, metered account shows what metering adds to SDK validate.
    const benchSettings = { validatesPerLicensePerMinute: 100_000, validatesPerIpPerMinute: 1_000_000 };
    const product = expectOk('createProduct', await post(url('createProduct'), { name: 'Bench', settings: benchSettings }, withKey));
    const productId = String((product.product as { productId: string }).productId);
    const appSecret = String(product.appSecret);
    const meteredAccount = expectOk('createApiKey', await post(url('createApiKey'), { adminSecret: secret, accountName: `bench-metered-${randomUUID()}` }));
    const meteredKey = { 'X-API-Key': String(meteredAccount.apiKey) };
    expectOk('grantCredits', await post(url('grantCredits'), { adminSecret: secret, accountId: meteredAccount.accountId, amount: 1_000_000, unlimited: false }));
    const meteredProduct = expectOk('createProduct', await post(url('createProduct'), { name: 'Bench metered', settings: benchSettings }, meteredKey));
    const meteredProductId = String((meteredProduct.product as { productId: string }).productId);
    const meteredSecret = String(meteredProduct.appSecret);
    const createLicenses = async (quantity: number, seats: { unlimitedHwidSlots: true } | { maxHwidSlots: number }, owner = { productId, headers: withKey }): Promise<string[]> => {
      const keys: string[] = [];
      while (keys.length < quantity) {
        const batch = Math.min(maxLicensesPerCreate, quantity - keys.length);
        const created = expectOk('createLicense', await post(url('createLicense'), { productId: owner.productId, quantity: batch, ...seats }, owner.headers));
        keys.push(...(created.licenses as Array<{ licenseKey: string }>).map((license) => license.licenseKey));
      }
      return keys;
    };

    // One license per worker for the SDK scenarios and seed 004 validate (each worker its own
    // device on its own license, as a fleet of clients would be).
    const keys = await createLicenses(concurrency, { unlimitedHwidSlots: true });
    const hwidOf = (worker: number) => `bench-hwid-${worker}`;
    const sdkValidateBody = (worker: number) => ({ appId: productId, appSecret, licenseKey: keys[worker], hwid: hwidOf(worker), nonce: randomUUID() });
    // Each worker's device is bound before the scenarios (steady state: validate binds nothing).
    await Promise.all(keys.map(async (_, worker) => expectOk('SDK validate', await post(`${url('auth')}/validate`, sdkValidateBody(worker)))));
    const seedSessions = await Promise.all(
      keys.map(async (licenseKey, worker) => String(expectOk('activate', await post(url('activate'), { licenseKey, hwid: hwidOf(worker) })).sessionToken)),
    );
    // seed 004 activate allows 15 attempts per hour per key: spread the scenario's activations
    // (warm-up included) over enough fresh licenses that none takes more than 14, each with 14
    // seats so every activation binds a new device (an unlimited-seat license binds nothing:
    // its activate writes only the auth log entry).
    const activateKeys = await createLicenses(
      Math.ceil((requestsPerScenario + warmupRounds * concurrency) / activationsPerLicense),
      { maxHwidSlots: activationsPerLicense },
    );
    const meteredKeys = await createLicenses(concurrency, { unlimitedHwidSlots: true }, { productId: meteredProductId, headers: meteredKey });
    // The fleet: one unlimited-seat license shared by `fleetDevices` devices, each with its own
    // session; each heartbeat request is the next device's (one heartbeat per device per run).
    const [fleetKey] = await createLicenses(1, { unlimitedHwidSlots: true });
    const fleetSessions: string[] = [];
    for (let first = 0; first < fleetDevices; first += concurrency) {
      const batch = Array.from({ length: Math.min(concurrency, fleetDevices - first) }, (_, offset) => first + offset);
      fleetSessions.push(
        ...(await Promise.all(
          batch.map(async (device) =>
            sdkSessionToken({
              status: 200,
              json: expectOk('SDK validate (fleet)', await post(`${url('auth')}/validate`, { appId: productId, appSecret, licenseKey: fleetKey, hwid: `fleet-${device}`, nonce: randomUUID() })),
            }),
          ),
        )),
      );
    }
    // Issue 20's policy fields on the hot path: licenses holding 3 entitlements (the product's,
    // defined through v1) and a usage meter, each worker's device bound before the scenario.
    for (const code of ['PRO', 'EXPORT', 'TEAM']) {
      expectOk('define entitlement', await post(`${url('v1')}/apps/${productId}/entitlements`, { code, name: code }, { Authorization: `Bearer ${apiKey}` }));
    }
    const entitledKeys: string[] = (
      expectOk('createLicense (entitlements, meter)', await post(url('createLicense'), {
        productId, quantity: concurrency, unlimitedHwidSlots: true, entitlements: ['PRO', 'EXPORT', 'TEAM'], meters: { api_calls: { limit: 1_000_000, period: 'month' } },
      }, withKey)).licenses as Array<{ licenseKey: string }>
    ).map((license) => license.licenseKey);
    const entitledValidateBody = (worker: number) => ({ appId: productId, appSecret, licenseKey: entitledKeys[worker], hwid: hwidOf(worker), nonce: randomUUID() });
    await Promise.all(entitledKeys.map(async (_, worker) => expectOk('SDK validate (entitlements, meter)', await post(`${url('auth')}/validate`, entitledValidateBody(worker)))));
    step(`set-up done: ${keys.length} + ${activateKeys.length} + ${meteredKeys.length} licenses, ${fleetSessions.length} fleet devices`);

    // The console's lists: a product with `consoleLicenses` licenses (100 per call, each call its
    // own buyer email and label), one device bound, read through v1 with one API key per worker
    // (seed 001's per-key rate limit would otherwise be what is measured).
    const consoleProduct = expectOk('createProduct', await post(url('createProduct'), { name: 'Bench console', settings: benchSettings }, withKey));
    const consoleProductId = String((consoleProduct.product as { productId: string }).productId);
    const consoleKeys: string[] = [];
    for (let batch = 0; consoleKeys.length < consoleLicenses; batch += 1) {
      const quantity = Math.min(maxLicensesPerCreate, consoleLicenses - consoleKeys.length);
      const created = expectOk(
        'createLicense (console)',
        await post(url('createLicense'), { productId: consoleProductId, quantity, maxHwidSlots: 2, email: `buyer-${batch}@example.com`, label: `order-${batch}` }, withKey),
      );
      consoleKeys.push(...(created.licenses as Array<{ licenseKey: string }>).map((license) => license.licenseKey));
    }
    const searchedKey = consoleKeys[Math.floor(consoleKeys.length / 2)] ?? '';
    expectOk('activate (console)', await post(url('activate'), { licenseKey: searchedKey, hwid: 'bench-console-device' }));
    const readerKeys = await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => String(expectOk('createApiKey (reader)', await post(url('createApiKey'), { name: `reader-${worker}`, role: 'read' }, withKey)).apiKey)),
    );
    const writerKeys = await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => String(expectOk('createApiKey (writer)', await post(url('createApiKey'), { name: `writer-${worker}`, role: 'licenses' }, withKey)).apiKey)),
    );
    const listLicenses = (worker: number, query: Record<string, string>) =>
      get(`${url('v1')}/licenses?${new URLSearchParams({ appId: consoleProductId, limit: '50', ...query }).toString()}`, { Authorization: `Bearer ${readerKeys[worker] ?? ''}` });
    step(`console set-up done: ${consoleKeys.length} licenses`);

    const scenarios: Scenario[] = [
      { name: 'floor', label: 'floor (1 read + 1 write)', send: () => post(url('benchFloor'), {}) },
      { name: 'sdkValidate', label: 'SDK `POST /auth/validate`', send: (worker) => post(`${url('auth')}/validate`, sdkValidateBody(worker)) },
      {
        name: 'sdkValidateEntitlementsMeter',
        label: 'SDK validate with 3 entitlements and a meter',
        send: (worker) => post(`${url('auth')}/validate`, entitledValidateBody(worker)),
      },
      {
        name: 'sdkValidateMetered',
        label: 'SDK `POST /auth/validate`, metered account',
        send: (worker) => post(`${url('auth')}/validate`, { appId: meteredProductId, appSecret: meteredSecret, licenseKey: meteredKeys[worker], hwid: hwidOf(worker), nonce: randomUUID() }),
      },
      {
        // A device may heartbeat once per 10 s slot: the bench's 8 devices would be refused, so
        // this runs on the fleet (one unlimited license, each request the next device's).
        name: 'sdkHeartbeat',
        label: `SDK \`POST /auth/heartbeat\` (1 unlimited license, ${fleetDevices} devices)`,
        send: (_worker, index) =>
          post(`${url('auth')}/heartbeat`, { appId: productId, sessionToken: fleetSessions[index % fleetDevices], nonce: randomUUID(), hwid: `fleet-${index % fleetDevices}` }),
        requests: fleetDevices - warmupRounds * concurrency,
      },
      {
        name: 'seed004Activate',
        label: 'seed 004 `POST /activate` (binds a new device)',
        send: (_worker, index) => post(url('activate'), { licenseKey: activateKeys[index % activateKeys.length], hwid: `bench-new-${index}-${randomUUID()}` }),
      },
      { name: 'seed004Validate', label: 'seed 004 `POST /validate`', send: (worker) => post(url('validate'), { sessionToken: seedSessions[worker] }) },
      {
        name: 'createLicense',
        label: 'admin `POST /createLicense` (1 license)',
        // One key per worker: an API key's rate limit (50/s sustained) covers seed 004's admin functions too.
        send: (worker) => post(url('createLicense'), { productId, quantity: 1, unlimitedHwidSlots: true }, { 'X-API-Key': writerKeys[worker] ?? '' }),
      },
      { name: 'consoleFirstPage', concurrency: consoleConcurrency, label: `console: first page of ${consoleLicenses.toLocaleString('en')} licenses (v1 GET /licenses, 50)`, send: (worker) => listLicenses(worker, {}) },
      { name: 'consoleSearchKeyPrefix', concurrency: consoleConcurrency, label: 'console: search by key prefix', send: (worker) => listLicenses(worker, { q: searchedKey.slice(0, 9) }) },
      { name: 'consoleSearchEmail', concurrency: consoleConcurrency, label: 'console: search by email (100 matches, first 50)', send: (worker) => listLicenses(worker, { q: 'buyer-42@example.com' }) },
      { name: 'consoleSearchHwid', concurrency: consoleConcurrency, label: 'console: search by bound HWID', send: (worker) => listLicenses(worker, { q: 'bench-console-device' }) },
    ];

    const results: Result[] = [];
    for (const scenario of scenarios) results.push(await runScenario(firestore, scenario));

    // Cold starts: a fresh host process each, from just before it is spawned to the first
    // answered request (the main host is stopped first so it takes no memory or CPU).
    await host.stop();
    const coldStart = async (send: (base: string) => Promise<Answer>) => {
      const t0 = performance.now();
      const fresh = await startFunctionsHost({ firestoreHost, pump: false, env: hostEnv });
      started.push(fresh);
      const readyMs = performance.now() - t0;
      const answer = await send(fresh.baseUrl);
      const totalMs = performance.now() - t0;
      await fresh.stop();
      return { readyMs, totalMs, status: answer.status };
    };
    step('cold start: floor');
    const floorCold = await coldStart((base) => post(`${base}/benchFloor`, {}));
    step('cold start: SDK validate');
    const clientCold = await coldStart((base) => post(`${base}/auth/validate`, sdkValidateBody(0)));

    // Report.
    const floor = results.find((result) => result.name === 'floor');
    const hostLabel = `functions-framework ${frameworkVersion()} on Node ${process.version}, embedded Firestore`;
    const cpuList = cpus();
    console.log(`\nKeywarden benchmark: ${hostLabel}; ${requestsPerScenario} requests per scenario, concurrency ${concurrency}, ${cpuList.length} × ${cpuList[0]?.model ?? 'unknown CPU'}, load average ${loadAtStart.toFixed(2)} at start\n`);
    console.log('| scenario | req/s | p50 ms | p99 ms | reads/req | writes/req | hottest doc writes/s | vs floor (req/s, p50, p99) | failures |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|');
    for (const result of results) {
      const versus =
        floor && result !== floor
          ? `${(result.rps / floor.rps).toFixed(2)}x, ${(result.p50 / floor.p50).toFixed(2)}x, ${(result.p99 / floor.p99).toFixed(2)}x`
          : 'floor';
      const hot = result.hottestDocWritesPerSecond === null ? 'n/a' : result.hottestDocWritesPerSecond.toFixed(1);
      console.log(
        `| ${result.label} | ${result.rps.toFixed(0)} | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${result.readsPerRequest.toFixed(2)} | ${result.writesPerRequest.toFixed(2)} | ${hot} | ${versus} | ${result.failures} |`,
      );
    }
    const consoleResults = results.filter((result) => result.name.startsWith('console'));
    console.log(`\nConsole lists over ${consoleLicenses.toLocaleString('en')} licenses, p95 (budget 300 ms): ${consoleResults.map((result) => `${result.name} ${result.p95.toFixed(0)} ms`).join(', ')}`);
    console.log('\nHottest document per scenario, and requests slower than 500 ms:');
    for (const result of results) {
      console.log(`  ${result.name}: ${result.hottestDoc ?? 'n/a (no per-document write counts)'}; ${result.slow} slower than 500 ms`);
    }
    console.log(
      `\nCold start (fresh host process to first answer): floor ${floorCold.totalMs.toFixed(0)} ms (listening after ${floorCold.readyMs.toFixed(0)} ms, status ${floorCold.status}); ` +
        `SDK validate ${clientCold.totalMs.toFixed(0)} ms (listening after ${clientCold.readyMs.toFixed(0)} ms, status ${clientCold.status})`,
    );
    for (const result of results) {
      for (const sample of result.failureSamples) console.error(`[bench] ${result.name} failure: ${sample}`);
    }

    const report = {
      host: hostLabel,
      date: new Date().toISOString(),
      concurrency,
      requestsPerScenario,
      machine: { cpus: cpuList.length, model: cpuList[0]?.model ?? 'unknown', loadAverage1mAtStart: round(loadAtStart, 2) },
      scenarios: Object.fromEntries(
        results.map((result) => [
          result.name,
          {
            requests: result.requests,
            rps: round(result.rps, 1),
            p50Ms: round(result.p50, 1),
            p95Ms: round(result.p95, 1),
            p99Ms: round(result.p99, 1),
            slowerThan500Ms: result.slow,
            readsPerRequest: round(result.readsPerRequest, 2),
            writesPerRequest: round(result.writesPerRequest, 2),
            hottestDocWritesPerSecond: result.hottestDocWritesPerSecond === null ? null : round(result.hottestDocWritesPerSecond, 1),
            hottestDoc: result.hottestDoc,
            failures: result.failures,
          },
        ]),
      ),
      coldStart: {
        floorMs: round(floorCold.totalMs, 0),
        clientMs: round(clientCold.totalMs, 0),
        floorHostReadyMs: round(floorCold.readyMs, 0),
        clientHostReadyMs: round(clientCold.readyMs, 0),
      },
    };
    writeFileSync(join(repoRoot, 'bench-results.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log('\nWrote bench-results.json');

    const coldFailed = [floorCold, clientCold].some((cold) => cold.status < 200 || cold.status >= 300);
    if (results.some((result) => result.failures > 0) || coldFailed) {
      console.error('[bench] some requests failed (see above)');
      process.exitCode = 1;
    }
  } finally {
    await stopAll();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
