/**
 * Firebase Hosting on this machine: firebase.json's `hosting` section (public folder, rewrites,
 * headers, cleanUrls) served the way `firebase emulators:start --only hosting` serves it, with
 * firebase-tools' own pieces: its config loader (extract, normalize, validate), the superstatic
 * version it ships, and its proxy for `function` rewrites (hosting/proxy.js: streams the body
 * and the answer, forwards X-Forwarded-Host, keeps only the `__session` cookie, as Hosting does).
 *
 * Why not the Hosting emulator itself: it sends a `function` rewrite to the Functions emulator
 * only when that emulator runs in the same firebase-tools process (EmulatorRegistry), and
 * otherwise to the live https://<region>-<project>.cloudfunctions.net. Our functions run in the
 * production-shaped host (scripts/functionsHost.ts), which it cannot target; so the same
 * server is assembled here with the proxy pointed at that host.
 *
 * `/__/firebase/init.json` answers the web app configuration, as Hosting does in production,
 * plus `authEmulatorHost` locally so the SPA connects to the Auth emulator.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { projectId, repoRoot } from './localStack.js';

const require = createRequire(import.meta.url);
const toolsDir = dirname(require.resolve('firebase-tools/package.json'));
/** Resolves as firebase-tools does: the superstatic its Hosting emulator runs. */
const toolsRequire = createRequire(join(toolsDir, 'package.json'));

