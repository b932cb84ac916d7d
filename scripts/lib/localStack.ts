/**
 * Starts the pieces of the local stack: the embedded Firestore emulator and the Firebase
 * Functions emulator from firebase-tools pointed at it. Used by `npm start`, the end-to-end
 * tests and the benchmark, so all three run the same stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const projectId = 'demo-keywarden';
export const region = 'us-central1';
export const secretFile = join(repoRoot, 'functions', '.secret.local');

/** The secrets the functions declare; `npm start` and the tests need each of them locally. */
const localSecretNames = { ADMIN_SECRET: '', STRIPE_WEBHOOK_SECRET: 'whsec_', PAYMENT_WEBHOOK_SECRET: 'pws_' } as const;
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
  port?: number;
  /** Print the emulator's output (npm start) or keep it for errors only (tests). */
  echo?: boolean;
  env?: Record<string, string>;
}

/** Starts `firebase emulators:start --only functions` and resolves once functions answer. */
/** A free TCP port on 127.0.0.1 (released before use: a small race we accept in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function writeAutoConfig(): Promise<{ config: string; port: number; cleanup: () => void }> {
  const [functionsPort, hubPort, loggingPort] = [await freePort(), await freePort(), await freePort()];
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

export async function startFunctionsEmulator(options: FunctionsEmulatorOptions): Promise<FunctionsEmulator> {
  const auto = options.config === 'auto' ? await writeAutoConfig() : undefined;
  const config = auto?.config ?? options.config ?? 'firebase.json';
  const port = auto?.port ?? options.port ?? 5001;
  const firebaseBin = join(repoRoot, 'node_modules', 'firebase-tools', 'lib', 'bin', 'firebase.js');
  const child = spawn(
    process.execPath,
    [firebaseBin, 'emulators:start', '--only', 'functions', '--project', projectId, '--config', config],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...options.env,
        FIRESTORE_EMULATOR_HOST: options.firestoreHost,
        GCLOUD_PROJECT: projectId,
        FIREBASE_CLI_EXPERIMENTS: process.env.FIREBASE_CLI_EXPERIMENTS ?? '',
        // No network here: keep firebase-tools from looking for updates or sending usage data.
        NO_UPDATE_NOTIFIER: '1',
        METADATA_SERVER_DETECTION: 'none',
        FIREBASE_CLI_DISABLE_UPDATE_CHECK: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-20_000);
    if (options.echo) process.stdout.write(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const stop = async () => {
    if (exited) return;
    try {
      process.kill(-(child.pid ?? 0), 'SIGINT');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try { process.kill(-(child.pid ?? 0), 'SIGKILL'); } catch { /* already gone */ }
    }, 10_000);
    await exitPromise;
    clearTimeout(timer);
    auto?.cleanup();
  };
  child.once('exit', () => auto?.cleanup());

  const baseUrl = `http://127.0.0.1:${port}/${projectId}/${region}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`Functions emulator exited during start-up:\n${output}`);
    if (output.includes('All emulators ready')) {
      try {
        const response = await fetch(`${baseUrl}/listApiKeys`, { method: 'OPTIONS' });
        if (response.status === 204) return { baseUrl, process: child, stop };
      } catch {
        // not listening yet
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`Functions emulator did not become ready in 90 s:\n${output}`);
}
