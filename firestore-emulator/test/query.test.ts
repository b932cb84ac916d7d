import { describe, expect, it } from 'vitest';
import type { StructuredQueryProto, ValueProto } from '../src/proto-types.js';
import {
  compileAggregations,
  compileQuery,
  computeAggregations,
  executeQuery,
  type CompiledQuery,
} from '../src/query.js';
import { DocumentStore } from '../src/store.js';
import { fieldsFromProto, valueToProto } from '../src/values.js';

const DB = 'projects/demo/databases/(default)';
const ROOT = { database: DB, path: '', segments: [] as string[] };

const int = (n: number): ValueProto => ({ integerValue: String(n) });
const dbl = (n: number): ValueProto => ({ doubleValue: n });
const str = (s: string): ValueProto => ({ stringValue: s });
const nul: ValueProto = { nullValue: 'NULL_VALUE' };
const arr = (...values: ValueProto[]): ValueProto => ({ arrayValue: { values } });
const ref = (path: string): ValueProto => ({ referenceValue: `${DB}/documents/${path}` });
const field = (fieldPath: string) => ({ fieldPath });

function storeWith(docs: Record<string, Record<string, ValueProto>>): DocumentStore {
  const store = new DocumentStore();
  let t = 1;
  for (const [path, data] of Object.entries(docs)) store.put(path, fieldsFromProto(data), t++);
  return store;
}

function run(store: DocumentStore, query: StructuredQueryProto, parent = ROOT): string[] {
  return executeQuery(store, compileQuery(parent, query)).map(d => d.path);
}

const from = (collectionId: string) => [{ collectionId }];
const where = (path: string, op: string, value: ValueProto) => ({ fieldFilter: { field: field(path), op, value } });
const unary = (path: string, op: string) => ({ unaryFilter: { field: field(path), op } });

function order(q: CompiledQuery): string[] {
  return q.orderBy.map(o => `${o.path.join('.')} ${o.direction === 1 ? 'asc' : 'desc'}`);
}

describe('implicit ordering', () => {
  it('appends inequality fields lexicographically, then __name__, in the last direction', () => {
    const q = compileQuery(ROOT, {
      from: from('c'),
      where: { compositeFilter: { op: 'AND', filters: [where('z', 'GREATER_THAN', int(1)), where('b', 'NOT_EQUAL', int(1)), where('eq', 'EQUAL', int(1))] } },
      orderBy: [{ field: field('m'), direction: 'DESCENDING' }],
    });
    expect(order(q)).toEqual(['m desc', 'b desc', 'z desc', '__name__ desc']);
  });

  it('does not duplicate explicitly ordered fields and keeps an explicit __name__', () => {
    const q = compileQuery(ROOT, {
      from: from('c'),
      where: { compositeFilter: { op: 'OR', filters: [where('a', 'LESS_THAN', int(1)), unary('b', 'IS_NOT_NULL')] } },
      orderBy: [{ field: field('a') }, { field: field('__name__'), direction: 'DESCENDING' }],
    });
    expect(order(q)).toEqual(['a asc', '__name__ desc', 'b desc']);
  });

  it('uses ascending __name__ when nothing is ordered', () => {
    expect(order(compileQuery(ROOT, { from: from('c') }))).toEqual(['__name__ asc']);
  });
});

