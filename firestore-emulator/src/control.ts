import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FirestoreError } from './errors.js';
import { IndexConfig, type IndexFileJson } from './indexes.js';
import { parseDatabaseName } from './paths.js';
import type { FirestoreService } from './service.js';

/**
 * HTTP control endpoint for tests running in other processes:
 *
 *   POST   /faults        {"operation","code","count","pathPrefix"?,"database"?} -> {"ok":true,"id"}
 *                          {"operation","code"|[codes],"rate","seed"?,"pathPrefix"?,"database"?} -> {"ok":true,"id","seed"}
 *   GET    /faults        -> {"faults":[...]} (remaining ones, each with "injected"; ?database=projects/p/databases/d for one database's)
 *   DELETE /faults        -> {"ok":true} (all; ?database=... for one database's)
 *   DELETE /faults/<id>   -> {"ok":true,"removed":bool} (one fault: test files sharing the emulator clear only their own)
 *   GET    /stats         -> {"reads","writes","documentWrites":{path:count}}
 *   POST   /stats/reset   -> {"ok":true}
 *   POST   /reset         -> {"ok":true} (drops all data, like reset())
 *   GET    /indexes/usage -> {"indexes":[{...declared index, "uses": n}]} (?database=... for that database's configuration)
 *   PUT    /indexes       {"database","indexes": <firestore.indexes.json> | null} -> {"ok":true}
 *                          (null: no enforcement for that database; omit "indexes" to restore the default)
 */

const MAX_BODY = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ControlHandlers {
  service: FirestoreService;
  reset(): void;
}

export function createControlServer({ service, reset }: ControlHandlers): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://control');
    const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/+$/, '') || '/'}`;
    const database = url.searchParams.get('database') ?? undefined;
    const faultId = route.match(/^DELETE \/faults\/([0-9a-f]+)$/)?.[1];
    if (faultId) return send(res, 200, { ok: true, removed: service.faults.remove(faultId) });
    switch (route) {
      case 'POST /faults': {
        const fault = service.faults.add(await readJson(req));
        // A random rule reports its seed (given or drawn), so a run can be replayed with it.
        return send(res, 200, { ok: true, id: fault.id, ...(fault.seed !== undefined ? { seed: fault.seed } : {}) });
      }
      case 'GET /faults':
        return send(res, 200, { faults: service.faults.list(database) });
      case 'DELETE /faults':
        service.faults.clear(database);
        return send(res, 200, { ok: true });
      case 'GET /indexes/usage': {
        const config = database === undefined ? service.indexes : service.indexesFor(parseDatabaseName(database));
        return send(res, 200, { indexes: config?.usage() ?? [] });
      }
      case 'GET /stats':
        return send(res, 200, { reads: service.stats.reads, writes: service.stats.writes, documentWrites: service.stats.documentWrites });
      case 'POST /stats/reset':
        service.resetStats();
        return send(res, 200, { ok: true });
      case 'POST /reset':
        reset();
        return send(res, 200, { ok: true });
      case 'PUT /indexes': {
        const body = (await readJson(req)) as { database?: string; indexes?: IndexFileJson | null };
        const database = parseDatabaseName(body.database);
        let config: IndexConfig | null | undefined;
        try {
          config = body.indexes === undefined ? undefined : body.indexes === null ? null : new IndexConfig(body.indexes);
        } catch (err) {
          throw new HttpError(400, err instanceof Error ? err.message : String(err));
        }
        service.setDatabaseIndexes(database, config);
        return send(res, 200, { ok: true });
      }
      default:
        throw new HttpError(404, `no route ${route}`);
    }
  };
  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof FirestoreError ? 400 : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) send(res, status, { ok: false, error: message });
      else res.end();
    });
  });
}

export function listenControl(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeControl(server: Server): Promise<void> {
  return new Promise(resolve => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function controlUrl(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}
