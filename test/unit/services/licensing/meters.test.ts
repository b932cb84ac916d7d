/**
 * Usage meters' pure rules (functions/src/services/licensing/meters.ts) at their boundaries:
 * month rollover on the 1st UTC (the last millisecond of a month, December into January, leap
 * February), a stored count of an earlier month reading as 0, the limit, thresholds once per
 * period. No Firestore, no HTTP.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { meterDeclarations } from '../../../../functions/src/data/meters.js';
import {
  decideIncrement,
  decremented,
  meterReading,
  periodKey,
  resetsAt,
  thresholdsReached,
  thresholdsSentNow,
  usedNow,
} from '../../../../functions/src/services/licensing/meters.js';

const at = (iso: string) => Timestamp.fromDate(new Date(iso));
const iso = (time: Timestamp | null) => (time ? time.toDate().toISOString() : null);

describe('month rollover', () => {
  it('the last millisecond of January is January; the first of February resets', () => {
    expect(periodKey('month', at('2027-01-31T23:59:59.999Z'))).toBe('2027-01');
    expect(iso(resetsAt('month', at('2027-01-31T23:59:59.999Z')))).toBe('2027-02-01T00:00:00.000Z');
    expect(periodKey('month', at('2027-02-01T00:00:00.000Z'))).toBe('2027-02');
    expect(iso(resetsAt('month', at('2027-02-01T00:00:00.000Z')))).toBe('2027-03-01T00:00:00.000Z');
  });

  it('December rolls into January of the next year', () => {
    expect(periodKey('month', at('2027-12-31T23:59:59.999Z'))).toBe('2027-12');
    expect(iso(resetsAt('month', at('2027-12-15T10:00:00Z')))).toBe('2028-01-01T00:00:00.000Z');
    expect(periodKey('month', at('2028-01-01T00:00:00.000Z'))).toBe('2028-01');
  });

  it('leap February ends after the 29th; a common one after the 28th', () => {
    expect(periodKey('month', at('2028-02-29T23:59:59.999Z'))).toBe('2028-02');
    expect(iso(resetsAt('month', at('2028-02-29T12:00:00Z')))).toBe('2028-03-01T00:00:00.000Z');
    expect(iso(resetsAt('month', at('2027-02-28T12:00:00Z')))).toBe('2027-03-01T00:00:00.000Z');
  });

  it('UTC decides, not the caller: 23:30 on the 31st in UTC-1 is already the next month', () => {
    expect(periodKey('month', at('2027-03-31T23:30:00-01:00'))).toBe('2027-04');
  });

  it('a count of an earlier month reads as 0, with no threshold sent; the same month keeps both', () => {
    const stored = { periodKey: '2027-01', used: 9, thresholdsSent: [80] };
    expect(usedNow(stored, 'month', at('2027-01-31T23:59:59.999Z'))).toBe(9);
    expect(thresholdsSentNow(stored, 'month', at('2027-01-31T23:59:59.999Z'))).toEqual([80]);
    expect(usedNow(stored, 'month', at('2027-02-01T00:00:00.000Z'))).toBe(0);
    expect(thresholdsSentNow(stored, 'month', at('2027-02-01T00:00:00.000Z'))).toEqual([]);
    expect(usedNow(undefined, 'month', at('2027-02-01T00:00:00.000Z'))).toBe(0);
    expect(thresholdsSentNow(undefined, 'month', at('2027-02-01T00:00:00.000Z'))).toEqual([]);
  });

  it('period none never resets; a meter switched between period kinds starts again', () => {
    expect(periodKey('none', at('2027-01-31T23:59:59.999Z'))).toBe('none');
    expect(resetsAt('none', at('2027-01-31T23:59:59.999Z'))).toBeNull();
    expect(usedNow({ periodKey: 'none', used: 5 }, 'none', at('2099-01-01T00:00:00Z'))).toBe(5);
    expect(usedNow({ periodKey: 'none', used: 5 }, 'month', at('2027-01-01T00:00:00Z'))).toBe(0);
    expect(usedNow({ periodKey: '2027-01', used: 5 }, 'none', at('2027-01-02T00:00:00Z'))).toBe(0);
  });
});

describe('increments', () => {
  const declaration = { limit: 10, period: 'month' as const };

  it('counts up to the limit exactly; past it refuses the whole amount and counts nothing', () => {
    expect(decideIncrement(declaration, 9, 1)).toEqual({ outcome: 'counted', used: 10 });
    expect(decideIncrement(declaration, 10, 1)).toEqual({ outcome: 'exhausted', used: 10 });
    expect(decideIncrement(declaration, 5, 6)).toEqual({ outcome: 'exhausted', used: 5 });
    expect(decideIncrement({ limit: 0, period: 'none' }, 0, 1)).toEqual({ outcome: 'exhausted', used: 0 });
  });

  it('reads {used, limit, remaining, resetsAt}', () => {
    expect(meterReading(declaration, 7, at('2027-05-20T00:00:00Z'))).toEqual({ used: 7, limit: 10, remaining: 3, resetsAt: '2027-06-01T00:00:00.000Z' });
    expect(meterReading({ limit: 3, period: 'none' }, 5, at('2027-05-20T00:00:00Z'))).toEqual({ used: 5, limit: 3, remaining: 0, resetsAt: null });
  });

  it('a decrement never goes below 0', () => {
    expect(decremented(5, 3)).toBe(2);
    expect(decremented(2, 3)).toBe(0);
  });
});

describe('thresholds', () => {
  it('80 % and 100 % once each per period, both at once when one increment jumps them', () => {
    expect(thresholdsReached(10, 7, 8, [])).toEqual([80]);
    expect(thresholdsReached(10, 7, 7, [])).toEqual([]);
    // A count that does not move announces nothing, even past a threshold not yet sent.
    expect(thresholdsReached(10, 8, 8, [])).toEqual([]);
    expect(thresholdsReached(10, 8, 9, [80])).toEqual([]);
    expect(thresholdsReached(10, 9, 10, [80])).toEqual([100]);
    expect(thresholdsReached(10, 0, 10, [])).toEqual([80, 100]);
    expect(thresholdsReached(1000, 799, 800, [])).toEqual([80]);
    expect(thresholdsReached(1000, 798, 799, [])).toEqual([]);
    expect(thresholdsReached(0, 0, 0, [])).toEqual([]);
    // A limit of 0 announces nothing, whatever the count.
    expect(thresholdsReached(0, 0, 5, [])).toEqual([]);
    // A count that goes down (a decrement) announces nothing.
    expect(thresholdsReached(10, 10, 9, [])).toEqual([]);
    expect(thresholdsReached(10, 9, 10, [80, 100])).toEqual([]);
  });
});

describe('declarations', () => {
  it('names [a-z0-9_-]{1,40}, at most 10, period none by default', () => {
    expect(meterDeclarations.parse({ api_calls: { limit: 100 } })).toEqual({ api_calls: { limit: 100, period: 'none' } });
    expect(meterDeclarations.safeParse({ 'API': { limit: 1 } }).success).toBe(false);
    expect(meterDeclarations.safeParse({ [`a${'b'.repeat(40)}`]: { limit: 1 } }).success).toBe(false);
    expect(meterDeclarations.safeParse({ m: { limit: 1, period: 'week' } }).success).toBe(false);
    expect(meterDeclarations.safeParse({ m: { limit: -1 } }).success).toBe(false);
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`m${index}`, { limit: 1 }]));
    expect(meterDeclarations.safeParse(eleven).success).toBe(false);
    expect(meterDeclarations.safeParse(Object.fromEntries(Object.entries(eleven).slice(0, 10))).success).toBe(true);
  });
});