describe('filters', () => {
  const store = storeWith({
    'c/a': { v: int(1) },
    'c/b': { v: dbl(1) },
    'c/c': { v: dbl(NaN) },
    'c/d': { v: nul },
    'c/e': { v: str('1') },
    'c/f': {},
    'c/g': { v: arr(int(1), int(2)) },
    'c/h': { v: arr(str('x')) },
  });

  it('== matches ints and doubles alike', () => {
    expect(run(store, { from: from('c'), where: where('v', 'EQUAL', int(1)) })).toEqual(['c/a', 'c/b']);
  });

  it('!= and not-in exclude null and missing fields; not-in with null matches nothing', () => {
    expect(run(store, { from: from('c'), where: where('v', 'NOT_EQUAL', int(1)) })).toEqual(['c/c', 'c/e', 'c/g', 'c/h']);
    expect(run(store, { from: from('c'), where: where('v', 'NOT_IN', arr(int(1), str('1'))) })).toEqual(['c/c', 'c/g', 'c/h']);
    expect(run(store, { from: from('c'), where: where('v', 'NOT_IN', arr(nul)) })).toEqual([]);
  });

  it('unary filters', () => {
    expect(run(store, { from: from('c'), where: unary('v', 'IS_NULL') })).toEqual(['c/d']);
    expect(run(store, { from: from('c'), where: unary('v', 'IS_NAN') })).toEqual(['c/c']);
    expect(run(store, { from: from('c'), where: unary('v', 'IS_NOT_NAN') })).toEqual(['c/a', 'c/b', 'c/e', 'c/g', 'c/h']);
    expect(run(store, { from: from('c'), where: unary('v', 'IS_NOT_NULL') })).toEqual(['c/c', 'c/a', 'c/b', 'c/e', 'c/g', 'c/h']);
  });

  it('range filters stay within one type class', () => {
    expect(run(store, { from: from('c'), where: where('v', 'LESS_THAN_OR_EQUAL', int(1)) })).toEqual(['c/c', 'c/a', 'c/b']);
    expect(run(store, { from: from('c'), where: where('v', 'GREATER_THAN', str('')) })).toEqual(['c/e']);
  });

  it('array filters and in with array operands', () => {
    expect(run(store, { from: from('c'), where: where('v', 'ARRAY_CONTAINS', dbl(2)) })).toEqual(['c/g']);
    expect(run(store, { from: from('c'), where: where('v', 'ARRAY_CONTAINS_ANY', arr(str('x'), int(9))) })).toEqual(['c/h']);
    expect(run(store, { from: from('c'), where: where('v', 'IN', arr(arr(int(1), int(2)), str('1'))) })).toEqual(['c/e', 'c/g']);
  });

  it('composite AND/OR nest', () => {
    const filter = {
      compositeFilter: {
        op: 'OR',
        filters: [
          where('v', 'EQUAL', str('1')),
          { compositeFilter: { op: 'AND', filters: [where('v', 'GREATER_THAN_OR_EQUAL', int(1)), where('v', 'LESS_THAN', dbl(1.5))] } },
        ],
      },
    };
    expect(run(store, { from: from('c'), where: filter })).toEqual(['c/a', 'c/b', 'c/e']);
  });

  it('rejects malformed filters', () => {
    expect(() => compileQuery(ROOT, { from: from('c'), where: where('v', 'IN', int(1)) })).toThrow(/non-empty array/);
    expect(() => compileQuery(ROOT, { from: from('c'), where: where('v', 'BOGUS', int(1)) })).toThrow(/operator/);
    expect(() => compileQuery(ROOT, { from: from('c'), where: where('__name__', 'EQUAL', str('c/a')) })).toThrow(/reference/);
    expect(() => compileQuery(ROOT, { from: [] })).toThrow(/exactly one collection/);
    expect(() => compileQuery(ROOT, { from: from('c'), limit: { value: -1 } })).toThrow(/limit/);
  });
});

describe('ordering, cursors, offset and limit', () => {
  const store = storeWith({
    'c/a': { s: int(10) },
    'c/b': { s: int(30) },
    'c/c': { s: int(20) },
    'c/d': { s: int(20) },
    'c/e': { other: int(1) },
  });
  const bySDesc = [{ field: field('s'), direction: 'DESCENDING' }];

  it('excludes documents missing an ordered field and breaks ties by name in the last direction', () => {
    expect(run(store, { from: from('c'), orderBy: bySDesc })).toEqual(['c/b', 'c/d', 'c/c', 'c/a']);
  });

  it('applies cursors in the order direction, with partial values and before flags', () => {
    expect(run(store, { from: from('c'), orderBy: bySDesc, startAt: { values: [int(20)], before: true } })).toEqual(['c/d', 'c/c', 'c/a']);
    expect(run(store, { from: from('c'), orderBy: bySDesc, startAt: { values: [int(20)] } })).toEqual(['c/a']);
    expect(run(store, { from: from('c'), orderBy: bySDesc, endAt: { values: [int(20)], before: true } })).toEqual(['c/b']);
    expect(run(store, { from: from('c'), orderBy: bySDesc, endAt: { values: [int(20), ref('c/d')] } })).toEqual(['c/b', 'c/d']);
    expect(run(store, { from: from('c'), orderBy: bySDesc, startAt: { values: [int(20), ref('c/d')] } })).toEqual(['c/c', 'c/a']);
  });

  it('rejects more cursor values than orders and non-reference __name__ cursors', () => {
    expect(() => compileQuery(ROOT, { from: from('c'), startAt: { values: [int(1), int(2)] } })).toThrow(/Too many cursor values/);
    expect(() => compileQuery(ROOT, { from: from('c'), startAt: { values: [str('c/a')] } })).toThrow(/reference/);
  });

  it('applies offset before limit', () => {
    expect(run(store, { from: from('c'), orderBy: bySDesc, offset: 1, limit: { value: 2 } })).toEqual(['c/d', 'c/c']);
    expect(run(store, { from: from('c'), limit: { value: 0 } })).toEqual([]);
  });

  it('select of __name__ only yields an empty projection', () => {
    expect(compileQuery(ROOT, { from: from('c'), select: { fields: [field('__name__')] } }).projection).toEqual([]);
    expect(compileQuery(ROOT, { from: from('c'), select: { fields: [field('a.b')] } }).projection).toEqual([['a', 'b']]);
    expect(compileQuery(ROOT, { from: from('c') }).projection).toBeUndefined();
  });
});

