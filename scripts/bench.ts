/**
 * `npm run bench`: drives the validate path on the local stack (embedded Firestore + the
 * Functions emulator) and prints throughput, latency and Firestore document reads/writes per
 * request, next to the floor: the same stack answering a function that does one read and
 * one write. Bounded in requests and time; talks to 127.0.0.1 only.
 */
import { randomUUID } from 'node:crypto';
import { startFirestoreEmulator } from '../firestore-emulator/src/index.js';
import { ensureAdminSecret, startFunctionsEmulator } from './lib/localStack.js';

const requestsPerScenario = Number(process.env.BENCH_REQUESTS ?? 600);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);

interface Result {
  name: string;
  requests: number;
  failures: number;
  seconds: number;
  p50: number;
  p99: number;
  reads: number;
  writes: number;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

async function main(): Promise<void> {
  const step = (message: string) => { if (process.env.BENCH_VERBOSE) console.error(`[bench] ${message}`); };
  const { secret } = ensureAdminSecret();
  const firestore = await startFirestoreEmulator({ host: '127.0.0.1', port: 0 });
  const firestoreHost = `${firestore.host}:${firestore.port}`;
  const functions = await startFunctionsEmulator({
    firestoreHost,
    config: 'auto',
    env: { KEYWARDEN_BENCH_FLOOR: '1' },
  });
  const url = (name: string) => `${functions.baseUrl}/${name}`;
  step('stack ready');
  try {
    // Set-up: an account with metered credits (so the credit path is measured), a product with
    // rate limits raised out of the way, and unlimited-seat licenses.
    const account = await post(url('createApiKey'), { adminSecret: secret, accountName: `bench-${randomUUID()}` });
    const apiKey = String(account.json.apiKey);
    await post(url('grantCredits'), { adminSecret: secret, accountId: account.json.accountId, amount: 1_000_000, unlimited: false });
    const product = await post(
      url('createProduct'),
      { name: 'Bench', settings: { validatesPerLicensePerMinute: 100_000, validatesPerIpPerMinute: 1_000_000 } },
      { 'X-API-Key': apiKey },
    );
    const productId = String((product.json.product as { productId: string }).productId);
    const appSecret = String(product.json.appSecret);
    const licenses = await post(url('createLicense'), { productId, quantity: concurrency, unlimitedHwidSlots: true }, { 'X-API-Key': apiKey });
    const keys = (licenses.json.licenses as Array<{ licenseKey: string }>).map((license) => license.licenseKey);
    const sessions = await Promise.all(
      keys.map(async (licenseKey) => {
        const activated = await post(url('activate'), { licenseKey, hwid: `bench-${licenseKey}` });
        return String(activated.json.sessionToken);
      }),
    );

    step('set-up done');
    const scenarios: Array<{ name: string; send: (worker: number) => Promise<number> }> = [
      { name: 'floor (1 read + 1 write)', send: async () => (await post(url('benchFloor'), {})).status },
      {
        name: 'SDK POST /auth/validate',
        send: async (worker) =>
          (await post(`${url('auth')}/validate`, { appId: productId, appSecret, licenseKey: keys[worker], hwid: `bench-${worker}`, nonce: randomUUID() })).status,
      },
      { name: 'seed 004 POST /validate', send: async (worker) => (await post(url('validate'), { sessionToken: sessions[worker] })).status },
    ];

    const results: Result[] = [];
    for (const scenario of scenarios) {
      step(`scenario ${scenario.name}`);
      // Warm-up: the Functions emulator runs one request per worker process and starts a worker
      // per concurrent request, so warm as many workers as the measurement will use.
      for (let round = 0; round < 2; round += 1) await Promise.all(Array.from({ length: concurrency }, (_, i) => scenario.send(i)));
      const before = firestore.stats();
      const latencies: number[] = [];
      let failures = 0;
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async (_, worker) => {
          while (next < requestsPerScenario) {
            next += 1;
            const t0 = performance.now();
            const status = await scenario.send(worker);
            latencies.push(performance.now() - t0);
            if (status !== 200) failures += 1;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const after = firestore.stats();
      latencies.sort((a, b) => a - b);
      results.push({
        name: scenario.name,
        requests: latencies.length,
        failures,
        seconds,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        reads: (after.reads - before.reads) / latencies.length,
        writes: (after.writes - before.writes) / latencies.length,
      });
    }

    const floor = results[0];
    console.log(`\nKeywarden validate benchmark: ${requestsPerScenario} requests per scenario, concurrency ${concurrency}, local stack\n`);
    console.log('| scenario | req/s | p50 ms | p99 ms | reads/req | writes/req | vs floor (req/s, p50) | failures |');
    console.log('|---|---:|---:|---:|---:|---:|---|---:|');
    for (const result of results) {
      const rps = result.requests / result.seconds;
      const floorRps = floor ? floor.requests / floor.seconds : rps;
      const versus = floor && result !== floor ? `${(rps / floorRps).toFixed(2)}x, ${(result.p50 / floor.p50).toFixed(2)}x` : 'floor';
      console.log(
        `| ${result.name} | ${rps.toFixed(0)} | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${result.reads.toFixed(2)} | ${result.writes.toFixed(2)} | ${versus} | ${result.failures} |`,
      );
    }
    const failed = results.some((result) => result.failures > 0);
    if (failed) process.exitCode = 1;
  } finally {
    await functions.stop();
    await firestore.stop();
  }
}

void main();
