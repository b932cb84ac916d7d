import { describe, expect, it } from 'vitest';
import { DocumentStore } from '../src/store.js';
import { integerValue, type Fields } from '../src/values.js';

const fields = (n: number): Fields => new Map([['n', integerValue(n)]]);

describe('DocumentStore', () => {
  it('keeps createTime across updates and resets it after delete', () => {
    const store = new DocumentStore();
    store.put('c/a', fields(1), 10);
    store.put('c/a', fields(2), 20);
    expect(store.get('c/a')).toMatchObject({ createTime: 10, updateTime: 20 });
    store.put('c/a', null, 30);
    expect(store.get('c/a')).toBeNull();
    store.put('c/a', fields(3), 40);
    expect(store.get('c/a')).toMatchObject({ createTime: 40, updateTime: 40 });
  });

  it('serves snapshot reads from version history', () => {
    const store = new DocumentStore();
    store.put('c/a', fields(1), 10);
    store.put('c/a', fields(2), 20);
    store.put('c/a', null, 30);
    expect(store.get('c/a', 5)).toBeNull();
    expect(store.get('c/a', 10)?.fields).toEqual(fields(1));
    expect(store.get('c/a', 19)?.fields).toEqual(fields(1));
    expect(store.get('c/a', 25)?.fields).toEqual(fields(2));
    expect(store.get('c/a', 30)).toBeNull();
    expect(store.documentsInCollection('c', 15).map(d => d.path)).toEqual(['c/a']);
    expect(store.documentsInCollection('c')).toEqual([]);
  });

  it('drops history beyond the retention window and refuses reads it can no longer answer', () => {
    const store = new DocumentStore({ retentionMicros: 100, maxVersionsPerDocument: 1000 });
    store.put('c/a', fields(1), 10);
    store.put('c/a', fields(2), 20);
    store.put('c/a', fields(3), 500); // cutoff 400: version @20 is the one visible at the cutoff
    expect(store.get('c/a', 450)?.fields).toEqual(fields(2));
    expect(() => store.get('c/a', 15)).toThrow(/older than the document history/);
    expect(store.get('c/a')?.fields).toEqual(fields(3));
  });

  it('caps versions per document', () => {
    const store = new DocumentStore({ retentionMicros: 1e12, maxVersionsPerDocument: 3 });
    for (let t = 1; t <= 5; t++) store.put('c/a', fields(t), t * 10);
    expect(store.get('c/a', 30)?.fields).toEqual(fields(3));
    expect(() => store.get('c/a', 25)).toThrow();
    expect(store.get('c/b', 25)).toBeNull();
  });

  it('forgets old tombstones and raises the global floor', () => {
    const store = new DocumentStore({ retentionMicros: 100, maxVersionsPerDocument: 10 });
    store.put('c/a', fields(1), 10);
    store.put('c/a', null, 20);
    store.prune(1000);
    expect(store.documentsInCollection('c')).toEqual([]);
    expect(() => store.get('c/a', 15)).toThrow();
    expect(store.get('c/a', 950)).toBeNull();
  });

  it('finds collection groups, descendants and collection ids', () => {
    const store = new DocumentStore();
    let t = 1;
    for (const path of ['a/1', 'a/1/g/x', 'a/1/g/x/g/y', 'b/2/g/z', 'g/top', 'a/1/h/w', 'a/2/deep/er/g/q']) {
      store.put(path, fields(0), t++);
    }
    const paths = (docs: { path: string }[]): string[] => docs.map(d => d.path).sort();
    expect(paths(store.documentsInGroup('', 'g'))).toEqual(['a/1/g/x', 'a/1/g/x/g/y', 'a/2/deep/er/g/q', 'b/2/g/z', 'g/top']);
    expect(paths(store.documentsInGroup('a/1', 'g'))).toEqual(['a/1/g/x', 'a/1/g/x/g/y']);
    expect(paths(store.descendants('a/1'))).toEqual(['a/1/g/x', 'a/1/g/x/g/y', 'a/1/h/w']);
    expect(store.collectionIds('').sort()).toEqual(['a', 'b', 'g']);
    expect(store.collectionIds('a/1').sort()).toEqual(['g', 'h']);
    expect(store.collectionIds('a/2')).toEqual(['deep']);
  });

  it('lists missing documents that have descendants', () => {
    const store = new DocumentStore();
    store.put('c/exists', fields(1), 1);
    store.put('c/ghost/sub/x', fields(1), 2);
    const listed = store.listDocuments('c', true).map(e => [e.path, e.doc !== null]);
    expect(listed.sort()).toEqual([
      ['c/exists', true],
      ['c/ghost', false],
    ]);
    expect(store.listDocuments('c', false).map(e => e.path)).toEqual(['c/exists']);
  });
});
