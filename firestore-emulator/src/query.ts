import { invalidArgument, unimplemented } from './errors.js';
import { checkQueryFilter } from './limits.js';
import {
  compareFieldPaths,
  compareSegmentLists,
  documentName,
  formatFieldPath,
  isDocumentIdPath,
  parseFieldPath,
  type FieldPath,
  type ParsedPath,
} from './paths.js';
import type {
  AggregationProto,
  CursorProto,
  FieldReferenceProto,
  FilterProto,
  StructuredQueryProto,
} from './proto-types.js';
import type { DocumentStore, StoredDocument } from './store.js';
import {
  compareValues,
  doubleValue,
  getField,
  INT64_MAX,
  INT64_MIN,
  integerValue,
  isNaNValue,
  NULL_VALUE,
  typeOrder,
  valueFromProto,
  valuesEquivalent,
  type Value,
} from './values.js';

/**
 * StructuredQuery compilation and evaluation.
 *
 * Queries are evaluated by scanning the candidate documents (a collection, a
 * collection group below a parent, or every descendant for kindless queries),
 * filtering, sorting by the effective order and applying cursors, offset and
 * limit. No composite indexes are required.
 */

export type Direction = 1 | -1;

export interface OrderSpec {
  readonly path: FieldPath;
  readonly isName: boolean;
  readonly direction: Direction;
}

type FieldOp =
  | 'LESS_THAN'
  | 'LESS_THAN_OR_EQUAL'
  | 'GREATER_THAN'
  | 'GREATER_THAN_OR_EQUAL'
  | 'EQUAL'
  | 'NOT_EQUAL'
  | 'ARRAY_CONTAINS'
  | 'IN'
  | 'ARRAY_CONTAINS_ANY'
  | 'NOT_IN';
type UnaryOp = 'IS_NAN' | 'IS_NULL' | 'IS_NOT_NAN' | 'IS_NOT_NULL';

const FIELD_OPS: ReadonlySet<string> = new Set<FieldOp>([
  'LESS_THAN',
  'LESS_THAN_OR_EQUAL',
  'GREATER_THAN',
  'GREATER_THAN_OR_EQUAL',
  'EQUAL',
  'NOT_EQUAL',
  'ARRAY_CONTAINS',
  'IN',
  'ARRAY_CONTAINS_ANY',
  'NOT_IN',
]);
const UNARY_OPS: ReadonlySet<string> = new Set<UnaryOp>(['IS_NAN', 'IS_NULL', 'IS_NOT_NAN', 'IS_NOT_NULL']);

/** Operators that make Firestore implicitly order by the filtered field. */
const INEQUALITY_OPS: ReadonlySet<string> = new Set([
  'LESS_THAN',
  'LESS_THAN_OR_EQUAL',
  'GREATER_THAN',
  'GREATER_THAN_OR_EQUAL',
  'NOT_EQUAL',
  'NOT_IN',
  'IS_NOT_NAN',
  'IS_NOT_NULL',
]);

export type CompiledFilter =
  | { readonly kind: 'and' | 'or'; readonly filters: readonly CompiledFilter[] }
  | { readonly kind: 'field'; readonly path: FieldPath; readonly isName: boolean; readonly op: FieldOp; readonly value: Value }
  | { readonly kind: 'unary'; readonly path: FieldPath; readonly isName: boolean; readonly op: UnaryOp };

export interface CompiledCursor {
  readonly values: readonly Value[];
  readonly before: boolean;
}

export interface CompiledQuery {
  readonly database: string;
  /** Relative path of the parent document ('' = database root). */
  readonly parentPath: string;
  /** undefined = kindless (all descendants of any collection id). */
  readonly collectionId: string | undefined;
  readonly allDescendants: boolean;
  readonly filter: CompiledFilter | undefined;
  /** Effective order: explicit, then implicit inequality fields, then __name__. */
  readonly orderBy: readonly OrderSpec[];
  readonly startAt: CompiledCursor | undefined;
  readonly endAt: CompiledCursor | undefined;
  readonly offset: number;
  readonly limit: number | undefined;
  /** undefined = all fields. */
  readonly projection: readonly FieldPath[] | undefined;
}

