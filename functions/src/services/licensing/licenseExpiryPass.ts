/**
 * The scheduled pass that emits `license.expired` (README, Expiration strategies and grace):
 * the Firestore reads and writes around licenseExpiry.expiryNotice, which decides.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { db } from '../../data/firestore.js';
import { licensesCollection } from '../../data/licenses.js';
import { commitLicense, recordEvent } from './licenseChanges.js';
import { expiryNotice } from './licenseExpiry.js';

/**
 * Emits `license.expired` once per expiry: finds unrevoked licenses past `expiresAt` not yet
 * notified, and in one transaction each marks them and writes the event (with `license.revoked`
 * for strategy revoke without grace). Safe to run twice.
 */
export async function emitExpiryEvents(now = Timestamp.now(), batchSize = 500): Promise<number> {
  const due = await licensesCollection()
    .where('revoked', '==', false)
    .where('expiryNotified', '==', false)
    .where('expiresSort', '<=', now)
    .orderBy('expiresSort', 'asc')
    .limit(batchSize)
    .get();
  let emitted = 0;
  for (const doc of due.docs) {
    const done = await db().runTransaction(async (transaction) => {
      // Decided again on the transaction's read: another pass may have notified it since the query.
      const notice = expiryNotice((await transaction.get(doc.ref)).data(), now);
      if (!notice) return false;
      commitLicense(transaction, doc.id, notice.record, notice.expiredEvent, now);
      if (notice.revokedEvent) {
        const { appId, accountId } = notice.record;
        recordEvent(transaction, notice.revokedEvent.type, { appId, accountId, licenseKey: doc.id }, notice.revokedEvent.data ?? {}, now);
      }
      return true;
    });
    if (done) emitted += 1;
  }
  return emitted;
}
