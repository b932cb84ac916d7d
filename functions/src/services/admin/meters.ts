/**
 * Usage meters (README, Usage meters): a license's declarations (`license.meters`), its counts
 * (one document per license-meter, data/meters.ts) and the vendor's increment, decrement and
 * reset. An increment is one transaction that reads the license, the meter and the increment's
 * idempotency record, and either answers the stored answer (a repeat: nothing counted), or
 * refuses 409 `meter_exhausted` past the limit (nothing counted, nothing recorded), or counts and
 * creates the record, with `license.meter_threshold` at 80 % and 100 % in the same commit.
 * Firestore serialises the transactions on the meter document, so concurrent increments can
 * neither pass the limit nor count one key twice; a retried request finds its record.
 */
import { Timestamp, type Transaction } from 'firebase-admin/firestore';
import { z } from 'zod';
import { sha256Hex } from '../../crypto/hashing.js';
import { db } from '../../data/firestore.js';
import type { LicenseDocument } from '../../data/licenses.js';
import { meterDocumentId, metersCollection, type MeterDeclaration, type MeterDeclarations, type MeterDocument } from '../../data/meters.js';
import { schemaConverter } from '../../data/converter.js';
import { timestamp } from '../../data/shared.js';
import { ApiError, conflict, notFound } from '../../domain/errors.js';
import type { MeterIncrementInput } from '../../schemas/meters.js';
import { loadOwnedLicense } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import { commitLicense, recordEvent } from '../licensing/licenseChanges.js';
import { decideIncrement, decremented, meterReading, periodKey, thresholdsReached, thresholdsSentNow, usedNow, type MeterReading } from '../licensing/meters.js';

/** How long an increment's answer is kept for repeats (TTL on `expireAt`). */
export const incrementRecordDays = 30;
export const meterIncrementsCollectionName = 'meterIncrements';

const meterIncrementDocument = z.object({
  licenseKey: z.string(),
  name: z.string(),
  amount: z.number().int(),
  answer: z.object({ used: z.number().int(), limit: z.number().int(), remaining: z.number().int(), resetsAt: z.string().nullable() }),
  createdAt: timestamp,
  expireAt: timestamp,
});
const meterIncrementsCollection = () => db().collection(meterIncrementsCollectionName).withConverter(schemaConverter(meterIncrementDocument));

/** meterIncrements/{licenseKey}~{name}~{sha256(idempotencyKey)}: one increment's answer. */
const incrementRef = (licenseKey: string, name: string, idempotencyKey: string) =>
  meterIncrementsCollection().doc(`${licenseKey}~${name}~${sha256Hex(idempotencyKey)}`);
const meterRef = (licenseKey: string, name: string) => metersCollection().doc(meterDocumentId(licenseKey, name));

export function declarationOf(license: Pick<LicenseDocument, 'meters'>, name: string): MeterDeclaration {
  const declaration = license.meters?.[name];
  if (!declaration) throw notFound(`The license has no meter ${name}`);
  return declaration;
}

export const meterExhausted = (name: string, reading: MeterReading) =>
  new ApiError('meter_exhausted', `The meter ${name} has ${reading.remaining} left of ${reading.limit} this period`, {
    details: { used: reading.used, limit: reading.limit, remaining: reading.remaining, ...(reading.resetsAt ? { resetsAt: reading.resetsAt } : {}) },
  });

/** The meter document after a count moved to `used` (the period's thresholds kept while still reached). */
function meterAfter(licenseKey: string, license: LicenseDocument, name: string, declaration: MeterDeclaration, used: number, sent: number[], now: Timestamp): MeterDocument {
  return { appId: license.appId, accountId: license.accountId, licenseKey, name, periodKey: periodKey(declaration.period, now), used, thresholdsSent: sent, updatedAt: now };
}

/**
 * The increment inside the caller's transaction (v1 and the SDK door's /auth/usage share it),
 * the license already read and admitted: the stored answer for a repeated key, 409
 * meter_exhausted past the limit, else counted with its record and threshold events.
 */
