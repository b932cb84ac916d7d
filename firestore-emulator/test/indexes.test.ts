import { describe, expect, it } from 'vitest';
import { FirestoreError } from '../src/errors.js';
import { IndexConfig, indexRequirements, type IndexFileJson } from '../src/indexes.js';
import type { StructuredQueryProto, ValueProto } from '../src/proto-types.js';
import { compileQuery } from '../src/query.js';

const DB = 'projects/demo/databases/(default)';
const ROOT = { database: DB, path: '', segments: [] as string[] };
const int = (n: number): ValueProto => ({ integerValue: String(n) });
const arr = (...values: ValueProto[]): ValueProto => ({ arrayValue: { values } });
const field = (fieldPath: string) => ({ fieldPath });
const where = (path: string, op: string, value: ValueProto = int(1)) => ({ fieldFilter: { field: field(path), op, value } });
const and = (...filters: object[]) => ({ compositeFilter: { op: 'AND', filters } });
const or = (...filters: object[]) => ({ compositeFilter: { op: 'OR', filters } });
const asc = (path: string) => ({ field: field(path), direction: 'ASCENDING' });
const desc = (path: string) => ({ field: field(path), direction: 'DESCENDING' });

function q(parts: Partial<StructuredQueryProto> & { group?: boolean }, collection = 'c'): StructuredQueryProto {
  const { group, ...rest } = parts;
  return { from: [{ collectionId: collection, ...(group ? { allDescendants: true } : {}) }], ...rest } as StructuredQueryProto;
}

/** undefined when served, else the FAILED_PRECONDITION message. */
function check(config: IndexFileJson, query: StructuredQueryProto): string | undefined {
  try {
    new IndexConfig(config).check(compileQuery(ROOT, query));
    return undefined;
  } catch (err) {
    if (!(err instanceof FirestoreError)) throw err;
    expect(err.code).toBe(9);
    return err.message;
  }
}

/** The JSON suggested by a missing-index message. */
function suggested(message: string | undefined): unknown {
  expect(message).toBeDefined();
  return JSON.parse((message as string).slice((message as string).indexOf('{')));
}

const NONE: IndexFileJson = { indexes: [], fieldOverrides: [] };
const ix = (collectionGroup: string, fields: [string, 'ASCENDING' | 'DESCENDING' | 'CONTAINS'][], queryScope: 'COLLECTION' | 'COLLECTION_GROUP' = 'COLLECTION') => ({
  collectionGroup,
  queryScope,
  fields: fields.map(([fieldPath, o]) => (o === 'CONTAINS' ? { fieldPath, arrayConfig: 'CONTAINS' as const } : { fieldPath, order: o })),
});

describe('index enforcement: queries served by automatic single-field indexes', () => {
  it.each([
    ['no filter', q({})],
    ['orderBy one field', q({ orderBy: [asc('a')] })],
    ['orderBy one field descending', q({ orderBy: [desc('a')] })],
    ['range on one field', q({ where: where('a', 'GREATER_THAN') })],
    ['range + orderBy on the same field', q({ where: where('a', 'LESS_THAN'), orderBy: [desc('a')] })],
    ['!= on one field', q({ where: where('a', 'NOT_EQUAL') })],
    ['equality on several fields (index merging)', q({ where: and(where('a', 'EQUAL'), where('b', 'EQUAL'), where('c', 'IN', arr(int(1), int(2)))) })],
    ['equality + orderBy __name__ desc', q({ where: where('a', 'EQUAL'), orderBy: [desc('__name__')] })],
    ['array-contains alone', q({ where: where('tags', 'ARRAY_CONTAINS') })],
    ['equality + orderBy on the equality field', q({ where: where('a', 'EQUAL'), orderBy: [asc('a')] })],
    ['filters on __name__ only', q({ where: where('__name__', 'GREATER_THAN', { referenceValue: `${DB}/documents/c/x` }) })],
    ['OR of equalities', q({ where: or(where('a', 'EQUAL'), where('b', 'EQUAL')) })],
    ['collection group without filters', q({ group: true })],
  ])('%s', (_title, query) => {
    expect(check(NONE, query)).toBeUndefined();
  });
});

