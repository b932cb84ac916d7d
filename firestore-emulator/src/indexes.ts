import { readFileSync } from 'node:fs';
import { failedPrecondition } from './errors.js';
import { formatFieldPath, parseFieldPath } from './paths.js';
import type { CompiledFilter, CompiledQuery, Direction } from './query.js';

/**
 * Composite index enforcement, following production Firestore's rules
 * (https://firebase.google.com/docs/firestore/query-data/index-overview):
 *
 * - Every field has automatic single-field indexes (ascending, descending,
 *   array-contains) at collection scope, unless a fieldOverride replaces them.
 *   Collection-group scope has no automatic single-field indexes.
 * - An index is a list of fields; Firestore normalises it by appending
 *   `__name__` in the direction of the last field, so `(a ASC, b DESC)` and
 *   `(a ASC, b DESC, __name__ DESC)` are the same index. A single-field index
 *   on `f` behaves like `(f, __name__)`.
 * - A query (per disjunct of its filter in disjunctive normal form) needs:
 *   its equality / array-contains fields (in any order), then its effective
 *   order (explicit orderBy, then inequality fields) with exact directions,
 *   then `__name__`. Firestore can merge (zig-zag join) several indexes that
 *   share that exact order suffix and whose prefixes together cover the
 *   equality fields, which is why equality-only queries need no composite.
 *   Strict exception: array-contains combined with any other filter or order
 *   needs one composite index covering the whole query.
 */

export interface IndexFieldJson {
  fieldPath: string;
  order?: 'ASCENDING' | 'DESCENDING';
  arrayConfig?: 'CONTAINS';
}

export type QueryScope = 'COLLECTION' | 'COLLECTION_GROUP';

export interface IndexJson {
  collectionGroup: string;
  queryScope?: QueryScope;
  fields: IndexFieldJson[];
}

export interface FieldOverrideJson {
  collectionGroup: string;
  fieldPath: string;
  ttl?: boolean;
  indexes?: { order?: 'ASCENDING' | 'DESCENDING'; arrayConfig?: 'CONTAINS'; queryScope?: QueryScope }[];
}

/** The format of firebase-tools' firestore.indexes.json. */
export interface IndexFileJson {
  indexes?: IndexJson[];
  fieldOverrides?: FieldOverrideJson[];
}

type Kind = 'asc' | 'desc' | 'contains';

interface IndexField {
  /** Canonical field path ("a.b", "__name__"). */
  readonly path: string;
  readonly kind: Kind;
}

/** A normalised index: fields, always ending with __name__. */
interface Index {
  readonly group: string;
  readonly scope: QueryScope;
  readonly fields: readonly IndexField[];
}

/** What one disjunct of a query needs from the indexes. */
export interface IndexRequirement {
  readonly group: string;
  readonly scope: QueryScope;
  /** Equality fields ('asc' stands for "any order index") and array-contains fields, in filter order. */
  readonly equalities: readonly IndexField[];
  /** Effective order without __name__. */
  readonly order: readonly IndexField[];
  readonly nameDirection: Direction;
}

const NAME = '__name__';

function canonical(fieldPath: string): string {
  return formatFieldPath(parseFieldPath(fieldPath));
}

function kindOf(f: { order?: string; arrayConfig?: string }, where: string): Kind {
  if (f.arrayConfig !== undefined) {
    if (f.arrayConfig !== 'CONTAINS') throw new Error(`${where}: unsupported arrayConfig "${f.arrayConfig}"`);
    return 'contains';
  }
  if (f.order === 'ASCENDING') return 'asc';
  if (f.order === 'DESCENDING') return 'desc';
  throw new Error(`${where}: each index field needs "order" (ASCENDING|DESCENDING) or "arrayConfig" (CONTAINS)`);
}

function scopeOf(scope: string | undefined, where: string): QueryScope {
  if (scope === undefined || scope === 'COLLECTION') return 'COLLECTION';
  if (scope === 'COLLECTION_GROUP') return 'COLLECTION_GROUP';
  throw new Error(`${where}: unsupported queryScope "${scope}"`);
}

/** Appends __name__ in the direction of the last field (array-contains counts as ascending). */
export function normaliseFields(fields: readonly IndexField[]): IndexField[] {
  const out = [...fields];
  const last = out[out.length - 1];
  if (last?.path !== NAME) out.push({ path: NAME, kind: last?.kind === 'desc' ? 'desc' : 'asc' });
  return out;
}

