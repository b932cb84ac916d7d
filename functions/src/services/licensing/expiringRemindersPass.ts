/**
 * The scheduled pass that emits `license.expiring` (README, Expiration strategies and grace):
 * the Firestore queries and transactions around the rules of expiringReminders.ts, which decide.
 */
import { Timestamp, type QueryDocumentSnapshot } from 'firebase-admin/firestore';
import { db } from '../../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';
import { commitLicense } from './licenseChanges.js';
import { dueReminder, expiringReminder, reminderBand, reminderDays } from './expiringReminders.js';

/**
 * Emits each due `license.expiring` once: per reminder, pages through the unrevoked licenses
 * whose expiry is in its band (oldest first, at most `maxPerReminder`), and for each one due
 * writes the marker and the event in one transaction. Safe to run twice or concurrently.
 */
export async function emitExpiringReminders(now = Timestamp.now(), pageSize = 200, maxPerReminder = 2_000): Promise<number> {
  let emitted = 0;
  for (const days of reminderDays) {
    const { from, to } = reminderBand(days, now);
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
          // Decided again on the transaction's read: another pass may have sent it since the query.
          const reminder = expiringReminder((await transaction.get(doc.ref)).data(), days, now);
          if (!reminder) return false;
          commitLicense(transaction, doc.id, reminder.record, reminder.event, now);
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
