import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FirestoreError } from '../src/errors.js';
import { FaultInjector } from '../src/faults.js';
import { startFirestoreEmulator, type RunningEmulator } from '../src/index.js';
import { documentSize } from '../src/limits.js';
import type { ValueProto, WriteProto } from '../src/proto-types.js';
import { FirestoreService } from '../src/service.js';
import { fieldsFromProto } from '../src/values.js';

const DB = 'projects/demo/databases/(default)';
const name = (path: string): string => `${DB}/documents/${path}`;
const set = (path: string, fields: Record<string, ValueProto> = {}): WriteProto => ({ update: { name: name(path), fields } });

async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof FirestoreError ? err.code : -1;
  }
}

describe('FaultInjector', () => {
  it('matches operation, database and path prefix, and counts down', () => {
    const f = new FaultInjector();
    f.add({ operation: 'commit', code: 'UNAVAILABLE', count: 2, pathPrefix: 'licenses/K' });
    expect(f.take('read', DB, { kind: 'documents', paths: ['licenses/K'] })).toBeUndefined();
    expect(f.take('commit', DB, { kind: 'documents', paths: ['licenses/KEY'] })).toBeUndefined(); // not a path prefix
    expect(f.take('commit', DB, { kind: 'documents', paths: ['licenses/K/sub/x'] })?.code).toBe(14);
    expect(f.take('commit', DB, { kind: 'documents', paths: ['other/x', 'licenses/K'] })?.code).toBe(14);
    expect(f.take('commit', DB, { kind: 'documents', paths: ['licenses/K'] })).toBeUndefined();
    expect(f.list()).toEqual([]);
  });

  it('matches queries on the prefix collection or below it, never queries on a collection that only contains the prefix', () => {
    const f = new FaultInjector();
    f.add({ operation: 'read', code: 'ABORTED', count: 10, pathPrefix: 'licenses/K' });
    // A fault on one document leaves queries on its collection alone (other tests share it).
    expect(f.take('read', DB, { kind: 'query', base: 'licenses' })).toBeUndefined();
    expect(f.take('read', DB, { kind: 'query', base: 'licenses/K/devices' })).toBeDefined();
    expect(f.take('read', DB, { kind: 'query', base: 'apps' })).toBeUndefined();
    f.add({ operation: 'read', code: 'ABORTED', count: 1, pathPrefix: 'licenses' });
    expect(f.take('read', DB, { kind: 'query', base: 'licenses' })).toBeDefined();
    f.add({ operation: 'any', code: 'DEADLINE_EXCEEDED', count: 1, database: 'projects/x/databases/(default)' });
    expect(f.take('commit', DB, { kind: 'documents', paths: ['a/b'] })).toBeUndefined();
    expect(f.take('commit', 'projects/x/databases/(default)', { kind: 'documents', paths: ['a/b'] })?.code).toBe(4);
  });

  it('validates specs', () => {
    const f = new FaultInjector();
    expect(() => f.add({ operation: 'write', code: 'ABORTED', count: 1 })).toThrow(/operation/);
    expect(() => f.add({ operation: 'read', code: 'NOT_FOUND', count: 1 })).toThrow(/code/);
    expect(() => f.add({ operation: 'read', code: 'ABORTED', count: 0 })).toThrow(/count/);
  });
});

