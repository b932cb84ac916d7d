/**
 * Conformance cases for behaviour the embedded emulator enforces because
 * production does: composite indexes, shared read locks resolved at commit,
 * production limits, plus the emulator's fault injection as seen through
 * firebase-admin. Same approach as test/firestore-conformance.test.ts (random
 * root collection per test), in its own project so its index configuration is
 * independent. Cases that need the embedded emulator's control endpoint
 * (index configuration, faults, stats) are skipped only when
 * FIRESTORE_EMULATOR_HOST names another emulator.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { deleteApp, getApps, initializeApp, type App } from 'firebase-admin/app';
import { FieldValue, getFirestore, type CollectionReference, type DocumentData, type Firestore } from 'firebase-admin/firestore';

process.env.FIRESTORE_EMULATOR_HOST ??= inject('firestoreEmulatorHost');
const controlUrl = process.env.FIRESTORE_CONTROL_URL ?? inject('firestoreControlUrl');
/** Control endpoint available: the embedded emulator. */
const embedded = controlUrl !== '';
const PROJECT = 'demo-conformance-strict';
const DATABASE = `projects/${PROJECT}/databases/(default)`;

let app: App;
let db: Firestore;

beforeAll(() => {
  app = getApps().find(a => a.name === 'strictness') ?? initializeApp({ projectId: PROJECT }, 'strictness');
  db = getFirestore(app);
});

afterAll(async () => {
  await deleteApp(app);
});

afterEach(async () => {
  // Only this file's faults: other files share the emulator and inject their own.
  if (embedded) await control('DELETE', `/faults?database=${encodeURIComponent(DATABASE)}`);
});

function root(): CollectionReference {
  return db.collection(`strict_${randomUUID()}`);
}

async function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${controlUrl}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function fault(spec: { operation: string; code: string; count: number; pathPrefix?: string }): Promise<void> {
  await control('POST', '/faults', { ...spec, database: DATABASE });
}

async function errorOf(promise: Promise<unknown>): Promise<{ code?: number; message: string } | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return { code: (err as { code?: number }).code, message: String((err as Error).message) };
  }
}

async function codeOf(promise: Promise<unknown>): Promise<number | undefined> {
  return (await errorOf(promise))?.code;
}

async function count(col: CollectionReference): Promise<number> {
  return (await col.get()).size;
}

const INVALID_ARGUMENT = 3;
const DEADLINE_EXCEEDED = 4;
const FAILED_PRECONDITION = 9;
const ABORTED = 10;

describe('composite index enforcement', () => {
  it.skipIf(!embedded)('refuses a query that needs a composite index, naming it; serves it once declared', async () => {
    await control('PUT', '/indexes', { database: DATABASE, indexes: { indexes: [], fieldOverrides: [] } });
    const col = root();
    await col.doc('a').set({ app: 'x', created: 2, tags: ['t'] });
    await col.doc('b').set({ app: 'x', created: 1, tags: ['t'] });
    // Served by automatic single-field indexes.
    expect((await col.where('app', '==', 'x').where('created', '==', 1).get()).size).toBe(1);
    expect((await col.orderBy('created', 'desc').get()).size).toBe(2);
    expect((await col.where('created', '>', 0).get()).size).toBe(2);
    expect((await col.where('tags', 'array-contains', 't').get()).size).toBe(2);

    const query = col.where('app', '==', 'x').orderBy('created', 'desc');
    const err = await errorOf(query.get());
    expect(err?.code).toBe(FAILED_PRECONDITION);
    const pasted = JSON.parse((err?.message ?? '').slice((err?.message ?? '').indexOf('{'))) as unknown;
    expect(pasted).toEqual({
      collectionGroup: col.id,
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'app', order: 'ASCENDING' },
        { fieldPath: 'created', order: 'DESCENDING' },
      ],
    });
    expect(await codeOf(query.count().get())).toBe(FAILED_PRECONDITION);
    // The same index written with the implicit __name__ is the same index.
    await control('PUT', '/indexes', {
      database: DATABASE,
      indexes: { indexes: [{ ...(pasted as object), fields: [...(pasted as { fields: object[] }).fields, { fieldPath: '__name__', order: 'DESCENDING' }] }] },
    });
    expect((await query.get()).docs.map(d => d.id)).toEqual(['a', 'b']);
    expect((await query.count().get()).data().count).toBe(2);
    await control('PUT', '/indexes', { database: DATABASE });
  });
});

