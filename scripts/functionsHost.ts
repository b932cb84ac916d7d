/**
 * The production-shaped host: serves the built functions (functions/lib/index.js) the way
 * Cloud Run gen 2 does, with Google's `@google-cloud/functions-framework`, one process, each
 * HTTP function behind its own functions-framework server with the concurrency and timeout
 * it declares, at the Functions emulator's URLs (`/<project>/<region>/<function>/...`).
 * Firestore triggers and schedules are driven by the event pump (the embedded Firestore
 * emulator fires no triggers).
 *
 * Started by scripts/lib/localStack.ts (`startFunctionsHost`) as a child process; reports
 * readiness over IPC and exits when its parent goes away, so it never outlives the stack.
 * Environment: FIRESTORE_EMULATOR_HOST, KEYWARDEN_HOST_PORT (0 = free port), KEYWARDEN_PUMP=off
 * to leave the event pump to the caller.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { builtPumpServices, startEventPump } from './lib/eventPump.js';
import { loadFunctionsEnvironment, projectId, region, repoRoot } from './lib/localStack.js';

const require = createRequire(import.meta.url);

interface FrameworkOptions {
  port: string;
  target: string;
  sourceLocation: string;
  signatureType: 'http';
  printHelp: boolean;
  enableExecutionId: boolean;
  timeoutMilliseconds: number;
  ignoredRoutes: string | null;
}
type GetServer = (userFunction: unknown, options: FrameworkOptions) => import('node:http').Server;

interface EndpointManifest {
  httpsTrigger?: unknown;
  concurrency?: unknown;
  timeoutSeconds?: unknown;
}
type Exported = ((req: unknown, res: unknown) => unknown) & { __endpoint?: EndpointManifest };

/** One HTTP function: its framework app and a gate holding it to its declared concurrency. */
interface ServedFunction {
  name: string;
  concurrency: number;
  listener: RequestListener;
  active: number;
  waiting: Array<() => void>;
}

const declaredNumber = (value: unknown, fallback: number): number => (typeof value === 'number' && value > 0 ? value : fallback);

function loadFunctions(): ServedFunction[] {
  // functions-framework's server module loads body-parser; the functions' own guard
  // (http/bodyParserGuard.ts) wraps it when index.js loads. Same order as the framework's main.
  const frameworkDir = dirname(require.resolve('@google-cloud/functions-framework'));
  const { getServer } = require(join(frameworkDir, 'server.js')) as { getServer: GetServer };
  const exported = require(join(repoRoot, 'functions', 'lib', 'index.js')) as Record<string, Exported>;
  const served: ServedFunction[] = [];
  for (const [name, handler] of Object.entries(exported)) {
    const endpoint = handler?.__endpoint;
    if (typeof handler !== 'function' || !endpoint?.httpsTrigger) continue;
    const server = getServer(handler, {
      port: '0',
      target: name,
      sourceLocation: join(repoRoot, 'functions'),
      signatureType: 'http',
      printHelp: false,
      enableExecutionId: false,
      timeoutMilliseconds: declaredNumber(endpoint.timeoutSeconds, 60) * 1000,
      ignoredRoutes: null,
    });
    const listener = server.listeners('request')[0] as RequestListener | undefined;
    if (!listener) throw new Error(`functions-framework built no request listener for ${name}`);
    // Cloud Run's default for gen 2 functions is 80 concurrent requests per instance.
    served.push({ name, concurrency: declaredNumber(endpoint.concurrency, 80), listener, active: 0, waiting: [] });
  }
  return served;
}

/** Waits for a slot under the function's concurrency (Cloud Run would queue or add an instance). */
async function acquire(fn: ServedFunction): Promise<void> {
  if (fn.active < fn.concurrency) {
    fn.active += 1;
    return;
  }
  await new Promise<void>((resolve) => fn.waiting.push(resolve));
}

function release(fn: ServedFunction): void {
  const next = fn.waiting.shift();
  if (next) next();
  else fn.active -= 1;
}

function notFound(res: ServerResponse, message: string): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: 'not_found', message }));
}

async function main(): Promise<void> {
  loadFunctionsEnvironment();
  const functions = new Map(loadFunctions().map((fn) => [fn.name, fn]));
  const prefix = `/${projectId}/${region}/`;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (!url.startsWith(prefix)) return notFound(res, `Functions are served under ${prefix}<function>`);
    const rest = url.slice(prefix.length);
    const cut = rest.search(/[/?]/);
    const name = cut === -1 ? rest : rest.slice(0, cut);
    const fn = functions.get(name);
    if (!fn) return notFound(res, `No HTTP function named ${name}`);
    // As on Cloud Run behind cloudfunctions.net, the function sees the path after its name.
    const remainder = cut === -1 ? '' : rest.slice(cut);
    req.url = remainder.startsWith('/') ? remainder : `/${remainder}`;
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      release(fn);
    };
    void acquire(fn).then(() => {
      res.once('finish', done);
      res.once('close', done);
      fn.listener(req, res);
    });
  });
  // Node's defaults close idle keep-alive sockets after 5 s; a load balancer keeps them longer.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const port = Number(process.env.KEYWARDEN_HOST_PORT ?? 0);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;

  const pump = process.env.KEYWARDEN_PUMP === 'off'
    ? undefined
    : startEventPump(builtPumpServices(require, join(repoRoot, 'functions', 'lib')), { log: (message) => console.log(`[webhooks] ${message}`) });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await pump?.stop();
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // Never outlive the process that started us.
  process.on('disconnect', () => void stop());

  const names = [...functions.keys()];
  if (process.send) process.send({ ready: true, port: boundPort, functions: names });
  else console.log(`Functions host on http://127.0.0.1:${boundPort}${prefix}<function> (${names.join(', ')})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
