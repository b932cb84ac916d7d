import type { DocumentData, FirestoreDataConverter, QueryDocumentSnapshot } from 'firebase-admin/firestore';
import type { z } from 'zod';

/**
 * A Firestore converter whose reads and writes are checked by the same zod schema that
 * defines the document's TypeScript type: a malformed document never reaches a service.
 */
export function schemaConverter<S extends z.ZodType<DocumentData>>(schema: S): FirestoreDataConverter<z.infer<S>> {
  return {
    toFirestore: (value) => schema.parse(value),
    fromFirestore: (snapshot: QueryDocumentSnapshot) => schema.parse(snapshot.data()),
  };
}

/**
 * Counts the documents this process writes through a converter (`set`/`create`; `update` and
 * `delete` bypass converters, so their callers count themselves). An instance cache compares the
 * count with the one it loaded at to drop what this instance itself changed.
 */
export class WriteCounter {
  count = 0;
  note(): void {
    this.count += 1;
  }
}

export function countingWrites<T>(converter: FirestoreDataConverter<T>, counter: WriteCounter): FirestoreDataConverter<T> {
  const toFirestore = converter.toFirestore.bind(converter) as (...args: unknown[]) => DocumentData;
  return {
    toFirestore: ((...args: unknown[]) => {
      counter.note();
      return toFirestore(...args);
    }) as FirestoreDataConverter<T>['toFirestore'],
    fromFirestore: converter.fromFirestore.bind(converter),
  };
}