function indexKey(group: string, scope: QueryScope, fields: readonly IndexField[]): string {
  return `${group}|${scope}|${fields.map(f => `${f.path}:${f.kind}`).join(',')}`;
}

interface Override {
  readonly path: readonly string[];
  readonly kinds: Map<QueryScope, Set<Kind>>;
}

/** A parsed index configuration (firestore.indexes.json). */
export class IndexConfig {
  private readonly composites = new Map<string, Index[]>();
  private readonly overrides = new Map<string, Override[]>();
  /** Indexes listed more than once (after normalisation), as JSON, for diagnostics. */
  readonly duplicates: string[] = [];
  /** Queries each declared composite index has served (an unused index is one to remove). */
  private readonly uses = new Map<Index, number>();
  /** The declared composite indexes, as written in the file, keyed like the normalised ones. */
  private readonly declared = new Map<Index, IndexJson>();

  constructor(json: IndexFileJson) {
    if (typeof json !== 'object' || json === null) throw new Error('Index file must be a JSON object');
    const seen = new Set<string>();
    (json.indexes ?? []).forEach((ix, i) => {
      const where = `indexes[${i}]`;
      if (!ix.collectionGroup) throw new Error(`${where}: collectionGroup is required`);
      const scope = scopeOf(ix.queryScope, where);
      const fields = normaliseFields(
        (ix.fields ?? []).map((f, j) => ({ path: canonical(f.fieldPath), kind: kindOf(f, `${where}.fields[${j}]`) })),
      );
      const key = indexKey(ix.collectionGroup, scope, fields);
      if (seen.has(key)) {
        this.duplicates.push(JSON.stringify(ix));
        return;
      }
      seen.add(key);
      const list = this.composites.get(`${ix.collectionGroup}|${scope}`) ?? [];
      const index: Index = { group: ix.collectionGroup, scope, fields };
      list.push(index);
      this.declared.set(index, ix);
      this.uses.set(index, 0);
      this.composites.set(`${ix.collectionGroup}|${scope}`, list);
    });
    (json.fieldOverrides ?? []).forEach((o, i) => {
      const where = `fieldOverrides[${i}]`;
      if (!o.collectionGroup || !o.fieldPath) throw new Error(`${where}: collectionGroup and fieldPath are required`);
      const kinds = new Map<QueryScope, Set<Kind>>([
        ['COLLECTION', new Set()],
        ['COLLECTION_GROUP', new Set()],
      ]);
      (o.indexes ?? []).forEach((ix, j) => kinds.get(scopeOf(ix.queryScope, `${where}.indexes[${j}]`))?.add(kindOf(ix, `${where}.indexes[${j}]`)));
      const list = this.overrides.get(o.collectionGroup) ?? [];
      list.push({ path: parseFieldPath(o.fieldPath), kinds });
      this.overrides.set(o.collectionGroup, list);
    });
  }

