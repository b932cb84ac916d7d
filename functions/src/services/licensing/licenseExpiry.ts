import { Timestamp } from 'firebase-admin/firestore';
import { db } from '../../data/firestore.js';
import { licensesCollection } from '../../data/licenses.js';
import { isoDate } from '../../data/shared.js';
import { licenseStatus } from './licenseRules.js';
import { commitLicense } from './licenseChanges.js';

/**
 * Emits `license.expired` once per expiry: finds unrevoked licenses past `expiresAt` not yet
 * notified, and in one transaction each marks them and writes the event. Safe to run twice.
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
      const license = (await transaction.get(doc.ref)).data();
      if (!license || license.expiryNotified || licenseStatus(license, now) !== 'expired') return false;
      commitLicense(transaction, doc.id, { ...license, expiryNotified: true }, { type: 'license.expired', data: { expiresAt: isoDate(license.expiresAt) } }, now);
      return true;
    });
    if (done) emitted += 1;
  }
  return emitted;
}