// ---------------------------------------------------------------------------
// Compilation

function fieldRef(ref: FieldReferenceProto | undefined): { path: FieldPath; isName: boolean } {
  const path = parseFieldPath(ref?.fieldPath);
  return { path, isName: isDocumentIdPath(path) };
}

function filterType(f: FilterProto): string | undefined {
  if (f.filterType) return f.filterType;
  if (f.compositeFilter) return 'compositeFilter';
  if (f.fieldFilter) return 'fieldFilter';
  if (f.unaryFilter) return 'unaryFilter';
  return undefined;
}

export function compileFilter(f: FilterProto): CompiledFilter | undefined {
  switch (filterType(f)) {
    case 'compositeFilter': {
      const op = f.compositeFilter?.op;
      if (op !== 'AND' && op !== 'OR') throw invalidArgument(`Invalid composite filter operator: ${String(op)}`);
      const filters = (f.compositeFilter?.filters ?? [])
        .map(compileFilter)
        .filter((x): x is CompiledFilter => x !== undefined);
      if (filters.length === 0) return undefined;
      if (filters.length === 1) return filters[0];
      return { kind: op === 'AND' ? 'and' : 'or', filters };
    }
    case 'fieldFilter': {
      const ff = f.fieldFilter ?? {};
      const { path, isName } = fieldRef(ff.field);
      const op = ff.op ?? '';
      if (!FIELD_OPS.has(op)) throw invalidArgument(`Invalid field filter operator: ${op || 'OPERATOR_UNSPECIFIED'}`);
      const value = valueFromProto(ff.value);
      const fieldOp = op as FieldOp;
      if (fieldOp === 'IN' || fieldOp === 'NOT_IN' || fieldOp === 'ARRAY_CONTAINS_ANY') {
        if (value.kind !== 'array' || value.values.length === 0) {
          throw invalidArgument(`A non-empty array is required for '${fieldOp}' filters.`);
        }
      }
      if (isName) {
        if (fieldOp === 'ARRAY_CONTAINS' || fieldOp === 'ARRAY_CONTAINS_ANY') {
          throw invalidArgument(`Invalid query: '${fieldOp}' is not supported on __name__`);
        }
        const operands = value.kind === 'array' && (fieldOp === 'IN' || fieldOp === 'NOT_IN') ? value.values : [value];
        if (operands.some(v => v.kind !== 'reference')) {
          throw invalidArgument('__key__ filter value must be a Key (a document reference)');
        }
      }
      return { kind: 'field', path, isName, op: fieldOp, value };
    }
    case 'unaryFilter': {
      const uf = f.unaryFilter ?? {};
      const { path, isName } = fieldRef(uf.field);
      const op = uf.op ?? '';
      if (!UNARY_OPS.has(op)) throw invalidArgument(`Invalid unary filter operator: ${op || 'OPERATOR_UNSPECIFIED'}`);
      if (isName) throw invalidArgument(`Invalid query: unary filter ${op} is not supported on __name__`);
      return { kind: 'unary', path, isName, op: op as UnaryOp };
    }
    default:
      throw invalidArgument('Filter has no filter_type set');
  }
}

function inequalityPaths(filter: CompiledFilter | undefined, out: FieldPath[]): FieldPath[] {
  if (!filter) return out;
  if (filter.kind === 'field' || filter.kind === 'unary') {
    if (INEQUALITY_OPS.has(filter.op) && !filter.isName) out.push(filter.path);
  } else {
    for (const f of filter.filters) inequalityPaths(f, out);
  }
  return out;
}

/**
 * Firestore's implicit ordering: explicit orders first, then inequality
 * fields not already ordered (lexicographically by field path), then
 * `__name__`; implicit orders take the direction of the last explicit order.
 */
export function effectiveOrder(explicit: readonly OrderSpec[], filter: CompiledFilter | undefined): OrderSpec[] {
  const orders = [...explicit];
  const seen = new Set(explicit.map(o => formatFieldPath(o.path)));
  const direction: Direction = explicit[explicit.length - 1]?.direction ?? 1;
  const inequalities = inequalityPaths(filter, []).sort(compareFieldPaths);
  for (const path of inequalities) {
    const key = formatFieldPath(path);
    if (seen.has(key)) continue;
    seen.add(key);
    orders.push({ path, isName: false, direction });
  }
  if (!seen.has('__name__')) orders.push({ path: ['__name__'], isName: true, direction });
  return orders;
}

