import { describe, expect, it } from 'vitest';
import { asReader, asWriter, documentsWithQueuedCalls, inDocumentTurn, WriterTurnNeeded, writerTurnNeeded } from '../../../functions/src/data/documentTurns.js';

/** A call that records when it starts and ends, and finishes only when told to. */
function heldCall(name: string, journal: string[]) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => { release = resolve; });
  const work = async () => {
    journal.push(`${name} start`);
    await released;
    journal.push(`${name} end`);
    return name;
  };
  return { work, release };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('asWriter', () => {
  it('runs the writers on one document one after another, in arrival order', async () => {
    const journal: string[] = [];
    const first = heldCall('first', journal);
    const second = heldCall('second', journal);
    const answers = [asWriter('licenses/key-order', first.work), asWriter('licenses/key-order', second.work)];
    await settle();
    expect(journal).toEqual(['first start']);
    second.release();
    await settle();
    expect(journal).toEqual(['first start']);
    first.release();
    expect(await Promise.all(answers)).toEqual(['first', 'second']);
    expect(journal).toEqual(['first start', 'first end', 'second start', 'second end']);
  });

  it('lets writers on other documents run at the same time', async () => {
    const journal: string[] = [];
    const one = heldCall('one', journal);
    const other = heldCall('other', journal);
    const answers = [asWriter('licenses/key-a', one.work), asWriter('licenses/key-b', other.work)];
    await settle();
    expect(journal).toEqual(['one start', 'other start']);
    one.release();
    other.release();
    expect(await Promise.all(answers)).toEqual(['one', 'other']);
  });

  it('a failed writer gives its error to its own caller and the next one still runs', async () => {
    const failing = asWriter('licenses/key-failure', () => Promise.reject(new Error('contention')));
    const next = asWriter('licenses/key-failure', () => Promise.resolve('next ran'));
    await expect(failing).rejects.toThrow('contention');
    expect(await next).toBe('next ran');
  });
});

describe('asReader', () => {
  it('runs the readers of one document side by side', async () => {
    const journal: string[] = [];
    const readers = ['r1', 'r2', 'r3'].map((name) => heldCall(name, journal));
    const answers = readers.map((reader) => asReader('licenses/key-readers', reader.work));
    await settle();
    expect(journal).toEqual(['r1 start', 'r2 start', 'r3 start']);
    for (const reader of readers) reader.release();
    expect(await Promise.all(answers)).toEqual(['r1', 'r2', 'r3']);
  });

  it('a writer waits for the readers running; a reader arriving behind a queued writer waits for it', async () => {
    const journal: string[] = [];
    const early = heldCall('early reader', journal);
    const writer = heldCall('writer', journal);
    const late = heldCall('late reader', journal);
    const answers = [asReader('licenses/key-mixed', early.work), asWriter('licenses/key-mixed', writer.work), asReader('licenses/key-mixed', late.work)];
    await settle();
    expect(journal).toEqual(['early reader start']);
    writer.release();
    late.release();
    await settle();
    expect(journal).toEqual(['early reader start']);
    early.release();
    expect(await Promise.all(answers)).toEqual(['early reader', 'writer', 'late reader']);
    expect(journal).toEqual(['early reader start', 'early reader end', 'writer start', 'writer end', 'late reader start', 'late reader end']);
  });
});

describe('inDocumentTurn', () => {
  /** A client call as runClientCall makes it: it writes, and asks for a writer turn when others run. */
  const writingCall = (licenseKey: string, journal: string[], name: string, hold?: Promise<void>) => (asWriterTurn: boolean) => {
    journal.push(`${name} as ${asWriterTurn ? 'writer' : 'reader'}`);
    return (hold ?? Promise.resolve()).then(() => {
      if (!asWriterTurn && writerTurnNeeded(licenseKey)) throw new WriterTurnNeeded();
      return name;
    });
  };

  it('a call alone on its document writes in its reader turn: nothing runs twice', async () => {
    const journal: string[] = [];
    expect(await inDocumentTurn('licenses/key-alone', writingCall('licenses/key-alone', journal, 'alone'))).toBe('alone');
    expect(journal).toEqual(['alone as reader']);
  });

  it('calls that write beside others run again, each in its writer turn', async () => {
    const journal: string[] = [];
    let release: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => { release = resolve; });
    const answers = ['a', 'b', 'c'].map((name) => inDocumentTurn('licenses/key-burst', writingCall('licenses/key-burst', journal, name, hold)));
    await settle();
    release();
    expect(await Promise.all(answers)).toEqual(['a', 'b', 'c']);
    expect(journal).toEqual(['a as reader', 'b as reader', 'c as reader', 'a as writer', 'b as writer', 'c as writer']);
  });

  it('another error is its caller’s, without a second attempt', async () => {
    let attempts = 0;
    const failing = inDocumentTurn('licenses/key-error', async () => {
      attempts += 1;
      throw new Error('refused');
    });
    await expect(failing).rejects.toThrow('refused');
    expect(attempts).toBe(1);
  });

  it('forgets a document once its last call ended', async () => {
    const journal: string[] = [];
    const reader = heldCall('reader', journal);
    const writer = heldCall('writer', journal);
    const before = documentsWithQueuedCalls();
    const answers = [asReader('licenses/key-forgotten', reader.work), asWriter('licenses/key-forgotten', writer.work)];
    expect(documentsWithQueuedCalls()).toBe(before + 1);
    reader.release();
    writer.release();
    await Promise.all(answers);
    await settle();
    expect(documentsWithQueuedCalls()).toBe(before);
    expect(writerTurnNeeded('licenses/key-forgotten')).toBe(false);
  });
});
