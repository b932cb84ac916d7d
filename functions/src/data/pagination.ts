import { Timestamp, type Query, type QueryDocumentSnapshot } from 'firebase-admin/firestore';
import { z } from 'zod';
import { ApiError } from '../domain/errors.js';

/** A cursor position value: strings, numbers and timestamps survive the round trip exactly. */
const cursorValue = z.union([z.string().max(1500), z.number(), z.object({ ts: z.tuple([z.number().int(), z.number().int()]) })]);
const cursorPayload = z.object({ after: z.array(cursorValue).min(1).max(4) });
type CursorValue = z.infer<typeof cursorValue>;
export type CursorField = string | number | Timestamp;

function toCursorValue(value: CursorField): CursorValue {
  return value instanceof Timestamp ? { ts: [value.seconds, value.nanoseconds] } : value;
}

function fromCursorValue(value: CursorValue): CursorField {
  return typeof value === 'object' ? new Timestamp(value.ts[0], value.ts[1]) : value;
}

/** Opaque to clients: base64url JSON of the last item's sort values (never an offset). */
export function encodeCursor(values: CursorField[]): string {
  return Buffer.from(JSON.stringify({ after: values.map(toCursorValue) }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): CursorField[] {
  try {
    const payload = cursorPayload.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (payload.after.length !== arity) throw new Error('arity');
    // The last value is a document id (it makes the order total): Firestore rejects anything
    // but a non-empty string without a slash there, which must be a 400, not a 500.
    const last = payload.after[arity - 1];
    if (typeof last !== 'string' || last === '' || last.includes('/')) throw new Error('id');
    return payload.after.map(fromCursorValue);
  } catch {
    throw new ApiError('bad_request', 'Invalid cursor');
  }
}

export interface Page<T> {
  items: QueryDocumentSnapshot<T>[];
  cursor: string | null;
}

/**
 * Runs one page of an ordered query. `sortValues` must return, for a document, the values of
 * the query's orderBy fields in order; the last one must make the order total (an id).
 */
export async function readPage<T>(
  query: Query<T>,
  options: { limit: number; cursor?: string | undefined },
  sortValues: (doc: QueryDocumentSnapshot<T>) => CursorField[],
  arity: number,
): Promise<Page<T>> {
  let pageQuery = query;
  if (options.cursor) pageQuery = pageQuery.startAfter(...decodeCursor(options.cursor, arity));
  const snapshot = await pageQuery.limit(options.limit + 1).get();
  const items = snapshot.docs.slice(0, options.limit);
  const last = items[items.length - 1];
  const hasMore = snapshot.docs.length > options.limit;
  return { items, cursor: hasMore && last ? encodeCursor(sortValues(last)) : null };
}