describe('random faults', () => {
  const draws = (seed: number | string, n: number, rate = 0.1) => {
    const f = new FaultInjector();
    f.add({ operation: 'commit', code: ['ABORTED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED'], rate, seed });
    return Array.from({ length: n }, () => f.take('commit', DB, { kind: 'documents', paths: ['c/a'] })?.code ?? 0);
  };

  it('fails about `rate` of the matching operations, with codes drawn from the list', () => {
    const outcomes = draws('rate-test', 20_000);
    const failed = outcomes.filter(code => code !== 0);
    expect(failed.length / outcomes.length).toBeGreaterThan(0.09);
    expect(failed.length / outcomes.length).toBeLessThan(0.11);
    for (const code of [10, 14, 4]) expect(failed.filter(c => c === code).length).toBeGreaterThan(failed.length / 4);
    expect(new Set(failed)).toEqual(new Set([10, 14, 4]));
  });

  it('is deterministic from its seed: the same seed fails the same operations, another seed others', () => {
    expect(draws(42, 2_000)).toEqual(draws(42, 2_000));
    expect(draws('replay-me', 2_000)).toEqual(draws('replay-me', 2_000));
    expect(draws(42, 2_000)).not.toEqual(draws(43, 2_000));
  });

  it('draws only for matching operations, so other traffic does not shift the sequence', () => {
    const f = new FaultInjector();
    f.add({ operation: 'read', code: 'UNAVAILABLE', rate: 0.5, seed: 7, pathPrefix: 'licenses' });
    const seq: number[] = [];
    for (let i = 0; i < 200; i++) {
      expect(f.take('commit', DB, { kind: 'documents', paths: ['licenses/a'] })).toBeUndefined();
      expect(f.take('read', DB, { kind: 'documents', paths: ['apps/a'] })).toBeUndefined();
      seq.push(f.take('read', DB, { kind: 'documents', paths: ['licenses/a'] })?.code ?? 0);
    }
    const g = new FaultInjector();
    g.add({ operation: 'read', code: 'UNAVAILABLE', rate: 0.5, seed: 7, pathPrefix: 'licenses' });
    expect(Array.from({ length: 200 }, () => g.take('read', DB, { kind: 'documents', paths: ['licenses/b'] })?.code ?? 0)).toEqual(seq);
    const [listed] = f.list();
    expect(listed).toMatchObject({ rate: 0.5, seed: 7, remaining: null, drawn: 200, injected: seq.filter(c => c !== 0).length });
  });

  it('counted faults come first; a random rule stays until cleared and reports a drawn seed', () => {
    const f = new FaultInjector();
    const random = f.add({ operation: 'any', code: 'ABORTED', rate: 1 });
    expect(typeof random.seed).toBe('string');
    f.add({ operation: 'commit', code: 'UNAVAILABLE', count: 1 });
    expect(f.take('commit', DB, { kind: 'documents', paths: ['a/b'] })?.code).toBe(14);
    for (let i = 0; i < 5; i++) expect(f.take('read', DB, { kind: 'query', base: 'a' })?.code).toBe(10);
    expect(f.list()).toHaveLength(1);
    expect(f.remove(random.id)).toBe(true);
    expect(f.take('read', DB, { kind: 'query', base: 'a' })).toBeUndefined();
  });

  it('validates random specs', () => {
    const f = new FaultInjector();
    expect(() => f.add({ operation: 'read', code: 'ABORTED', rate: 0 })).toThrow(/rate/);
    expect(() => f.add({ operation: 'read', code: 'ABORTED', rate: 1.5 })).toThrow(/rate/);
    expect(() => f.add({ operation: 'read', code: 'ABORTED', rate: 0.1, count: 1 })).toThrow(/not both/);
    expect(() => f.add({ operation: 'read', code: [], rate: 0.1 })).toThrow(/code/);
    expect(() => f.add({ operation: 'read', code: ['ABORTED', 'NOT_FOUND'], rate: 0.1 })).toThrow(/code/);
    expect(() => f.add({ operation: 'read', code: ['ABORTED'], count: 1 })).toThrow(/code/);
    expect(() => f.add({ operation: 'read', code: 'ABORTED', count: 1, seed: 3 })).toThrow(/seed/);
    expect(() => f.add({ operation: 'read', code: 'ABORTED', rate: 0.1, seed: 1.5 })).toThrow(/seed/);
  });

  it('over the control endpoint: added with a seed, listed with its count of injected faults, cleared by id', async () => {
    const emulator = await startFirestoreEmulator({ port: 0 });
    try {
      const post = await fetch(`${emulator.controlUrl}/faults`, {
        method: 'POST',
        body: JSON.stringify({ operation: 'read', code: ['ABORTED', 'UNAVAILABLE'], rate: 0.5, seed: 'abc', pathPrefix: 'c' }),
      });
      const added = (await post.json()) as { ok: boolean; id: string; seed: string };
      expect(added).toMatchObject({ ok: true, seed: 'abc' });
      const listed = (await (await fetch(`${emulator.controlUrl}/faults`)).json()) as { faults: Array<Record<string, unknown>> };
      expect(listed.faults).toEqual([expect.objectContaining({ id: added.id, rate: 0.5, seed: 'abc', injected: 0, remaining: null })]);
      const bad = await fetch(`${emulator.controlUrl}/faults`, { method: 'POST', body: JSON.stringify({ operation: 'read', code: 'ABORTED', rate: 2 }) });
      expect(bad.status).toBe(400);
      await fetch(`${emulator.controlUrl}/faults/${added.id}`, { method: 'DELETE' });
      expect(((await (await fetch(`${emulator.controlUrl}/faults`)).json()) as { faults: unknown[] }).faults).toEqual([]);
    } finally {
      await emulator.stop();
    }
  });
});