export async function countUsage(
  transaction: Transaction,
  licenseKey: string,
  license: LicenseDocument,
  name: string,
  input: MeterIncrementInput,
  now: Timestamp,
): Promise<MeterReading> {
  const recordRef = incrementRef(licenseKey, name, input.idempotencyKey);
  const [meterSnapshot, recordSnapshot] = await Promise.all([transaction.get(meterRef(licenseKey, name)), transaction.get(recordRef)]);
  const record = recordSnapshot.data();
  if (record) {
    if (record.amount !== input.amount) throw conflict('This idempotencyKey was used with another amount');
    return record.answer;
  }
  const declaration = declarationOf(license, name);
  const stored = meterSnapshot.data();
  const before = usedNow(stored, declaration.period, now);
  const decision = decideIncrement(declaration, before, input.amount);
  if (decision.outcome === 'exhausted') throw meterExhausted(name, meterReading(declaration, before, now));
  const sentBefore = thresholdsSentNow(stored, declaration.period, now);
  const reached = thresholdsReached(declaration.limit, before, decision.used, sentBefore);
  const answer = meterReading(declaration, decision.used, now);
  transaction.set(meterRef(licenseKey, name), meterAfter(licenseKey, license, name, declaration, decision.used, [...sentBefore, ...reached], now));
  transaction.create(recordRef, { licenseKey, name, amount: input.amount, answer, createdAt: now, expireAt: Timestamp.fromMillis(now.toMillis() + incrementRecordDays * 86_400_000) });
  for (const threshold of reached) {
    recordEvent(transaction, 'license.meter_threshold', { appId: license.appId, accountId: license.accountId, licenseKey }, { meter: name, threshold, ...answer, period: declaration.period }, now);
  }
  return answer;
}

/** v1: count `amount` on a license's meter under the caller's idempotency key. */
export async function incrementMeter(principal: Principal, licenseKey: string, name: string, input: MeterIncrementInput): Promise<MeterReading> {
  return db().runTransaction(async (transaction) => {
    const license = await loadOwnedLicense(principal, licenseKey, transaction);
    return countUsage(transaction, licenseKey, license, name, input, Timestamp.now());
  });
}

/** v1 (vendor only): take `amount` off the current period's count, never below 0. */
export async function decrementMeter(principal: Principal, licenseKey: string, name: string, amount: number): Promise<MeterReading> {
  return adjustMeter(principal, licenseKey, name, (used) => decremented(used, amount));
}

/** v1 (vendor only): the current period's count back to 0 (its thresholds may be announced again). */
export async function resetMeter(principal: Principal, licenseKey: string, name: string): Promise<MeterReading> {
  return adjustMeter(principal, licenseKey, name, () => 0);
}

async function adjustMeter(principal: Principal, licenseKey: string, name: string, next: (used: number) => number): Promise<MeterReading> {
  return db().runTransaction(async (transaction) => {
    const license = await loadOwnedLicense(principal, licenseKey, transaction);
    const declaration = declarationOf(license, name);
    const now = Timestamp.now();
    const stored = (await transaction.get(meterRef(licenseKey, name))).data();
    const used = next(usedNow(stored, declaration.period, now));
    // A threshold no longer reached may be announced again when the count climbs back.
    const sent = thresholdsSentNow(stored, declaration.period, now).filter((percent) => used * 100 >= declaration.limit * percent);
    transaction.set(meterRef(licenseKey, name), meterAfter(licenseKey, license, name, declaration, used, sent, now));
    return meterReading(declaration, used, now);
  });
}

/** Every meter a license declares with its current period's count, by name. */
export async function meterViews(licenseKey: string, license: Pick<LicenseDocument, 'meters'>, now: Timestamp, transaction?: Transaction) {
  const names = Object.keys(license.meters ?? {}).sort();
  if (names.length === 0) return [];
  const refs = names.map((name) => meterRef(licenseKey, name));
  const snapshots = transaction ? await transaction.getAll(...refs) : await db().getAll(...refs);
  return names.map((name, index) => {
    const declaration = declarationOf(license, name);
    const stored = snapshots[index]?.data() as MeterDocument | undefined;
    return { name, period: declaration.period, ...meterReading(declaration, usedNow(stored, declaration.period, now), now) };
  });
}

/** v1: a license's meters. */
export async function listMeters(principal: Principal, licenseKey: string) {
  const license = await loadOwnedLicense(principal, licenseKey);
  return { licenseKey, meters: await meterViews(licenseKey, license, Timestamp.now()) };
}

/**
 * v1: replace a license's meter declarations (the counts stay; a meter declared again finds
 * its count), with `license.updated` `{reason: "meters_changed", meters}` in the same commit.
 */
export async function setLicenseMeters(principal: Principal, licenseKey: string, meters: MeterDeclarations) {
  const now = Timestamp.now();
  return db().runTransaction(async (transaction) => {
    const current = await loadOwnedLicense(principal, licenseKey, transaction);
    const views = await meterViews(licenseKey, { meters }, now, transaction);
    if (JSON.stringify(current.meters ?? {}) !== JSON.stringify(meters)) {
      commitLicense(transaction, licenseKey, { ...current, meters, updatedAt: now }, { type: 'license.updated', data: { reason: 'meters_changed', meters } }, now);
    }
    return { licenseKey, meters: views };
  });
}
