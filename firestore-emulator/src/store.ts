import { failedPrecondition } from './errors.js';
import { collectionOf } from './paths.js';
import type { Fields } from './values.js';

/**
 * Multi-version in-memory document store for one database.
 *
 * Every document keeps a short history of versions so that read-only
 * transactions and `readTime` reads see a consistent snapshot. History is
 * bounded: versions older than `retentionMicros` (except the one visible at
 * the cutoff) are dropped, and each document keeps at most
 * `maxVersionsPerDocument` versions. Reads at a time whose history was dropped
 * fail with FAILED_PRECONDITION instead of returning wrong data.
 */

export interface StoredDocument {
  readonly path: string;
  readonly segments: readonly string[];
  readonly fields: Fields;
  /** Microseconds since the epoch. */
  readonly createTime: number;
  readonly updateTime: number;
}

export interface HistoryOptions {
  retentionMicros: number;
  maxVersionsPerDocument: number;
}

/** Two minutes of history (covers read-only transactions, which expire after 2 idle minutes). */
export const DEFAULT_HISTORY: HistoryOptions = {
  retentionMicros: 120_000_000,
  maxVersionsPerDocument: 256,
};

interface Version {
  readonly time: number;
  /** null = deleted (tombstone) */
  readonly doc: StoredDocument | null;
}

class DocRecord {
  readonly segments: string[];
  readonly collectionPath: string;
  readonly collectionId: string;
  versions: Version[] = [];
  /** Reads before this time are unanswerable (history dropped). 0 = complete. */
  floor = 0;

  constructor(readonly path: string) {
    this.segments = path.split('/');
    this.collectionPath = collectionOf(path);
    this.collectionId = this.segments[this.segments.length - 2] ?? '';
  }

  latest(): StoredDocument | null {
    return this.versions[this.versions.length - 1]?.doc ?? null;
  }
}

export class DocumentStore {
  private readonly records = new Map<string, DocRecord>();
  private readonly byCollection = new Map<string, Set<DocRecord>>();
  private readonly byCollectionId = new Map<string, Set<DocRecord>>();
  /** Global floor, raised when tombstoned records are dropped entirely. */
  private floor = 0;

  constructor(private readonly history: HistoryOptions = DEFAULT_HISTORY) {}

  /** Number of documents that currently exist. */
  get size(): number {
    let n = 0;
    for (const rec of this.records.values()) if (rec.latest()) n++;
    return n;
  }

  /** The document at `path` as of `readTime` (latest when undefined). */
  get(path: string, readTime?: number): StoredDocument | null {
    this.checkGlobalFloor(readTime);
    const rec = this.records.get(path);
    return rec ? this.versionAt(rec, readTime) : null;
  }

  /**
   * Appends a version (null fields = delete) at commit time `time`.
   * Returns the stored document (null for deletes).
   */
  put(path: string, fields: Fields | null, time: number): StoredDocument | null {
    let rec = this.records.get(path);
    const previous = rec?.latest() ?? null;
    if (!rec) {
      if (fields === null) return null; // deleting a document that never existed
      rec = new DocRecord(path);
      this.records.set(path, rec);
      addToIndex(this.byCollection, rec.collectionPath, rec);
      addToIndex(this.byCollectionId, rec.collectionId, rec);
    }
    const doc: StoredDocument | null =
      fields === null
        ? null
        : {
            path,
            segments: rec.segments,
            fields,
            createTime: previous ? previous.createTime : time,
            updateTime: time,
          };
    rec.versions.push({ time, doc });
    this.pruneRecord(rec, time);
    return doc;
  }

  /** Documents directly inside the collection at `collectionPath`. */
  documentsInCollection(collectionPath: string, readTime?: number): StoredDocument[] {
    return this.collect(this.byCollection.get(collectionPath), readTime);
  }

  /** Documents of every collection named `collectionId` below `parentPath` ('' = root). */
  documentsInGroup(parentPath: string, collectionId: string, readTime?: number): StoredDocument[] {
    const prefix = parentPath === '' ? '' : parentPath + '/';
    return this.collect(this.byCollectionId.get(collectionId), readTime, prefix);
  }

  /** Every document below `parentPath` ('' = the whole database). */
  descendants(parentPath: string, readTime?: number): StoredDocument[] {
    const prefix = parentPath === '' ? '' : parentPath + '/';
    return this.collect(this.records.values(), readTime, prefix);
  }