function compileCursor(c: CursorProto | undefined, orderBy: readonly OrderSpec[]): CompiledCursor | undefined {
  if (!c) return undefined;
  const values = (c.values ?? []).map(v => valueFromProto(v));
  if (values.length > orderBy.length) {
    throw invalidArgument('Too many cursor values specified. The specified values must match the orderBy() constraints of the query.');
  }
  values.forEach((v, i) => {
    if (orderBy[i]?.isName && v.kind !== 'reference') {
      throw invalidArgument('Cursor position for __name__ must be a document reference');
    }
  });
  return { values, before: c.before === true };
}

export function compileQuery(parent: ParsedPath, q: StructuredQueryProto | undefined): CompiledQuery {
  if (!q) throw invalidArgument('A structured query is required');
  if (q.findNearest) throw unimplemented('Vector search (find_nearest) is not supported by this emulator');
  const from = q.from ?? [];
  if (from.length !== 1 || !from[0]) throw invalidArgument('Query must specify exactly one collection in "from"');
  const selector = from[0];
  const allDescendants = selector.allDescendants === true;
  const collectionId = selector.collectionId || undefined;
  if (!collectionId && !allDescendants) throw invalidArgument('Query "from" requires a collection_id');
  if (collectionId?.includes('/')) throw invalidArgument(`Invalid collection id "${collectionId}"`);

  const filter = q.where ? compileFilter(q.where) : undefined;
  checkQueryFilter(filter);
  const explicit: OrderSpec[] = (q.orderBy ?? []).map(o => {
    const { path, isName } = fieldRef(o.field);
    const direction: Direction = o.direction === 'DESCENDING' ? -1 : 1;
    return { path, isName, direction };
  });
  const orderBy = effectiveOrder(explicit, filter);

  const offset = q.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalidArgument('offset must be non-negative');
  let limit: number | undefined;
  if (q.limit) {
    limit = q.limit.value ?? 0;
    if (!Number.isInteger(limit) || limit < 0) throw invalidArgument('limit must be non-negative');
  }

  let projection: FieldPath[] | undefined;
  const selected = q.select?.fields ?? [];
  if (q.select && selected.length > 0) {
    projection = selected.map(f => parseFieldPath(f.fieldPath)).filter(p => !isDocumentIdPath(p));
  }

  return {
    database: parent.database,
    parentPath: parent.path,
    collectionId,
    allDescendants,
    filter,
    orderBy,
    startAt: compileCursor(q.startAt, orderBy),
    endAt: compileCursor(q.endAt, orderBy),
    offset,
    limit,
    projection,
  };
}

// ---------------------------------------------------------------------------
// Evaluation

function nameValue(database: string, doc: StoredDocument): Value {
  return { kind: 'reference', value: documentName(database, doc.path) };
}

function fieldValue(database: string, doc: StoredDocument, path: FieldPath, isName: boolean): Value | undefined {
  return isName ? nameValue(database, doc) : getField(doc.fields, path);
}

function matchesField(v: Value | undefined, op: FieldOp, operand: Value): boolean {
  if (v === undefined) return false; // every filter requires the field to exist
  switch (op) {
    case 'EQUAL':
      return valuesEquivalent(v, operand);
    case 'NOT_EQUAL':
      // != never matches null (nor missing fields)
      return v.kind !== 'null' && !valuesEquivalent(v, operand);
    case 'LESS_THAN':
    case 'LESS_THAN_OR_EQUAL':
    case 'GREATER_THAN':
    case 'GREATER_THAN_OR_EQUAL': {
      // Range filters only match values of the same type class (ints and doubles mix).
      if (typeOrder(v) !== typeOrder(operand)) return false;
      const c = compareValues(v, operand);
      if (op === 'LESS_THAN') return c < 0;
      if (op === 'LESS_THAN_OR_EQUAL') return c <= 0;
      if (op === 'GREATER_THAN') return c > 0;
      return c >= 0;
    }
    case 'ARRAY_CONTAINS':
      return v.kind === 'array' && v.values.some(e => valuesEquivalent(e, operand));
    case 'IN':
      return operand.kind === 'array' && operand.values.some(o => valuesEquivalent(v, o));
    case 'ARRAY_CONTAINS_ANY':
      return (
        v.kind === 'array' &&
        operand.kind === 'array' &&
        v.values.some(e => operand.values.some(o => valuesEquivalent(e, o)))
      );
    case 'NOT_IN':
      if (operand.kind !== 'array' || operand.values.some(o => o.kind === 'null')) return false;
      return v.kind !== 'null' && !operand.values.some(o => valuesEquivalent(v, o));
  }
}

