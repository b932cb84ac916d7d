/**
 * Starts the pieces of the local stack: the embedded Firestore emulator, the production-shaped
 * functions host (functions-framework, as Cloud Run runs it) and the Firebase Functions
 * emulator from firebase-tools, each pointed at the same Firestore. Used by `npm start`, the
 * end-to-end tests and the benchmark, so all three run the same stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const projectId = 'demo-keywarden';
export const region = 'us-central1';
export const secretFile = join(repoRoot, 'functions', '.secret.local');

/** The secrets the functions declare; `npm start` and the tests need each of them locally. */
const localSecretNames = { ADMIN_SECRET: '', STRIPE_WEBHOOK_SECRET: 'whsec_', PAYMENT_WEBHOOK_SECRET: 'pws_', KEYWARDEN_KEK: 'kek_' } as const;
export type LocalSecrets = Record<keyof typeof localSecretNames, string>;

/**
 * Reads the local secrets from functions/.secret.local (the file firebase-tools reads),
 * writing random values for any that are missing. `created` lists what was written.
 */
export function ensureLocalSecrets(): { secrets: LocalSecrets; created: string[] } {
  let text = existsSync(secretFile) ? readFileSync(secretFile, 'utf8') : '';
  const created: string[] = [];
  const secrets = {} as LocalSecrets;
  for (const [name, prefix] of Object.entries(localSecretNames) as Array<[keyof LocalSecrets, string]>) {
    const match = text.match(new RegExp(`^${name}=(.+)$`, 'm'));
    if (match?.[1]) {
      secrets[name] = match[1].trim();
      continue;
    }
    secrets[name] = prefix + randomBytes(24).toString('base64url');
    text = `${text && !text.endsWith('\n') ? `${text}\n` : text}${name}=${secrets[name]}\n`;
    created.push(name);
  }
  if (created.length > 0) writeFileSync(secretFile, text, { mode: 0o600 });
  return { secrets, created };
}

/** KEY=VALUE lines (comments and blank lines ignored; optional quotes removed). */
function parseEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const match = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/);
    if (!match?.[1] || line.trim().startsWith('#')) continue;
    values[match[1]] = (match[2] ?? '').replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

/**
 * What a deployed function finds in its environment, as firebase-tools assembles it: params
 * from functions/.env, .env.<project> and .env.local, secrets from functions/.secret.local
 * (Cloud Run injects secrets as variables). Values already set in the environment win.
 */
export function loadFunctionsEnvironment(): void {
  ensureLocalSecrets();
  // Later files override earlier ones, as firebase-tools merges them; the real environment wins.
  const files = ['.env', `.env.${projectId}`, '.env.local', '.secret.local'].map((name) => join(repoRoot, 'functions', name));
  const merged = Object.assign({}, ...files.map(parseEnvFile)) as Record<string, string>;
  for (const [name, value] of Object.entries(merged)) process.env[name] ??= value;
  process.env.GCLOUD_PROJECT ??= projectId;
  process.env.GOOGLE_CLOUD_PROJECT ??= projectId;
  process.env.FIREBASE_CONFIG ??= JSON.stringify({ projectId });
  process.env.METADATA_SERVER_DETECTION ??= 'none';
}

/** ADMIN_SECRET (and the other local secrets, written if missing). */
export function ensureAdminSecret(): { secret: string; created: boolean } {
  const { secrets, created } = ensureLocalSecrets();
  return { secret: secrets.ADMIN_SECRET, created: created.includes('ADMIN_SECRET') };
}