  static load(source: string | IndexFileJson): IndexConfig {
    if (typeof source !== 'string') return new IndexConfig(source);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(source, 'utf8'));
    } catch (err) {
      throw new Error(`Cannot read index file ${source}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return new IndexConfig(json as IndexFileJson);
  }

  /** Single-field index kinds that exist for `path` (automatic unless a fieldOverride says otherwise). */
  singleFieldKinds(group: string, scope: QueryScope, path: string): ReadonlySet<Kind> {
    const segments = parseFieldPath(path);
    let best: Override | undefined;
    for (const o of this.overrides.get(group) ?? []) {
      const prefix = o.path.length <= segments.length && o.path.every((s, i) => segments[i] === s);
      if (prefix && (!best || o.path.length > best.path.length)) best = o;
    }
    if (best) return best.kinds.get(scope) ?? new Set();
    return scope === 'COLLECTION' ? new Set<Kind>(['asc', 'desc', 'contains']) : new Set();
  }

  /** Candidate indexes for a requirement: composites plus the single-field indexes of the fields it uses. */
  private candidates(req: IndexRequirement): Index[] {
    const out = [...(this.composites.get(`${req.group}|${req.scope}`) ?? [])];
    const paths = new Set([...req.equalities, ...req.order].map(f => f.path));
    for (const path of paths) {
      for (const kind of this.singleFieldKinds(req.group, req.scope, path)) {
        out.push({ group: req.group, scope: req.scope, fields: normaliseFields([{ path, kind }]) });
      }
    }
    return out;
  }

  /** True when the indexes can serve the requirement (possibly by merging several). */
  serves(req: IndexRequirement): boolean {
    if (req.equalities.length === 0 && req.order.length === 0) return true; // built-in __name__ index
    const nameKind: Kind = req.nameDirection === 1 ? 'asc' : 'desc';
    // array-contains combined with anything else: require one composite covering
    // everything (strict: production's merging of array-contains indexes is not documented).
    const single = req.equalities.some(e => e.kind === 'contains') && req.equalities.length + req.order.length > 1;
    const candidates = single ? (this.composites.get(`${req.group}|${req.scope}`) ?? []) : this.candidates(req);
    const covered = new Set<string>();
    const used: Index[] = [];
    let usable = false;
    for (const ix of candidates) {
      const f = ix.fields;
      const k = f.length - 1 - req.order.length;
      if (k < 0) continue;
      const last = f[f.length - 1] as IndexField;
      if (last.path !== NAME || last.kind !== nameKind) continue;
      if (!req.order.every((o, i) => f[k + i]?.path === o.path && f[k + i]?.kind === o.kind)) continue;
      const prefix = f.slice(0, k);
      const keys = prefix.map(p => equalityKey(p));
      if (!keys.every(key => req.equalities.some(e => equalityKey(e) === key))) continue;
      if (new Set(keys).size !== keys.length) continue;
      if (single && keys.length !== req.equalities.length) continue;
      usable = true;
      used.push(ix);
      for (const key of keys) covered.add(key);
    }
    const served = usable && req.equalities.every(e => covered.has(equalityKey(e)));
    if (served) for (const ix of used) if (this.uses.has(ix)) this.uses.set(ix, (this.uses.get(ix) ?? 0) + 1);
    return served;
  }

  /** Each declared composite index, as written in the file, with the number of queries it served. */
  usage(): Array<IndexJson & { uses: number }> {
    return [...this.declared].map(([index, json]) => ({ ...json, uses: this.uses.get(index) ?? 0 }));
  }

  /** Throws FAILED_PRECONDITION naming the missing index when the query cannot be served. */
  check(query: CompiledQuery): void {
    for (const req of indexRequirements(query)) {
      if (!this.serves(req)) throw failedPrecondition(missingIndexMessage(req));
    }
  }
}

/** Equality prefix fields match any order direction; array-contains needs a CONTAINS field. */
function equalityKey(f: IndexField): string {
  return `${f.path}:${f.kind === 'contains' ? 'contains' : 'eq'}`;
}

// ---------------------------------------------------------------------------
// Query analysis

type Leaf = Extract<CompiledFilter, { kind: 'field' | 'unary' }>;

/** Disjunctive normal form (filters only, values irrelevant); capped to keep it cheap. */
function dnf(filter: CompiledFilter | undefined): Leaf[][] {
  if (!filter) return [[]];
  if (filter.kind === 'field' || filter.kind === 'unary') return [[filter]];
  if (filter.kind === 'or') return filter.filters.flatMap(dnf).slice(0, 1024);
  let acc: Leaf[][] = [[]];
  for (const f of filter.filters) {
    const parts = dnf(f);
    const next: Leaf[][] = [];
    for (const a of acc) for (const p of parts) if (next.length < 1024) next.push([...a, ...p]);
    acc = next;
  }
  return acc;
}

const EQUALITY_OPS = new Set(['EQUAL', 'IN', 'IS_NULL', 'IS_NAN']);
const CONTAINS_OPS = new Set(['ARRAY_CONTAINS', 'ARRAY_CONTAINS_ANY']);

/** The index requirements of a query, one per distinct disjunct shape. */
export function indexRequirements(query: CompiledQuery): IndexRequirement[] {
  if (query.collectionId === undefined) return []; // kindless queries only use the __name__ index
  const scope: QueryScope = query.allDescendants ? 'COLLECTION_GROUP' : 'COLLECTION';
  const group = query.collectionId;
  // Effective order up to the first __name__ (later fields cannot change the order).
  const order: IndexField[] = [];
  let nameDirection: Direction = 1;
  for (const o of query.orderBy) {
    if (o.isName) {
      nameDirection = o.direction;
      break;
    }
    order.push({ path: formatFieldPath(o.path), kind: o.direction === 1 ? 'asc' : 'desc' });
  }
  const out = new Map<string, IndexRequirement>();
  for (const disjunct of dnf(query.filter)) {
    const equalities: IndexField[] = [];
    const seen = new Set<string>();
    for (const leaf of disjunct) {
      if (leaf.isName) continue;
      const kind: Kind | undefined = EQUALITY_OPS.has(leaf.op) ? 'asc' : CONTAINS_OPS.has(leaf.op) ? 'contains' : undefined;
      if (!kind) continue;
      const f = { path: formatFieldPath(leaf.path), kind };
      if (seen.has(equalityKey(f))) continue;
      seen.add(equalityKey(f));
      equalities.push(f);
    }
    // Ordering by a field constrained by equality is a no-op for the index.
    const eqPaths = new Set(equalities.filter(e => e.kind !== 'contains').map(e => e.path));
    const req: IndexRequirement = { group, scope, equalities, order: order.filter(o => !eqPaths.has(o.path)), nameDirection };
    out.set(JSON.stringify(req), req);
  }
  return [...out.values()];
}

function fieldJson(f: IndexField): IndexFieldJson {
  if (f.kind === 'contains') return { fieldPath: f.path, arrayConfig: 'CONTAINS' };
  return { fieldPath: f.path, order: f.kind === 'asc' ? 'ASCENDING' : 'DESCENDING' };
}

/** The index a requirement needs, in firestore.indexes.json shape. */
export function suggestedIndex(req: IndexRequirement): { kind: 'index'; index: IndexJson } | { kind: 'fieldOverride'; fieldOverride: FieldOverrideJson } {
  const fields: IndexField[] = [...req.equalities, ...req.order];
  const nameKind: Kind = req.nameDirection === 1 ? 'asc' : 'desc';
  const implied = normaliseFields(fields)[fields.length];
  const explicitName = implied?.kind !== nameKind;
  if (fields.length === 1 && !explicitName) {
    // A single field: what is missing is a single-field index (fieldOverride), not a composite.
    const f = fields[0] as IndexField;
    const entry = f.kind === 'contains' ? { arrayConfig: 'CONTAINS' as const } : { order: f.kind === 'asc' ? ('ASCENDING' as const) : ('DESCENDING' as const) };
    const defaults = [
      { order: 'ASCENDING' as const, queryScope: 'COLLECTION' as const },
      { order: 'DESCENDING' as const, queryScope: 'COLLECTION' as const },
      { arrayConfig: 'CONTAINS' as const, queryScope: 'COLLECTION' as const },
    ];
    const indexes = req.scope === 'COLLECTION' ? [{ ...entry, queryScope: 'COLLECTION' as const }] : [...defaults, { ...entry, queryScope: req.scope }];
    return { kind: 'fieldOverride', fieldOverride: { collectionGroup: req.group, fieldPath: f.path, indexes } };
  }
  const json = fields.map(fieldJson);
  if (explicitName) json.push({ fieldPath: NAME, order: nameKind === 'asc' ? 'ASCENDING' : 'DESCENDING' });
  return { kind: 'index', index: { collectionGroup: req.group, queryScope: req.scope, fields: json } };
}

export function missingIndexMessage(req: IndexRequirement): string {
  const s = suggestedIndex(req);
  if (s.kind === 'index') {
    return `The query requires an index. Add to firestore.indexes.json: ${JSON.stringify(s.index)}`;
  }
  const why = req.scope === 'COLLECTION_GROUP' ? 'collection-group scope has no automatic single-field indexes' : 'a field override removed it';
  return `The query requires a single-field index (${why}). Add to "fieldOverrides" in firestore.indexes.json: ${JSON.stringify(s.fieldOverride)}`;
}

/** Loads the `indexes` option early (a bad file should fail startup, not the first query). */
export function loadIndexConfig(source: string | IndexFileJson | undefined): IndexConfig | undefined {
  return source === undefined ? undefined : IndexConfig.load(source);
}
