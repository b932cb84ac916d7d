import { describe, expect, it } from 'vitest';
import { FirestoreError } from '../src/errors.js';
import type { ValueProto, WriteProto } from '../src/proto-types.js';
import { DocumentStore } from '../src/store.js';
import { fieldsFromProto, integerValue, valueToProto, type Value } from '../src/values.js';
import { applyWrites, parseWrite, transformValue } from '../src/writes.js';

const DB = 'projects/demo/databases/(default)';
const name = (path: string): string => `${DB}/documents/${path}`;
const int = (n: number | string): ValueProto => ({ integerValue: String(n) });
const dbl = (n: number): ValueProto => ({ doubleValue: n });

function apply(store: DocumentStore, writes: WriteProto[], time: number) {
  return applyWrites(store, writes.map(w => parseWrite(w, DB)), time);
}

function data(store: DocumentStore, path: string): Record<string, ValueProto> | undefined {
  const doc = store.get(path);
  return doc ? Object.fromEntries([...doc.fields].map(([k, v]) => [k, valueToProto(v)])) : undefined;
}

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof FirestoreError ? err.code : -1;
  }
}

const set = (path: string, fields: Record<string, ValueProto>): WriteProto => ({ update: { name: name(path), fields } });

describe('applyWrites', () => {
  it('is all-or-nothing when a later precondition fails', () => {
    const store = new DocumentStore();
    apply(store, [set('c/existing', { v: int(1) })], 10);
    const code = codeOf(() =>
      apply(store, [set('c/new', { v: int(1) }), set('c/existing', { v: int(2) }), { ...set('c/existing', {}), currentDocument: { exists: false } }], 20),
    );
    expect(code).toBe(6);
    expect(store.get('c/new')).toBeNull();
    expect(data(store, 'c/existing')).toEqual({ v: int(1) });
  });

  it('maps preconditions to NOT_FOUND, ALREADY_EXISTS and FAILED_PRECONDITION', () => {
    const store = new DocumentStore();
    apply(store, [set('c/a', { v: int(1) })], 10);
    expect(codeOf(() => apply(store, [{ ...set('c/missing', {}), updateMask: {}, currentDocument: { exists: true } }], 20))).toBe(5);
    expect(codeOf(() => apply(store, [{ ...set('c/a', {}), currentDocument: { exists: false } }], 20))).toBe(6);
    expect(codeOf(() => apply(store, [{ delete: name('c/a'), currentDocument: { updateTime: { seconds: 0, nanos: 11_000 } } }], 20))).toBe(9);
    expect(codeOf(() => apply(store, [{ delete: name('c/missing'), currentDocument: { updateTime: { seconds: 0, nanos: 10_000 } } }], 20))).toBe(9);
    apply(store, [{ delete: name('c/a'), currentDocument: { updateTime: { seconds: 0, nanos: 10_000 } } }], 30);
    expect(store.get('c/a')).toBeNull();
  });

  it('merges with an update mask, deleting masked fields absent from the update', () => {
    const store = new DocumentStore();
    apply(store, [set('c/a', { keep: int(1), drop: int(2), m: { mapValue: { fields: { x: int(1), y: int(2) } } } })], 10);
    apply(store, [{ update: { name: name('c/a'), fields: { m: { mapValue: { fields: { x: int(9) } } }, n: int(3) } }, updateMask: { fieldPaths: ['m.x', 'm.y', 'drop', 'n'] } }], 20);
    expect(data(store, 'c/a')).toEqual({ keep: int(1), m: { mapValue: { fields: { x: int(9) } } }, n: int(3) });
  });

  it('keeps the update time of documents a write does not change', () => {
    const store = new DocumentStore();
    apply(store, [set('c/a', { v: int(1) })], 10);
    const same = apply(store, [set('c/a', { v: int(1) })], 20);
    expect(same.changed).toEqual([]);
    expect(same.results[0]?.updateTime).toBe(10);
    // 1 and 1.0 are different stored values.
    const changed = apply(store, [set('c/a', { v: dbl(1) })], 30);
    expect(changed.changed).toEqual(['c/a']);
    expect(store.get('c/a')?.updateTime).toBe(30);
  });

  it('returns transform results in order and omits updateTime for deletes', () => {
    const store = new DocumentStore();
    const outcome = apply(
      store,
      [
        {
          ...set('c/a', { n: int(1) }),
          updateTransforms: [
            { fieldPath: 'n', increment: int(2) },
            { fieldPath: 'at', setToServerValue: 'REQUEST_TIME' },
            { fieldPath: 'tags', appendMissingElements: { values: [int(1)] } },
          ],
        },
        { delete: name('c/b') },
      ],
      1_700_000_000_123_456,
    );
    const [first, second] = outcome.results;
    expect(first?.transformResults.map(valueToProto)).toEqual([
      int(3),
      { timestampValue: { seconds: '1700000000', nanos: 123_000_000 } }, // millisecond precision
      { nullValue: 'NULL_VALUE' },
    ]);
    expect(second?.updateTime).toBeUndefined();
  });

  it('transform-only writes create missing documents', () => {
    const store = new DocumentStore();
    apply(store, [{ transform: { document: name('c/t'), fieldTransforms: [{ fieldPath: 'a.b', increment: int(5) }] } }], 10);
    expect(data(store, 'c/t')).toEqual({ a: { mapValue: { fields: { b: int(5) } } } });
  });

  it('validates writes', () => {
    expect(() => parseWrite({}, DB)).toThrow(/no operation/);
    expect(() => parseWrite(set('c/a', { v: { arrayValue: { values: [{ arrayValue: {} }] } } }), DB)).toThrow(/array value directly inside/);
    expect(() => parseWrite({ update: { name: 'projects/x/databases/(default)/documents/c/a' } }, DB)).toThrow(/not in database/);
    expect(() => parseWrite({ ...set('c/a', {}), updateTransforms: [{ fieldPath: 'n', increment: { stringValue: '1' } }] }, DB)).toThrow(/integer or double/);
  });
});