describe('transaction locks', () => {
  it('concurrent transactions that only read a document do not block each other', async () => {
    const ref = root().doc('shared');
    await ref.set({ v: 1 });
    let secondRead!: () => void;
    const secondHasRead = new Promise<void>(resolve => (secondRead = resolve));
    let attempts = 0;
    const started = Date.now();
    await Promise.all([
      db.runTransaction(async tx => {
        attempts++;
        expect((await tx.get(ref)).get('v')).toBe(1);
        await secondHasRead; // still holding its read while the other transaction reads
      }),
      db.runTransaction(async tx => {
        attempts++;
        await new Promise(resolve => setTimeout(resolve, 50));
        expect((await tx.get(ref)).get('v')).toBe(1);
        secondRead();
      }),
    ]);
    expect(attempts).toBe(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('N concurrent read-modify-write transactions on one document give exactly N', async () => {
    const ref = root().doc('counter');
    await ref.set({ n: 0 });
    const n = 10;
    await Promise.all(
      Array.from({ length: n }, () =>
        db.runTransaction(async tx => {
          const current = (await tx.get(ref)).get('n') as number;
          tx.update(ref, { n: current + 1 });
        }),
      ),
    );
    expect((await ref.get()).get('n')).toBe(n);
  });

  it('two transactions that read then write: the conflict is resolved at commit, one attempt is aborted and retried', async () => {
    const ref = root().doc('rw');
    await ref.set({ n: 0 });
    let bothRead!: () => void;
    let reads = 0;
    const barrier = new Promise<void>(resolve => (bothRead = resolve));
    let attempts = 0;
    const txn = (): Promise<void> =>
      db.runTransaction(async tx => {
        attempts++;
        const current = (await tx.get(ref)).get('n') as number;
        if (++reads === 2) bothRead();
        await Promise.race([barrier, new Promise(resolve => setTimeout(resolve, 2_000))]);
        tx.update(ref, { n: current + 1 });
      });
    await Promise.all([txn(), txn()]);
    expect((await ref.get()).get('n')).toBe(2);
    expect(attempts).toBe(3); // both reads succeeded; the loser of the commit retried once
  });

  it('a transaction that runs out of attempts surfaces ABORTED and writes nothing', async () => {
    const ref = root().doc('conflict');
    await ref.set({ n: 0 });
    const err = await errorOf(
      db.runTransaction(
        async tx => {
          const current = (await tx.get(ref)).get('n') as number;
          await ref.set({ n: 100 }); // a conflicting write after the transaction read
          tx.update(ref, { n: current + 1 });
        },
        { maxAttempts: 1 },
      ),
    );
    expect(err?.code).toBe(ABORTED);
    expect((await ref.get()).get('n')).toBe(100);
  });
});

describe('limits', () => {
  it('refuses reserved document and collection ids', async () => {
    const col = root();
    expect(await codeOf(col.doc('__reserved__').set({ v: 1 }))).toBe(INVALID_ARGUMENT);
    expect(await codeOf(col.doc('d').collection('__sub__').doc('x').set({ v: 1 }))).toBe(INVALID_ARGUMENT);
    expect(await count(col)).toBe(0);
  });

  it('refuses ids longer than 1,500 bytes and accepts 1,500', async () => {
    const col = root();
    expect(await codeOf(col.doc('é'.repeat(751)).set({ v: 1 }))).toBe(INVALID_ARGUMENT); // 1,502 bytes
    await col.doc('x'.repeat(1500)).set({ v: 1 });
    expect(await count(col)).toBe(1);
  });

  it('refuses reserved field names, at any depth', async () => {
    const col = root();
    expect(await codeOf(col.doc('a').set({ __meta__: 1 }))).toBeDefined();
    expect(await codeOf(col.doc('b').set({ m: { __meta__: 1 } }))).toBeDefined();
    expect(await count(col)).toBe(0);
  });

  it('refuses documents larger than 1 MiB', async () => {
    const col = root();
    const err = await errorOf(col.doc('big').set({ s: 'x'.repeat(1_048_576) }));
    expect(err?.code).toBe(INVALID_ARGUMENT);
    expect(err?.message).toMatch(/exceeds the maximum allowed size of 1,048,576 bytes/);
    await col.doc('fits').set({ s: 'x'.repeat(1_000_000) });
    expect(await count(col)).toBe(1);
  });

  it('refuses maps and arrays nested deeper than 20 levels', async () => {
    const col = root();
    let deep: DocumentData = { leaf: 1 };
    for (let i = 0; i < 21; i++) deep = { m: deep };
    // firebase-admin refuses this client-side ("deeper than 20 levels"); the emulator refuses it too.
    expect(await errorOf(Promise.resolve().then(() => col.doc('deep').set(deep)))).toBeDefined();
    expect(await count(col)).toBe(0);
  });

  it('refuses more than 500 field transforms on one document', async () => {
    const col = root();
    const transforms = (n: number): Record<string, FieldValue> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, FieldValue.increment(1)]));
    expect(await codeOf(col.doc('t').set(transforms(501)))).toBe(INVALID_ARGUMENT);
    expect(await count(col)).toBe(0);
    await col.doc('t').set(transforms(500));
    expect(await count(col)).toBe(1);
  });

  it('refuses a commit larger than 10 MiB (there is no 500-write limit)', async () => {
    const col = root();
    const batch = db.batch();
    for (let i = 0; i < 11; i++) batch.set(col.doc(`d${i}`), { s: 'x'.repeat(1_000_000) });
    expect(await codeOf(batch.commit())).toBe(INVALID_ARGUMENT);
    expect(await count(col)).toBe(0);
    const many = db.batch();
    for (let i = 0; i < 600; i++) many.set(col.doc(`m${i}`), { i });
    await many.commit();
    expect(await count(col)).toBe(600);
  });

  it('refuses in / array-contains-any with more than 30 values and not-in with more than 10', async () => {
    const col = root();
    const values = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
    expect((await col.where('v', 'in', values(30)).get()).size).toBe(0);
    expect(await codeOf(col.where('v', 'in', values(31)).get())).toBeDefined();
    expect(await codeOf(col.where('v', 'array-contains-any', values(31)).get())).toBeDefined();
    expect((await col.where('v', 'not-in', values(10)).get()).size).toBe(0);
    expect(await codeOf(col.where('v', 'not-in', values(11)).get())).toBeDefined();
  });
});

