import { invalidArgument } from './errors.js';
import { compareSegmentLists, compareUtf8, type FieldPath } from './paths.js';
import type { TimestampProto, ValueProto } from './proto-types.js';

/**
 * Internal, immutable representation of Firestore values.
 *
 * Values are decoded from the wire into fresh objects and encoded into fresh
 * protos on the way out, so the store never shares mutable state with gRPC
 * messages ("deep copy in and out"). Nothing in the emulator mutates a Value
 * after construction; updates build new maps along the changed path.
 */
export type Value =
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'integer'; readonly value: bigint }
  | { readonly kind: 'double'; readonly value: number }
  | { readonly kind: 'timestamp'; readonly seconds: number; readonly nanos: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  | { readonly kind: 'reference'; readonly value: string }
  | { readonly kind: 'geopoint'; readonly latitude: number; readonly longitude: number }
  | { readonly kind: 'array'; readonly values: readonly Value[] }
  | { readonly kind: 'map'; readonly fields: Fields };

export type Fields = ReadonlyMap<string, Value>;
export type MapValue = Extract<Value, { kind: 'map' }>;
export type ArrayValue = Extract<Value, { kind: 'array' }>;

export const NULL_VALUE: Value = { kind: 'null' };
export const EMPTY_FIELDS: Fields = new Map();

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export const integerValue = (v: bigint | number): Value => ({ kind: 'integer', value: BigInt(v) });
export const doubleValue = (v: number): Value => ({ kind: 'double', value: v });
export const stringValue = (v: string): Value => ({ kind: 'string', value: v });
export const mapValue = (fields: Fields): Value => ({ kind: 'map', fields });
export const arrayValue = (values: readonly Value[]): Value => ({ kind: 'array', values });

// ---------------------------------------------------------------------------
// Times. Commit/read times are integer microseconds since the epoch (Firestore's
// precision); timestamp *values* keep nanoseconds.

export function microsToTimestamp(micros: number): { seconds: string; nanos: number } {
  const seconds = Math.floor(micros / 1e6);
  return { seconds: String(seconds), nanos: (micros - seconds * 1e6) * 1000 };
}

export function timestampToMicros(ts: TimestampProto | undefined, what = 'timestamp'): number {
  const seconds = Number(ts?.seconds ?? 0);
  const nanos = ts?.nanos ?? 0;
  if (!Number.isFinite(seconds) || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw invalidArgument(`Invalid ${what}`);
  }
  return seconds * 1e6 + Math.floor(nanos / 1000);
}

// ---------------------------------------------------------------------------
// Decoding / encoding

function valueKind(p: ValueProto): string | undefined {
  if (p.valueType) return p.valueType;
  // Fallback for hand-built protos without the oneof discriminator.
  const keys = [
    'nullValue',
    'booleanValue',
    'integerValue',
    'doubleValue',
    'timestampValue',
    'stringValue',
    'bytesValue',
    'referenceValue',
    'geoPointValue',
    'arrayValue',
    'mapValue',
  ] as const;
  return keys.find(k => p[k] !== undefined);
}

/** Decodes a wire Value; throws INVALID_ARGUMENT for malformed input. */
export function valueFromProto(p: ValueProto | undefined | null, depth = 0): Value {
  if (!p) throw invalidArgument('Value must not be empty');
  if (depth > 100) throw invalidArgument('Value is nested too deeply');
  switch (valueKind(p)) {
    case 'nullValue':
      return NULL_VALUE;
    case 'booleanValue':
      return { kind: 'boolean', value: p.booleanValue === true };
    case 'integerValue': {
      const raw = p.integerValue ?? 0;
      let v: bigint;
      try {
        v = BigInt(raw);
      } catch {
        throw invalidArgument(`Invalid integer value "${String(raw)}"`);
      }
      if (v < INT64_MIN || v > INT64_MAX) throw invalidArgument('Integer value out of int64 range');
      return { kind: 'integer', value: v };
    }
    case 'doubleValue':
      return { kind: 'double', value: Number(p.doubleValue ?? 0) };
    case 'timestampValue': {
      const seconds = Number(p.timestampValue?.seconds ?? 0);
      const nanos = p.timestampValue?.nanos ?? 0;
      if (!Number.isFinite(seconds) || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
        throw invalidArgument('Invalid timestamp value');
      }
      // Firestore stores timestamps with microsecond precision.
      return { kind: 'timestamp', seconds, nanos: Math.floor(nanos / 1000) * 1000 };
    }
    case 'stringValue':
      return { kind: 'string', value: p.stringValue ?? '' };
    case 'bytesValue': {
      const raw = p.bytesValue ?? new Uint8Array();
      const bytes = typeof raw === 'string' ? Buffer.from(raw, 'base64') : Buffer.from(raw);
      return { kind: 'bytes', value: new Uint8Array(bytes) };
    }
    case 'referenceValue': {
      const ref = p.referenceValue ?? '';
      if (!/^projects\/[^/]+\/databases\/[^/]+\/documents\/.+/.test(ref)) {
        throw invalidArgument(`Invalid reference value "${ref}"`);
      }
      return { kind: 'reference', value: ref };
    }
    case 'geoPointValue': {
      const latitude = p.geoPointValue?.latitude ?? 0;
      const longitude = p.geoPointValue?.longitude ?? 0;
      if (!(latitude >= -90 && latitude <= 90 && longitude >= -180 && longitude <= 180)) {
        throw invalidArgument('Invalid geo point value');
      }
      return { kind: 'geopoint', latitude, longitude };
    }
    case 'arrayValue': {
      // Nested arrays are legal in filter operands (`in: [[1, 2]]`) but not in
      // documents; writes.ts validates stored values.
      const values = (p.arrayValue?.values ?? []).map(v => valueFromProto(v, depth + 1));
      return { kind: 'array', values };
    }
    case 'mapValue':
      return { kind: 'map', fields: fieldsFromProto(p.mapValue?.fields, depth + 1) };
    default:
      throw invalidArgument('Value has no value_type set');
  }
}

export function fieldsFromProto(fields: Record<string, ValueProto> | undefined, depth = 0): Fields {
  const result = new Map<string, Value>();
  if (!fields) return result;
  for (const [key, value] of Object.entries(fields)) {
    result.set(key, valueFromProto(value, depth));
  }
  return result;
}

export function valueToProto(v: Value): ValueProto {
  switch (v.kind) {
    case 'null':
      return { nullValue: 'NULL_VALUE' };
    case 'boolean':
      return { booleanValue: v.value };
    case 'integer':
      return { integerValue: v.value.toString() };
    case 'double':
      return { doubleValue: v.value };
    case 'timestamp':
      return { timestampValue: { seconds: String(v.seconds), nanos: v.nanos } };
    case 'string':
      return { stringValue: v.value };
    case 'bytes':
      return { bytesValue: Buffer.from(v.value) };
    case 'reference':
      return { referenceValue: v.value };
    case 'geopoint':
      return { geoPointValue: { latitude: v.latitude, longitude: v.longitude } };
    case 'array':
      return { arrayValue: { values: v.values.map(valueToProto) } };
    case 'map':
      return { mapValue: { fields: fieldsToProto(v.fields) } };
  }
}

export function fieldsToProto(fields: Fields): Record<string, ValueProto> {
  // Null prototype so a field literally named "__proto__" survives.
  const out = Object.create(null) as Record<string, ValueProto>;
  for (const [key, value] of fields) out[key] = valueToProto(value);
  return out;
}

// ---------------------------------------------------------------------------
// Ordering (https://firebase.google.com/docs/firestore/manage-data/data-types)
// null < booleans < numbers < timestamps < strings < bytes < references
//      < geo points < arrays < vectors < maps

export function isVector(v: Value): boolean {
  if (v.kind !== 'map') return false;
  const type = v.fields.get('__type__');
  return type?.kind === 'string' && type.value === '__vector__';
}

export function typeOrder(v: Value): number {
  switch (v.kind) {
    case 'null':
      return 0;
    case 'boolean':
      return 1;
    case 'integer':
    case 'double':
      return 2;
    case 'timestamp':
      return 3;
    case 'string':
      return 4;
    case 'bytes':
      return 5;
    case 'reference':
      return 6;
    case 'geopoint':
      return 7;
    case 'array':
      return 8;
    case 'map':
      return isVector(v) ? 9 : 10;
  }
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

function compareDoubles(a: number, b: number): number {
  // NaN sorts before every other number and equals itself.
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0; // -0 == 0
}

/** Exact comparison of an int64 with a double (no precision loss above 2^53). */
function compareIntDouble(i: bigint, d: number): number {
  if (Number.isNaN(d)) return 1;
  if (d === Infinity) return -1;
  if (d === -Infinity) return 1;
  const floor = Math.floor(d);
  const bf = BigInt(floor);
  if (i < bf) return -1;
  if (i > bf) return 1;
  return d === floor ? 0 : -1;
}

function compareNumbers(a: Value, b: Value): number {
  if (a.kind === 'integer' && b.kind === 'integer') return a.value === b.value ? 0 : a.value < b.value ? -1 : 1;
  if (a.kind === 'double' && b.kind === 'double') return compareDoubles(a.value, b.value);
  if (a.kind === 'integer' && b.kind === 'double') return compareIntDouble(a.value, b.value);
  if (a.kind === 'double' && b.kind === 'integer') return 0 - compareIntDouble(b.value, a.value);
  return 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return sign(Buffer.compare(a, b));
}

export function compareReferences(a: string, b: string): number {
  if (a === b) return 0;
  return sign(compareSegmentLists(a.split('/'), b.split('/')));
}

function compareMaps(a: Fields, b: Fields): number {
  const ka = [...a.keys()].sort(compareUtf8);
  const kb = [...b.keys()].sort(compareUtf8);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const keyA = ka[i] as string;
    const keyB = kb[i] as string;
    const c = compareUtf8(keyA, keyB);
    if (c !== 0) return sign(c);
    const v = compareValues(a.get(keyA) as Value, b.get(keyB) as Value);
    if (v !== 0) return v;
  }
  return sign(ka.length - kb.length);
}

function vectorElements(v: Value): readonly Value[] {
  if (v.kind !== 'map') return [];
  const inner = v.fields.get('value');
  return inner?.kind === 'array' ? inner.values : [];
}

/** Total order over values as used by Firestore for orderBy, cursors and range filters. */
export function compareValues(a: Value, b: Value): number {
  const ta = typeOrder(a);
  const tb = typeOrder(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  switch (a.kind) {
    case 'null':
      return 0;
    case 'boolean':
      return b.kind === 'boolean' ? sign(Number(a.value) - Number(b.value)) : 0;
    case 'integer':
    case 'double':
      return compareNumbers(a, b);
    case 'timestamp':
      if (b.kind !== 'timestamp') return 0;
      return a.seconds !== b.seconds ? sign(a.seconds - b.seconds) : sign(a.nanos - b.nanos);
    case 'string':
      return b.kind === 'string' ? sign(compareUtf8(a.value, b.value)) : 0;
    case 'bytes':
      return b.kind === 'bytes' ? compareBytes(a.value, b.value) : 0;
    case 'reference':
      return b.kind === 'reference' ? compareReferences(a.value, b.value) : 0;
    case 'geopoint':
      if (b.kind !== 'geopoint') return 0;
      return compareDoubles(a.latitude, b.latitude) || compareDoubles(a.longitude, b.longitude);
    case 'array':
      return b.kind === 'array' ? compareArrays(a.values, b.values) : 0;
    case 'map': {
      if (b.kind !== 'map') return 0;
      if (ta === 9) {
        // Vectors: shorter first, then element-wise.
        const va = vectorElements(a);
        const vb = vectorElements(b);
        if (va.length !== vb.length) return va.length < vb.length ? -1 : 1;
        return compareArrays(va, vb);
      }
      return compareMaps(a.fields, b.fields);
    }
  }
}

function compareArrays(a: readonly Value[], b: readonly Value[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i] as Value, b[i] as Value);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
}

/**
 * Query equality: 1 == 1.0, NaN == NaN, -0 == 0 (as in Firestore indexes,
 * `in`, array-contains, arrayUnion and arrayRemove).
 */
export function valuesEquivalent(a: Value, b: Value): boolean {
  return compareValues(a, b) === 0;
}

/**
 * Exact structural equality (1 and 1.0 differ). Used to detect writes that do
 * not change a document, which keep the previous update time.
 */
export function valuesIdentical(a: Value, b: Value): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'null':
      return true;
    case 'boolean':
    case 'integer':
    case 'string':
    case 'reference':
      return a.value === (b as typeof a).value;
    case 'double':
      return Object.is(a.value, (b as typeof a).value);
    case 'timestamp': {
      const o = b as typeof a;
      return a.seconds === o.seconds && a.nanos === o.nanos;
    }
    case 'bytes':
      return Buffer.compare(a.value, (b as typeof a).value) === 0;
    case 'geopoint': {
      const o = b as typeof a;
      return Object.is(a.latitude, o.latitude) && Object.is(a.longitude, o.longitude);
    }
    case 'array': {
      const o = b as typeof a;
      return a.values.length === o.values.length && a.values.every((v, i) => valuesIdentical(v, o.values[i] as Value));
    }
    case 'map':
      return fieldsIdentical(a.fields, (b as typeof a).fields);
  }
}