describe('service faults', () => {
  it('a faulted transactional commit writes nothing and releases the locks', async () => {
    const s = new FirestoreService();
    try {
      const messages: { transaction?: Uint8Array }[] = [];
      await s.batchGetDocuments({ database: DB, documents: [name('c/a')], newTransaction: { readWrite: {} } }, m => messages.push(m));
      const transaction = messages[0]?.transaction;
      s.faults.add({ operation: 'commit', code: 'ABORTED', count: 1 });
      expect(await codeOf(s.commit({ database: DB, writes: [set('c/a', { v: { integerValue: '1' } })], transaction }))).toBe(10);
      expect(s.database(DB).txns.locks.size).toBe(0);
      expect(s.database(DB).store.get('c/a')).toBeNull();
      await s.commit({ database: DB, writes: [set('c/a')] });
      expect(s.stats.documentWrites['c/a']).toBe(1);
    } finally {
      s.close();
    }
  });

  it('faults BatchWrite and single-document writes as commits, queries as reads', async () => {
    const s = new FirestoreService();
    try {
      s.faults.add({ operation: 'commit', code: 'RESOURCE_EXHAUSTED', count: 2 });
      expect(await codeOf(s.batchWrite({ database: DB, writes: [set('c/a')] }))).toBe(8);
      expect(await codeOf(s.deleteDocument({ name: name('c/a') }))).toBe(8);
      await s.batchWrite({ database: DB, writes: [set('c/a')] });
      s.faults.add({ operation: 'read', code: 'UNAVAILABLE', count: 1, pathPrefix: 'c' });
      expect(await codeOf(s.runQuery({ parent: `${DB}/documents`, structuredQuery: { from: [{ collectionId: 'c' }] } }, () => {}))).toBe(14);
      await s.runQuery({ parent: `${DB}/documents`, structuredQuery: { from: [{ collectionId: 'c' }] } }, () => {});
    } finally {
      s.close();
    }
  });
});

