import { invalidArgument } from './errors.js';
import { formatFieldPath, type FieldPath } from './paths.js';
import type { CompiledFilter } from './query.js';
import type { Fields, Value } from './values.js';

/**
 * Limits production Firestore enforces (https://firebase.google.com/docs/firestore/quotas)
 * and sizes as computed in https://firebase.google.com/docs/firestore/storage-size.
 */

export const MAX_DOCUMENT_SIZE = 1_048_576;
export const MAX_ID_BYTES = 1_500;
export const MAX_DOCUMENT_NAME_BYTES = 6 * 1024;
export const MAX_FIELD_NAME_BYTES = 1_500;
export const MAX_FIELD_PATH_BYTES = 1_500;
export const MAX_TRANSFORMS_PER_DOCUMENT = 500;
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
export const MAX_IN_VALUES = 30;
export const MAX_NOT_IN_VALUES = 10;
export const MAX_DISJUNCTIONS = 30;

const RESERVED = /^__.*__$/;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** String size: UTF-8 bytes + 1. */
const stringSize = (s: string): number => utf8(s) + 1;

/** Document name size: each collection / document id as a string, plus 16. */
export function documentNameSize(relativePath: string): number {
  let size = 16;
  for (const segment of relativePath.split('/')) size += stringSize(segment);
  return size;
}

function referencePath(name: string): string {
  const idx = name.indexOf('/documents/');
  return idx < 0 ? name : name.slice(idx + '/documents/'.length);
}

export function valueSize(v: Value): number {
  switch (v.kind) {
    case 'null':
    case 'boolean':
      return 1;
    case 'integer':
    case 'double':
    case 'timestamp':
      return 8;
    case 'geopoint':
      return 16;
    case 'string':
      return stringSize(v.value);
    case 'bytes':
      return v.value.length;
    case 'reference':
      return documentNameSize(referencePath(v.value));
    case 'array': {
      let size = 0;
      for (const e of v.values) size += valueSize(e);
      return size;
    }
    case 'map':
      return fieldsSize(v.fields);
  }
}

export function fieldsSize(fields: Fields): number {
  let size = 0;
  for (const [name, value] of fields) size += stringSize(name) + valueSize(value);
  return size;
}

/** Stored size of a document: name + fields + 32 bytes. */
export function documentSize(relativePath: string, fields: Fields): number {
  return documentNameSize(relativePath) + fieldsSize(fields) + 32;
}

export function checkDocumentSize(name: string, relativePath: string, fields: Fields): void {
  const size = documentSize(relativePath, fields);
  if (size > MAX_DOCUMENT_SIZE) {
    throw invalidArgument(
      `Document '${name}' cannot be written because its size (${size.toLocaleString('en-US')} bytes) exceeds the maximum allowed size of ${MAX_DOCUMENT_SIZE.toLocaleString('en-US')} bytes.`,
    );
  }
}

/** Ids of documents and collections a write creates or addresses. */
export function checkWritePath(name: string, relativePath: string): void {
  if (utf8(name) > MAX_DOCUMENT_NAME_BYTES) {
    throw invalidArgument(`Document name "${name.slice(0, 100)}..." is longer than ${MAX_DOCUMENT_NAME_BYTES} bytes.`);
  }
  for (const segment of relativePath.split('/')) {
    if (RESERVED.test(segment)) throw invalidArgument(`Resource id "${segment}" is invalid because it is reserved.`);
    if (utf8(segment) > MAX_ID_BYTES) {
      throw invalidArgument(`Resource id "${segment.slice(0, 40)}..." is longer than ${MAX_ID_BYTES} bytes.`);
    }
  }
}

function checkFieldName(name: string, value: Value | undefined): void {
  // Vectors are maps {__type__: "__vector__", value: [...]}.
  if (RESERVED.test(name) && !(name === '__type__' && value?.kind === 'string' && value.value === '__vector__')) {
    throw invalidArgument(`Field name "${name}" is invalid because it is reserved (field names cannot match __.*__).`);
  }
  if (utf8(name) > MAX_FIELD_NAME_BYTES) {
    throw invalidArgument(`Field name "${name.slice(0, 40)}..." is longer than ${MAX_FIELD_NAME_BYTES} bytes.`);
  }
}