function matchesUnary(v: Value | undefined, op: UnaryOp): boolean {
  if (v === undefined) return false;
  switch (op) {
    case 'IS_NULL':
      return v.kind === 'null';
    case 'IS_NAN':
      return isNaNValue(v);
    case 'IS_NOT_NULL':
      return v.kind !== 'null';
    case 'IS_NOT_NAN':
      return v.kind !== 'null' && !isNaNValue(v);
  }
}

export function matchesFilter(database: string, doc: StoredDocument, filter: CompiledFilter): boolean {
  switch (filter.kind) {
    case 'and':
      return filter.filters.every(f => matchesFilter(database, doc, f));
    case 'or':
      return filter.filters.some(f => matchesFilter(database, doc, f));
    case 'field':
      return matchesField(fieldValue(database, doc, filter.path, filter.isName), filter.op, filter.value);
    case 'unary':
      return matchesUnary(fieldValue(database, doc, filter.path, filter.isName), filter.op);
  }
}

function compareDocs(a: StoredDocument, b: StoredDocument, orderBy: readonly OrderSpec[]): number {
  for (const order of orderBy) {
    let c: number;
    if (order.isName) {
      c = compareSegmentLists(a.segments, b.segments);
    } else {
      // Existence of ordered fields was checked before sorting.
      c = compareValues(getField(a.fields, order.path) as Value, getField(b.fields, order.path) as Value);
    }
    if (c !== 0) return c * order.direction;
  }
  return 0;
}

function compareToCursor(database: string, doc: StoredDocument, cursor: CompiledCursor, orderBy: readonly OrderSpec[]): number {
  for (let i = 0; i < cursor.values.length; i++) {
    const order = orderBy[i] as OrderSpec;
    const v = fieldValue(database, doc, order.path, order.isName) as Value;
    const c = compareValues(v, cursor.values[i] as Value);
    if (c !== 0) return c * order.direction;
  }
  return 0;
}

/** The documents a query can see, before filtering. */
export function queryCandidates(store: DocumentStore, q: CompiledQuery, readTime?: number): StoredDocument[] {
  if (!q.allDescendants) {
    const collectionPath = q.parentPath === '' ? (q.collectionId as string) : `${q.parentPath}/${q.collectionId as string}`;
    return store.documentsInCollection(collectionPath, readTime);
  }
  if (q.collectionId === undefined) return store.descendants(q.parentPath, readTime);
  return store.documentsInGroup(q.parentPath, q.collectionId, readTime);
}

/** Runs a query: filter, order, cursors, offset, limit (projection is applied when encoding). */
export function executeQuery(store: DocumentStore, q: CompiledQuery, readTime?: number): StoredDocument[] {
  const ordered = q.orderBy.filter(o => !o.isName);
  const { startAt, endAt } = q;
  // Cursors compare one document at a time, so they filter before ordering: only the page is sorted.
  const docs = queryCandidates(store, q, readTime).filter(doc => {
    // orderBy implies the field exists.
    for (const o of ordered) if (getField(doc.fields, o.path) === undefined) return false;
    if (q.filter && !matchesFilter(q.database, doc, q.filter)) return false;
    if (startAt) {
      const c = compareToCursor(q.database, doc, startAt, q.orderBy);
      if (!(c > 0 || (c === 0 && startAt.before))) return false;
    }
    if (endAt) {
      const c = compareToCursor(q.database, doc, endAt, q.orderBy);
      if (!(c < 0 || (c === 0 && !endAt.before))) return false;
    }
    return true;
  });
  const compare = (a: StoredDocument, b: StoredDocument) => compareDocs(a, b, q.orderBy);
  if (q.limit === undefined) return docs.sort(compare).slice(q.offset);
  return firstInOrder(docs, q.offset + q.limit, compare).slice(q.offset);
}

