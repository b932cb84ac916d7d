/**
 * Usage meters' pure rules (issue 20, Usage meters): which period a count belongs to, when it
 * resets, what an increment, decrement or reset answers, and which thresholds it crosses. The
 * increment's transaction applies them to one meter document (data/meters.ts); nothing here
 * reads or writes Firestore.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { meterThresholds, type MeterDeclaration, type MeterDocument, type MeterPeriod } from '../../data/meters.js';

/** The period a count made at `now` belongs to: `none`, or the UTC month `YYYY-MM`. */
export function periodKey(period: MeterPeriod, now: Timestamp): string {
  if (period === 'none') return 'none';
  return now.toDate().toISOString().slice(0, 7);
}

/** When the period holding `now` ends (the 1st of the next UTC month, 00:00), or null for `none`. */
export function resetsAt(period: MeterPeriod, now: Timestamp): Timestamp | null {
  if (period === 'none') return null;
  const date = now.toDate();
  return Timestamp.fromMillis(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
}

/** The count of the current period: a stored count of an earlier period (or another period kind) reads as 0. */
export function usedNow(stored: Pick<MeterDocument, 'periodKey' | 'used'> | undefined, period: MeterPeriod, now: Timestamp): number {
  return stored && stored.periodKey === periodKey(period, now) ? stored.used : 0;
}

/** The thresholds announced in the current period (none yet in a new one). */
export function thresholdsSentNow(stored: Pick<MeterDocument, 'periodKey' | 'thresholdsSent'> | undefined, period: MeterPeriod, now: Timestamp): number[] {
  return stored && stored.periodKey === periodKey(period, now) ? stored.thresholdsSent : [];
}

/** What a meter answers: `{used, limit, remaining, resetsAt}`. */
export interface MeterReading {
  used: number;
  limit: number;
  remaining: number;
  resetsAt: string | null;
}

export function meterReading(declaration: MeterDeclaration, used: number, now: Timestamp): MeterReading {
  const ends = resetsAt(declaration.period, now);
  return { used, limit: declaration.limit, remaining: Math.max(0, declaration.limit - used), resetsAt: ends ? ends.toDate().toISOString() : null };
}

export type IncrementOutcome = { outcome: 'counted'; used: number } | { outcome: 'exhausted'; used: number };

/** An increment of `amount` on `used`: counted while it stays within the limit, else refused whole (nothing counted). */
export function decideIncrement(declaration: MeterDeclaration, used: number, amount: number): IncrementOutcome {
  return used + amount <= declaration.limit ? { outcome: 'counted', used: used + amount } : { outcome: 'exhausted', used };
}

/** A vendor's decrement: never below 0. */
export const decremented = (used: number, amount: number): number => Math.max(0, used - amount);

/**
 * The thresholds (80 %, 100 % of the limit) a count moving from `before` to `after` reaches for
 * the first time in its period (`sent`: already announced). A limit of 0 has no thresholds.
 */
export function thresholdsReached(limit: number, before: number, after: number, sent: readonly number[]): number[] {
  if (limit <= 0 || after <= before) return [];
  return meterThresholds.filter((percent) => !sent.includes(percent) && after * 100 >= limit * percent);
}
