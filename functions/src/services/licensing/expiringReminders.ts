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
 */
import { Timestamp, type QueryDocumentSnapshot } from 'firebase-admin/firestore';
import { db } from '../../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';
import { isoDate } from '../../data/shared.js';
import { commitLicense } from './licenseChanges.js';

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
 * Emits each due `license.expiring` once: per reminder, pages through the unrevoked licenses
 * whose expiry is in its band (oldest first, at most `maxPerReminder`), and for each one due
 * writes the marker and the event in one transaction. Safe to run twice or concurrently.
 */
export async function emitExpiringReminders(now = Timestamp.now(), pageSize = 200, maxPerReminder = 2_000): Promise<number> {
  let emitted = 0;
  for (const days of reminderDays) {
    const from = Timestamp.fromMillis(now.toMillis() + days * dayMs - reminderBandMs);
    const to = Timestamp.fromMillis(now.toMillis() + days * dayMs);
    let after: QueryDocumentSnapshot<LicenseDocument> | undefined;
    for (let seen = 0; seen < maxPerReminder; ) {
      let query = licensesCollection()
        .where('revoked', '==', false)
        .where('expiresSort', '>', from)
        .where('expiresSort', '<=', to)
        .orderBy('expiresSort', 'asc')
        .limit(pageSize);
      if (after) query = query.startAfter(after);
      const page = await query.get();
      for (const doc of page.docs) {
        if (dueReminder(doc.data(), now) !== days) continue;
        const sent = await db().runTransaction(async (transaction) => {
          const license = (await transaction.get(doc.ref)).data();
          if (!license || dueReminder(license, now) !== days || !license.expiresAt) return false;
          const next = { ...license, expiringReminders: { ...license.expiringReminders, [markerOf(days)]: license.expiresAt } };
          commitLicense(transaction, doc.id, next, { type: 'license.expiring', data: { daysBefore: days, expiresAt: isoDate(license.expiresAt), expirationStrategy: license.expirationStrategy } }, now);
          return true;
        });
        if (sent) emitted += 1;
      }
      seen += page.size;
      after = page.docs.at(-1);
      if (page.size < pageSize) break;
    }
  }
  return emitted;
}