/** Field names (at every nesting level) of written data. */
export function checkFieldNames(fields: Fields, prefixBytes = 0): void {
  for (const [name, value] of fields) {
    checkFieldName(name, value);
    const pathBytes = prefixBytes + utf8(name);
    if (pathBytes > MAX_FIELD_PATH_BYTES) throw invalidArgument(`Field path is longer than ${MAX_FIELD_PATH_BYTES} bytes.`);
    checkNested(value, pathBytes + 1);
  }
}

function checkNested(value: Value, prefixBytes: number): void {
  if (value.kind === 'map') checkFieldNames(value.fields, prefixBytes);
  else if (value.kind === 'array') for (const e of value.values) checkNested(e, prefixBytes);
}

/** Field paths of update masks and transforms. */
export function checkWriteFieldPath(path: FieldPath): void {
  for (const segment of path) checkFieldName(segment, undefined);
  if (utf8(formatFieldPath(path)) > MAX_FIELD_PATH_BYTES) {
    throw invalidArgument(`Field path is longer than ${MAX_FIELD_PATH_BYTES} bytes.`);
  }
}

/** Per-request write limits: 500 transforms per document, 10 MiB per request. */
export function checkWriteRequest(writes: readonly { name: string; path: string; fields: Fields; transforms: readonly unknown[] }[]): void {
  const transforms = new Map<string, number>();
  let bytes = 0;
  for (const w of writes) {
    const n = (transforms.get(w.path) ?? 0) + w.transforms.length;
    transforms.set(w.path, n);
    if (n > MAX_TRANSFORMS_PER_DOCUMENT) {
      throw invalidArgument(
        `Too many field transforms for document '${w.name}': at most ${MAX_TRANSFORMS_PER_DOCUMENT} transforms per document in a commit.`,
      );
    }
    bytes += utf8(w.name) + fieldsSize(w.fields);
  }
  if (bytes > MAX_REQUEST_BYTES) throw invalidArgument(`Request payload size exceeds the limit: ${MAX_REQUEST_BYTES} bytes.`);
}

// ---------------------------------------------------------------------------
// Queries

function disjunctions(filter: CompiledFilter): number {
  switch (filter.kind) {
    case 'or':
      return filter.filters.reduce((n, f) => n + disjunctions(f), 0);
    case 'and':
      return filter.filters.reduce((n, f) => Math.min(n * disjunctions(f), 1e9), 1);
    case 'field':
      if ((filter.op === 'IN' || filter.op === 'ARRAY_CONTAINS_ANY') && filter.value.kind === 'array') return filter.value.values.length;
      return 1;
    case 'unary':
      return 1;
  }
}

function checkOperands(filter: CompiledFilter): void {
  if (filter.kind === 'and' || filter.kind === 'or') {
    filter.filters.forEach(checkOperands);
    return;
  }
  if (filter.kind !== 'field' || filter.value.kind !== 'array') return;
  const n = filter.value.values.length;
  if ((filter.op === 'IN' || filter.op === 'ARRAY_CONTAINS_ANY') && n > MAX_IN_VALUES) {
    throw invalidArgument(`'${filter.op}' supports up to ${MAX_IN_VALUES} comparison values.`);
  }
  if (filter.op === 'NOT_IN' && n > MAX_NOT_IN_VALUES) {
    throw invalidArgument(`'NOT_IN' supports up to ${MAX_NOT_IN_VALUES} comparison values.`);
  }
}

/** in / array-contains-any: 30 values, not-in: 10, at most 30 disjunctions in disjunctive normal form. */
export function checkQueryFilter(filter: CompiledFilter | undefined): void {
  if (!filter) return;
  checkOperands(filter);
  const n = disjunctions(filter);
  if (n > MAX_DISJUNCTIONS) {
    throw invalidArgument(`Invalid query: the filter has ${n} disjunctions in disjunctive normal form; at most ${MAX_DISJUNCTIONS} are allowed.`);
  }
}