describe('limits', () => {
  const s = new FirestoreService();
  afterAll(() => s.close());
  const commit = (writes: WriteProto[]) => s.commit({ database: DB, writes });

  it('refuses reserved and oversized ids, reserved field names, deep nesting', async () => {
    expect(await codeOf(commit([set('c/__x__')]))).toBe(3);
    expect(await codeOf(commit([set('__c__/x')]))).toBe(3);
    expect(await codeOf(commit([set('c/__id7__')]))).toBe(3);
    expect(await codeOf(commit([set(`c/${'x'.repeat(1501)}`)]))).toBe(3);
    await commit([set(`c/${'x'.repeat(1500)}`)]);
    expect(await codeOf(commit([set('c/a', { __f__: { integerValue: '1' } })]))).toBe(3);
    expect(await codeOf(commit([set('c/a', { m: { mapValue: { fields: { __f__: { nullValue: 'NULL_VALUE' } } } } })]))).toBe(3);
    let deep: ValueProto = { integerValue: '1' };
    for (let i = 0; i < 20; i++) deep = { mapValue: { fields: { x: deep } } };
    await commit([set('c/a', { x: deep })]); // 20 levels below the top-level field
    deep = { arrayValue: { values: [deep] } };
    expect(await codeOf(commit([set('c/a', { x: deep })]))).toBe(3);
  });

  it('refuses documents over 1 MiB, computed like production', async () => {
    const fields = (n: number): Record<string, ValueProto> => ({ s: { stringValue: 'x'.repeat(n) } });
    const overhead = documentSize('c/big', fieldsFromProto(fields(0)));
    await commit([set('c/big', fields(1_048_576 - overhead))]);
    const err = await commit([set('c/big', fields(1_048_576 - overhead + 1))]).catch((e: unknown) => e);
    expect((err as FirestoreError).code).toBe(3);
    expect((err as FirestoreError).message).toMatch(/exceeds the maximum allowed size of 1,048,576 bytes/);
  });

  it('refuses more than 500 transforms on one document and requests over 10 MiB', async () => {
    const transforms = Array.from({ length: 501 }, (_, i) => ({ fieldPath: `f${i}`, increment: { integerValue: '1' } }));
    expect(await codeOf(commit([{ transform: { document: name('c/t'), fieldTransforms: transforms } }]))).toBe(3);
    await commit([{ transform: { document: name('c/t'), fieldTransforms: transforms.slice(0, 500) } }]);
    const big = Array.from({ length: 11 }, (_, i) => set(`c/b${i}`, { s: { stringValue: 'x'.repeat(1_000_000) } }));
    expect(await codeOf(commit(big))).toBe(3);
    expect(s.database(DB).store.get('c/b0')).toBeNull();
  });

  it('refuses in / array-contains-any with more than 30 values, not-in with more than 10, more than 30 disjunctions', async () => {
    const values = (n: number) => ({ arrayValue: { values: Array.from({ length: n }, (_, i) => ({ integerValue: String(i) })) } });
    const query = (op: string, n: number) =>
      s.runQuery({ parent: `${DB}/documents`, structuredQuery: { from: [{ collectionId: 'c' }], where: { fieldFilter: { field: { fieldPath: 'v' }, op, value: values(n) } } } }, () => {});
    expect(await codeOf(query('IN', 30))).toBeUndefined();
    expect(await codeOf(query('IN', 31))).toBe(3);
    expect(await codeOf(query('ARRAY_CONTAINS_ANY', 31))).toBe(3);
    expect(await codeOf(query('NOT_IN', 10))).toBeUndefined();
    expect(await codeOf(query('NOT_IN', 11))).toBe(3);
    const twoIns = s.runQuery(
      {
        parent: `${DB}/documents`,
        structuredQuery: {
          from: [{ collectionId: 'c' }],
          where: {
            compositeFilter: {
              op: 'AND',
              filters: [
                { fieldFilter: { field: { fieldPath: 'a' }, op: 'IN', value: values(6) } },
                { fieldFilter: { field: { fieldPath: 'b' }, op: 'IN', value: values(6) } },
              ],
            },
          },
        },
      },
      () => {},
    );
    expect(await codeOf(twoIns)).toBe(3);
  });
});

describe('HTTP control endpoint', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startFirestoreEmulator({ port: 0, indexes: { indexes: [] } });
  });
  afterAll(async () => {
    await emulator.stop();
  });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emulator.controlUrl}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('manages faults, stats and reset', async () => {
    expect(emulator.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const added = await call('POST', '/faults', { operation: 'commit', code: 'ABORTED', count: 3, pathPrefix: 'licenses/K' });
    expect(added).toEqual({ status: 200, json: { ok: true, id: expect.any(String) } });
    expect((await call('GET', '/faults')).json.faults).toEqual([expect.objectContaining({ id: added.json.id, remaining: 3 })]);
    expect((await call('POST', '/faults', { operation: 'nope' })).status).toBe(400);
    expect((await call('DELETE', '/faults')).json).toEqual({ ok: true });
    expect((await call('GET', '/faults')).json.faults).toEqual([]);
    expect((await call('GET', '/stats')).json).toEqual({ reads: 0, writes: 0, documentWrites: {} });
    expect((await call('POST', '/stats/reset')).json).toEqual({ ok: true });
    expect((await call('POST', '/reset')).json).toEqual({ ok: true });
    expect((await call('PUT', '/indexes', { database: DB, indexes: null })).json).toEqual({ ok: true });
    expect((await call('PUT', '/indexes', { database: DB, indexes: { indexes: [{ collectionGroup: 'c', fields: [{ fieldPath: 'a' }] }] } })).status).toBe(400);
    expect((await call('GET', '/nope')).status).toBe(404);
    const fault = emulator.injectFaults({ operation: 'read', code: 'UNAVAILABLE', count: 1 });
    expect(fault.remaining).toBe(1);
    emulator.clearFaults();
    expect(emulator.stats()).toEqual({ reads: 0, writes: 0, documentWrites: {} });
  });
});
