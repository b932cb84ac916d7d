/**
 * Firestore conformance tests using the real firebase-admin client against
 * whatever FIRESTORE_EMULATOR_HOST names (the embedded emulator started by
 * test/setup/global-setup.ts, or the official emulator when the variable is
 * set beforehand). Each test works in its own random root collection, so no
 * global reset is needed and the file runs unchanged against either emulator.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deleteApp, getApps, initializeApp, type App } from 'firebase-admin/app';
import {
  AggregateField,
  FieldPath,
  FieldValue,
  Filter,
  GeoPoint,
  getFirestore,
  Timestamp,
  type CollectionReference,
  type DocumentData,
  type DocumentSnapshot,
  type Firestore,
  type QuerySnapshot,
} from 'firebase-admin/firestore';

process.env.FIRESTORE_EMULATOR_HOST ??= inject('firestoreEmulatorHost');
/** The embedded emulator's control endpoint ('' against another emulator). */
const controlUrl = process.env.FIRESTORE_CONTROL_URL ?? inject('firestoreControlUrl');
const DATABASE = 'projects/demo-conformance/databases/(default)';

let app: App;
let db: Firestore;

beforeAll(() => {
  app = getApps().find(a => a.name === 'conformance') ?? initializeApp({ projectId: 'demo-conformance' }, 'conformance');
  db = getFirestore(app);
});

afterAll(async () => {
  await deleteApp(app);
});

/** A fresh, unique root collection for one test. */
function root(): CollectionReference {
  return db.collection(`conf_${randomUUID()}`);
}

async function seed(col: CollectionReference, docs: Record<string, DocumentData>): Promise<void> {
  const batch = db.batch();
  for (const [id, data] of Object.entries(docs)) batch.set(col.doc(id), data);
  await batch.commit();
}

const ids = (snap: QuerySnapshot): string[] => snap.docs.map(d => d.id);

type IndexField = { fieldPath: string; order?: 'ASCENDING' | 'DESCENDING'; arrayConfig?: 'CONTAINS' };
const declared: { indexes: object[]; fieldOverrides: object[] } = { indexes: [], fieldOverrides: [] };

/**
 * Declares indexes a query needs, as they would have to be deployed in
 * production. The embedded emulator enforces firestore.indexes.json-style
 * indexes; this database's set is replaced through the control endpoint.
 * No-op against another emulator (which does not enforce indexes).
 */
async function declareIndexes(add: { indexes?: { collectionGroup: string; queryScope?: string; fields: IndexField[] }[]; fieldOverrides?: object[] }): Promise<void> {
  if (!controlUrl) return;
  declared.indexes.push(...(add.indexes ?? []));
  declared.fieldOverrides.push(...(add.fieldOverrides ?? []));
  const res = await fetch(`${controlUrl}/indexes`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ database: DATABASE, indexes: declared }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.status).toBe(200);
}

const composite = (collectionGroup: string, ...fields: [string, 'ASCENDING' | 'DESCENDING'][]) => ({
  collectionGroup,
  queryScope: 'COLLECTION',
  fields: fields.map(([fieldPath, order]) => ({ fieldPath, order })),
});

/** The gRPC status code a promise rejects with (undefined if it resolves). */
async function codeOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return (err as { code?: number }).code;
  }
}

const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;

