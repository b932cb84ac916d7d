import { afterEach, describe, expect, it } from 'vitest';
import { FirestoreError } from '../src/errors.js';
import type {
  BatchGetDocumentsResponse,
  RunQueryResponse,
  TransactionOptionsProto,
  ValueProto,
  WriteProto,
} from '../src/proto-types.js';
import { DEFAULT_OPTIONS, FirestoreService, type EmulatorOptions } from '../src/service.js';

/**
 * Service-level tests (no gRPC): transactions, locking and RPC semantics.
 * Timeout paths use short timeouts set per test.
 */

const DB = 'projects/demo/databases/(default)';
const name = (path: string): string => `${DB}/documents/${path}`;
const int = (n: number): ValueProto => ({ integerValue: String(n) });

const FAST: EmulatorOptions = {
  ...DEFAULT_OPTIONS,
  timeouts: { lockWaitTimeoutMs: 5000, lockIdleTimeoutMs: 5000, transactionIdleTimeoutMs: 10_000, finishedRetentionMs: 10_000 },
  sweepIntervalMs: 20,
};

const services: FirestoreService[] = [];
function service(options: EmulatorOptions = FAST): FirestoreService {
  const s = new FirestoreService(options);
  services.push(s);
  return s;
}
afterEach(() => {
  for (const s of services.splice(0)) s.close();
});

const set = (path: string, fields: Record<string, ValueProto>): WriteProto => ({ update: { name: name(path), fields } });

async function commit(s: FirestoreService, writes: WriteProto[], transaction?: Uint8Array) {
  return s.commit({ database: DB, writes, ...(transaction ? { transaction } : {}) });
}

async function batchGet(
  s: FirestoreService,
  paths: string[],
  consistency: { transaction?: Uint8Array; newTransaction?: TransactionOptionsProto } = {},
): Promise<{ transaction: Uint8Array | undefined; docs: BatchGetDocumentsResponse[] }> {
  const messages: BatchGetDocumentsResponse[] = [];
  await s.batchGetDocuments({ database: DB, documents: paths.map(name), ...consistency }, m => messages.push(m));
  return { transaction: messages.find(m => m.transaction)?.transaction, docs: messages.filter(m => m.found || m.missing) };
}

const readWrite: TransactionOptionsProto = { readWrite: {} };

async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof FirestoreError ? err.code : -1;
  }
}

function valueOf(doc: BatchGetDocumentsResponse | undefined, field: string): string | undefined {
  const value = doc?.found?.fields?.[field];
  return value?.integerValue === undefined ? undefined : String(value.integerValue);
}