describe.skipIf(!embedded)('fault injection (embedded emulator)', () => {
  it('a faulted commit in a transaction writes nothing; runTransaction retries one ABORTED', async () => {
    const ref = root().doc('k');
    await fault({ operation: 'commit', code: 'ABORTED', count: 1, pathPrefix: ref.path });
    let attempts = 0;
    await db.runTransaction(async tx => {
      attempts++;
      const snap = await tx.get(ref);
      tx.set(ref, { n: ((snap.get('n') as number | undefined) ?? 0) + 1 });
    });
    expect(attempts).toBe(2);
    expect((await ref.get()).get('n')).toBe(1);
  });

  it('as many ABORTED faults as attempts surface ABORTED, write nothing and release the locks', async () => {
    const ref = root().doc('k');
    await fault({ operation: 'commit', code: 'ABORTED', count: 3, pathPrefix: ref.path });
    const run = (): Promise<void> =>
      db.runTransaction(
        async tx => {
          const snap = await tx.get(ref);
          tx.set(ref, { n: ((snap.get('n') as number | undefined) ?? 0) + 1 });
        },
        { maxAttempts: 3 },
      );
    expect(await codeOf(run())).toBe(ABORTED);
    expect((await ref.get()).exists).toBe(false);
    const started = Date.now();
    await run(); // would wait for a lock if the aborted attempts had kept theirs
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await ref.get()).get('n')).toBe(1);
  });

  it('UNAVAILABLE on a plain set() is retried by the client (Commit retries UNAVAILABLE); the write lands once', async () => {
    const ref = root().doc('u');
    await control('POST', '/stats/reset');
    await fault({ operation: 'commit', code: 'UNAVAILABLE', count: 2, pathPrefix: ref.path });
    await ref.set({ v: 1 });
    expect((await ref.get()).get('v')).toBe(1);
    const stats = await control('GET', '/stats');
    expect((stats.documentWrites as Record<string, number>)[ref.path]).toBe(1);
    expect((await control('GET', `/faults?database=${encodeURIComponent(DATABASE)}`)).faults).toEqual([]);
  });

  it('DEADLINE_EXCEEDED on a plain set() surfaces to the caller and writes nothing; pathPrefix leaves other documents alone', async () => {
    const col = root();
    await fault({ operation: 'commit', code: 'DEADLINE_EXCEEDED', count: 1, pathPrefix: `${col.id}/a` });
    await col.doc('ab').set({ v: 1 }); // "a/..." prefix matching is by path segment
    await col.doc('b').set({ v: 1 });
    expect(await codeOf(col.doc('a').set({ v: 1 }))).toBe(DEADLINE_EXCEEDED);
    expect((await col.doc('a').get()).exists).toBe(false);
    await col.doc('a').set({ v: 2 });
    expect((await col.doc('a').get()).get('v')).toBe(2);
  });

  it('read faults: ABORTED surfaces from get(), UNAVAILABLE is retried by the client, queries match by collection', async () => {
    const col = root();
    await col.doc('a').set({ v: 1 });
    await fault({ operation: 'read', code: 'ABORTED', count: 1, pathPrefix: `${col.id}/a` });
    expect(await codeOf(col.doc('a').get())).toBe(ABORTED);
    expect((await col.doc('a').get()).exists).toBe(true);
    await fault({ operation: 'read', code: 'ABORTED', count: 1, pathPrefix: `${col.id}/a` });
    // A fault on one document leaves queries on its collection alone; the document's get takes it.
    expect((await col.get()).size).toBe(1);
    expect(await codeOf(col.doc('a').get())).toBe(ABORTED);
    await fault({ operation: 'read', code: 'ABORTED', count: 1, pathPrefix: col.id });
    expect(await codeOf(col.get())).toBe(ABORTED); // a fault on the collection fails its query
    await fault({ operation: 'read', code: 'UNAVAILABLE', count: 1, pathPrefix: col.id });
    expect((await col.get()).size).toBe(1);
    await fault({ operation: 'any', code: 'ABORTED', count: 1, pathPrefix: 'elsewhere' });
    expect((await col.get()).size).toBe(1);
    expect((await control('GET', `/faults?database=${encodeURIComponent(DATABASE)}`)).faults).toHaveLength(1);
  });

  it('stats count writes per document', async () => {
    const col = root();
    await control('POST', '/stats/reset');
    for (let i = 0; i < 3; i++) await col.doc('hot').set({ i });
    await col.doc('cold').set({ i: 0 });
    const stats = await control('GET', '/stats');
    const writes = stats.documentWrites as Record<string, number>;
    expect(writes[`${col.id}/hot`]).toBe(3);
    expect(writes[`${col.id}/cold`]).toBe(1);
    expect(stats.writes).toBeGreaterThanOrEqual(4);
  });
});
