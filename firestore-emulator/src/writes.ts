import { alreadyExists, failedPrecondition, invalidArgument, notFound } from './errors.js';
import { checkDocumentSize, checkFieldNames, checkWriteFieldPath, checkWritePath } from './limits.js';
import { parseDocumentName, parseFieldPath, type FieldPath } from './paths.js';
import type { FieldTransformProto, PreconditionProto, WriteProto } from './proto-types.js';
import type { DocumentStore, StoredDocument } from './store.js';
import {
  compareValues,
  deleteField,
  EMPTY_FIELDS,
  fieldsFromProto,
  fieldsIdentical,
  getField,
  INT64_MAX,
  INT64_MIN,
  isNaNValue,
  isNumber,
  NULL_VALUE,
  setField,
  timestampToMicros,
  valueFromProto,
  valuesEquivalent,
  type Fields,
  type Value,
} from './values.js';

/**
 * Parsing and atomic application of `Write`s (Commit, BatchWrite and the
 * single-document RPCs all end up here).
 */

export type Precondition =
  | { readonly kind: 'none' }
  | { readonly kind: 'exists'; readonly exists: boolean }
  | { readonly kind: 'updateTime'; readonly time: number };

type TransformOp =
  | { readonly kind: 'serverTime' }
  | { readonly kind: 'increment' | 'maximum' | 'minimum'; readonly operand: Value }
  | { readonly kind: 'appendMissing' | 'removeAll'; readonly elements: readonly Value[] };

export interface FieldTransform {
  readonly path: FieldPath;
  readonly op: TransformOp;
}

export interface ParsedWrite {
  /** Full resource name. */
  readonly name: string;
  /** Relative document path. */
  readonly path: string;
  /** set = replace, patch = update with mask, transform = transform only. */
  readonly kind: 'set' | 'patch' | 'delete' | 'transform';
  readonly fields: Fields;
  readonly mask: readonly FieldPath[];
  readonly transforms: readonly FieldTransform[];
  readonly precondition: Precondition;
}

export function parsePrecondition(p: PreconditionProto | undefined): Precondition {
  if (!p) return { kind: 'none' };
  const type = p.conditionType ?? (p.exists !== undefined ? 'exists' : p.updateTime ? 'updateTime' : undefined);
  if (type === 'exists') return { kind: 'exists', exists: p.exists === true };
  if (type === 'updateTime') return { kind: 'updateTime', time: timestampToMicros(p.updateTime, 'precondition update_time') };
  return { kind: 'none' };
}

function validateStorable(v: Value, depth: number): void {
  // A top-level field is depth 1; maps/arrays may nest 20 levels below it (the
  // client SDKs refuse "deeper than 20 levels" with the same counting).
  if (depth > 21) throw invalidArgument('Document has too many nested maps/arrays (max depth 20)');
  if (v.kind === 'array') {
    for (const e of v.values) {
      if (e.kind === 'array') throw invalidArgument('Cannot have an array value directly inside an array value');
      validateStorable(e, depth + 1);
    }
  } else if (v.kind === 'map') {
    for (const e of v.fields.values()) validateStorable(e, depth + 1);
  }
}

function validateFields(fields: Fields): Fields {
  for (const v of fields.values()) validateStorable(v, 1);
  return fields;
}

function parseTransform(t: FieldTransformProto): FieldTransform {
  const path = parseFieldPath(t.fieldPath);
  checkWriteFieldPath(path);
  const type =
    t.transformType ??
    (['setToServerValue', 'increment', 'maximum', 'minimum', 'appendMissingElements', 'removeAllFromArray'] as const).find(
      k => t[k] !== undefined,
    );
  switch (type) {
    case 'setToServerValue':
      if (t.setToServerValue !== 'REQUEST_TIME' && t.setToServerValue !== 1) {
        throw invalidArgument('Unsupported server value; only REQUEST_TIME is supported');
      }
      return { path, op: { kind: 'serverTime' } };
    case 'increment':
    case 'maximum':
    case 'minimum': {
      const operand = valueFromProto(t[type]);
      if (!isNumber(operand)) throw invalidArgument(`${type} transform requires an integer or double operand`);
      return { path, op: { kind: type, operand } };
    }
    case 'appendMissingElements':
    case 'removeAllFromArray': {
      const elements = (t[type]?.values ?? []).map(v => valueFromProto(v));
      elements.forEach(e => validateStorable(e, 1));
      return { path, op: { kind: type === 'appendMissingElements' ? 'appendMissing' : 'removeAll', elements } };
    }
    default:
      throw invalidArgument('Field transform has no transform_type set');
  }
}

