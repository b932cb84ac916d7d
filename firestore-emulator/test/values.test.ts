import { describe, expect, it } from 'vitest';
import { FirestoreError } from '../src/errors.js';
import {
  arrayValue,
  compareValues,
  deleteField,
  doubleValue,
  getField,
  integerValue,
  mapValue,
  NULL_VALUE,
  projectFields,
  setField,
  stringValue,
  valueFromProto,
  valuesEquivalent,
  valuesIdentical,
  valueToProto,
  type Fields,
  type Value,
} from '../src/values.js';

const DOCS = 'projects/p/databases/(default)/documents';
const ts = (seconds: number, nanos = 0): Value => ({ kind: 'timestamp', seconds, nanos });
const bytes = (...b: number[]): Value => ({ kind: 'bytes', value: new Uint8Array(b) });
const ref = (path: string): Value => ({ kind: 'reference', value: `${DOCS}/${path}` });
const geo = (latitude: number, longitude: number): Value => ({ kind: 'geopoint', latitude, longitude });
const map = (entries: Record<string, Value>): Value => mapValue(new Map(Object.entries(entries)));
const vector = (...xs: number[]): Value =>
  map({ __type__: stringValue('__vector__'), value: arrayValue(xs.map(doubleValue)) });

/** Asserts that `values` is strictly increasing under compareValues (and antisymmetric). */
function expectAscending(values: Value[]): void {
  for (let i = 0; i < values.length; i++) {
    for (let j = 0; j < values.length; j++) {
      const c = compareValues(values[i] as Value, values[j] as Value);
      const expected = Math.sign(i - j);
      if (c !== expected) {
        throw new Error(`compare(#${i}, #${j}) = ${c}, expected ${expected}: ${JSON.stringify(valueToProto(values[i] as Value))} vs ${JSON.stringify(valueToProto(values[j] as Value))}`);
      }
    }
  }
}

function expectInvalid(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FirestoreError);
    expect((err as FirestoreError).code).toBe(3);
    return;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('value ordering', () => {
  it('orders by type: null < bool < number < timestamp < string < bytes < reference < geopoint < array < vector < map', () => {
    expectAscending([
      NULL_VALUE,
      { kind: 'boolean', value: false },
      { kind: 'boolean', value: true },
      doubleValue(NaN),
      doubleValue(-Infinity),
      integerValue(-5),
      doubleValue(0.5),
      integerValue(1),
      doubleValue(Infinity),
      ts(-1),
      ts(0, 1000),
      stringValue(''),
      stringValue('a'),
      bytes(),
      bytes(0),
      ref('a/b'),
      geo(-10, 0),
      geo(0, -10),
      arrayValue([]),
      arrayValue([NULL_VALUE]),
      vector(5, 5),
      vector(1, 2, 3),
      map({}),
      map({ a: integerValue(1) }),
    ]);
  });

  it('compares integers and doubles exactly beyond 2^53', () => {
    const big = 2n ** 53n;
    expect(compareValues(integerValue(big + 1n), doubleValue(2 ** 53))).toBe(1);
    expect(compareValues(doubleValue(2 ** 53), integerValue(big + 1n))).toBe(-1);
    expect(compareValues(integerValue(big), doubleValue(2 ** 53))).toBe(0);
    expect(compareValues(integerValue(2n ** 63n - 1n), doubleValue(2 ** 63))).toBe(-1);
    expect(compareValues(integerValue(2), doubleValue(2.5))).toBe(-1);
    expect(compareValues(integerValue(-3), doubleValue(-2.5))).toBe(-1);
    expect(compareValues(integerValue(-2), doubleValue(-2.5))).toBe(1);
  });

  it('treats NaN as the smallest number, equal to itself, and -0 as 0', () => {
    expect(compareValues(doubleValue(NaN), doubleValue(NaN))).toBe(0);
    expect(compareValues(doubleValue(NaN), doubleValue(-Infinity))).toBe(-1);
    expect(compareValues(doubleValue(NaN), integerValue(-(2n ** 63n)))).toBe(-1);
    expect(compareValues(doubleValue(-0), doubleValue(0))).toBe(0);
    expect(compareValues(doubleValue(-0), integerValue(0))).toBe(0);
  });

  it('orders strings by UTF-8 bytes (code points), not UTF-16 code units', () => {
    // U+FF5E is EF BD 9E in UTF-8, U+1F600 is F0 9F 98 80; UTF-16 orders them the other way round.
    expect('\u{1F600}' < '\uFF5E').toBe(true);
    expectAscending([stringValue('Z'), stringValue('a'), stringValue('ab'), stringValue('é'), stringValue('\uFF5E'), stringValue('\u{1F600}')]);
  });

  it('orders bytes as unsigned, shorter prefix first', () => {
    expectAscending([bytes(), bytes(1), bytes(1, 0), bytes(0x7f), bytes(0x80), bytes(0xff)]);
  });

  it('orders references segment by segment with numeric ids first', () => {
    expectAscending([
      ref('c/__id-9223372036854775808__'),
      ref('c/__id-5__'),
      ref('c/__id3__'),
      ref('c/__id10__'),
      ref('c/1'),
      ref('c/A'),
      ref('c/a'),
      ref('c/a/sub/x'),
      ref('c/b'),
      ref('c\u0000/a'),
      ref('cc/a'),
    ]);
  });

  it('orders arrays element-wise then by length, maps by sorted keys then values', () => {
    expectAscending([
      arrayValue([integerValue(1)]),
      arrayValue([integerValue(1), integerValue(0)]),
      arrayValue([integerValue(2)]),
      arrayValue([stringValue('a')]),
    ]);
    expectAscending([
      map({ a: integerValue(1) }),
      map({ a: integerValue(1), b: integerValue(0) }),
      map({ a: integerValue(2) }),
      map({ b: integerValue(0) }),
    ]);
    // Key order inside the map does not matter.
    const m1 = mapValue(new Map([['b', integerValue(1)], ['a', integerValue(2)]]));
    const m2 = mapValue(new Map([['a', integerValue(2)], ['b', integerValue(1)]]));
    expect(compareValues(m1, m2)).toBe(0);
  });

  it('distinguishes equivalence (queries) from identity (stored data)', () => {
    expect(valuesEquivalent(integerValue(1), doubleValue(1))).toBe(true);
    expect(valuesIdentical(integerValue(1), doubleValue(1))).toBe(false);
    expect(valuesIdentical(doubleValue(NaN), doubleValue(NaN))).toBe(true);
    expect(valuesIdentical(map({ a: bytes(1, 2) }), map({ a: bytes(1, 2) }))).toBe(true);
    expect(valuesIdentical(map({ a: bytes(1, 2) }), map({ a: bytes(1, 3) }))).toBe(false);
  });
});