export function fieldsIdentical(a: Fields, b: Fields): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [key, value] of a) {
    const other = b.get(key);
    if (!other || !valuesIdentical(value, other)) return false;
  }
  return true;
}

export const isNumber = (v: Value): v is Extract<Value, { kind: 'integer' | 'double' }> =>
  v.kind === 'integer' || v.kind === 'double';

export const isNaNValue = (v: Value): boolean => v.kind === 'double' && Number.isNaN(v.value);

// ---------------------------------------------------------------------------
// Field access on (immutable) field maps

export function getField(fields: Fields, path: FieldPath): Value | undefined {
  let current: Fields = fields;
  for (let i = 0; i < path.length; i++) {
    const value = current.get(path[i] as string);
    if (value === undefined) return undefined;
    if (i === path.length - 1) return value;
    if (value.kind !== 'map') return undefined;
    current = value.fields;
  }
  return undefined;
}

/** Returns a copy of `fields` with `path` set (intermediate non-maps are replaced by maps). */
export function setField(fields: Fields, path: FieldPath, value: Value): Fields {
  const [head, ...rest] = path;
  if (head === undefined) return fields;
  const out = new Map(fields);
  if (rest.length === 0) {
    out.set(head, value);
  } else {
    const child = fields.get(head);
    const childFields = child?.kind === 'map' ? child.fields : EMPTY_FIELDS;
    out.set(head, { kind: 'map', fields: setField(childFields, rest, value) });
  }
  return out;
}

/** Returns a copy of `fields` without `path` (no-op when absent). */
export function deleteField(fields: Fields, path: FieldPath): Fields {
  const [head, ...rest] = path;
  if (head === undefined || !fields.has(head)) return fields;
  if (rest.length === 0) {
    const out = new Map(fields);
    out.delete(head);
    return out;
  }
  const child = fields.get(head);
  if (child?.kind !== 'map') return fields;
  const updated = deleteField(child.fields, rest);
  if (updated === child.fields) return fields;
  const out = new Map(fields);
  out.set(head, { kind: 'map', fields: updated });
  return out;
}

/** Keeps only the given field paths (DocumentMask / projection semantics). */
export function projectFields(fields: Fields, paths: readonly FieldPath[]): Fields {
  let out: Fields = EMPTY_FIELDS;
  for (const path of paths) {
    const value = getField(fields, path);
    if (value !== undefined) out = setField(out, path, value);
  }
  return out;
}