export interface FunctionsEmulator {
  baseUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface FunctionsEmulatorOptions {
  firestoreHost: string;
  /**
   * firebase.json by default (port 5001). 'auto' writes a temporary config beside it with free
   * ports, so several test runs (or a test run next to `npm start`) can share the machine.
   */
  config?: string | 'auto';
  /** The functions' port (npm start: 5001); 0 or none with 'auto' picks a free one. */
  port?: number;
  /** Print the emulator's output (npm start) or keep it for errors only (tests). */
  echo?: boolean;
  env?: Record<string, string>;
}

/**
 * `count` distinct TCP ports on 127.0.0.1 that were free a moment ago. They are released before
 * the caller's child binds them, so another process may take one in between: only for children
 * that must be told their ports in advance (firebase-tools' emulators), started through
 * onFreshPorts, which starts them again on other ports when that happens. A server of our own
 * listens on port 0 and reads the port it got instead.
 */
export async function freePorts(count: number): Promise<number[]> {
  // All held open together, so the kernel cannot hand the same port out twice.
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** A child lost a port it was given to another process before it could bind it. */
export class PortTakenError extends Error {
  override name = 'PortTakenError';
}

/** What firebase-tools prints when a port in its config is taken (its own check, or the bind). */
const portTakenOutput = /port taken|Port \d+ is not open on|EADDRINUSE/i;

/** How many times a child that lost a picked port is started again on fresh ones. */
const portTakenAttempts = 5;

/** Chooses the ports a child is told about; tests substitute one that hands out a taken port. */
export type PortPicker = (count: number) => Promise<number[]>;

/**
 * Starts a child on `count` ports picked free; when another process took one of them first
 * (`start` throws PortTakenError), starts it again on fresh ones.
 */
export async function onFreshPorts<T>(count: number, start: (ports: number[]) => Promise<T>, pickPorts: PortPicker = freePorts): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start(await pickPorts(count));
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= portTakenAttempts) throw error;
    }
  }
}

/**
 * The error for a firebase-tools child that exited during start-up: PortTakenError when a port
 * we picked was taken (worth a retry), a plain Error otherwise (a port the caller fixed included).
 */
function startupFailure(what: string, output: string, fixedPort: number | undefined): Error {
  const message = `${what} exited during start-up:\n${output}`;
  if (!portTakenOutput.test(output)) return new Error(message);
  if (fixedPort && new RegExp(`Port ${fixedPort} is not open on`).test(output)) return new Error(`${what}: port ${fixedPort} is in use\n${output}`);
  return new PortTakenError(message);
}

function writeAutoConfig(functionsPort: number, hubPort: number, loggingPort: number): { config: string; port: number; cleanup: () => void } {
  const base = JSON.parse(readFileSync(join(repoRoot, 'firebase.json'), 'utf8')) as Record<string, unknown>;
  const config = `.firebase.auto.${process.pid}.${functionsPort}.json`;
  const generated = {
    functions: base.functions,
    emulators: {
      functions: { host: '127.0.0.1', port: functionsPort },
      hub: { host: '127.0.0.1', port: hubPort },
      logging: { host: '127.0.0.1', port: loggingPort },
      ui: { enabled: false },
      singleProjectMode: true,
    },
  };
  writeFileSync(join(repoRoot, config), JSON.stringify(generated, null, 2));
  return { config, port: functionsPort, cleanup: () => rmSync(join(repoRoot, config), { force: true }) };
}

export interface FunctionsHostOptions {
  firestoreHost: string;
  /** 0 (default) picks a free port; npm start uses 5001. */
  port?: number;
  /** Print the host's output (npm start) or keep it for errors only (tests). */
  echo?: boolean;
  env?: Record<string, string>;
  /** Run the event pump (webhook fan-out, retries, expiry) inside the host. Default true. */
  pump?: boolean;
}

/** What started the functions: a base URL of `/<project>/<region>`, and a way to stop it. */
export interface FunctionsServer {
  baseUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A child process's recent output (echoed when asked) and its exit, for start-up errors and stop(). */
function watchChild(child: ChildProcess, echo: boolean | undefined) {
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-20_000);
    if (echo) process.stdout.write(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  return { output: () => output, exited: () => exited, exit };
}

/** The environment every local functions runtime gets: this stack's Firestore and project, no metadata server. */
function functionsEnv(firestoreHost: string, extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, FIRESTORE_EMULATOR_HOST: firestoreHost, GCLOUD_PROJECT: projectId, METADATA_SERVER_DETECTION: 'none' };
}

