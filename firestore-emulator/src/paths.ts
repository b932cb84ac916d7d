import { invalidArgument } from './errors.js';

/**
 * Resource names and field paths.
 *
 * Documents are addressed inside a database by their relative path
 * ("users/alice/posts/p1"); the full resource name is
 * "projects/{p}/databases/{d}/documents/{relative path}".
 */

const DATABASE_RE = /^projects\/([^/]+)\/databases\/([^/]+)$/;

/** Validates and returns a database name ("projects/p/databases/d"). */
export function parseDatabaseName(name: string | undefined): string {
  if (!name || !DATABASE_RE.test(name)) {
    throw invalidArgument(`Invalid database name: "${name ?? ''}". Expected projects/{project_id}/databases/{database_id}`);
  }
  return name;
}

export interface ParsedPath {
  /** "projects/p/databases/d" */
  database: string;
  /** Relative path below .../documents ('' for the database root). */
  path: string;
  segments: string[];
}

function parseUnderDocuments(name: string | undefined, what: string): ParsedPath {
  const text = name ?? '';
  const marker = '/documents';
  const idx = text.indexOf(marker);
  if (idx < 0) throw invalidArgument(`Invalid ${what} name: "${text}"`);
  const database = parseDatabaseName(text.slice(0, idx));
  const rest = text.slice(idx + marker.length);
  if (rest === '') return { database, path: '', segments: [] };
  if (!rest.startsWith('/')) throw invalidArgument(`Invalid ${what} name: "${text}"`);
  const path = rest.slice(1);
  const segments = path.split('/');
  if (segments.some(s => s === '')) throw invalidArgument(`Invalid ${what} name: "${text}" (empty path segment)`);
  return { database, path, segments };
}

/** Parses a document resource name (even number of segments, at least 2). */
export function parseDocumentName(name: string | undefined, expectedDatabase?: string): ParsedPath {
  const parsed = parseUnderDocuments(name, 'document');
  if (parsed.segments.length === 0 || parsed.segments.length % 2 !== 0) {
    throw invalidArgument(`Document name "${name ?? ''}" has odd number of segments or is not a document path`);
  }
  for (const segment of parsed.segments) validateSegment(segment, name ?? '');
  if (expectedDatabase !== undefined && parsed.database !== expectedDatabase) {
    throw invalidArgument(`Document "${name ?? ''}" is not in database "${expectedDatabase}"`);
  }
  return parsed;
}

/** Parses a query/list parent: the database root ("…/documents") or a document. */
export function parseParentName(name: string | undefined): ParsedPath {
  const parsed = parseUnderDocuments(name, 'parent');
  if (parsed.segments.length % 2 !== 0) {
    throw invalidArgument(`Parent "${name ?? ''}" must be the database root or a document`);
  }
  return parsed;
}

function validateSegment(segment: string, name: string): void {
  if (segment === '.' || segment === '..') throw invalidArgument(`Invalid path segment in "${name}"`);
  if (/^__.*__$/.test(segment) && !NUMERIC_ID_RE.test(segment)) {
    throw invalidArgument(`Resource id "${segment}" is invalid because it is reserved (in "${name}")`);
  }
}

export function documentName(database: string, path: string): string {
  return `${database}/documents/${path}`;
}

/** Parent collection path of a document path ("a/b/c/d" -> "a/b/c"). */
export function collectionOf(path: string): string {
  const idx = path.lastIndexOf('/');
  return idx < 0 ? '' : path.slice(0, idx);
}

// ---------------------------------------------------------------------------
// Ordering

/**
 * Compares strings by UTF-8 byte order (what Firestore uses), which equals
 * Unicode code point order. JavaScript's `<` compares UTF-16 code units and
 * gets surrogate pairs vs. U+E000..U+FFFF wrong.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Code points (codePointAt combines a surrogate pair starting at i).
    const pa = a.codePointAt(i) ?? ca;
    const pb = b.codePointAt(i) ?? cb;
    if (pa !== pb) return pa < pb ? -1 : 1;
    return ca < cb ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * Document ids of the form `__id<int64>__` are numeric ids: they sort before
 * all string ids, by numeric value (the client relies on this, e.g. recursiveDelete
 * uses `__id-9223372036854775808__` as the smallest possible id).
 */
const NUMERIC_ID_RE = /^__id(-?\d+)__$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function numericId(segment: string): bigint | undefined {
  if (!segment.startsWith('__id')) return undefined;
  const m = NUMERIC_ID_RE.exec(segment);
  if (!m || m[1] === undefined) return undefined;
  const v = BigInt(m[1]);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

export function compareSegments(a: string, b: string): number {
  if (a === b) return 0;
  const na = numericId(a);
  const nb = numericId(b);
  if (na !== undefined || nb !== undefined) {
    if (na === undefined) return 1;
    if (nb === undefined) return -1;
    return na === nb ? 0 : na < nb ? -1 : 1;
  }
  return compareUtf8(a, b);
}

export function compareSegmentLists(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareSegments(a[i] as string, b[i] as string);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------
// Field paths ("a.b", "`odd.key`.c")

export type FieldPath = readonly string[];

export const DOCUMENT_ID_FIELD = '__name__';

export function isDocumentIdPath(path: FieldPath): boolean {
  return path.length === 1 && path[0] === DOCUMENT_ID_FIELD;
}

/** Parses a field path; segments may be backtick-quoted with `\` escapes. */
export function parseFieldPath(text: string | undefined): string[] {
  const s = text ?? '';
  if (s === '') throw invalidArgument('Field path must not be empty');
  const segments: string[] = [];
  let i = 0;
  for (;;) {
    let segment = '';
    if (s[i] === '`') {
      i++;
      let closed = false;
      while (i < s.length) {
        const ch = s[i] as string;
        if (ch === '\\') {
          if (i + 1 >= s.length) break;
          segment += s[i + 1];
          i += 2;
        } else if (ch === '`') {
          closed = true;
          i++;
          break;
        } else {
          segment += ch;
          i++;
        }
      }
      if (!closed) throw invalidArgument(`Invalid field path "${s}": unterminated backtick`);
    } else {
      const start = i;
      while (i < s.length && s[i] !== '.') {
        if (s[i] === '`') throw invalidArgument(`Invalid field path "${s}": unexpected backtick`);
        i++;
      }
      segment = s.slice(start, i);
    }
    if (segment === '') throw invalidArgument(`Invalid field path "${s}": empty segment`);
    segments.push(segment);
    if (i >= s.length) return segments;
    if (s[i] !== '.') throw invalidArgument(`Invalid field path "${s}"`);
    i++;
    if (i >= s.length) throw invalidArgument(`Invalid field path "${s}": trailing dot`);
  }
}

const SIMPLE_SEGMENT = /^[a-zA-Z_][a-zA-Z_0-9]*$/;

/** Canonical text form of a field path (quotes segments that need it). */
export function formatFieldPath(path: FieldPath): string {
  return path
    .map(seg => (SIMPLE_SEGMENT.test(seg) ? seg : '`' + seg.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`'))
    .join('.');
}

export function compareFieldPaths(a: FieldPath, b: FieldPath): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareUtf8(a[i] as string, b[i] as string);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** True when `prefix` is a (non-strict) prefix of `path`. */
export function isFieldPathPrefix(prefix: FieldPath, path: FieldPath): boolean {
  if (prefix.length > path.length) return false;
  return prefix.every((seg, i) => path[i] === seg);
}