describe('index enforcement: queries that need a composite index', () => {
  it('equality + orderBy on another field, with a pasteable suggestion', () => {
    const message = check(NONE, q({ where: and(where('appId', 'EQUAL'), where('licenseKey', 'EQUAL')), orderBy: [desc('createdAt')] }, 'authLogs'));
    expect(message).toMatch(/^The query requires an index\. Add to firestore\.indexes\.json: /);
    expect(suggested(message)).toEqual({
      collectionGroup: 'authLogs',
      queryScope: 'COLLECTION',
      fields: [
        { fieldPath: 'appId', order: 'ASCENDING' },
        { fieldPath: 'licenseKey', order: 'ASCENDING' },
        { fieldPath: 'createdAt', order: 'DESCENDING' },
      ],
    });
  });

  it.each([
    ['two orderBys', q({ orderBy: [asc('a'), asc('b')] })],
    ['inequalities on two fields', q({ where: and(where('a', 'GREATER_THAN'), where('b', 'LESS_THAN')) })],
    ['range on one field, orderBy another', q({ where: where('a', 'GREATER_THAN'), orderBy: [asc('b')] })],
    ['array-contains + equality', q({ where: and(where('tags', 'ARRAY_CONTAINS'), where('a', 'EQUAL')) })],
    ['array-contains + orderBy', q({ where: where('tags', 'ARRAY_CONTAINS'), orderBy: [asc('a')] })],
    ['OR disjunct with orderBy', q({ where: or(where('a', 'EQUAL'), where('b', 'EQUAL')), orderBy: [asc('c')] })],
    ['collection group with an equality filter', q({ group: true, where: where('a', 'EQUAL') })],
    ['collection group orderBy', q({ group: true, orderBy: [asc('a')] })],
  ])('%s', (_title, query) => {
    expect(check(NONE, query)).toMatch(/requires/);
  });

  it('accepts the index once declared, in either normalised form', () => {
    const query = q({ where: where('a', 'EQUAL'), orderBy: [desc('b')] });
    expect(check({ indexes: [ix('c', [['a', 'ASCENDING'], ['b', 'DESCENDING']])] }, query)).toBeUndefined();
    expect(check({ indexes: [ix('c', [['a', 'DESCENDING'], ['b', 'DESCENDING'], ['__name__', 'DESCENDING']])] }, query)).toBeUndefined();
    // Wrong direction of the order field, wrong __name__ direction, other collection, other scope: not served.
    expect(check({ indexes: [ix('c', [['a', 'ASCENDING'], ['b', 'ASCENDING']])] }, query)).toBeDefined();
    expect(check({ indexes: [ix('c', [['a', 'ASCENDING'], ['b', 'DESCENDING'], ['__name__', 'ASCENDING']])] }, query)).toBeDefined();
    expect(check({ indexes: [ix('other', [['a', 'ASCENDING'], ['b', 'DESCENDING']])] }, query)).toBeDefined();
    expect(check({ indexes: [ix('c', [['a', 'ASCENDING'], ['b', 'DESCENDING']], 'COLLECTION_GROUP')] }, query)).toBeDefined();
  });

  it('serves equality fields in any order and merges composites sharing the order suffix', () => {
    const query = q({ where: and(where('a', 'EQUAL'), where('b', 'EQUAL')), orderBy: [asc('c')] });
    expect(check({ indexes: [ix('c', [['b', 'ASCENDING'], ['a', 'ASCENDING'], ['c', 'ASCENDING']])] }, query)).toBeUndefined();
    expect(check({ indexes: [ix('c', [['a', 'ASCENDING'], ['c', 'ASCENDING']]), ix('c', [['b', 'ASCENDING'], ['c', 'ASCENDING']])] }, query)).toBeUndefined();
    expect(check({ indexes: [ix('c', [['a', 'ASCENDING'], ['c', 'ASCENDING']])] }, query)).toBeDefined();
  });

  it('an explicit __name__ order against the last field direction is part of the index', () => {
    const query = q({ orderBy: [asc('a'), asc('b'), desc('__name__')] });
    const message = check(NONE, query);
    expect((suggested(message) as { fields: unknown[] }).fields).toEqual([
      { fieldPath: 'a', order: 'ASCENDING' },
      { fieldPath: 'b', order: 'ASCENDING' },
      { fieldPath: '__name__', order: 'DESCENDING' },
    ]);
    expect(check({ indexes: [suggested(message) as never] }, query)).toBeUndefined();
    expect(check({ indexes: [ix('c', [['a', 'ASCENDING'], ['b', 'ASCENDING']])] }, query)).toBeDefined();
  });

  it('array-contains needs an arrayConfig CONTAINS field', () => {
    const query = q({ where: and(where('tags', 'ARRAY_CONTAINS_ANY', arr(int(1))), where('a', 'EQUAL')) });
    expect((suggested(check(NONE, query)) as { fields: unknown[] }).fields).toEqual([
      { fieldPath: 'tags', arrayConfig: 'CONTAINS' },
      { fieldPath: 'a', order: 'ASCENDING' },
    ]);
    expect(check({ indexes: [ix('c', [['a', 'ASCENDING'], ['tags', 'CONTAINS']])] }, query)).toBeUndefined();
  });
});