/**
 * Starts scripts/functionsHost.ts: the built functions served by functions-framework in one
 * process, as Cloud Run serves them. Resolves when the host reports it is listening.
 */
export async function startFunctionsHost(options: FunctionsHostOptions): Promise<FunctionsServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'functionsHost.ts')], {
    cwd: repoRoot,
    env: {
      ...functionsEnv(options.firestoreHost, options.env),
      KEYWARDEN_HOST_PORT: String(options.port ?? 0),
      KEYWARDEN_PUMP: options.pump === false ? 'off' : 'on',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const watched = watchChild(child, options.echo);
  const stop = async () => {
    if (watched.exited()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await watched.exit;
    clearTimeout(timer);
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Functions host did not start in 60 s:\n${watched.output()}`)), 60_000);
    child.on('message', (message: unknown) => {
      const ready = message as { ready?: boolean; port?: number };
      if (ready.ready && typeof ready.port === 'number') {
        clearTimeout(timer);
        resolve(ready.port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Functions host exited (${code}) during start-up:\n${watched.output()}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { baseUrl: `http://127.0.0.1:${port}/${projectId}/${region}`, process: child, stop };
}

/** A running `firebase emulators:start`: its process, its output, and a stop for its whole process group. */
interface FirebaseEmulatorsProcess {
  child: ChildProcess;
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

/**
 * `firebase emulators:start --only <only>` from this repository's firebase-tools, in a process
 * group of its own (the Functions emulator starts workers; SIGINT to the group stops them all).
 * `cleanup` runs once the process has exited.
 */
function spawnFirebaseEmulators(only: string, config: string, env: NodeJS.ProcessEnv, echo: boolean | undefined, cleanup?: () => void): FirebaseEmulatorsProcess {
  const firebaseBin = join(repoRoot, 'node_modules', 'firebase-tools', 'lib', 'bin', 'firebase.js');
  const child = spawn(process.execPath, [firebaseBin, 'emulators:start', '--only', only, '--project', projectId, '--config', config], {
    cwd: repoRoot,
    env: {
      ...env,
      FIREBASE_CLI_EXPERIMENTS: process.env.FIREBASE_CLI_EXPERIMENTS ?? '',
      // No network here: keep firebase-tools from looking for updates or sending usage data.
      NO_UPDATE_NOTIFIER: '1',
      FIREBASE_CLI_DISABLE_UPDATE_CHECK: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const watched = watchChild(child, echo);
  if (cleanup) child.once('exit', cleanup);
  const stop = async () => {
    if (watched.exited()) return;
    try {
      process.kill(-(child.pid ?? 0), 'SIGINT');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try { process.kill(-(child.pid ?? 0), 'SIGKILL'); } catch { /* already gone */ }
    }, 10_000);
    await watched.exit;
    clearTimeout(timer);
    cleanup?.();
  };
  return { child, output: watched.output, exited: watched.exited, stop };
}

/**
 * Starts `firebase emulators:start --only functions` and resolves once functions answer. With
 * 'auto' (or a port), the ports it is told about are picked free and picked again if another
 * process takes one before the emulator binds it.
 */
export async function startFunctionsEmulator(options: FunctionsEmulatorOptions & { pickPorts?: PortPicker }): Promise<FunctionsEmulator> {
  // A given port, like 'auto', needs a config of its own (firebase.json says 5001).
  if (options.config === 'auto' || (options.config === undefined && options.port !== undefined)) {
    return onFreshPorts(3, ([picked = 0, hubPort = 0, loggingPort = 0]) => {
      const auto = writeAutoConfig(options.port || picked, hubPort, loggingPort);
      return runFunctionsEmulator(options, auto.config, auto.port, options.port || undefined, auto.cleanup);
    }, options.pickPorts);
  }
  return runFunctionsEmulator(options, options.config ?? 'firebase.json', 5001, 5001);
}

async function runFunctionsEmulator(options: FunctionsEmulatorOptions, config: string, port: number, fixedPort: number | undefined, cleanup?: () => void): Promise<FunctionsEmulator> {
  const emulators = spawnFirebaseEmulators('functions', config, functionsEnv(options.firestoreHost, options.env), options.echo, cleanup);

  const baseUrl = `http://127.0.0.1:${port}/${projectId}/${region}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (emulators.exited()) throw startupFailure('Functions emulator', emulators.output(), fixedPort);
    if (emulators.output().includes('All emulators ready')) {
      try {
        const response = await fetch(`${baseUrl}/listApiKeys`, { method: 'OPTIONS' });
        if (response.status === 204) return { baseUrl, process: emulators.child, stop: emulators.stop };
      } catch {
        // not listening yet
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await emulators.stop();
  throw new Error(`Functions emulator did not become ready in 90 s:\n${emulators.output()}`);
}

export interface AuthEmulatorOptions {
  /** npm start uses 9099; 0 or none picks a free port. */
  port?: number;
  /** Print the emulator's output (npm start) or keep it for errors only (tests). */
  echo?: boolean;
  /** Picks the ports the emulator is told about (default freePorts; a test hands out a taken one). */
  pickPorts?: PortPicker;
}

/** The Auth emulator: `host` is what FIREBASE_AUTH_EMULATOR_HOST takes (`127.0.0.1:<port>`). */
export interface AuthEmulator {
  host: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts firebase-tools' own Auth emulator (`emulators:start --only auth`: Node, no Java, no
 * network) for the demo project, from a generated config with free hub and logging ports so it
 * can run beside `npm start` or another test run; a picked port another process took first is
 * picked again. Resolves once it reports ready and its REST API answers.
 */
export async function startAuthEmulator(options: AuthEmulatorOptions = {}): Promise<AuthEmulator> {
  return onFreshPorts(3, ([picked = 0, hubPort = 0, loggingPort = 0]) => runAuthEmulator(options.port || picked, hubPort, loggingPort, options.port || undefined, options.echo), options.pickPorts);
}

async function runAuthEmulator(authPort: number, hubPort: number, loggingPort: number, fixedPort: number | undefined, echo: boolean | undefined): Promise<AuthEmulator> {
  const config = `.firebase.auto.auth.${process.pid}.${authPort}.json`;
  const generated = {
    emulators: {
      auth: { host: '127.0.0.1', port: authPort },
      hub: { host: '127.0.0.1', port: hubPort },
      logging: { host: '127.0.0.1', port: loggingPort },
      ui: { enabled: false },
      singleProjectMode: true,
    },
  };
  writeFileSync(join(repoRoot, config), JSON.stringify(generated, null, 2));
  const cleanup = () => rmSync(join(repoRoot, config), { force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, GCLOUD_PROJECT: projectId };
  // The emulator must not find a running Auth emulator for itself in the environment.
  delete env.FIREBASE_AUTH_EMULATOR_HOST;
  const emulators = spawnFirebaseEmulators('auth', config, env, echo, cleanup);

  const host = `127.0.0.1:${authPort}`;
  // firebase-tools takes seconds to start, minutes on a machine loaded by a whole test run.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (emulators.exited()) throw startupFailure('Auth emulator', emulators.output(), fixedPort);
    // Ready only once it says so: before that, whatever answers on the port may be another process.
    if (!emulators.output().includes('All emulators ready')) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    try {
      const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) {
        await response.arrayBuffer();
        return { host, process: emulators.child, stop: emulators.stop };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await emulators.stop();
  throw new Error(`Auth emulator did not become ready in 120 s:\n${emulators.output()}`);
}