/** Parses and validates one Write. Throws INVALID_ARGUMENT on malformed input. */
export function parseWrite(w: WriteProto, database: string): ParsedWrite {
  const op = w.operation ?? (w.update ? 'update' : w.delete !== undefined ? 'delete' : w.transform ? 'transform' : undefined);
  const precondition = parsePrecondition(w.currentDocument);
  switch (op) {
    case 'update': {
      const name = w.update?.name ?? '';
      const { path } = parseDocumentName(name, database);
      checkWritePath(name, path);
      const fields = validateFields(fieldsFromProto(w.update?.fields));
      checkFieldNames(fields);
      const mask = w.updateMask ? (w.updateMask.fieldPaths ?? []).map(p => parseFieldPath(p)) : undefined;
      mask?.forEach(checkWriteFieldPath);
      const transforms = (w.updateTransforms ?? []).map(parseTransform);
      return { name, path, kind: mask ? 'patch' : 'set', fields, mask: mask ?? [], transforms, precondition };
    }
    case 'delete': {
      const name = w.delete ?? '';
      const { path } = parseDocumentName(name, database);
      checkWritePath(name, path);
      if (w.updateTransforms?.length) throw invalidArgument('A delete cannot have field transforms');
      return { name, path, kind: 'delete', fields: EMPTY_FIELDS, mask: [], transforms: [], precondition };
    }
    case 'transform': {
      const name = w.transform?.document ?? '';
      const { path } = parseDocumentName(name, database);
      checkWritePath(name, path);
      const transforms = (w.transform?.fieldTransforms ?? []).map(parseTransform);
      return { name, path, kind: 'transform', fields: EMPTY_FIELDS, mask: [], transforms, precondition };
    }
    default:
      throw invalidArgument('Write has no operation set (update, delete or transform)');
  }
}

// ---------------------------------------------------------------------------
// Transforms

function saturate(v: bigint): bigint {
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
}

function numeric(v: Value): number {
  return v.kind === 'integer' || v.kind === 'double' ? Number(v.value) : NaN;
}