describe('documents', () => {
  it('round-trips every value type', async () => {
    const col = root();
    const ref = col.doc('all');
    const other = col.doc('other');
    const ts = new Timestamp(1_700_000_000, 123_456_000);
    await ref.set({
      str: 'hello',
      int: 42,
      neg: -7,
      dbl: 3.25,
      bool: true,
      nul: null,
      ts,
      geo: new GeoPoint(52.5, 13.4),
      bytes: Buffer.from([0, 1, 2, 255]),
      ref: other,
      arr: [1, 'two', { three: 3 }],
      map: { nested: { deep: 'x' }, empty: {} },
    });
    const data = (await ref.get()).data();
    expect(data).toBeDefined();
    expect(data?.str).toBe('hello');
    expect(data?.int).toBe(42);
    expect(data?.neg).toBe(-7);
    expect(data?.dbl).toBe(3.25);
    expect(data?.bool).toBe(true);
    expect(data?.nul).toBeNull();
    expect((data?.ts as Timestamp).isEqual(ts)).toBe(true);
    expect((data?.geo as GeoPoint).isEqual(new GeoPoint(52.5, 13.4))).toBe(true);
    expect(Buffer.from(data?.bytes as Uint8Array).equals(Buffer.from([0, 1, 2, 255]))).toBe(true);
    expect(data?.ref.path).toBe(other.path);
    expect(data?.arr).toEqual([1, 'two', { three: 3 }]);
    expect(data?.map).toEqual({ nested: { deep: 'x' }, empty: {} });
  });

  it('reports missing documents as not existing', async () => {
    const snap = await root().doc('nope').get();
    expect(snap.exists).toBe(false);
    expect(snap.data()).toBeUndefined();
    expect(snap.createTime).toBeUndefined();
  });

  it('create() on an existing document fails with ALREADY_EXISTS and changes nothing', async () => {
    const ref = root().doc('d');
    await ref.create({ v: 1 });
    expect(await codeOf(ref.create({ v: 2 }))).toBe(ALREADY_EXISTS);
    expect((await ref.get()).get('v')).toBe(1);
  });

  it('update() on a missing document fails with NOT_FOUND and does not create it', async () => {
    const ref = root().doc('missing');
    expect(await codeOf(ref.update({ v: 1 }))).toBe(NOT_FOUND);
    expect((await ref.get()).exists).toBe(false);
  });

  it('set() replaces, set({merge}) merges nested maps', async () => {
    const ref = root().doc('d');
    await ref.set({ a: 1, m: { x: 1, y: 1 } });
    await ref.set({ b: 2 });
    expect((await ref.get()).data()).toEqual({ b: 2 });
    await ref.set({ m: { x: 1, y: 1 } }, { merge: true });
    await ref.set({ m: { y: 2, z: 3 } }, { merge: true });
    expect((await ref.get()).data()).toEqual({ b: 2, m: { x: 1, y: 2, z: 3 } });
  });

  it('update() with dotted paths changes nested fields only', async () => {
    const ref = root().doc('d');
    await ref.set({ a: { b: { c: 1, keep: true }, sibling: 's' }, top: 1 });
    await ref.update({ 'a.b.c': 2, 'a.new': 'n' });
    expect((await ref.get()).data()).toEqual({ a: { b: { c: 2, keep: true }, sibling: 's', new: 'n' }, top: 1 });
  });

  it('FieldPath segments containing dots address literal keys', async () => {
    const ref = root().doc('d');
    await ref.set({ 'we.ird': { x: 1 }, we: { ird: 'other' } });
    await ref.update(new FieldPath('we.ird', 'x'), 2);
    const snap = await ref.get();
    expect(snap.get(new FieldPath('we.ird', 'x'))).toBe(2);
    expect(snap.get('we.ird')).toBe('other');
  });

  it('FieldValue.delete() removes top-level and nested fields', async () => {
    const ref = root().doc('d');
    await ref.set({ a: 1, b: 2, m: { x: 1, y: 2 } });
    await ref.update({ a: FieldValue.delete(), 'm.x': FieldValue.delete() });
    expect((await ref.get()).data()).toEqual({ b: 2, m: { y: 2 } });
    await ref.set({ b: FieldValue.delete() }, { merge: true });
    expect((await ref.get()).data()).toEqual({ m: { y: 2 } });
  });

  it('delete() removes the document and is idempotent', async () => {
    const ref = root().doc('d');
    await ref.set({ v: 1 });
    await ref.delete();
    expect((await ref.get()).exists).toBe(false);
    await expect(ref.delete()).resolves.toBeDefined();
  });

  it('maintains createTime and updateTime', async () => {
    const ref = root().doc('d');
    const first = await ref.set({ v: 1 });
    const s1 = await ref.get();
    expect(s1.createTime?.isEqual(first.writeTime)).toBe(true);
    expect(s1.updateTime?.isEqual(first.writeTime)).toBe(true);
    const second = await ref.update({ v: 2 });
    const s2 = await ref.get();
    expect(s2.createTime?.isEqual(s1.createTime as Timestamp)).toBe(true);
    expect(s2.updateTime?.isEqual(second.writeTime)).toBe(true);
    expect(second.writeTime.valueOf() > first.writeTime.valueOf()).toBe(true);
  });

  it('honours the lastUpdateTime precondition', async () => {
    const ref = root().doc('d');
    await ref.set({ v: 1 });
    const snap = await ref.get();
    const seen = snap.updateTime as Timestamp;
    await ref.update({ v: 2 }, { lastUpdateTime: seen });
    expect(await codeOf(ref.update({ v: 3 }, { lastUpdateTime: seen }))).toBe(FAILED_PRECONDITION);
    expect(await codeOf(ref.delete({ lastUpdateTime: seen }))).toBe(FAILED_PRECONDITION);
    expect((await ref.get()).get('v')).toBe(2);
  });

  it('round-trips Date and Timestamp values', async () => {
    const ref = root().doc('d');
    const date = new Date('2024-02-29T12:34:56.789Z');
    const ts = new Timestamp(1_234_567_890, 987_654_000);
    await ref.set({ date, ts, early: new Timestamp(-1_000, 500_000) });
    const snap = await ref.get();
    expect((snap.get('date') as Timestamp).toDate().toISOString()).toBe(date.toISOString());
    expect((snap.get('ts') as Timestamp).seconds).toBe(1_234_567_890);
    expect((snap.get('ts') as Timestamp).nanoseconds).toBe(987_654_000);
    expect((snap.get('early') as Timestamp).isEqual(new Timestamp(-1_000, 500_000))).toBe(true);
  });

  it('getAll() returns documents in request order, including missing ones', async () => {
    const col = root();
    await seed(col, { a: { v: 'a' }, c: { v: 'c' } });
    const snaps = await db.getAll(col.doc('c'), col.doc('b'), col.doc('a'));
    expect(snaps.map(s => [s.id, s.exists])).toEqual([
      ['c', true],
      ['b', false],
      ['a', true],
    ]);
    expect(snaps[0]?.get('v')).toBe('c');
  });

  it('getAll() applies a field mask', async () => {
    const col = root();
    await seed(col, { a: { keep: 1, drop: 2, m: { x: 1, y: 2 } } });
    const [snap] = await db.getAll(col.doc('a'), { fieldMask: ['keep', 'm.y'] });
    expect(snap?.data()).toEqual({ keep: 1, m: { y: 2 } });
  });

  it('isolates project ids and named databases', async () => {
    const path = `conf_${randomUUID()}/shared`;
    const otherApp = initializeApp({ projectId: 'demo-conformance-other' }, `conformance-other-${randomUUID()}`);
    try {
      const otherProject = getFirestore(otherApp);
      const namedDb = getFirestore(app, 'conformance-named');
      await db.doc(path).set({ owner: 'default' });
      await otherProject.doc(path).set({ owner: 'other-project' });
      await namedDb.doc(path).set({ owner: 'named-db' });
      expect((await db.doc(path).get()).get('owner')).toBe('default');
      expect((await otherProject.doc(path).get()).get('owner')).toBe('other-project');
      expect((await namedDb.doc(path).get()).get('owner')).toBe('named-db');
    } finally {
      await deleteApp(otherApp);
    }
  });
});