describe('field transforms', () => {
  const v = (p: ValueProto): Value => fieldsFromProto({ x: p }).get('x') as Value;
  const t = (current: ValueProto | undefined, op: Parameters<typeof transformValue>[1]) =>
    valueToProto(transformValue(current === undefined ? undefined : v(current), op, 0).value);

  it('increment saturates int64 and switches to double arithmetic', () => {
    expect(t(int('9223372036854775807'), { kind: 'increment', operand: integerValue(1) })).toEqual(int('9223372036854775807'));
    expect(t(int('-9223372036854775808'), { kind: 'increment', operand: integerValue(-1) })).toEqual(int('-9223372036854775808'));
    expect(t(int(1), { kind: 'increment', operand: v(dbl(0.5)) })).toEqual(dbl(1.5));
    expect(t({ stringValue: 'x' }, { kind: 'increment', operand: integerValue(3) })).toEqual(int(3));
  });

  it('maximum/minimum keep the stored value when equivalent and propagate NaN', () => {
    expect(t(int(3), { kind: 'maximum', operand: v(dbl(3)) })).toEqual(int(3));
    expect(t(int(3), { kind: 'maximum', operand: v(dbl(3.5)) })).toEqual(dbl(3.5));
    expect(t(int(3), { kind: 'minimum', operand: v(dbl(2.5)) })).toEqual(dbl(2.5));
    expect(t(int(3), { kind: 'minimum', operand: v(dbl(NaN)) })).toEqual(dbl(NaN));
    expect(t(dbl(NaN), { kind: 'maximum', operand: integerValue(1) })).toEqual(dbl(NaN));
    expect(t(undefined, { kind: 'minimum', operand: integerValue(7) })).toEqual(int(7));
  });

  it('arrayUnion / arrayRemove treat 1 and 1.0 as equal', () => {
    const arr = (...values: ValueProto[]): ValueProto => ({ arrayValue: { values } });
    expect(t(arr(int(1), int(2)), { kind: 'appendMissing', elements: [v(dbl(1)), v(int(3)), v(int(3))] })).toEqual(arr(int(1), int(2), int(3)));
    expect(t(arr(int(1), dbl(1), int(2)), { kind: 'removeAll', elements: [v(dbl(1))] })).toEqual(arr(int(2)));
    expect(t({ stringValue: 'x' }, { kind: 'removeAll', elements: [v(int(1))] })).toEqual({ arrayValue: { values: [] } });
  });
});