/**
 * The first `count` documents in `compare` order, sorted: a bounded insertion instead of
 * sorting every match, so a page of 50 out of 10,000 matches costs about one pass. The order
 * always ends with the document name, so it is total and the result equals a full sort's.
 */
function firstInOrder(docs: StoredDocument[], count: number, compare: (a: StoredDocument, b: StoredDocument) => number): StoredDocument[] {
  if (count <= 0) return [];
  if (docs.length <= count * 4) return docs.sort(compare).slice(0, count);
  const kept: StoredDocument[] = [];
  for (const doc of docs) {
    if (kept.length === count && compare(doc, kept[count - 1] as StoredDocument) >= 0) continue;
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(kept[middle] as StoredDocument, doc) <= 0) low = middle + 1;
      else high = middle;
    }
    kept.splice(low, 0, doc);
    if (kept.length > count) kept.pop();
  }
  return kept;
}

// ---------------------------------------------------------------------------
// Aggregations

export type CompiledAggregation =
  | { readonly kind: 'count'; readonly alias: string; readonly upTo: bigint | undefined }
  | { readonly kind: 'sum' | 'avg'; readonly alias: string; readonly path: FieldPath };

export function compileAggregations(protos: readonly AggregationProto[] | undefined): CompiledAggregation[] {
  const list = protos ?? [];
  if (list.length === 0) throw invalidArgument('At least one aggregation is required');
  const aliases = new Set<string>();
  return list.map((a, i) => {
    const alias = a.alias || `field_${i + 1}`;
    if (aliases.has(alias)) throw invalidArgument(`Duplicate aggregation alias "${alias}"`);
    aliases.add(alias);
    const op = a.operator ?? (a.count ? 'count' : a.sum ? 'sum' : a.avg ? 'avg' : undefined);
    switch (op) {
      case 'count': {
        const raw = a.count?.upTo?.value;
        let upTo: bigint | undefined;
        if (a.count?.upTo) {
          upTo = BigInt(raw ?? 0);
          if (upTo <= 0n) throw invalidArgument('count up_to must be greater than zero');
        }
        return { kind: 'count', alias, upTo };
      }
      case 'sum':
      case 'avg': {
        const path = parseFieldPath((op === 'sum' ? a.sum : a.avg)?.field?.fieldPath);
        return { kind: op, alias, path };
      }
      default:
        throw invalidArgument('Aggregation has no operator set');
    }
  });
}

export function computeAggregations(docs: readonly StoredDocument[], aggregations: readonly CompiledAggregation[]): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const agg of aggregations) {
    if (agg.kind === 'count') {
      let n = BigInt(docs.length);
      if (agg.upTo !== undefined && n > agg.upTo) n = agg.upTo;
      out.set(agg.alias, integerValue(n));
      continue;
    }
    let intSum = 0n;
    let doubleSum = 0;
    let sawDouble = false;
    let count = 0;
    for (const doc of docs) {
      const v = getField(doc.fields, agg.path);
      if (v?.kind === 'integer') {
        intSum += v.value;
        count++;
      } else if (v?.kind === 'double') {
        doubleSum += v.value;
        sawDouble = true;
        count++;
      }
    }
    if (agg.kind === 'sum') {
      // Integers stay integers unless a double is involved or int64 overflows.
      const fitsInt = intSum >= INT64_MIN && intSum <= INT64_MAX;
      out.set(agg.alias, !sawDouble && fitsInt ? integerValue(intSum) : doubleValue(Number(intSum) + doubleSum));
    } else {
      out.set(agg.alias, count === 0 ? NULL_VALUE : doubleValue((Number(intSum) + doubleSum) / count));
    }
  }
  return out;
}