type Next = (error?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

/** A `rewrites` entry after firebase-tools' normalize (a string `function` becomes an object). */
export interface HostingRewrite {
  source?: string;
  regex?: string;
  destination?: string;
  function?: { functionId: string; region?: string; pinTag?: boolean };
  run?: { serviceId: string; region?: string };
}
export interface HostingHeaderRule {
  source?: string;
  regex?: string;
  glob?: string;
  headers: Array<{ key: string; value: string }>;
}
export interface HostingConfig {
  site?: string;
  target?: string;
  public?: string;
  source?: string;
  rewrites?: HostingRewrite[];
  headers?: HostingHeaderRule[];
  cleanUrls?: boolean;
  trailingSlash?: boolean;
  [key: string]: unknown;
}

interface HostingConfigModule {
  extract(options: Record<string, unknown>): HostingConfig[];
  normalize(configs: HostingConfig[]): void;
  validate(configs: HostingConfig[], options: Record<string, unknown>): void;
}
interface ProxyModule {
  proxyRequestHandler(url: string, rewriteIdentifier: string, options?: { forceCascade?: boolean }): Middleware;
}
interface SuperstaticModule {
  server(spec: Record<string, unknown>): { listen(done?: () => void): Server };
}

/**
 * firebase.json's hosting configs as firebase-tools reads them for serve and deploy: extracted,
 * legacy `function` rewrites normalized to `{functionId, region}`, validated (public vs source,
 * region without function). Throws firebase-tools' error on an invalid config.
 */
export function loadHostingConfigs(projectDir: string = repoRoot, configFile = 'firebase.json'): HostingConfig[] {
  const configPath = resolve(projectDir, configFile);
  const src = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  const hosting = require(join(toolsDir, 'lib', 'hosting', 'config.js')) as HostingConfigModule;
  const options = { config: { src }, site: projectId, cwd: dirname(configPath), configPath };
  const configs = hosting.extract(options);
  hosting.normalize(configs);
  hosting.validate(configs, options);
  return configs;
}

export interface HostingOptions {
  /** npm start uses 5000; 0 or none picks a free port. */
  port?: number;
  /** The functions' base URL, `http://127.0.0.1:<port>/<project>/<region>` (the host's or the emulator's). */
  functionsBaseUrl: string;
  /** `127.0.0.1:<port>` of the Auth emulator, handed to the SPA in /__/firebase/init.json. */
  authEmulatorHost?: string;
  /** Default: firebase.json's `hosting.public` (console/dist). */
  publicDir?: string;
}

export interface RunningHosting {
  url: string;
  stop(): Promise<void>;
}

/** The web app configuration Hosting serves at /__/firebase/init.json, for the demo project. */
export function localWebAppConfig(authEmulatorHost?: string): Record<string, string> {
  return {
    projectId,
    apiKey: 'fake-api-key',
    authDomain: '127.0.0.1',
    ...(authEmulatorHost ? { authEmulatorHost } : {}),
  };
}

/**
 * firebase.json's CSP allows the Auth emulator at its default address (127.0.0.1:9099). A stack
 * on other ports (the tests pick free ones) adds its own emulator to connect-src and frame-src,
 * and changes nothing else, so the browser sees production's policy.
 */
export function allowAuthEmulator(headers: HostingHeaderRule[] | undefined, authEmulatorHost: string | undefined): HostingHeaderRule[] | undefined {
  if (!headers || !authEmulatorHost) return headers;
  const origin = `http://${authEmulatorHost}`;
  const widen = (policy: string) =>
    policy
      .split(';')
      .map((directive) => {
        const [name = ''] = directive.trim().split(/\s+/);
        const listed = directive.trim().split(/\s+/).slice(1);
        return ['connect-src', 'frame-src'].includes(name.toLowerCase()) && !listed.includes(origin) ? `${directive.trimEnd()} ${origin}` : directive;
      })
      .join(';');
  return headers.map((rule) => ({
    ...rule,
    headers: rule.headers.map((header) => (header.key.toLowerCase() === 'content-security-policy' ? { ...header, value: widen(header.value) } : header)),
  }));
}

const placeholderHtml = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Keywarden</title></head>
<body>
<main>
<h1>Keywarden</h1>
<p>The console is not built yet: run <code>npm run build</code> (it builds <code>console/dist</code>), then reload.</p>
<p>The API answers under <a href="/v1/openapi.json">/v1</a>.</p>
</main>
</body>
</html>
`;

/**
 * Serves firebase.json's hosting config on 127.0.0.1: static files from the public folder
 * (a placeholder index.html stands in until the console is built), its headers, rewrites
 * (`function` rewrites proxied to functionsBaseUrl's host) and cleanUrls.
 */
export async function startHosting(options: HostingOptions): Promise<RunningHosting> {
  const [config] = loadHostingConfigs();
  if (!config) throw new Error('firebase.json has no "hosting" section');
  const publicDir = resolve(repoRoot, options.publicDir ?? config.public ?? 'console/dist');
  // Searched after the public folder, so a console built while this runs is served at once.
  const placeholderDir = mkdtempSync(join(tmpdir(), 'keywarden-hosting-'));
  writeFileSync(join(placeholderDir, 'index.html'), placeholderHtml);

  const superstatic = toolsRequire('superstatic') as SuperstaticModule;
  const { proxyRequestHandler } = require(join(toolsDir, 'lib', 'hosting', 'proxy.js')) as ProxyModule;
  const functionsOrigin = new URL(options.functionsBaseUrl).origin;

  const functionRewriter = (rewrite: HostingRewrite): Promise<Middleware> => {
    const functionId = rewrite.function?.functionId ?? '';
    const region = rewrite.function?.region ?? 'us-central1';
    const proxy = proxyRequestHandler(`${functionsOrigin}/${projectId}/${region}/${functionId}`, `local Function ${region}/${functionId}`);
    return Promise.resolve((req, res, next) => {
      // Hosting tells the function who called: the client's address is appended to
      // X-Forwarded-For (the functions trust the right-most entry).
      const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
      const prior = [req.headers['x-forwarded-for']].flat().filter(Boolean).join(', ');
      req.headers['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
      proxy(req, res, next);
    });
  };

  const initJson = JSON.stringify(localWebAppConfig(options.authEmulatorHost));
  const reserved: Middleware = (req, res, next) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/__/firebase/init.json') return next();
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-cache');
    res.end(initJson);
  };

  const server = superstatic
    .server({
      debug: false,
      port: options.port ?? 0,
      hostname: '127.0.0.1',
      // public: absolute folders, searched in order (superstatic's fs provider joins cwd + public + path).
      config: { ...config, public: [publicDir, placeholderDir], headers: allowAuthEmulator(config.headers, options.authEmulatorHost) },
      cwd: '/',
      compression: true,
      stack: 'strict',
      before: { files: reserved },
      rewriters: {
        function: functionRewriter,
        run: () => Promise.reject(new Error('Cloud Run rewrites are not served locally')),
      },
    })
    .listen();
  const cleanup = () => rmSync(placeholderDir, { recursive: true, force: true });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('listening', () => resolvePromise());
    server.once('error', (error) => {
      cleanup();
      reject(error);
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((resolvePromise) => {
      server.closeAllConnections();
      server.close(() => {
        cleanup();
        resolvePromise();
      });
    });
    return stopped;
  };
  return { url: `http://127.0.0.1:${port}/`, stop };
}