describe('read-write transactions', () => {
  it('begin lazily through a read, which returns the transaction id first', async () => {
    const s = service();
    const messages: BatchGetDocumentsResponse[] = [];
    await s.batchGetDocuments({ database: DB, documents: [name('c/a')], newTransaction: readWrite }, m => messages.push(m));
    expect(messages[0]?.transaction?.length).toBeGreaterThan(0);
    expect(messages[1]?.missing).toBe(name('c/a'));
    expect(messages[1]?.readTime).toBeDefined();
  });

  it('serialize read-modify-write transactions on the same document (losers retry, as clients do)', async () => {
    const s = service();
    const worker = async (): Promise<void> => {
      let retry: Uint8Array | undefined;
      for (let attempt = 0; attempt < 200; attempt++) {
        const options: TransactionOptionsProto = retry ? { readWrite: { retryTransaction: retry } } : readWrite;
        let transaction: Uint8Array | undefined;
        try {
          const read = await batchGet(s, ['c/n'], { newTransaction: options });
          transaction = read.transaction;
          const n = Number(valueOf(read.docs[0], 'n') ?? 0);
          await new Promise(resolve => setImmediate(resolve));
          await commit(s, [set('c/n', { n: int(n + 1) })], transaction);
          return;
        } catch (err) {
          if (!(err instanceof FirestoreError) || err.code !== 10) throw err;
          retry = transaction;
        }
      }
      throw new Error('too many attempts');
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    const { docs } = await batchGet(s, ['c/n']);
    expect(valueOf(docs[0], 'n')).toBe('50');
  });

  it('let concurrent readers share a document; a younger commit waits for the older reader', async () => {
    const s = service();
    await commit(s, [set('c/a', { v: int(1) })]);
    const t1 = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    const t2 = await batchGet(s, ['c/a'], { newTransaction: readWrite }); // does not wait: shared
    expect(valueOf(t2.docs[0], 'v')).toBe('1');
    let committed = false;
    const second = commit(s, [set('c/a', { v: int(2) })], t2.transaction).then(() => {
      committed = true;
    });
    await new Promise(resolve => setTimeout(resolve, 30));
    expect(committed).toBe(false);
    await s.rollback({ database: DB, transaction: t1.transaction });
    await second;
    expect(valueOf((await batchGet(s, ['c/a'])).docs[0], 'v')).toBe('2');
  });

  it('resolve read-read-write-write conflicts at commit: the older commit wounds the younger reader', async () => {
    const s = service();
    await commit(s, [set('c/a', { v: int(1) })]);
    const t1 = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    const t2 = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    await commit(s, [set('c/a', { v: int(10) })], t1.transaction);
    expect(await codeOf(commit(s, [set('c/a', { v: int(20) })], t2.transaction))).toBe(10);
    expect(valueOf((await batchGet(s, ['c/a'])).docs[0], 'v')).toBe('10');
    expect(s.database(DB).txns.locks.size).toBe(0);
  });

  it('are aborted when a non-transactional write changes a document they read', async () => {
    const s = service();
    await commit(s, [set('c/a', { v: int(1) })]);
    const t = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    await commit(s, [set('c/a', { v: int(100) })]); // does not wait for the lock
    expect(await codeOf(commit(s, [set('c/a', { v: int(2) })], t.transaction))).toBe(10);
    const { docs } = await batchGet(s, ['c/a']);
    expect(valueOf(docs[0], 'v')).toBe('100');
  });

  it('lock blind writes at commit, so they cannot overwrite a document another transaction read', async () => {
    const s = service();
    const reader = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    const writerTxn = (await s.beginTransaction({ database: DB, options: readWrite })).transaction;
    // The writer is younger: its commit waits for the reader's lock.
    let writerDone = false;
    const writer = commit(s, [set('c/a', { by: int(2) })], writerTxn).then(() => {
      writerDone = true;
    });
    await new Promise(resolve => setTimeout(resolve, 30));
    expect(writerDone).toBe(false);
    await commit(s, [set('c/a', { by: int(1) })], reader.transaction);
    await writer;
    const { docs } = await batchGet(s, ['c/a']);
    expect(valueOf(docs[0], 'by')).toBe('2');
  });

  it('let a retried transaction keep its age and wound a younger lock holder', async () => {
    const s = service();
    const first = await s.beginTransaction({ database: DB, options: readWrite }); // oldest
    await s.rollback({ database: DB, transaction: first.transaction });
    const young = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    const retry = await batchGet(s, ['c/a'], { newTransaction: { readWrite: { retryTransaction: first.transaction } } });
    expect(retry.docs).toHaveLength(1);
    await commit(s, [set('c/a', { v: int(1) })], retry.transaction); // exclusive: wounds the younger reader
    expect(await codeOf(commit(s, [], young.transaction))).toBe(10);
  });

  it('abort waiters after the lock wait timeout', async () => {
    const s = service({ ...FAST, timeouts: { ...FAST.timeouts, lockWaitTimeoutMs: 300, lockIdleTimeoutMs: 60_000 } });
    await batchGet(s, ['c/a'], { newTransaction: readWrite });
    const younger = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    const started = Date.now();
    expect(await codeOf(commit(s, [set('c/a', { v: int(1) })], younger.transaction))).toBe(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('abort an idle lock holder when someone waits for it', async () => {
    const s = service({ ...FAST, timeouts: { ...FAST.timeouts, lockIdleTimeoutMs: 150 } });
    const abandoned = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    const waiter = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    await commit(s, [set('c/a', { v: int(1) })], waiter.transaction); // waits until the idle holder is aborted
    expect(await codeOf(commit(s, [], abandoned.transaction))).toBe(10);
  });

  it('release locks on rollback', async () => {
    const s = service();
    const t1 = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    const t2 = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    const second = commit(s, [set('c/a', { v: int(1) })], t2.transaction);
    await s.rollback({ database: DB, transaction: t1.transaction });
    await second;
    expect(s.database(DB).txns.locks.size).toBe(0);
  });

  it('lock the results of transactional queries', async () => {
    const s = service();
    await commit(s, [set('c/a', { v: int(1) }), set('c/b', { v: int(2) })]);
    const messages: RunQueryResponse[] = [];
    await s.runQuery(
      { parent: `${DB}/documents`, structuredQuery: { from: [{ collectionId: 'c' }] }, newTransaction: readWrite },
      m => messages.push(m),
    );
    const transaction = messages[0]?.transaction;
    expect(messages.filter(m => m.document).length).toBe(2);
    // A younger transaction's blind write waits for the query's shared lock.
    const writerTxn = (await s.beginTransaction({ database: DB, options: readWrite })).transaction;
    let writerDone = false;
    const writer = commit(s, [set('c/b', { v: int(4) })], writerTxn).then(() => {
      writerDone = true;
    });
    await new Promise(resolve => setTimeout(resolve, 30));
    expect(writerDone).toBe(false);
    await commit(s, [set('c/b', { v: int(3) })], transaction);
    await writer;
    expect(valueOf((await batchGet(s, ['c/b'])).docs[0], 'v')).toBe('4');
  });

  it('report unknown transactions as expired (which the client retries)', async () => {
    const s = service();
    const err = await s.commit({ database: DB, writes: [], transaction: Buffer.from('nope') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirestoreError);
    expect((err as FirestoreError).code).toBe(3);
    expect((err as FirestoreError).message).toMatch(/transaction has expired/);
  });
});

describe('read-only transactions and read times', () => {
  it('read a snapshot that ignores later commits', async () => {
    const s = service();
    await commit(s, [set('c/a', { v: int(1) })]);
    const t = await batchGet(s, ['c/a'], { newTransaction: { readOnly: {} } });
    await commit(s, [set('c/a', { v: int(2) }), set('c/b', { v: int(2) })]);
    const again = await batchGet(s, ['c/a', 'c/b'], { transaction: t.transaction });
    expect(valueOf(again.docs[0], 'v')).toBe('1');
    expect(again.docs[1]?.missing).toBe(name('c/b'));
    expect(await codeOf(commit(s, [set('c/x', {})], t.transaction))).toBe(3);
  });

  it('read at a past read time', async () => {
    const s = service();
    const first = await commit(s, [set('c/a', { v: int(1) })]);
    await commit(s, [set('c/a', { v: int(2) })]);
    const messages: BatchGetDocumentsResponse[] = [];
    await s.batchGetDocuments({ database: DB, documents: [name('c/a')], readTime: first.commitTime }, m => messages.push(m));
    expect(valueOf(messages[0], 'v')).toBe('1');
    expect(messages[0]?.readTime).toEqual(first.commitTime);
    const future = { seconds: String(Math.floor(Date.now() / 1000) + 3600), nanos: 0 };
    expect(await codeOf(s.batchGetDocuments({ database: DB, documents: [name('c/a')], readTime: future }, () => undefined))).toBe(3);
  });
});

describe('commits and batch writes', () => {
  it('give every commit a strictly increasing commit time', async () => {
    const s = service();
    const times: bigint[] = [];
    for (let i = 0; i < 20; i++) {
      const { commitTime } = await commit(s, [set(`c/${i}`, {})]);
      times.push(BigInt(commitTime?.seconds ?? 0) * 1_000_000_000n + BigInt(commitTime?.nanos ?? 0));
    }
    for (let i = 1; i < times.length; i++) expect((times[i] as bigint) > (times[i - 1] as bigint)).toBe(true);
  });

  it('BatchWrite reports a status per write and applies the successful ones', async () => {
    const s = service();
    await commit(s, [set('c/exists', {})]);
    const response = await s.batchWrite({
      database: DB,
      writes: [set('c/new', { v: int(1) }), { ...set('c/exists', {}), currentDocument: { exists: false } }, { delete: name('c/exists') }],
    });
    expect(response.status?.map(st => st.code)).toEqual([0, 6, 0]);
    expect(response.writeResults?.[0]?.updateTime).toBeDefined();
    const { docs } = await batchGet(s, ['c/new', 'c/exists']);
    expect(docs.map(d => Boolean(d.found))).toEqual([true, false]);
  });

  it('rejects malformed requests with INVALID_ARGUMENT', async () => {
    const s = service();
    expect(await codeOf(s.commit({ database: 'nope', writes: [] }))).toBe(3);
    expect(await codeOf(commit(s, [{ update: { name: name('c') } }]))).toBe(3);
    expect(await codeOf(s.runQuery({ parent: `${DB}/documents`, structuredQuery: { from: [] } }, () => undefined))).toBe(3);
    expect(await codeOf(s.getDocument({ name: name('c/missing') }))).toBe(5);
  });

  it('keeps databases and projects apart and reset() clears them all', async () => {
    const s = service();
    const other = 'projects/other/databases/(default)';
    await commit(s, [set('c/a', { v: int(1) })]);
    const messages: BatchGetDocumentsResponse[] = [];
    await s.batchGetDocuments({ database: other, documents: [`${other}/documents/c/a`] }, m => messages.push(m));
    expect(messages[0]?.missing).toBeDefined();
    const t = await batchGet(s, ['c/a'], { newTransaction: readWrite });
    s.reset();
    expect((await batchGet(s, ['c/a'])).docs[0]?.missing).toBeDefined();
    expect(await codeOf(commit(s, [], t.transaction))).not.toBeUndefined();
  });
});