describe('collection selection', () => {
  const store = storeWith({
    'r/p': { v: int(0) },
    'r/p/g/1': { v: int(1) },
    'r/p/g/1/g/2': { v: int(2) },
    'r/p/h/3': { v: int(3) },
    'r/q/g/4': { v: int(4) },
    'r/p0/g/5': { v: int(5) },
    'g/6': { v: int(6) },
  });
  const parent = { database: DB, path: 'r/p', segments: ['r', 'p'] };

  it('collection group queries below a parent', () => {
    expect(run(store, { from: [{ collectionId: 'g', allDescendants: true }] }, parent)).toEqual(['r/p/g/1', 'r/p/g/1/g/2']);
    expect(run(store, { from: [{ collectionId: 'g', allDescendants: true }] })).toEqual(['g/6', 'r/p/g/1', 'r/p/g/1/g/2', 'r/p0/g/5', 'r/q/g/4']);
  });

  it('kindless queries return every descendant but not the parent itself', () => {
    expect(run(store, { from: [{ allDescendants: true }] }, parent)).toEqual(['r/p/g/1', 'r/p/g/1/g/2', 'r/p/h/3']);
  });

  it('supports the __name__ range recursiveDelete uses for a collection', () => {
    const names = storeWith({ 'col/A': {}, 'col/_x': {}, 'col/1': {}, 'col/a/sub/s': {}, 'col_x/a': {}, 'co/a': {} });
    const query: StructuredQueryProto = {
      from: [{ allDescendants: true }],
      where: {
        compositeFilter: {
          op: 'AND',
          filters: [
            where('__name__', 'GREATER_THAN_OR_EQUAL', ref('col/__id-9223372036854775808__')),
            where('__name__', 'LESS_THAN', ref('col\u0000/__id-9223372036854775808__')),
          ],
        },
      },
    };
    expect(run(names, query)).toEqual(['col/1', 'col/A', 'col/_x', 'col/a/sub/s']);
  });
});

describe('aggregations', () => {
  const store = storeWith({
    'c/a': { v: int(1) },
    'c/b': { v: { integerValue: '9223372036854775807' } },
    'c/c': { v: str('x') },
    'c/d': { w: dbl(0.5) },
  });
  const docs = executeQuery(store, compileQuery(ROOT, { from: from('c') }));
  const result = (aggs: Parameters<typeof compileAggregations>[0]) =>
    Object.fromEntries([...computeAggregations(docs, compileAggregations(aggs))].map(([k, v]) => [k, valueToProto(v)]));

  it('counts with up_to', () => {
    expect(result([{ alias: 'n', count: {} }, { alias: 'm', count: { upTo: { value: '2' } } }])).toEqual({
      n: { integerValue: '4' },
      m: { integerValue: '2' },
    });
  });

  it('sums integers as integers until they overflow, mixing in doubles otherwise', () => {
    expect(result([{ alias: 's', sum: { field: field('v') } }])).toEqual({ s: { doubleValue: 9223372036854775808 } });
    expect(result([{ alias: 's', sum: { field: field('w') } }, { alias: 'z', sum: { field: field('none') } }])).toEqual({
      s: { doubleValue: 0.5 },
      z: { integerValue: '0' },
    });
  });

  it('averages numeric values and yields null without any', () => {
    expect(result([{ alias: 'a', avg: { field: field('w') } }, { alias: 'b', avg: { field: field('none') } }])).toEqual({
      a: { doubleValue: 0.5 },
      b: { nullValue: 'NULL_VALUE' },
    });
  });

  it('rejects duplicate aliases and empty aggregation lists', () => {
    expect(() => compileAggregations([{ alias: 'x', count: {} }, { alias: 'x', count: {} }])).toThrow(/Duplicate/);
    expect(() => compileAggregations([])).toThrow();
  });
});