  /** Ids of collections directly below `parentPath` that contain documents (at any depth). */
  collectionIds(parentPath: string, readTime?: number): string[] {
    const depth = parentPath === '' ? 0 : parentPath.split('/').length;
    const ids = new Set<string>();
    for (const doc of this.descendants(parentPath, readTime)) {
      const id = doc.segments[depth];
      if (id !== undefined) ids.add(id);
    }
    return [...ids];
  }

  /**
   * Document paths in a collection, optionally including "missing" documents
   * (ones that do not exist but have existing descendants), as ListDocuments
   * with show_missing does.
   */
  listDocuments(
    collectionPath: string,
    showMissing: boolean,
    readTime?: number,
  ): { path: string; doc: StoredDocument | null }[] {
    const result = new Map<string, StoredDocument | null>();
    for (const doc of this.documentsInCollection(collectionPath, readTime)) result.set(doc.path, doc);
    if (showMissing) {
      const depth = collectionPath.split('/').length;
      for (const doc of this.descendants(collectionPath, readTime)) {
        if (doc.segments.length <= depth + 1) continue;
        const path = doc.segments.slice(0, depth + 1).join('/');
        if (!result.has(path)) result.set(path, null);
      }
    }
    return [...result].map(([path, doc]) => ({ path, doc }));
  }

  /** Drops history older than the retention window and dead tombstones. */
  prune(now: number): void {
    const cutoff = now - this.history.retentionMicros;
    for (const rec of this.records.values()) {
      this.pruneRecord(rec, now);
      const last = rec.versions[rec.versions.length - 1];
      if (rec.versions.length === 1 && last && last.doc === null && last.time <= cutoff) {
        this.records.delete(rec.path);
        removeFromIndex(this.byCollection, rec.collectionPath, rec);
        removeFromIndex(this.byCollectionId, rec.collectionId, rec);
        this.floor = Math.max(this.floor, cutoff);
      }
    }
  }

  clear(): void {
    this.records.clear();
    this.byCollection.clear();
    this.byCollectionId.clear();
    this.floor = 0;
  }

  // -------------------------------------------------------------------------

  private collect(records: Iterable<DocRecord> | undefined, readTime?: number, prefix = ''): StoredDocument[] {
    this.checkGlobalFloor(readTime);
    const out: StoredDocument[] = [];
    if (!records) return out;
    for (const rec of records) {
      if (prefix !== '' && !rec.path.startsWith(prefix)) continue;
      const doc = this.versionAt(rec, readTime);
      if (doc) out.push(doc);
    }
    return out;
  }

  private versionAt(rec: DocRecord, readTime?: number): StoredDocument | null {
    if (readTime === undefined) return rec.latest();
    if (readTime < rec.floor) throw tooOld();
    for (let i = rec.versions.length - 1; i >= 0; i--) {
      const version = rec.versions[i] as Version;
      if (version.time <= readTime) return version.doc;
    }
    return null;
  }

  private checkGlobalFloor(readTime?: number): void {
    if (readTime !== undefined && readTime < this.floor) throw tooOld();
  }

  private pruneRecord(rec: DocRecord, now: number): void {
    const versions = rec.versions;
    if (versions.length <= 1) return;
    const cutoff = now - this.history.retentionMicros;
    // Keep the newest version at or before the cutoff (it is what reads at
    // the cutoff see) and everything after it.
    let keepFrom = 0;
    for (let i = versions.length - 1; i >= 0; i--) {
      if ((versions[i] as Version).time <= cutoff) {
        keepFrom = i;
        break;
      }
    }
    keepFrom = Math.max(keepFrom, versions.length - this.history.maxVersionsPerDocument);
    if (keepFrom > 0) {
      versions.splice(0, keepFrom);
      rec.floor = Math.max(rec.floor, (versions[0] as Version).time);
    }
  }
}

function tooOld(): Error {
  return failedPrecondition(
    'The requested read time is older than the document history kept by the emulator ' +
      '(see firestore-emulator/README.md, "Snapshots and history")',
  );
}

function addToIndex(index: Map<string, Set<DocRecord>>, key: string, rec: DocRecord): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(rec);
}

function removeFromIndex(index: Map<string, Set<DocRecord>>, key: string, rec: DocRecord): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(rec);
  if (set.size === 0) index.delete(key);
}