describe('index enforcement: field overrides', () => {
  const ttl: IndexFileJson = { fieldOverrides: [{ collectionGroup: 'c', fieldPath: 'expireAt', ttl: true, indexes: [] }] };

  it('an exempted field loses its single-field indexes (and the message suggests the override)', () => {
    const message = check(ttl, q({ where: where('expireAt', 'LESS_THAN') }));
    expect(message).toMatch(/fieldOverrides/);
    expect(suggested(message)).toEqual({ collectionGroup: 'c', fieldPath: 'expireAt', indexes: [{ order: 'ASCENDING', queryScope: 'COLLECTION' }] });
    expect(check(ttl, q({ where: where('expireAt', 'EQUAL'), orderBy: [desc('__name__')] }))).toBeDefined();
    // Other fields and other collections keep theirs.
    expect(check(ttl, q({ where: where('other', 'LESS_THAN') }))).toBeUndefined();
    expect(check(ttl, q({ where: where('expireAt', 'LESS_THAN') }, 'd'))).toBeUndefined();
  });

  it('exempting a map field exempts its subfields', () => {
    const config: IndexFileJson = { fieldOverrides: [{ collectionGroup: 'c', fieldPath: 'm', indexes: [] }] };
    expect(check(config, q({ orderBy: [asc('m.x')] }))).toBeDefined();
  });

  it('collection-group single-field indexes come from overrides', () => {
    const config: IndexFileJson = {
      fieldOverrides: [{ collectionGroup: 'c', fieldPath: 'a', indexes: [{ order: 'ASCENDING', queryScope: 'COLLECTION_GROUP' }] }],
    };
    expect(check(config, q({ group: true, where: where('a', 'EQUAL') }))).toBeUndefined();
    expect(check(config, q({ group: true, orderBy: [asc('a')] }))).toBeUndefined();
    expect(check(config, q({ group: true, orderBy: [desc('a')] }))).toBeDefined();
    // The override replaced the automatic collection-scope indexes of a.
    expect(check(config, q({ orderBy: [asc('a')] }))).toBeDefined();
  });
});

describe('index configuration', () => {
  it('reports duplicate indexes after normalisation', () => {
    const config = new IndexConfig({
      indexes: [ix('c', [['a', 'ASCENDING'], ['b', 'DESCENDING']]), ix('c', [['a', 'ASCENDING'], ['b', 'DESCENDING'], ['__name__', 'DESCENDING']])],
    });
    expect(config.duplicates).toHaveLength(1);
  });

  it('rejects malformed files', () => {
    expect(() => new IndexConfig({ indexes: [{ collectionGroup: 'c', fields: [{ fieldPath: 'a' }] }] })).toThrow(/order/);
    expect(() => new IndexConfig({ indexes: [{ collectionGroup: 'c', queryScope: 'NOPE' as never, fields: [] }] })).toThrow(/queryScope/);
  });

  it('computes one requirement per distinct disjunct', () => {
    const query = compileQuery(ROOT, q({ where: or(where('a', 'EQUAL'), where('a', 'EQUAL', int(2)), where('b', 'EQUAL')) }));
    expect(indexRequirements(query)).toHaveLength(2);
  });
});
