/**
 * license.expiring reminders (functions/src/services/licensing/expiringReminders.ts): which
 * reminder is due at the edges of each band, once per expiry. No Firestore, no HTTP.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { dueReminder, reminderBandMs } from '../../../../functions/src/services/licensing/expiringReminders.js';

const dayMs = 86_400_000;
const now = Timestamp.fromDate(new Date('2028-02-28T12:00:00Z'));
const inMs = (ms: number) => Timestamp.fromMillis(now.toMillis() + ms);
const license = (expiresAt: Timestamp | null, fields: { revoked?: boolean; expiringReminders?: Record<string, Timestamp> } = {}) => ({
  revoked: fields.revoked ?? false,
  expiresAt,
  expiringReminders: fields.expiringReminders,
});

describe('dueReminder', () => {
  it('each reminder is due from exactly N days before expiry until its band ends', () => {
    for (const days of [30, 7, 1] as const) {
      expect(dueReminder(license(inMs(days * dayMs)), now)).toBe(days);
      expect(dueReminder(license(inMs(days * dayMs + 1)), now)).toBeNull();
      expect(dueReminder(license(inMs(days * dayMs - reminderBandMs + 1)), now)).toBe(days);
      expect(dueReminder(license(inMs(days * dayMs - reminderBandMs)), now)).toBeNull();
    }
  });

  it('between bands, past expiry, never expiring or revoked: none', () => {
    expect(dueReminder(license(inMs(20 * dayMs)), now)).toBeNull();
    expect(dueReminder(license(inMs(3 * dayMs)), now)).toBeNull();
    expect(dueReminder(license(inMs(0)), now)).toBeNull();
    expect(dueReminder(license(inMs(-1)), now)).toBeNull();
    expect(dueReminder(license(null), now)).toBeNull();
    expect(dueReminder(license(inMs(7 * dayMs), { revoked: true }), now)).toBeNull();
  });

  it('once per expiry: sent for this expiry, not due; sent for an earlier one, due again', () => {
    const expiresAt = inMs(7 * dayMs - 1_000);
    expect(dueReminder(license(expiresAt, { expiringReminders: { days7: expiresAt } }), now)).toBeNull();
    expect(dueReminder(license(expiresAt, { expiringReminders: { days7: inMs(-dayMs) } }), now)).toBe(7);
    // Another reminder's marker does not stand in for this one.
    expect(dueReminder(license(expiresAt, { expiringReminders: { days30: expiresAt } }), now)).toBe(7);
  });

  it('counts days in milliseconds across a leap day (2028-02-29)', () => {
    const expiresAt = Timestamp.fromDate(new Date('2028-03-01T12:00:00Z'));
    expect(dueReminder(license(expiresAt), Timestamp.fromDate(new Date('2028-02-29T12:00:00Z')))).toBe(1);
    expect(dueReminder(license(expiresAt), Timestamp.fromDate(new Date('2028-02-28T12:00:00Z')))).toBeNull();
  });
});
