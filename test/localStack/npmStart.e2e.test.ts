/**
 * `npm start` as a new user runs it: the stack (Firestore, functions, the Auth emulator and
 * Hosting with the console) comes up on free ports (each 0: the stack binds them and prints
 * them, so no other process can take one between a pick and a bind), holds a burst
 * of 100 concurrent SDK validates for one license with every request answered, and SIGTERM
 * or Ctrl-C (SIGINT to the process group) leaves no process behind; the same for
 * `npm run start:emulator`, whose Firebase emulator runs in a process group of its own.
 *
 * `npm start` is `npm run build` then `npm run start:built`; the test runs start:built, since
 * the suite has built already and a rebuild would rewrite functions/lib while the other test
 * files' functions host loads modules from it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectId, region, repoRoot } from '../../scripts/lib/localStack.js';
import { adminSecret, callUrl } from '../support/http.js';

interface Started {
  child: ChildProcess;
  baseUrl: string;
  hostingUrl: string;
  ports: number[];
  output: () => string;
}

const started: Started[] = [];

const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The port a line of npm start's banner names (`<label>...127.0.0.1:<port>`). */
function bannerPort(output: string, label: string): number {
  const port = output.match(new RegExp(`^${label}[^\\n]*?127\\.0\\.0\\.1:(\\d+)`, 'm'))?.[1];
  if (!port) throw new Error(`npm start printed no "${label}" line:\n${output}`);
  return Number(port);
}

/**
 * `npm start` without its build step (`npm run start:built`) in its own process group (as a
 * terminal runs it), every port 0; the ports it bound are read from its banner.
 */
async function npmStart(host: 'functions-framework' | 'emulator' = 'functions-framework'): Promise<Started> {
  let output = '';
  const child = spawn('npm', ['run', 'start:built'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      KEYWARDEN_HOST: host === 'emulator' ? 'emulator' : '',
      FIRESTORE_PORT: '0',
      FUNCTIONS_PORT: '0',
      AUTH_PORT: '0',
      HOSTING_PORT: '0',
      FIRESTORE_EMULATOR_HOST: '',
      FIREBASE_AUTH_EMULATOR_HOST: '',
    },
  });
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  const stack: Started = { child, baseUrl: '', hostingUrl: '', ports: [], output: () => output };
  started.push(stack);
  const deadline = Date.now() + 180_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start not ready in 180 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // Nothing was built: functions/lib is the suite's build, which other files' host is serving.
  expect(output).not.toMatch(/^> \S+ build\b/m);
  const banner = output.slice(output.lastIndexOf('Keywarden is running'));
  const [firestorePort, functionsPort, authPort, hostingPort] = ['FIRESTORE_EMULATOR_HOST=', 'Functions:', 'Auth emulator:', 'Console:'].map((label) => bannerPort(banner, label));
  stack.baseUrl = `http://127.0.0.1:${functionsPort}/${projectId}/${region}`;
  stack.hostingUrl = `http://127.0.0.1:${hostingPort}/`;
  stack.ports = [firestorePort!, functionsPort!, authPort!, hostingPort!];
  expect(new Set(stack.ports).size).toBe(4);
  expect(output).toContain(`Functions: ${stack.baseUrl}/<name>`);
  return stack;
}

/** Hosting serves the console (index.html with the CSP) and rewrites /v1/** to the v1 function. */
async function expectHosting(stack: Started): Promise<void> {
  const page = await fetch(stack.hostingUrl);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await page.text()).toMatch(/<html/i);
  expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  const spec = await fetch(`${stack.hostingUrl}v1/openapi.json`);
  expect(spec.status).toBe(200);
  expect(spec.headers.get('content-type')).toMatch(/^application\/json/);
  expect(((await spec.json()) as { openapi?: string }).openapi).toMatch(/^3\./);
}

/** Every process started under `root` (children, their children, ...), by `ps`. */
function descendants(root: number): Map<number, string> {
  const listing = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout;
  const rows = listing.split('\n').map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/)).filter((row) => row !== null);
  const found = new Map<number, string>([[root, 'npm start']]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [, pid, ppid, args] of rows) {
      if (found.has(Number(ppid)) && !found.has(Number(pid))) {
        found.set(Number(pid), args ?? '');
        grew = true;
      }
    }
  }
  return found;
}

/** Which of these processes still run (a zombie counts as gone). */
function stillRunning(processes: Map<number, string>): string[] {
  const listing = spawnSync('ps', ['-eo', 'pid=,stat='], { encoding: 'utf8' }).stdout;
  const alive = new Set(listing.split('\n').map((line) => line.trim().split(/\s+/)).filter(([, stat]) => stat && !stat.startsWith('Z')).map(([pid]) => Number(pid)));
  return [...processes].filter(([pid]) => alive.has(pid)).map(([pid, args]) => `${pid} ${args}`);
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });

async function stopAndExpectNothingLeft(stack: Started, signal: NodeJS.Signals): Promise<void> {
  const pgid = stack.child.pid ?? 0;
  const tree = descendants(pgid);
  expect(tree.size).toBeGreaterThan(2);
  const exited = new Promise<void>((resolve) => stack.child.once('exit', () => resolve()));
  process.kill(-pgid, signal);
  await exited;
  // The stack stops its children one after another (each SIGKILLed after 5-10 s at worst); on
  // a machine loaded by the rest of the suite that took over 20 s once.
  const deadline = Date.now() + 60_000;
  while (stillRunning(tree).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  expect(stillRunning(tree), stack.output()).toEqual([]);
  for (const port of stack.ports) expect(await portOpen(port)).toBe(false);
}

afterEach(() => {
  for (const stack of started.splice(0)) {
    try { process.kill(-(stack.child.pid ?? 0), 'SIGKILL'); } catch { /* already gone */ }
  }
});

describe('npm start', () => {
  it('is the build followed by start:built (what the tests below run), for both hosts', () => {
    expect(scripts.start).toBe('npm run build && npm run start:built');
    expect(scripts['start:emulator']).toBe('npm run build && KEYWARDEN_HOST=emulator npm run start:built');
    expect(scripts['start:built']).toBe('tsx scripts/start.ts');
  });

  it('answers every one of 100 concurrent validates for one license, then SIGTERM leaves no process', async () => {
    const stack = await npmStart();
    const url = (name: string) => `${stack.baseUrl}/${name}`;
    const account = await callUrl(url('createApiKey'), { body: { adminSecret: adminSecret(), accountName: 'burst' } });
    expect(account.status, account.text).toBe(200);
    const headers = { 'X-API-Key': String(account.body.apiKey) };
    const product = await callUrl(url('createProduct'), {
      headers,
      body: { name: 'Burst', slug: `burst-${randomUUID().slice(0, 8)}`, settings: { validatesPerLicensePerMinute: 1_000, validatesPerIpPerMinute: 10_000 } },
    });
    expect(product.status, product.text).toBe(200);
    const productId = (product.body.product as { productId: string }).productId;
    const created = await callUrl(url('createLicense'), { headers, body: { productId, unlimitedHwidSlots: true } });
    expect(created.status, created.text).toBe(200);
    const licenseKey = (created.body.licenses as Array<{ licenseKey: string }>)[0]?.licenseKey;

    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        callUrl(url('auth'), {
          path: '/validate',
          body: { appId: productId, appSecret: product.body.appSecret, licenseKey, hwid: `device-${i % 10}`, nonce: randomUUID() },
        }),
      ),
    );
    // Every request answered (no dropped connection), each in the SDK's shape; contention may
    // ask a few to retry (503 with Retry-After), never a 500.
    for (const answer of answers) {
      expect([200, 503], answer.text).toContain(answer.status);
      if (answer.status === 503) expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(90);
    await expectHosting(stack);

    await stopAndExpectNothingLeft(stack, 'SIGTERM');
  }, 240_000);

  it('Ctrl-C (SIGINT to the process group) leaves no process and frees the ports', async () => {
    const stack = await npmStart();
    const ping = await callUrl(`${stack.baseUrl}/auth`, { path: '/validate', body: {} });
    expect(ping.status).toBe(400);
    await stopAndExpectNothingLeft(stack, 'SIGINT');
  }, 240_000);

  it('npm run start:emulator (Firebase Functions emulator) stops with its workers on SIGTERM', async () => {
    const stack = await npmStart('emulator');
    // Each request in flight gets its own emulator worker process: start a few.
    const pings = await Promise.all(Array.from({ length: 4 }, () => pingEmulator(`${stack.baseUrl}/auth`)));
    expect(pings).toEqual([400, 400, 400, 400]);
    await expectHosting(stack);
    await stopAndExpectNothingLeft(stack, 'SIGTERM');
  }, 420_000);
});

/**
 * An empty validate's status from the Functions emulator. It cold-starts a worker per request
 * in flight, which on a machine loaded by the rest of the suite can outlast one fetch's 30 s:
 * a request that timed out is asked again (at most three times in all).
 */
async function pingEmulator(url: string): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return (await callUrl(url, { path: '/validate', body: {} })).status;
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error && error.name === 'TimeoutError')) throw error;
    }
  }
}