describe('field transforms', () => {
  it('increments integers and doubles, and sets missing fields', async () => {
    const ref = root().doc('d');
    await ref.set({ i: 1, d: 1.5, s: 'text' });
    await ref.update({ i: FieldValue.increment(2), d: FieldValue.increment(1), s: FieldValue.increment(5), fresh: FieldValue.increment(7) });
    expect((await ref.get()).data()).toEqual({ i: 3, d: 2.5, s: 5, fresh: 7 });
    await ref.update({ i: FieldValue.increment(0.5) });
    expect((await ref.get()).get('i')).toBe(3.5);
  });

  it('applies 100 concurrent non-transactional increments', async () => {
    const ref = root().doc('counter');
    await ref.set({ n: 0 });
    await Promise.all(Array.from({ length: 100 }, () => ref.update({ n: FieldValue.increment(1) })));
    expect((await ref.get()).get('n')).toBe(100);
  });

  it('arrayUnion adds missing elements and arrayRemove removes all occurrences', async () => {
    const ref = root().doc('d');
    await ref.set({ tags: ['a', 'b', 'a'], nums: [1, 2, 3, 2] });
    await ref.update({ tags: FieldValue.arrayUnion('b', 'c', 'c'), nums: FieldValue.arrayRemove(2, 9) });
    expect((await ref.get()).data()).toEqual({ tags: ['a', 'b', 'a', 'c'], nums: [1, 3] });
    await ref.update({ created: FieldValue.arrayUnion({ k: 1 }), gone: FieldValue.arrayRemove('x') });
    expect((await ref.get()).data()).toMatchObject({ created: [{ k: 1 }], gone: [] });
  });

  it('serverTimestamp() stores the commit time', async () => {
    const ref = root().doc('d');
    const before = Date.now();
    const result = await ref.set({ at: FieldValue.serverTimestamp(), nested: { at: FieldValue.serverTimestamp() } });
    const after = Date.now();
    const snap = await ref.get();
    const at = snap.get('at') as Timestamp;
    expect(at).toBeInstanceOf(Timestamp);
    expect(at.toMillis()).toBeGreaterThanOrEqual(before - 1000);
    expect(at.toMillis()).toBeLessThanOrEqual(after + 1000);
    expect((snap.get('nested.at') as Timestamp).isEqual(at)).toBe(true);
    expect(Math.abs(at.toMillis() - result.writeTime.toMillis())).toBeLessThanOrEqual(1);
  });

  it('transform-only writes create documents with set(merge) and update existing ones', async () => {
    const ref = root().doc('d');
    await ref.set({ n: FieldValue.increment(5) }, { merge: true });
    expect((await ref.get()).data()).toEqual({ n: 5 });
    await ref.update({ n: FieldValue.increment(-2) });
    expect((await ref.get()).data()).toEqual({ n: 3 });
  });
});

