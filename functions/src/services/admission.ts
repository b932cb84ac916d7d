/**
 * Admitting a device to a license: the one transaction behind SDK validate and seed 004
 * activate. The license document is read in the transaction, so concurrent activations are
 * serialised per license and the HWID slot limit holds whatever the concurrency.
 */
import { Timestamp } from 'firebase-admin/firestore';
import type { AppDocument } from '../data/apps.js';
import { authLogEntry, authLogsCollection, type AuthAction } from '../data/authLogs.js';
import { isAlreadyExists } from '../data/errors.js';
import { eventRecord, eventsCollection } from '../data/events.js';
import { db } from '../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../data/licenses.js';
import { nonceRecord, nonceRef } from '../data/nonces.js';
import { ApiError } from '../http/errors.js';
import { takeCredit } from './credits.js';
import { admitDevice, assertUsable, trackIp, withViolation } from './licenseRules.js';

export interface AdmissionRequest {
  appId: string;
  app: AppDocument;
  licenseKey: string;
  hwid: string;
  ip: string;
  action: AuthAction;
  now: Timestamp;
  /** SDK validate: refused if already used by this app within the window. */
  nonce?: string;
  /** SDK validate: a successful call costs the account one credit. */
  chargeCredit: boolean;
  /** Emit `license.validated` (SDK validate) in addition to `license.hwid_bound`. */
  emitValidated: boolean;
  /** A check running alongside (rate limits): awaited before anything is written. */
  precondition?: Promise<void>;
}

export interface Admission {
  license: LicenseDocument;
  newlyBound: boolean;
}

export async function admitToLicense(request: AdmissionRequest): Promise<Admission> {
  const { appId, app, licenseKey, hwid, ip, now } = request;
  const ref = licensesCollection().doc(licenseKey);
  try {
    return await db().runTransaction(async (transaction) => {
      const license = (await transaction.get(ref)).data();
      await request.precondition;
      if (!license || license.appId !== appId) throw new ApiError('invalid_key', 'License key not found');
      assertUsable(license, now);
      const binding = admitDevice(license, hwid, ip, now);
      let next = binding.license;
      let changed = binding.changed;
      if (app.settings.maxIpsPerDay !== null) {
        const tracked = trackIp(next, ip, app.settings.maxIpsPerDay, now);
        next = tracked.license;
        changed ||= tracked.changed;
        if (tracked.exceeded) {
          next = withViolation(next, { type: 'too_many_ips', at: now, hwid, ip, detail: `More than ${app.settings.maxIpsPerDay} IPs today` });
        }
      }
      // Reads must precede writes in a transaction: take the credit (a read) first.
      const spendCredit = request.chargeCredit && !app.creditsUnlimited ? await takeCredit(transaction, license.accountId) : undefined;

      if (request.nonce !== undefined) transaction.create(nonceRef(appId, request.nonce), nonceRecord(appId, now));
      spendCredit?.();
      if (changed) transaction.set(ref, { ...next, updatedAt: now });
      const scope = { appId, accountId: license.accountId, licenseKey };
      if (binding.newlyBound) transaction.create(eventsCollection().doc(), eventRecord('license.hwid_bound', scope, { hwid, ip }, now));
      if (request.emitValidated) transaction.create(eventsCollection().doc(), eventRecord('license.validated', scope, { hwid, ip }, now));
      transaction.create(authLogsCollection().doc(), authLogEntry({ appId, licenseKey, hwid, ip, action: request.action, result: 'ok' }, now));
      return { license: next, newlyBound: binding.newlyBound };
    });
  } catch (error) {
    // The nonce document is the only create that can collide: the nonce was used before.
    if (isAlreadyExists(error)) {
      throw new ApiError('replay_detected', 'This nonce has already been used', { details: { violation: 'replayed_nonce' } });
    }
    throw error;
  }
}