describe('proto conversion', () => {
  it('round-trips every value type', () => {
    const proto = {
      mapValue: {
        fields: {
          n: { nullValue: 'NULL_VALUE' },
          b: { booleanValue: false },
          i: { integerValue: '9223372036854775807' },
          d: { doubleValue: -0.25 },
          t: { timestampValue: { seconds: '-5', nanos: 123_456_000 } },
          s: { stringValue: '' },
          y: { bytesValue: Buffer.from([1, 2]) },
          r: { referenceValue: `${DOCS}/a/b` },
          g: { geoPointValue: { latitude: 1, longitude: 2 } },
          a: { arrayValue: { values: [{ integerValue: '1' }, { mapValue: {} }] } },
        },
      },
    };
    const value = valueFromProto(proto);
    const again = valueFromProto(valueToProto(value));
    expect(valuesIdentical(value, again)).toBe(true);
    expect(valueToProto(value)).toMatchObject({ mapValue: { fields: { i: { integerValue: '9223372036854775807' }, b: { booleanValue: false } } } });
  });

  it('copies bytes on the way in and truncates timestamps to microseconds', () => {
    const buffer = Buffer.from([1, 2, 3]);
    const value = valueFromProto({ bytesValue: buffer });
    buffer[0] = 99;
    expect(valuesIdentical(value, bytes(1, 2, 3))).toBe(true);
    expect(valueFromProto({ timestampValue: { seconds: '1', nanos: 123_456_789 } })).toEqual(ts(1, 123_456_000));
  });

  it('rejects malformed values with INVALID_ARGUMENT', () => {
    expectInvalid(() => valueFromProto({}));
    expectInvalid(() => valueFromProto({ integerValue: '9223372036854775808' }));
    expectInvalid(() => valueFromProto({ integerValue: 'abc' }));
    expectInvalid(() => valueFromProto({ referenceValue: 'not/a/reference' }));
    expectInvalid(() => valueFromProto({ geoPointValue: { latitude: 91, longitude: 0 } }));
    expectInvalid(() => valueFromProto({ timestampValue: { seconds: '0', nanos: 1_000_000_000 } }));
  });
});

describe('field access', () => {
  const base: Fields = new Map<string, Value>([
    ['a', map({ b: integerValue(1), c: integerValue(2) })],
    ['flat', stringValue('x')],
  ]);

  it('gets nested fields', () => {
    expect(getField(base, ['a', 'b'])).toEqual(integerValue(1));
    expect(getField(base, ['a', 'zz'])).toBeUndefined();
    expect(getField(base, ['flat', 'deeper'])).toBeUndefined();
  });

  it('sets and deletes without mutating the input', () => {
    const updated = setField(base, ['a', 'b'], integerValue(5));
    expect(getField(updated, ['a', 'b'])).toEqual(integerValue(5));
    expect(getField(base, ['a', 'b'])).toEqual(integerValue(1));
    const replaced = setField(base, ['flat', 'x'], NULL_VALUE);
    expect(getField(replaced, ['flat', 'x'])).toEqual(NULL_VALUE);
    const removed = deleteField(base, ['a', 'c']);
    expect(getField(removed, ['a', 'c'])).toBeUndefined();
    expect(getField(removed, ['a', 'b'])).toEqual(integerValue(1));
    expect(getField(base, ['a', 'c'])).toEqual(integerValue(2));
    expect(deleteField(base, ['missing', 'x'])).toBe(base);
  });

  it('projects masks onto nested fields', () => {
    expect(projectFields(base, [['a', 'c'], ['nope']])).toEqual(new Map([['a', map({ c: integerValue(2) })]]));
  });
});