describe('batched writes', () => {
  it('a batch with one failing write applies nothing', async () => {
    const col = root();
    await col.doc('existing').set({ v: 'original' });
    const batch = db.batch();
    batch.set(col.doc('a'), { v: 1 });
    batch.update(col.doc('existing'), { v: 'changed' });
    batch.create(col.doc('existing'), { v: 'dup' });
    batch.set(col.doc('b'), { v: 2 });
    expect(await codeOf(batch.commit())).toBe(ALREADY_EXISTS);
    const snaps = await db.getAll(col.doc('a'), col.doc('b'), col.doc('existing'));
    expect(snaps.map(s => s.exists)).toEqual([false, false, true]);
    expect(snaps[2]?.get('v')).toBe('original');
  });

  it('a batch updating a missing document fails with NOT_FOUND atomically', async () => {
    const col = root();
    const batch = db.batch();
    batch.set(col.doc('a'), { v: 1 });
    batch.update(col.doc('ghost'), { v: 2 });
    expect(await codeOf(batch.commit())).toBe(NOT_FOUND);
    expect((await col.doc('a').get()).exists).toBe(false);
  });

  it('commits a 500-write batch', async () => {
    const col = root();
    const batch = db.batch();
    for (let i = 0; i < 500; i++) batch.set(col.doc(`d${String(i).padStart(3, '0')}`), { i });
    const results = await batch.commit();
    expect(results).toHaveLength(500);
    expect((await col.count().get()).data().count).toBe(500);
    const last = await col.orderBy('i', 'desc').limit(1).get();
    expect(last.docs[0]?.get('i')).toBe(499);
  });

  it('BulkWriter applies writes independently', async () => {
    const col = root();
    await col.doc('exists').set({ v: 0 });
    const writer = db.bulkWriter();
    writer.onWriteError(() => false); // do not retry the expected failure
    const ok = codeOf(writer.set(col.doc('a'), { v: 1 }));
    const bad = codeOf(writer.create(col.doc('exists'), { v: 2 }));
    const ok2 = codeOf(writer.update(col.doc('exists'), { v: 3 }));
    await writer.close();
    expect(await ok).toBeUndefined();
    expect(await bad).toBe(ALREADY_EXISTS);
    expect(await ok2).toBeUndefined();
    expect((await col.doc('exists').get()).get('v')).toBe(3);
  });
});

describe('transactions', () => {
  it('50 concurrent read-modify-write transactions on one document all land', async () => {
    const ref = root().doc('counter');
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        db.runTransaction(async t => {
          const snap = await t.get(ref);
          const n = ((snap.get('n') as number | undefined) ?? 0) + 1;
          t.set(ref, { n });
          return n;
        }),
      ),
    );
    expect((await ref.get()).get('n')).toBe(50);
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('retries when a document it read is changed by an awaited non-transactional write', async () => {
    const ref = root().doc('d');
    await ref.set({ n: 1 });
    let attempts = 0;
    const result = await db.runTransaction(async t => {
      attempts++;
      const snap = await t.get(ref);
      if (attempts === 1) await ref.set({ n: 100 });
      const n = (snap.get('n') as number) + 1;
      t.set(ref, { n });
      return n;
    });
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(result).toBe(101);
    expect((await ref.get()).get('n')).toBe(101);
  });

  it('a transaction that throws writes nothing', async () => {
    const col = root();
    await col.doc('a').set({ v: 1 });
    const error = new Error('boom');
    await expect(
      db.runTransaction(async t => {
        const snap = await t.get(col.doc('a'));
        t.update(col.doc('a'), { v: (snap.get('v') as number) + 1 });
        t.set(col.doc('b'), { v: 1 });
        throw error;
      }),
    ).rejects.toBe(error);
    expect((await col.doc('a').get()).get('v')).toBe(1);
    expect((await col.doc('b').get()).exists).toBe(false);
  });

  it('keeps the total constant under 20 concurrent transfers', async () => {
    const col = root();
    await seed(col, { a: { balance: 100 }, b: { balance: 100 } });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.runTransaction(async t => {
          const [from, to] = i % 2 === 0 ? [col.doc('a'), col.doc('b')] : [col.doc('b'), col.doc('a')];
          const [fromSnap, toSnap] = await t.getAll(from, to);
          t.update(from, { balance: (fromSnap?.get('balance') as number) - (i + 1) });
          t.update(to, { balance: (toSnap?.get('balance') as number) + (i + 1) });
        }),
      ),
    );
    const [a, b] = await db.getAll(col.doc('a'), col.doc('b'));
    const odd = Array.from({ length: 10 }, (_, k) => 2 * k + 2).reduce((s, x) => s + x, 0); // b -> a
    const even = Array.from({ length: 10 }, (_, k) => 2 * k + 1).reduce((s, x) => s + x, 0); // a -> b
    expect(a?.get('balance')).toBe(100 - even + odd);
    expect(b?.get('balance')).toBe(100 + even - odd);
  });

  it('reads queries inside transactions and writes the results', async () => {
    const col = root();
    await seed(col, { a: { status: 'new' }, b: { status: 'new' }, c: { status: 'done' } });
    const claimed = await db.runTransaction(async t => {
      const snap = await t.get(col.where('status', '==', 'new'));
      for (const doc of snap.docs) t.update(doc.ref, { status: 'claimed' });
      return ids(snap);
    });
    expect(claimed).toEqual(['a', 'b']);
    expect(ids(await col.where('status', '==', 'claimed').get())).toEqual(['a', 'b']);
  });

  it('create() inside a transaction on an existing document fails and writes nothing', async () => {
    const col = root();
    await col.doc('exists').set({ v: 1 });
    const code = await codeOf(
      db.runTransaction(async t => {
        await t.get(col.doc('exists'));
        t.set(col.doc('other'), { v: 1 });
        t.create(col.doc('exists'), { v: 2 });
      }),
    );
    expect(code).toBe(ALREADY_EXISTS);
    expect((await col.doc('other').get()).exists).toBe(false);
    expect((await col.doc('exists').get()).get('v')).toBe(1);
  });

  it('read-only transactions read a consistent snapshot', async () => {
    const ref = root().doc('d');
    await ref.set({ v: 1 });
    const seen = await db.runTransaction(
      async t => {
        const first = await t.get(ref);
        await ref.set({ v: 2 });
        const second = await t.get(ref);
        return [first.get('v') as number, second.get('v') as number];
      },
      { readOnly: true },
    );
    expect(seen).toEqual([1, 1]);
    expect((await ref.get()).get('v')).toBe(2);
  });

  it('read-only transactions can read at a past readTime', async () => {
    const ref = root().doc('d');
    const first = await ref.set({ v: 1 });
    await ref.set({ v: 2 });
    const old = await db.runTransaction(async t => (await t.get(ref)).get('v') as number, {
      readOnly: true,
      readTime: first.writeTime,
    });
    expect(old).toBe(1);
  });
});

