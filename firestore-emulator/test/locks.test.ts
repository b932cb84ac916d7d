import { describe, expect, it } from 'vitest';
import { LockManager, type LockOwner } from '../src/locks.js';

interface Owner extends LockOwner {
  name: string;
}

let nextSeq = 0;
const owner = (name: string, priority: number): Owner => ({ name, priority, seq: ++nextSeq });

function manager(waitTimeoutMs = 1000) {
  const wounded: string[] = [];
  const locks: LockManager<Owner> = new LockManager<Owner>({
    waitTimeoutMs,
    onWound: victim => {
      wounded.push(victim.name);
      locks.cancelWaits(victim, new Error(`${victim.name} wounded`));
      locks.releaseAll(victim);
    },
    timeoutError: o => new Error(`${o.name} timed out`),
    cancelledError: o => new Error(`${o.name} cancelled`),
  });
  return { locks, wounded };
}

/** Resolves to the order in which the given acquisitions complete. */
function track(order: string[], name: string, p: Promise<void>): Promise<void> {
  return p.then(
    () => {
      order.push(name);
    },
    (err: unknown) => {
      order.push(`${name}:${(err as Error).message}`);
    },
  );
}

describe('LockManager', () => {
  it('grants free locks immediately and is re-entrant', async () => {
    const { locks } = manager();
    const a = owner('a', 1);
    await locks.acquire(a, 'k');
    await locks.acquire(a, 'k');
    expect(locks.holds(a, 'k')).toBe(true);
    locks.releaseAll(a);
    expect(locks.size).toBe(0);
  });

  it('hands a released lock to waiters oldest-first (FIFO by begin order)', async () => {
    const { locks } = manager();
    const [a, b, c, d] = [owner('a', 1), owner('b', 2), owner('c', 3), owner('d', 4)];
    await locks.acquire(a, 'k');
    const order: string[] = [];
    const waits = [track(order, 'd', locks.acquire(d, 'k')), track(order, 'b', locks.acquire(b, 'k')), track(order, 'c', locks.acquire(c, 'k'))];
    expect(locks.queueLength('k')).toBe(3);
    for (const next of [a, b, c]) {
      locks.releaseAll(next);
      await new Promise(resolve => setImmediate(resolve));
    }
    locks.releaseAll(d);
    await Promise.all(waits);
    expect(order).toEqual(['b', 'c', 'd']);
  });

  it('wound-wait: an older requester aborts a younger holder, a younger requester waits', async () => {
    const { locks, wounded } = manager();
    const old = owner('old', 1);
    const young = owner('young', 2);
    await locks.acquire(young, 'k');
    await locks.acquire(old, 'k');
    expect(wounded).toEqual(['young']);
    expect(locks.holds(old, 'k')).toBe(true);

    const order: string[] = [];
    const waiting = track(order, 'younger', locks.acquire(owner('younger', 3), 'k'));
    await new Promise(resolve => setTimeout(resolve, 10));
    expect(order).toEqual([]);
    expect(wounded).toEqual(['young']);
    locks.releaseAll(old);
    await waiting;
    expect(order).toEqual(['younger']);
  });

  it('breaks a lock-order deadlock: the older transaction wins', async () => {
    const { locks, wounded } = manager();
    const t1 = owner('t1', 1);
    const t2 = owner('t2', 2);
    await locks.acquire(t1, 'a');
    await locks.acquire(t2, 'b');
    const order: string[] = [];
    const w2 = track(order, 't2', locks.acquire(t2, 'a')); // young waits for old
    const w1 = track(order, 't1', locks.acquire(t1, 'b')); // old wounds young
    await Promise.all([w1, w2]);
    expect(wounded).toEqual(['t2']);
    expect(order).toEqual(['t2:t2 wounded', 't1']);
    expect(locks.holds(t1, 'a') && locks.holds(t1, 'b')).toBe(true);
  });

  it('times out waiters and passes the lock on to the next one', async () => {
    const { locks } = manager(30);
    const holder = owner('holder', 1);
    await locks.acquire(holder, 'k');
    const order: string[] = [];
    const slow = track(order, 'slow', locks.acquire(owner('slow', 2), 'k'));
    await slow;
    expect(order).toEqual(['slow:slow timed out']);
    expect(locks.queueLength('k')).toBe(0);
    locks.releaseAll(holder);
    expect(locks.size).toBe(0);
  });

  it('cancels a wait through an AbortSignal', async () => {
    const { locks } = manager();
    const holder = owner('holder', 1);
    await locks.acquire(holder, 'k');
    const controller = new AbortController();
    const order: string[] = [];
    const waiting = track(order, 'w', locks.acquire(owner('w', 2), 'k', controller.signal));
    controller.abort();
    await waiting;
    expect(order).toEqual(['w:w cancelled']);
    expect(locks.queueLength('k')).toBe(0);
  });

  it('acquireAll takes every key and cancelWaits rejects pending waits', async () => {
    const { locks } = manager();
    const a = owner('a', 1);
    const b = owner('b', 2);
    await locks.acquireAll(a, ['y', 'x', 'y']);
    expect([...locks.heldBy(a)].sort()).toEqual(['x', 'y']);
    const order: string[] = [];
    const waiting = track(order, 'b', locks.acquireAll(b, ['x', 'z']));
    expect(locks.isBlockingOthers(a)).toBe(true);
    locks.cancelWaits(b, new Error('stop'));
    await waiting;
    expect(order).toEqual(['b:stop']);
    expect(locks.isBlockingOthers(a)).toBe(false);
  });
});
