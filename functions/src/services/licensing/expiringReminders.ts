/**
 * `license.expiring`: reminders 30, 7 and 1 days before a license expires, once each (README,
 * Expiration strategies and grace), sent by the scheduled `expireLicenses` after its expiry pass.
 *
 * Each reminder has a band: a license is due for the N-day reminder while its expiry is between
 * N days minus `reminderBandMs` and N days away. The pass reads only the licenses in the three
 * bands (one range query each on `revoked` + `expiresSort`, index declared in
 * firestore.indexes.json), so a license is read a bounded number of times per reminder however
 * many licenses expire later. The sent marker is the expiry the reminder was sent for
 * (`expiringReminders.daysN`), written with the event in one transaction: a repeat or concurrent
 * run sends nothing more, and a new expiry (extend, renewal, a started clock) earns its reminders
 * again without any writer having to reset them. A license whose expiry is set closer than a
 * band (created 3 days before its end) gets the next reminder it reaches (the 1-day one).
 *
 * This file holds the pure rules (which reminder is due, each band's bounds, what a reminder
 * writes); the scheduled pass that queries and commits them is expiringRemindersPass.ts.
 */
import { Timestamp } from 'firebase-admin/firestore';
import type { LicenseDocument } from '../../data/licenses.js';
import { isoDate } from '../../data/shared.js';
import type { LicenseEvent } from './licenseChanges.js';

const dayMs = 86_400_000;

/** The reminders, in days before expiry. */
export const reminderDays = [30, 7, 1] as const;
export type ReminderDays = (typeof reminderDays)[number];

/** How long before its threshold's instant a reminder stays due (the pass runs every 15 minutes). */
export const reminderBandMs = 6 * 3_600_000;

/** The marker field of the N-day reminder. */
const markerOf = (days: ReminderDays) => `days${days}` as const;

/**
 * The reminder due for this license now, or null: unrevoked, expiring, its expiry within the
 * band of a reminder not yet sent for this very expiry.
 */
export function dueReminder(license: Pick<LicenseDocument, 'revoked' | 'expiresAt' | 'expiringReminders'>, now: Timestamp): ReminderDays | null {
  if (license.revoked || !license.expiresAt) return null;
  const left = license.expiresAt.toMillis() - now.toMillis();
  for (const days of reminderDays) {
    if (left > days * dayMs || left <= days * dayMs - reminderBandMs) continue;
    const sentFor = license.expiringReminders?.[markerOf(days)];
    return sentFor && sentFor.toMillis() === license.expiresAt.toMillis() ? null : days;
  }
  return null;
}

/**
 * The expiries in the band of the N-day reminder now: after `from`, up to and including `to`
 * (the instants where dueReminder's band starts and ends), which the pass's range query reads.
 */
export function reminderBand(days: ReminderDays, now: Timestamp): { from: Timestamp; to: Timestamp } {
  const to = now.toMillis() + days * dayMs;
  return { from: Timestamp.fromMillis(to - reminderBandMs), to: Timestamp.fromMillis(to) };
}

/**
 * The N-day reminder for a license read in the pass's transaction: the license with its marker
 * set to this expiry, and the `license.expiring` event; null when that reminder is not due (any
 * more), so a repeat or concurrent pass writes nothing.
 */
export function expiringReminder(license: LicenseDocument | undefined, days: ReminderDays, now: Timestamp): { record: LicenseDocument; event: LicenseEvent } | null {
  if (!license?.expiresAt || dueReminder(license, now) !== days) return null;
  return {
    record: { ...license, expiringReminders: { ...license.expiringReminders, [markerOf(days)]: license.expiresAt } },
    event: { type: 'license.expiring', data: { daysBefore: days, expiresAt: isoDate(license.expiresAt), expirationStrategy: license.expirationStrategy } },
  };
}
