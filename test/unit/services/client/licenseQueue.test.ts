import { describe, expect, it } from 'vitest';
import { inLicenseTurn, licensesWithQueuedCalls } from '../../../../functions/src/services/client/licenseQueue.js';

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

describe('inLicenseTurn', () => {
  it('runs the calls on one license one after another, in arrival order', async () => {
    const journal: string[] = [];
    const first = heldCall('first', journal);
    const second = heldCall('second', journal);
    const answers = [inLicenseTurn('key-order', first.work), inLicenseTurn('key-order', second.work)];
    await settle();
    expect(journal).toEqual(['first start']);
    second.release();
    await settle();
    expect(journal).toEqual(['first start']);
    first.release();
    expect(await Promise.all(answers)).toEqual(['first', 'second']);
    expect(journal).toEqual(['first start', 'first end', 'second start', 'second end']);
  });

  it('lets calls on other licenses run at the same time', async () => {
    const journal: string[] = [];
    const one = heldCall('one', journal);
    const other = heldCall('other', journal);
    const answers = [inLicenseTurn('key-a', one.work), inLicenseTurn('key-b', other.work)];
    await settle();
    expect(journal).toEqual(['one start', 'other start']);
    one.release();
    other.release();
    expect(await Promise.all(answers)).toEqual(['one', 'other']);
  });

  it('a failed call gives its error to its own caller and the next call still runs', async () => {
    const failing = inLicenseTurn('key-failure', () => Promise.reject(new Error('contention')));
    const next = inLicenseTurn('key-failure', () => Promise.resolve('next ran'));
    await expect(failing).rejects.toThrow('contention');
    expect(await next).toBe('next ran');
  });

  it('forgets a license once its last call ended', async () => {
    const journal: string[] = [];
    const held = heldCall('held', journal);
    const before = licensesWithQueuedCalls();
    const answer = inLicenseTurn('key-forgotten', held.work);
    expect(licensesWithQueuedCalls()).toBe(before + 1);
    held.release();
    await answer;
    await settle();
    expect(licensesWithQueuedCalls()).toBe(before);
  });
});
