import type { Clock } from './clock.js';
import type { ChangeSet, Database } from './database.js';
import { encodeDocument } from './encode.js';
import { invalidArgument } from './errors.js';
import { collectionOf, documentName, parseDatabaseName, parseDocumentName, parseParentName } from './paths.js';
import type { ListenRequest, ListenResponse, TargetProto } from './proto-types.js';
import { compileQuery, executeQuery, type CompiledQuery } from './query.js';
import type { StoredDocument } from './store.js';
import { microsToTimestamp } from './values.js';

/**
 * A minimal Listen (onSnapshot) implementation.
 *
 * Each target is re-evaluated after every commit that touches a document it
 * could contain, and the difference to what the client has is sent as
 * document changes followed by a global NO_CHANGE marker carrying the commit
 * time (which makes the client raise a snapshot). Resume tokens are not
 * interpreted: a re-opened target is RESET and sent in full.
 */

type TargetSpec = { readonly kind: 'query'; readonly query: CompiledQuery } | { readonly kind: 'documents'; readonly paths: readonly string[] };

interface ActiveTarget {
  readonly id: number;
  readonly spec: TargetSpec;
  /** What the client currently has: path -> update time. */
  readonly sent: Map<string, number>;
}

export interface ListenHost {
  readonly clock: Clock;
  database(name: string): Database;
}

function resumeToken(time: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64BE(BigInt(time));
  return buf;
}

function mayContain(spec: TargetSpec, path: string): boolean {
  if (spec.kind === 'documents') return spec.paths.includes(path);
  const q = spec.query;
  const prefix = q.parentPath === '' ? '' : q.parentPath + '/';
  if (!path.startsWith(prefix)) return false;
  if (!q.allDescendants) return collectionOf(path) === prefix + (q.collectionId ?? '');
  if (q.collectionId === undefined) return true;
  const segments = path.split('/');
  return segments[segments.length - 2] === q.collectionId;
}

export class ListenSession {
  private readonly targets = new Map<number, ActiveTarget>();
  private db: Database | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly host: ListenHost,
    private readonly send: (message: ListenResponse) => void,
  ) {}

  handle(req: ListenRequest): void {
    if (this.closed) return;
    const dbName = parseDatabaseName(req.database);
    if (!this.db) {
      this.db = this.host.database(dbName);
      this.unsubscribe = this.db.subscribe((changed, time) => this.onChange(changed, time));
    } else if (this.db.name !== dbName) {
      throw invalidArgument('All targets of a Listen stream must use the same database');
    }
    const type = req.targetChange ?? (req.addTarget ? 'addTarget' : req.removeTarget !== undefined ? 'removeTarget' : undefined);
    if (type === 'addTarget' && req.addTarget) this.addTarget(this.db, req.addTarget);
    else if (type === 'removeTarget') this.removeTarget(req.removeTarget ?? 0);
    else throw invalidArgument('ListenRequest must set add_target or remove_target');
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.targets.clear();
  }

  private addTarget(db: Database, target: TargetProto): void {
    const id = target.targetId ?? 0;
    if (this.targets.has(id)) throw invalidArgument(`Target id ${id} is already in use`);
    const spec = this.compileTarget(db, target);
    const active: ActiveTarget = { id, spec, sent: new Map() };
    this.targets.set(id, active);
    const time = this.host.clock.now();
    this.send({ targetChange: { targetChangeType: 'ADD', targetIds: [id] } });
    // A resumed target gets its full state again; RESET drops the client's copy.
    if ((target.resumeToken?.length ?? 0) > 0 || target.readTime) {
      this.send({ targetChange: { targetChangeType: 'RESET', targetIds: [id] } });
    }
    this.sync(db, active, time);
    const token = resumeToken(time);
    this.send({ targetChange: { targetChangeType: 'CURRENT', targetIds: [id], resumeToken: token } });
    this.send({ targetChange: { targetChangeType: 'NO_CHANGE', targetIds: [], readTime: microsToTimestamp(time), resumeToken: token } });
  }

  private removeTarget(id: number): void {
    if (!this.targets.delete(id)) return;
    this.send({ targetChange: { targetChangeType: 'REMOVE', targetIds: [id] } });
  }

  private compileTarget(db: Database, target: TargetProto): TargetSpec {
    if (target.query) {
      const parent = parseParentName(target.query.parent);
      if (parent.database !== db.name) throw invalidArgument('Listen target is not in the stream database');
      return { kind: 'query', query: compileQuery(parent, target.query.structuredQuery) };
    }
    if (target.documents) {
      const paths = (target.documents.documents ?? []).map(name => parseDocumentName(name, db.name).path);
      return { kind: 'documents', paths };
    }
    throw invalidArgument('Listen target must be a query or documents target');
  }

  private evaluate(db: Database, spec: TargetSpec, time: number): StoredDocument[] {
    if (spec.kind === 'query') return executeQuery(db.store, spec.query, time);
    return spec.paths.map(path => db.store.get(path, time)).filter((doc): doc is StoredDocument => doc !== null);
  }

  /** Sends the changes that bring the client's view of `target` to `time`. Returns whether anything changed. */
  private sync(db: Database, target: ActiveTarget, time: number): boolean {
    const docs = this.evaluate(db, target.spec, time);
    let changed = false;
    const present = new Set<string>();
    for (const doc of docs) {
      present.add(doc.path);
      if (target.sent.get(doc.path) === doc.updateTime) continue;
      target.sent.set(doc.path, doc.updateTime);
      this.send({ documentChange: { document: encodeDocument(db.name, doc), targetIds: [target.id], removedTargetIds: [] } });
      changed = true;
    }
    for (const path of [...target.sent.keys()]) {
      if (present.has(path)) continue;
      target.sent.delete(path);
      this.send({ documentDelete: { document: documentName(db.name, path), removedTargetIds: [target.id], readTime: microsToTimestamp(time) } });
      changed = true;
    }
    return changed;
  }

  private onChange(changed: ChangeSet, time: number): void {
    const db = this.db;
    if (this.closed || !db) return;
    let any = false;
    for (const target of this.targets.values()) {
      const affected = changed === 'all' || [...changed].some(path => mayContain(target.spec, path));
      if (affected && this.sync(db, target, time)) any = true;
    }
    if (any) {
      this.send({
        targetChange: { targetChangeType: 'NO_CHANGE', targetIds: [], readTime: microsToTimestamp(time), resumeToken: resumeToken(time) },
      });
    }
  }
}
