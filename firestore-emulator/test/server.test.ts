import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { startFirestoreEmulator, type RunningEmulator } from '../src/index.js';
import type { CommitResponse, DocumentProto } from '../src/proto-types.js';
import { loadFirestoreServiceDefinition } from '../src/server.js';

const DB = 'projects/demo-server/databases/(default)';
const definition = loadFirestoreServiceDefinition();
const FirestoreClient = grpc.makeGenericClientConstructor(definition, 'Firestore');

const running: RunningEmulator[] = [];
const clients: grpc.Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(running.splice(0).map(e => e.stop()));
});

async function start(): Promise<RunningEmulator> {
  const emulator = await startFirestoreEmulator({ port: 0 });
  running.push(emulator);
  return emulator;
}

function connect(emulator: RunningEmulator) {
  const client = new FirestoreClient(`${emulator.host}:${emulator.port}`, grpc.credentials.createInsecure());
  clients.push(client);
  return <Res>(method: string, request: object): Promise<Res> => {
    const m = definition[method];
    if (!m) throw new Error(`no method ${method}`);
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request, (err, res) => {
        if (err) reject(err);
        else resolve(res as Res);
      });
    });
  };
}

async function grpcCode(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as grpc.ServiceError).code;
  }
}

describe('startFirestoreEmulator', () => {
  it('serves the Firestore gRPC API on a free port', async () => {
    const emulator = await start();
    expect(emulator.host).toBe('127.0.0.1');
    expect(emulator.port).toBeGreaterThan(0);
    const call = connect(emulator);
    const doc = `${DB}/documents/c/a`;
    const commit = await call<CommitResponse>('Commit', { database: DB, writes: [{ update: { name: doc, fields: { v: { stringValue: 'x' } } } }] });
    expect(commit.commitTime).toBeDefined();
    const got = await call<DocumentProto>('GetDocument', { name: doc });
    expect(got.fields?.v?.stringValue).toBe('x');
    expect(await grpcCode(call('GetDocument', { name: `${DB}/documents/c/missing` }))).toBe(grpc.status.NOT_FOUND);
    expect(await grpcCode(call('Commit', { database: DB, writes: [{ update: { name: doc }, currentDocument: { exists: false } }] }))).toBe(
      grpc.status.ALREADY_EXISTS,
    );
    expect(await grpcCode(call('Commit', { database: 'garbage', writes: [] }))).toBe(grpc.status.INVALID_ARGUMENT);
    expect(emulator.stats().writes).toBe(1);
  });

  it('keeps separate instances independent and reset() clears data', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.port).not.toBe(b.port);
    const doc = `${DB}/documents/c/a`;
    await connect(a)('Commit', { database: DB, writes: [{ update: { name: doc } }] });
    expect(await grpcCode(connect(b)('GetDocument', { name: doc }))).toBe(grpc.status.NOT_FOUND);
    await connect(a)('GetDocument', { name: doc });
    a.reset();
    expect(await grpcCode(connect(a)('GetDocument', { name: doc }))).toBe(grpc.status.NOT_FOUND);
  });

  it('stop() is idempotent and releases the port', async () => {
    const emulator = await startFirestoreEmulator({ port: 0 });
    const { port } = emulator;
    await Promise.all([emulator.stop(), emulator.stop()]);
    const again = await startFirestoreEmulator({ port });
    running.push(again);
    expect(again.port).toBe(port);
  });
});

describe('cli', () => {
  it('prints the listening line and exits cleanly on SIGTERM', async () => {
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--host', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
    // Both lines can arrive in one chunk: collect every line as it comes.
    const lines = createInterface({ input: child.stdout });
    const seen: string[] = [];
    const twoLines = new Promise<string[]>((resolve, reject) => {
      lines.on('line', (line) => {
        seen.push(line);
        if (seen.length === 2) resolve(seen);
      });
      child.once('exit', () => reject(new Error(`cli exited after printing ${JSON.stringify(seen)}`)));
    });
    const [first, second] = await twoLines;
    expect(first).toMatch(/^Firestore emulator listening on 127\.0\.0\.1:\d+$/);
    expect(second).toMatch(/^Firestore emulator control endpoint at http:\/\/127\.0\.0\.1:\d+$/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