describe('queries: filters', () => {
  async function numbers(): Promise<CollectionReference> {
    const col = root();
    await seed(col, {
      a: { v: 1 },
      b: { v: 2 },
      c: { v: 3 },
      d: { v: 4 },
      e: { v: 'text' },
      f: { other: true },
      g: { v: null },
    });
    return col;
  }

  it('== returns matches in document id order', async () => {
    const col = root();
    await seed(col, { z: { t: 'x' }, m: { t: 'x' }, a: { t: 'x' }, q: { t: 'y' } });
    expect(ids(await col.where('t', '==', 'x').get())).toEqual(['a', 'm', 'z']);
  });

  it('!= excludes missing fields and null values', async () => {
    const col = await numbers();
    expect(ids(await col.where('v', '!=', 2).get())).toEqual(['a', 'c', 'd', 'e']);
  });

  it('<, <=, >, >= compare within the same type only', async () => {
    const col = await numbers();
    expect(ids(await col.where('v', '<', 3).get())).toEqual(['a', 'b']);
    expect(ids(await col.where('v', '<=', 3).get())).toEqual(['a', 'b', 'c']);
    expect(ids(await col.where('v', '>', 2).get())).toEqual(['c', 'd']);
    expect(ids(await col.where('v', '>=', 2).get())).toEqual(['b', 'c', 'd']);
    expect(ids(await col.where('v', '>=', 'a').get())).toEqual(['e']);
  });

  it('in and not-in', async () => {
    const col = await numbers();
    expect(ids(await col.where('v', 'in', [1, 3, 'text']).get())).toEqual(['a', 'c', 'e']);
    expect(ids(await col.where('v', 'not-in', [1, 3]).get())).toEqual(['b', 'd', 'e']);
  });

  it('array-contains and array-contains-any', async () => {
    const col = root();
    await seed(col, { a: { tags: ['red', 'blue'] }, b: { tags: ['green'] }, c: { tags: 'red' }, d: { tags: [] } });
    expect(ids(await col.where('tags', 'array-contains', 'red').get())).toEqual(['a']);
    expect(ids(await col.where('tags', 'array-contains-any', ['green', 'blue']).get())).toEqual(['a', 'b']);
  });

  it('== null and == NaN use IS_NULL / IS_NAN', async () => {
    const col = root();
    await seed(col, { a: { v: null }, b: { v: NaN }, c: { v: 0 }, d: {} });
    expect(ids(await col.where('v', '==', null).get())).toEqual(['a']);
    expect(ids(await col.where('v', '==', NaN).get())).toEqual(['b']);
    expect(ids(await col.where('v', '!=', null).get())).toEqual(['b', 'c']);
  });

  it('integers and doubles compare numerically', async () => {
    const col = root();
    await seed(col, { a: { v: 1 }, b: { v: 1.0 }, c: { v: 1.5 }, d: { v: 2 } });
    expect(ids(await col.where('v', '==', 1).get())).toEqual(['a', 'b']);
    expect(ids(await col.where('v', '>', 1).get())).toEqual(['c', 'd']);
  });

  it('filters on nested fields', async () => {
    const col = root();
    await seed(col, { a: { m: { k: 1 } }, b: { m: { k: 2 } }, c: { m: 'flat' } });
    expect(ids(await col.where('m.k', '>=', 1).get())).toEqual(['a', 'b']);
    expect(ids(await col.where(new FieldPath('m', 'k'), '==', 2).get())).toEqual(['b']);
  });

  it('Filter.or and Filter.and composites', async () => {
    const col = root();
    await seed(col, {
      a: { x: 1, y: 'p' },
      b: { x: 2, y: 'q' },
      c: { x: 3, y: 'p' },
      d: { x: 4, y: 'r' },
    });
    expect(ids(await col.where(Filter.or(Filter.where('x', '==', 1), Filter.where('y', '==', 'r'))).get())).toEqual(['a', 'd']);
    const nested = Filter.and(Filter.where('y', '==', 'p'), Filter.or(Filter.where('x', '==', 3), Filter.where('x', '==', 2)));
    expect(ids(await col.where(nested).get())).toEqual(['c']);
  });

  it('filters on document id', async () => {
    const col = root();
    await seed(col, { a: {}, b: {}, c: {}, d: {} });
    expect(ids(await col.where(FieldPath.documentId(), 'in', ['b', 'd']).get())).toEqual(['b', 'd']);
    expect(ids(await col.where(FieldPath.documentId(), '>', 'b').get())).toEqual(['c', 'd']);
  });

  it('inequalities on two fields order by both fields, then id', async () => {
    const col = root();
    await seed(col, {
      a: { x: 2, y: 1 },
      b: { x: 1, y: 2 },
      c: { x: 1, y: 1 },
      d: { x: 5, y: 9 },
      e: { x: 0, y: 1 },
    });
    await declareIndexes({ indexes: [composite(col.id, ['x', 'ASCENDING'], ['y', 'ASCENDING'])] });
    expect(ids(await col.where('x', '>', 0).where('y', '<', 5).get())).toEqual(['c', 'b', 'a']);
  });
});