/** REQUEST_TIME has millisecond precision. */
function serverTimestamp(commitTime: number): Value {
  const ms = Math.floor(commitTime / 1000);
  const seconds = Math.floor(ms / 1000);
  return { kind: 'timestamp', seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** Applies one field transform; returns the new value and the transform result. */
export function transformValue(current: Value | undefined, op: TransformOp, commitTime: number): { value: Value; result: Value } {
  switch (op.kind) {
    case 'serverTime': {
      const value = serverTimestamp(commitTime);
      return { value, result: value };
    }
    case 'increment': {
      if (current === undefined || !isNumber(current)) return { value: op.operand, result: op.operand };
      const operand = op.operand;
      let value: Value;
      if (current.kind === 'integer' && operand.kind === 'integer') {
        value = { kind: 'integer', value: saturate(current.value + operand.value) };
      } else {
        value = { kind: 'double', value: Number(current.value) + numeric(operand) };
      }
      return { value, result: value };
    }
    case 'maximum':
    case 'minimum': {
      if (current === undefined || !isNumber(current)) return { value: op.operand, result: op.operand };
      let value: Value;
      if (isNaNValue(current)) value = current;
      else if (isNaNValue(op.operand)) value = op.operand;
      else {
        const c = compareValues(op.operand, current);
        const takeOperand = op.kind === 'maximum' ? c > 0 : c < 0;
        value = takeOperand ? op.operand : current; // equivalent values keep the stored one
      }
      return { value, result: value };
    }
    case 'appendMissing': {
      const values = current?.kind === 'array' ? [...current.values] : [];
      for (const e of op.elements) if (!values.some(v => valuesEquivalent(v, e))) values.push(e);
      return { value: { kind: 'array', values }, result: NULL_VALUE };
    }
    case 'removeAll': {
      const base = current?.kind === 'array' ? current.values : [];
      const values = base.filter(v => !op.elements.some(e => valuesEquivalent(v, e)));
      return { value: { kind: 'array', values }, result: NULL_VALUE };
    }
  }
}

// ---------------------------------------------------------------------------
// Application

export interface AppliedWrite {
  /** Undefined after a delete (the client then uses the commit time). */
  readonly updateTime: number | undefined;
  readonly transformResults: readonly Value[];
}

export interface CommitOutcome {
  readonly commitTime: number;
  readonly results: readonly AppliedWrite[];
  /** Paths whose stored state actually changed. */
  readonly changed: readonly string[];
}

function formatMicros(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString().replace('Z', '') + String(micros % 1000).padStart(3, '0') + 'Z';
}

function checkPrecondition(w: ParsedWrite, current: Fields | null, updateTime: number | undefined): void {
  const p = w.precondition;
  if (p.kind === 'exists') {
    if (p.exists && current === null) throw notFound(`No document to update: ${w.name}`);
    if (!p.exists && current !== null) throw alreadyExists(`Document already exists: ${w.name}`);
  } else if (p.kind === 'updateTime') {
    if (current === null || updateTime !== p.time) {
      const actual = current === null || updateTime === undefined ? 'missing document' : formatMicros(updateTime);
      throw failedPrecondition(
        `The stored version (${actual}) does not match the required base version (${formatMicros(p.time)}) for ${w.name}`,
      );
    }
  }
}

/**
 * Applies all writes at `commitTime`, or none of them: every precondition
 * and transform is evaluated against a working copy before the store is
 * touched. Must be called without awaiting in between (it is synchronous,
 * which is what makes commits atomic with respect to each other).
 */
export function applyWrites(store: DocumentStore, writes: readonly ParsedWrite[], commitTime: number): CommitOutcome {
  const original = new Map<string, StoredDocument | null>();
  const working = new Map<string, Fields | null>();
  const transformResults: Value[][] = [];
  const touched = new Set<string>();

  for (const w of writes) {
    if (!original.has(w.path)) {
      const doc = store.get(w.path);
      original.set(w.path, doc);
      working.set(w.path, doc ? doc.fields : null);
    }
    const current = working.get(w.path) ?? null;
    // A document already written earlier in this commit will carry the commit time.
    const currentUpdateTime = touched.has(w.path) ? commitTime : original.get(w.path)?.updateTime;
    touched.add(w.path);
    checkPrecondition(w, current, currentUpdateTime);

    let next: Fields | null;
    switch (w.kind) {
      case 'set':
        next = w.fields;
        break;
      case 'patch': {
        let fields = current ?? EMPTY_FIELDS;
        for (const path of w.mask) {
          const value = getField(w.fields, path);
          fields = value === undefined ? deleteField(fields, path) : setField(fields, path, value);
        }
        next = fields;
        break;
      }
      case 'delete':
        next = null;
        break;
      case 'transform':
        next = current ?? EMPTY_FIELDS;
        break;
    }

    const results: Value[] = [];
    if (next !== null) {
      for (const t of w.transforms) {
        const { value, result } = transformValue(getField(next, t.path), t.op, commitTime);
        next = setField(next, t.path, value);
        results.push(result);
      }
    }
    transformResults.push(results);
    working.set(w.path, next);
  }

  // Size limit on the resulting documents (1 MiB), before anything is published.
  const names = new Map(writes.map(w => [w.path, w.name]));
  for (const [path, fields] of working) {
    if (fields !== null) checkDocumentSize(names.get(path) ?? path, path, fields);
  }

  // Everything validated: publish. Unchanged documents keep their update time.
  const changed: string[] = [];
  const finalDocs = new Map<string, StoredDocument | null>();
  for (const [path, fields] of working) {
    const before = original.get(path) ?? null;
    if (fields === null) {
      if (before !== null) {
        store.put(path, null, commitTime);
        changed.push(path);
      }
      finalDocs.set(path, null);
    } else if (before !== null && fieldsIdentical(before.fields, fields)) {
      finalDocs.set(path, before);
    } else {
      finalDocs.set(path, store.put(path, fields, commitTime));
      changed.push(path);
    }
  }

  const results = writes.map((w, i) => ({
    updateTime: finalDocs.get(w.path)?.updateTime,
    transformResults: transformResults[i] ?? [],
  }));
  return { commitTime, results, changed };
}
