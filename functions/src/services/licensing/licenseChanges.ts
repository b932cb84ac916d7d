/**
 * The one place a change is recorded: every event document is built here, in the same
 * transaction or batch as the change it records, so nothing is half-written. A license change
 * goes through `commitLicense` (or `commitNewLicense`, `commitLicenseDeletion`), each of which
 * writes the license and exactly one event.
 */
import type { DocumentReference, Timestamp, Transaction } from 'firebase-admin/firestore';
import { eventRecord, eventsCollection, type EventDocument, type EventType } from '../../data/events.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';

/** A transaction or a batch: what can create a document as part of a larger commit. */
export interface DocumentCreator {
  create<T extends object>(ref: DocumentReference<T>, data: T): unknown;
}

export interface EventScope {
  appId: string;
  accountId: string;
  licenseKey: string | null;
}

/** What a license change emits. */
export interface LicenseEvent {
  type: EventType;
  data?: Record<string, unknown>;
}

/** Adds an event to the writer's commit; answers the event's reference (its id is the event id). */
export function recordEvent(
  writer: DocumentCreator,
  type: EventType,
  scope: EventScope,
  data: Record<string, unknown>,
  now: Timestamp,
): DocumentReference<EventDocument> {
  const ref = eventsCollection().doc();
  writer.create(ref, eventRecord(type, scope, data, now));
  return ref;
}

const licenseScope = (licenseKey: string, license: LicenseDocument): EventScope => ({
  appId: license.appId,
  accountId: license.accountId,
  licenseKey,
});

/** Writes a license's next state and the one event that records the change. */
export function commitLicense(transaction: Transaction, licenseKey: string, next: LicenseDocument, event: LicenseEvent, now: Timestamp): void {
  transaction.set(licensesCollection().doc(licenseKey), next);
  recordEvent(transaction, event.type, licenseScope(licenseKey, next), event.data ?? {}, now);
}

/** Creates a license (failing if the key exists) with its one event. */
export function commitNewLicense(writer: DocumentCreator, licenseKey: string, license: LicenseDocument, event: LicenseEvent, now: Timestamp): void {
  writer.create(licensesCollection().doc(licenseKey), license);
  recordEvent(writer, event.type, licenseScope(licenseKey, license), event.data ?? {}, now);
}

/** Deletes a license; its one event outlives it. */
export function commitLicenseDeletion(transaction: Transaction, licenseKey: string, license: LicenseDocument, event: LicenseEvent, now: Timestamp): void {
  transaction.delete(licensesCollection().doc(licenseKey));
  recordEvent(transaction, event.type, licenseScope(licenseKey, license), event.data ?? {}, now);
}