describe('queries: ordering, cursors, limits', () => {
  async function scores(): Promise<CollectionReference> {
    const col = root();
    await seed(col, {
      a: { score: 10, name: 'ann' },
      b: { score: 30, name: 'bob' },
      c: { score: 20, name: 'cat' },
      d: { score: 20, name: 'dan' },
      e: { score: 5, name: 'eve' },
      f: { name: 'no-score' },
    });
    return col;
  }

  it('orderBy ascending excludes documents missing the field', async () => {
    const col = await scores();
    expect(ids(await col.orderBy('score').get())).toEqual(['e', 'a', 'c', 'd', 'b']);
  });

  it('orderBy descending orders ties by id descending', async () => {
    const col = await scores();
    expect(ids(await col.orderBy('score', 'desc').get())).toEqual(['b', 'd', 'c', 'a', 'e']);
  });

  it('orderBy several fields', async () => {
    const col = root();
    await seed(col, {
      a: { g: 1, s: 'b' },
      b: { g: 2, s: 'a' },
      c: { g: 1, s: 'a' },
      d: { g: 2, s: 'b' },
      e: { g: 1, s: 'a' },
    });
    await declareIndexes({
      indexes: [composite(col.id, ['g', 'ASCENDING'], ['s', 'DESCENDING']), composite(col.id, ['g', 'DESCENDING'], ['s', 'ASCENDING'])],
    });
    // Ties on (g, s) fall back to __name__ in the direction of the last order (desc).
    expect(ids(await col.orderBy('g').orderBy('s', 'desc').get())).toEqual(['a', 'e', 'c', 'd', 'b']);
    expect(ids(await col.orderBy('g', 'desc').orderBy('s').get())).toEqual(['b', 'd', 'c', 'e', 'a']);
  });

  it('limit and limitToLast', async () => {
    const col = await scores();
    expect(ids(await col.orderBy('score').limit(2).get())).toEqual(['e', 'a']);
    expect(ids(await col.orderBy('score').limitToLast(2).get())).toEqual(['d', 'b']);
  });

  it('startAt / startAfter / endAt / endBefore with values', async () => {
    const col = await scores();
    const q = col.orderBy('score');
    expect(ids(await q.startAt(20).get())).toEqual(['c', 'd', 'b']);
    expect(ids(await q.startAfter(20).get())).toEqual(['b']);
    expect(ids(await q.endAt(20).get())).toEqual(['e', 'a', 'c', 'd']);
    expect(ids(await q.endBefore(20).get())).toEqual(['e', 'a']);
    expect(ids(await q.startAt(10).endAt(20).get())).toEqual(['a', 'c', 'd']);
    await declareIndexes({ indexes: [composite(col.id, ['score', 'ASCENDING'], ['name', 'ASCENDING'])] });
    expect(ids(await col.orderBy('score').orderBy('name').startAfter(20, 'cat').get())).toEqual(['d', 'b']);
  });

  it('cursors from DocumentSnapshots paginate through ties without gaps', async () => {
    const col = await scores();
    const seen: string[] = [];
    let last: DocumentSnapshot | undefined;
    for (;;) {
      let q = col.orderBy('score').limit(2);
      if (last) q = q.startAfter(last);
      const page = await q.get();
      if (page.empty) break;
      seen.push(...ids(page));
      last = page.docs[page.docs.length - 1];
    }
    expect(seen).toEqual(['e', 'a', 'c', 'd', 'b']);
    const d = await col.doc('d').get();
    expect(ids(await col.orderBy('score').startAt(d).get())).toEqual(['d', 'b']);
    expect(ids(await col.orderBy('score').endBefore(d).get())).toEqual(['e', 'a', 'c']);
    expect(ids(await col.orderBy('score').endAt(d).get())).toEqual(['e', 'a', 'c', 'd']);
  });

  it('offset skips results before the limit', async () => {
    const col = await scores();
    expect(ids(await col.orderBy('score').offset(1).limit(2).get())).toEqual(['a', 'c']);
    expect(ids(await col.orderBy('score').offset(10).get())).toEqual([]);
  });

  it('select() returns only the chosen fields', async () => {
    const col = root();
    await seed(col, { a: { keep: 1, drop: 2, m: { x: 1, y: 2 } } });
    const [doc] = (await col.select('keep', 'm.x').get()).docs;
    expect(doc?.data()).toEqual({ keep: 1, m: { x: 1 } });
    const [empty] = (await col.select().get()).docs;
    expect(empty?.id).toBe('a');
    expect(empty?.data()).toEqual({});
  });

  it('orders mixed types: null < bool < number < timestamp < string < bytes < reference < geopoint < array < map', async () => {
    const col = root();
    await seed(col, {
      m: { v: { a: 1 } },
      l: { v: [1, 2] },
      k: { v: new GeoPoint(1, 1) },
      j: { v: col.doc('ref') },
      i: { v: Buffer.from([1]) },
      h: { v: 'b' },
      g: { v: 'a' },
      f: { v: Timestamp.fromMillis(0) },
      e: { v: 1.5 },
      d: { v: 1 },
      c: { v: NaN },
      b2: { v: true },
      b1: { v: false },
      a: { v: null },
    });
    expect(ids(await col.orderBy('v').get())).toEqual(['a', 'b1', 'b2', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm']);
    expect(ids(await col.orderBy('v', 'desc').limit(3).get())).toEqual(['m', 'l', 'k']);
  });

  it('orders strings by code point', async () => {
    const col = root();
    await seed(col, { s1: { v: 'é' }, s2: { v: 'Z' }, s3: { v: 'a' }, s4: { v: '中' }, s5: { v: 'ab' } });
    expect(ids(await col.orderBy('v').get())).toEqual(['s2', 's3', 's5', 's1', 's4']);
  });
});

describe('aggregations', () => {
  it('count() with and without filters', async () => {
    const col = root();
    await seed(col, { a: { v: 1 }, b: { v: 2 }, c: { v: 3 }, d: { w: 1 } });
    expect((await col.count().get()).data().count).toBe(4);
    expect((await col.where('v', '>=', 2).count().get()).data().count).toBe(2);
    expect((await col.where('v', '>', 100).count().get()).data().count).toBe(0);
    expect((await col.orderBy('v').limit(2).count().get()).data().count).toBe(2);
  });

  it('sum() and average() ignore non-numeric values', async () => {
    const col = root();
    await seed(col, { a: { v: 1 }, b: { v: 2.5 }, c: { v: 'x' }, d: { v: 4 }, e: {} });
    const snap = await col
      .aggregate({ total: AggregateField.sum('v'), mean: AggregateField.average('v'), n: AggregateField.count() })
      .get();
    expect(snap.data()).toEqual({ total: 7.5, mean: 2.5, n: 5 });
    const none = await col.where('v', '==', 'x').aggregate({ s: AggregateField.sum('v'), m: AggregateField.average('v') }).get();
    expect(none.data()).toEqual({ s: 0, m: null });
  });
});

describe('listeners', () => {
  it('onSnapshot delivers the initial result and later changes', async () => {
    const col = root();
    await col.doc('a').set({ v: 1 });
    const snapshots: string[][] = [];
    let notify: (() => void) | undefined;
    const nextSnapshot = (): Promise<void> => new Promise(resolve => (notify = resolve));
    let pending = nextSnapshot();
    const unsubscribe = col.where('v', '>', 0).onSnapshot(snap => {
      snapshots.push(snap.docChanges().map(c => `${c.type}:${c.doc.id}`));
      notify?.();
    });
    try {
      await pending;
      pending = nextSnapshot();
      await col.doc('b').set({ v: 2 });
      await pending;
      pending = nextSnapshot();
      await col.doc('a').update({ v: 0 });
      await pending;
    } finally {
      unsubscribe();
    }
    expect(snapshots).toEqual([['added:a'], ['added:b'], ['removed:a']]);
  });
});

describe('collections and hierarchy', () => {
  it('collection-group queries match every collection with that id, and only those', async () => {
    const group = `cg_${randomUUID()}`;
    const rootA = root();
    const rootB = root();
    await Promise.all([
      rootA.doc('p1').collection(group).doc('x').set({ v: 1 }),
      rootA.doc('p1').collection(`${group}_decoy`).doc('y').set({ v: 2 }),
      rootB.doc('p2').collection(group).doc('z').set({ v: 3 }),
      rootB.doc('p2').collection(group).doc('z').collection(group).doc('deep').set({ v: 4 }),
      db.collection(group).doc('top').set({ v: 5 }),
      rootB.doc(group).set({ v: 6 }), // a document named like the group is not in it
    ]);
    // Collection-group scope has no automatic single-field indexes.
    await declareIndexes({
      fieldOverrides: [
        {
          collectionGroup: group,
          fieldPath: 'v',
          indexes: [
            { order: 'ASCENDING', queryScope: 'COLLECTION' },
            { order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' },
          ],
        },
      ],
    });
    const all = await db.collectionGroup(group).orderBy('v').get();
    expect(all.docs.map(d => d.get('v'))).toEqual([1, 3, 4, 5]);
    const filtered = await db.collectionGroup(group).where('v', '>', 3).get();
    expect(filtered.docs.map(d => d.ref.path).sort()).toEqual([`${group}/top`, `${rootB.id}/p2/${group}/z/${group}/deep`].sort());
    expect((await db.collectionGroup(group).count().get()).data().count).toBe(4);
  });

  it('recursiveDelete() removes a document and all nested subcollections', async () => {
    const col = root();
    const target = col.doc('target');
    await Promise.all([
      target.set({ v: 1 }),
      target.collection('sub').doc('a').set({ v: 2 }),
      target.collection('sub').doc('a').collection('deeper').doc('b').set({ v: 3 }),
      target.collection('other').doc('c').set({ v: 4 }),
      col.doc('sibling').set({ v: 5 }),
      col.doc('sibling').collection('sub').doc('keep').set({ v: 6 }),
    ]);
    await db.recursiveDelete(target);
    const snaps = await db.getAll(
      target,
      target.collection('sub').doc('a'),
      target.collection('sub').doc('a').collection('deeper').doc('b'),
      target.collection('other').doc('c'),
      col.doc('sibling'),
      col.doc('sibling').collection('sub').doc('keep'),
    );
    expect(snaps.map(s => s.exists)).toEqual([false, false, false, false, true, true]);
    expect(await target.listCollections()).toEqual([]);
  });

  it('recursiveDelete() of a collection leaves other collections alone', async () => {
    const col = root();
    await Promise.all([
      col.doc('a').set({}),
      col.doc('a').collection('sub').doc('x').set({}),
      col.doc('B').set({}),
      col.doc('1').set({}),
    ]);
    const neighbour = db.collection(`${col.id}_neighbour`);
    await neighbour.doc('n').set({});
    await db.recursiveDelete(col);
    expect((await col.get()).empty).toBe(true);
    expect((await col.doc('a').collection('sub').get()).empty).toBe(true);
    expect((await neighbour.doc('n').get()).exists).toBe(true);
  });

  it('listCollections() and listDocuments() include parents that only have subcollections', async () => {
    const col = root();
    await Promise.all([
      col.doc('a').set({ v: 1 }),
      col.doc('b').collection('kids').doc('k').set({ v: 2 }),
      col.doc('a').collection('one').doc('x').set({}),
      col.doc('a').collection('two').doc('y').collection('deep').doc('z').set({}),
    ]);
    const docs = await col.listDocuments();
    expect(docs.map(d => d.id).sort()).toEqual(['a', 'b']);
    const collections = await col.doc('a').listCollections();
    expect(collections.map(c => c.id).sort()).toEqual(['one', 'two']);
    const rootIds = (await db.listCollections()).map(c => c.id);
    expect(rootIds).toContain(col.id);
  });
});
