/**
 * license.expiring reminders (functions/src/services/licensing/expiringReminders.ts): which
 * reminder is due at the edges of each band, once per expiry; the band the scheduled pass queries
 * and what a reminder writes (expiringReminder). No Firestore, no HTTP.
 */
import type { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import type { LicenseDocument } from '../../../../functions/src/data/licenses.js';
import { at, plus, storedLicense } from '../../fixtures.js';
import { dueReminder, expiringReminder, reminderBand, reminderBandMs } from '../../../../functions/src/services/licensing/expiringReminders.js';

const dayMs = 86_400_000;
const now = at('2028-02-28T12:00:00Z');
const inMs = (ms: number) => plus(now, ms);
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
    const expiresAt = at('2028-03-01T12:00:00Z');
    expect(dueReminder(license(expiresAt), at('2028-02-29T12:00:00Z'))).toBe(1);
    expect(dueReminder(license(expiresAt), at('2028-02-28T12:00:00Z'))).toBeNull();
  });
});

describe('reminderBand (what the pass queries)', () => {
  it('after N days minus the band, up to N days exactly: the same edges as dueReminder', () => {
    for (const days of [30, 7, 1] as const) {
      const { from, to } = reminderBand(days, now);
      expect(to.toMillis()).toBe(now.toMillis() + days * dayMs);
      expect(from.toMillis()).toBe(now.toMillis() + days * dayMs - reminderBandMs);
      expect(dueReminder(license(to), now)).toBe(days);
      expect(dueReminder(license(from), now)).toBeNull();
    }
  });
});

describe('expiringReminder (what the pass writes)', () => {
  const created = at('2028-01-01T00:00:00Z');
  const stored = (expiresAt: Timestamp | null, fields: Partial<LicenseDocument> = {}) =>
    storedLicense(created, { expiresAt, expiresSort: expiresAt ?? created, expirationStrategy: 'revoke', ...fields });

  it('sets the N-day marker to this expiry, keeps the other markers, and writes license.expiring with the days, expiry and strategy', () => {
    const expiresAt = inMs(7 * dayMs);
    const earlier = inMs(30 * dayMs);
    const license7 = stored(expiresAt, { expiringReminders: { days30: earlier } });
    const reminder = expiringReminder(license7, 7, now);
    expect(reminder).toEqual({
      record: { ...license7, expiringReminders: { days30: earlier, days7: expiresAt } },
      event: { type: 'license.expiring', data: { daysBefore: 7, expiresAt: expiresAt.toDate().toISOString(), expirationStrategy: 'revoke' } },
    });
    // Once written, the same reminder is not due again.
    expect(reminder && expiringReminder(reminder.record, 7, now)).toBeNull();
  });

  it('nothing for another reminder than the one due, a license gone, revoked or never expiring', () => {
    const expiresAt = inMs(dayMs);
    expect(expiringReminder(stored(expiresAt), 1, now)?.event.data).toMatchObject({ daysBefore: 1 });
    expect(expiringReminder(stored(expiresAt), 7, now)).toBeNull();
    expect(expiringReminder(undefined, 1, now)).toBeNull();
    expect(expiringReminder(stored(expiresAt, { revoked: true }), 1, now)).toBeNull();
    expect(expiringReminder(stored(null), 1, now)).toBeNull();
  });
});
