import { describe, expect, it } from 'vitest';
import { pumpEvents, retryDelayMs } from '../../../../functions/src/services/webhooks/webhookDelivery.js';

/** Many draws of the delay after `attempts` failed attempts: their range shows base and jitter. */
function draws(attempts: number, count = 2000): { min: number; max: number; all: number[] } {
  const all = Array.from({ length: count }, () => retryDelayMs(attempts));
  return { min: Math.min(...all), max: Math.max(...all), all };
}

describe('retryDelayMs (webhook delivery backoff)', () => {
  it('waits 30 s ± 20 % after the first attempt (and for a count below 1)', () => {
    for (const attempts of [1, 0, -3]) {
      const { min, max } = draws(attempts);
      expect(min).toBeGreaterThanOrEqual(24_000);
      expect(max).toBeLessThanOrEqual(36_000);
    }
  });

  it('doubles with each attempt', () => {
    const second = draws(2);
    expect(second.min).toBeGreaterThanOrEqual(48_000);
    expect(second.max).toBeLessThanOrEqual(72_000);
    const tenth = draws(10); // 30 s × 2^9 = 15 360 s, still under the cap
    expect(tenth.min).toBeGreaterThanOrEqual(0.8 * 15_360_000);
    expect(tenth.max).toBeLessThanOrEqual(1.2 * 15_360_000);
    expect(tenth.max).toBeGreaterThan(1.1 * 15_360_000);
  });

  it('caps the base at 6 h from the eleventh attempt on', () => {
    for (const attempts of [11, 12, 40]) {
      const { min, max } = draws(attempts);
      expect(min).toBeGreaterThanOrEqual(0.8 * 21_600_000);
      expect(max).toBeLessThanOrEqual(1.2 * 21_600_000);
      expect(min).toBeLessThan(0.9 * 21_600_000);
    }
  });

  it('spreads over the whole ±20 % in whole milliseconds', () => {
    const { min, max, all } = draws(1, 4000);
    // 401 jitter steps of 0.1 %: with 4000 draws the extremes come within 2 % of the bounds.
    expect(min).toBeLessThan(24_600);
    expect(max).toBeGreaterThan(35_400);
    expect(new Set(all).size).toBeGreaterThan(300);
    expect(all.every(Number.isInteger)).toBe(true);
  });
});

describe('pumpEvents (the local stack event pump, one pass)', () => {
  const events = [1_000, 2_000, 3_000, 4_000].map((createdAtMs, i) => ({ id: `e${i}`, createdAtMs }));

  it('delivers every event although one fails, starts the next pass at the failed one, and retries only it (chaos run, issue 22)', async () => {
    const done = new Map<string, number>();
    const delivered: string[] = [];
    let failing = true;
    const deliver = async (event: { id: string }) => {
      if (event.id === 'e1' && failing) throw new Error('ABORTED');
      delivered.push(event.id);
    };
    const next = await pumpEvents(events, 500, done, deliver);
    expect(delivered.sort()).toEqual(['e0', 'e2', 'e3']);
    expect(next).toBe(2_000);
    failing = false;
    const after = await pumpEvents(events, next, done, deliver);
    expect(delivered.sort()).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(after).toBe(4_000);
    // A pass over the same window hands nothing out again.
    expect(await pumpEvents(events, after, done, deliver)).toBe(4_000);
    expect(delivered).toHaveLength(4);
  });

  it('never moves back before where the pass started, and keeps the start with no events', async () => {
    const done = new Map<string, number>();
    expect(await pumpEvents(events, 2_500, done, async (event) => { if (event.id === 'e0') throw new Error('x'); })).toBe(2_500);
    expect(await pumpEvents([], 9_000, new Map(), async () => undefined)).toBe(9_000);
  });
});
