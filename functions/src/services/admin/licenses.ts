import { FieldPath, Filter, Timestamp, type Query } from 'firebase-admin/firestore';
import { generateLicenseKey } from '../../crypto/licenseKeys.js';
import { authLogsCollection } from '../../data/authLogs.js';
import { isAlreadyExists } from '../../data/errors.js';
import type { EventType } from '../../data/events.js';
import { db } from '../../data/firestore.js';
import { licensesCollection, neverExpires, type LicenseDocument } from '../../data/licenses.js';
import { decodeCursor, encodeCursor, readPage, type CursorField } from '../../data/pagination.js';
import { isoDate, type Variables } from '../../data/shared.js';
import type { AppDocument } from '../../data/apps.js';
import type { VariantDocument } from '../../data/variants.js';
import type { ExpirationBasis, ExpirationStrategy, RenewalBasis } from '../../data/policies.js';
import { maxMetersPerLicense, type MeterDeclarations } from '../../data/meters.js';
import { badRequest, conflict, notFound } from '../../domain/errors.js';
import type { CreateLicenseInput, ListLicensesInput, RevokeLicenseInput, UpdateLicenseInput } from '../../schemas/licenses.js';
import { loadOwnedApp, loadOwnedLicense, loadOwnedVariant } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import { activationsView, licenseView, violationsView } from '../../views/licenses.js';
import { deactivateDevice, endAllSessions } from '../licensing/licenseRules.js';
import { renewedExpiry } from '../licensing/licenseExpiry.js';
import { assertDefinedCodes, grantsOf, type GrantInput } from '../licensing/entitlements.js';
import { commitLicense, commitLicenseDeletion, commitNewLicense, type DocumentCreator } from '../licensing/licenseChanges.js';

const maxKeyCollisionRetries = 3;

export interface LicenseSource {
  /** Where the license came from (e.g. stripe ids), kept for lookups. */
  source?: Record<string, string>;
}

export interface LicenseSpec {
  variantId?: string | undefined;
  expiresAt?: string | null | undefined;
  maxHwidSlots?: number | undefined;
  unlimitedHwidSlots?: boolean | undefined;
  label?: string | undefined;
  email?: string | undefined;
  floating?: boolean | undefined;
  heartbeatTimeoutSeconds?: number | undefined;
  variables?: Variables | undefined;
  expirationStrategy?: ExpirationStrategy | undefined;
  gracePeriodDays?: number | undefined;
  expirationBasis?: ExpirationBasis | undefined;
  renewalBasis?: RenewalBasis | undefined;
  durationDays?: number | undefined;
  /** The license's own entitlement grants (codes, or add-ons with expiresAt); the caller checks they are the product's. */
  entitlements?: readonly GrantInput[] | undefined;
  /** The license's own usage meters, added to (and by name replacing) its variant's. */
  meters?: MeterDeclarations | undefined;
}

/** The variant's meters with the license's own (by name replacing the variant's); none: no field, as before meters. */
function metersOf(variant: MeterDeclarations | undefined, own: MeterDeclarations | undefined): { meters?: MeterDeclarations } {
  const meters = { ...variant, ...own };
  if (Object.keys(meters).length > maxMetersPerLicense) throw badRequest(`A license declares at most ${maxMetersPerLicense} meters`);
  return Object.keys(meters).length > 0 ? { meters } : {};
}

/** The document every license of one create call starts as: explicit fields, else the variant's, else seed 002's defaults. */
export function licenseTemplate(
  appId: string,
  app: AppDocument,
  variant: VariantDocument | undefined,
  spec: LicenseSpec,
  now: Timestamp,
  source: Record<string, string> | null = null,
): LicenseDocument {
  const expirationBasis = spec.expirationBasis ?? variant?.expirationBasis ?? 'creation';
  const duration = spec.durationDays ?? variant?.durationDays ?? null;
  // An explicit expiresAt wins; else a duration runs from creation, or waits for its basis
  // (firstActivation, firstValidation: expiresAt stays null until the clock starts).
  const pending = spec.expiresAt === undefined && duration !== null && expirationBasis !== 'creation';
  const expiresAt =
    spec.expiresAt !== undefined
      ? spec.expiresAt === null
        ? null
        : Timestamp.fromDate(new Date(spec.expiresAt))
      : duration !== null && !pending
        ? Timestamp.fromMillis(now.toMillis() + duration * 86_400_000)
        : null;
  return {
    appId,
    accountId: app.accountId,
    variantId: spec.variantId ?? null,
    label: spec.label ?? null,
    email: spec.email ?? null,
    maxHwidSlots: spec.maxHwidSlots ?? variant?.maxHwidSlots ?? 1,
    unlimitedHwidSlots: spec.unlimitedHwidSlots ?? variant?.unlimitedHwidSlots ?? false,
    floating: spec.floating ?? variant?.floating ?? false,
    heartbeatTimeoutSeconds: spec.heartbeatTimeoutSeconds ?? variant?.heartbeatTimeoutSeconds ?? 300,
    expirationStrategy: spec.expirationStrategy ?? variant?.expirationStrategy ?? 'restrict',
    gracePeriodDays: spec.gracePeriodDays ?? variant?.gracePeriodDays ?? 0,
    expirationBasis,
    renewalBasis: spec.renewalBasis ?? variant?.renewalBasis ?? 'fromExpiry',
    durationDays: pending ? duration : null,
    clockStartedAt: pending ? null : now,
    expiresAt,
    expiresSort: expiresAt ?? neverExpires,
    revoked: false,
    revokedAt: null,
    revokeReason: null,
    expiryNotified: false,
    variantEntitlements: variant?.entitlements ?? [],
    entitlements: grantsOf(spec.entitlements ?? []),
    ...metersOf(variant?.meters, spec.meters),
    devices: [],
    variables: { ...variant?.variables, ...spec.variables },
    violations: [],
    flagged: false,
    ipDay: { day: '', ips: [] },
    heartbeatCount: 0,
    sessionsValidAfter: null,
    sessionEpoch: 0,
    sessionsValidFromEpoch: 0,
    clientBans: { hwids: [], ips: [] },
    endedSessions: [],
    activationAttempts: [],
    deactivations: [],
    portalReleases: [],
    source,
    createdAt: now,
    updatedAt: now,
  };
}

export function newLicenseKeys(quantity: number): string[] {
  const keys = new Set<string>();
  while (keys.size < quantity) keys.add(generateLicenseKey());
  return [...keys];
}

/** Adds the license documents and their `license.created` events to a batch or transaction. */
export function addNewLicenses(writer: DocumentCreator, keys: string[], template: LicenseDocument, now: Timestamp): void {
  for (const key of keys) {
    commitNewLicense(writer, key, template, {
      type: 'license.created',
      data: {
        email: template.email,
        label: template.label,
        variantId: template.variantId,
        expiresAt: isoDate(template.expiresAt),
        ...(template.source ? { source: template.source } : {}),
      },
    }, now);
  }
}

/** Loads the app and (optional) variant a create call names, checking ownership and that they match. */
export async function licenseOrigin(principal: Principal, appId: string, variantId: string | undefined) {
  const app = await loadOwnedApp(principal, appId);
  const variant = variantId ? await loadOwnedVariant(principal, variantId) : undefined;
  if (variant && variant.appId !== appId) throw badRequest('The variant belongs to another product');
  if (variant?.disabled) throw badRequest('The variant is disabled: licenses are no longer made from it');
  return { app, variant };
}

/**
 * Creates 1–100 licenses (seed 002 defaults, or a variant's). Each key is created with a
 * create-if-absent write, so a key collision fails the batch, which is retried with fresh
 * keys: a license is never overwritten. Each license gets its `license.created` event.
 */
export async function createLicenses(principal: Principal, input: CreateLicenseInput, extra: LicenseSource = {}) {
  const { appId } = input;
  const { app, variant } = await licenseOrigin(principal, appId, input.variantId);
  assertDefinedCodes(app.entitlements, grantsOf(input.entitlements ?? []).map((grant) => grant.code));
  const now = Timestamp.now();
  const template = licenseTemplate(appId, app, variant, input, now, extra.source ?? null);
  for (let attempt = 1; ; attempt += 1) {
    const keys = newLicenseKeys(input.quantity);
    const batch = db().batch();
    addNewLicenses(batch, keys, template, now);
    try {
      await batch.commit();
      return { licenses: keys.map((key) => licenseView(key, template, now)) };
    } catch (error) {
      if (!isAlreadyExists(error) || attempt >= maxKeyCollisionRetries) throw error;
    }
  }
}

export async function getLicense(principal: Principal, licenseKey: string) {
  const license = await loadOwnedLicense(principal, licenseKey);
  const now = Timestamp.now();
  const logs = await authLogsCollection().where('appId', '==', license.appId).where('licenseKey', '==', licenseKey).orderBy('createdAt', 'desc').limit(20).get();
  return {
    license: licenseView(licenseKey, license, now),
    activations: activationsView(license, now),
    violations: violationsView(license),
    recentLogs: logs.docs.map((doc) => {
      const entry = doc.data();
      return { action: entry.action, result: entry.result, hwid: entry.hwid, ip: entry.ip, timestamp: isoDate(entry.createdAt) };
    }),
  };
}

/** The filters of a license list beyond seed 004's (label, email, status): v1 adds these. */
export interface LicenseListFilters {
  variantId?: string | undefined;
  /** ISO instant: only licenses expiring before it (lifetime licenses never do). */
  expiresBefore?: string | undefined;
  /** Search: key prefix, exact email, bound HWID, label or order id. */
  q?: string | undefined;
}

/**
 * Lists an app's licenses with cursor pagination (never offsets). Status is derived from
 * `revoked` and `expiresSort` so "active" and "expired" are single range queries. The shapes,
 * each served by a declared index (firestore.indexes.json): appId, then optionally label and/or
 * email (seed 004) or variantId (v1), then optionally revoked; ordered by createdAt, or by
 * expiresSort when the status or expiresBefore is a range on it. A search (`q`) is its own
 * shape (searchLicenses). Other combinations are refused with a 400 rather than scanned.
 */
export async function listLicenses(principal: Principal, input: ListLicensesInput & LicenseListFilters) {
  const { appId } = input;
  if (input.q !== undefined) {
    if (input.status !== undefined || input.variantId !== undefined || input.expiresBefore !== undefined || input.label !== undefined || input.email !== undefined) {
      throw badRequest('q (search) cannot be combined with status, variantId, expiresBefore, label or email');
    }
    await loadOwnedApp(principal, appId);
    return searchLicenses(appId, input.q, input);
  }
  if (input.variantId !== undefined && (input.label !== undefined || input.email !== undefined)) {
    throw badRequest('variantId cannot be combined with label or email');
  }
  if (input.expiresBefore !== undefined && (input.label !== undefined || input.email !== undefined)) {
    throw badRequest('expiresBefore cannot be combined with label or email');
  }
  await loadOwnedApp(principal, appId);
  const now = Timestamp.now();
  let query: Query<LicenseDocument> = licensesCollection().where('appId', '==', appId);
  if (input.label !== undefined) query = query.where('label', '==', input.label);
  if (input.email !== undefined) query = query.where('email', '==', input.email);
  if (input.variantId !== undefined) query = query.where('variantId', '==', input.variantId);
  const expiresBefore = input.expiresBefore === undefined ? undefined : Timestamp.fromDate(new Date(input.expiresBefore));
  let sortValues: (license: LicenseDocument, id: string) => CursorField[];
  if (input.status === 'revoked') query = query.where('revoked', '==', true);
  if (input.status === 'active' || input.status === 'expired' || expiresBefore !== undefined) {
    if (input.status === 'active' || input.status === 'expired') {
      query = query
        .where('revoked', '==', false)
        .where(input.status === 'active' ? Filter.where('expiresSort', '>', now) : Filter.where('expiresSort', '<=', now));
    }
    if (expiresBefore !== undefined) query = query.where('expiresSort', '<', expiresBefore);
    query = query.orderBy('expiresSort', 'asc').orderBy('__name__', 'asc');
    sortValues = (license, id) => [license.expiresSort, id];
  } else {
    query = query.orderBy('createdAt', 'asc').orderBy('__name__', 'asc');
    sortValues = (license, id) => [license.createdAt, id];
  }
  const page = await readPage(query, input, (doc) => sortValues(doc.data(), doc.id), 2);
  return { licenses: page.items.map((doc) => licenseView(doc.id, doc.data(), now)), cursor: page.cursor };
}

/** Characters a license key is written with (crypto/licenseKeys.ts), and its dashes. */
const keyPrefixPattern = /^[0-9A-Z-]{1,19}$/;

/**
 * One search answers from a few exact lookups run side by side, each ordered by key (document
 * id) after the same cursor, merged and de-duplicated: a key prefix (a range on the id), an
 * exact email, a bound HWID (`boundHwids`, array-contains), a label, an order id (the payment
 * webhook's `orderId` or a Stripe Checkout Session id). Every one is an index lookup: no scan.
 */
async function searchLicenses(appId: string, q: string, page: { limit: number; cursor?: string | undefined }) {
  const now = Timestamp.now();
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, 1)[0];
  const base = licensesCollection().where('appId', '==', appId);
  const shapes: Query<LicenseDocument>[] = [
    base.where('label', '==', q),
    base.where('boundHwids', 'array-contains', q),
    base.where('source.orderId', '==', q),
    base.where('source.stripeCheckoutSessionId', '==', q),
  ];
  if (q.includes('@')) shapes.push(base.where('email', '==', q));
  const prefix = q.toUpperCase();
  if (keyPrefixPattern.test(prefix)) {
    shapes.push(base.where(FieldPath.documentId(), '>=', prefix).where(FieldPath.documentId(), '<', `${prefix}\uf8ff`));
  }
  const snapshots = await Promise.all(
    shapes.map((shape) => {
      let ordered = shape.orderBy(FieldPath.documentId(), 'asc');
      if (after !== undefined) ordered = ordered.startAfter(after);
      return ordered.limit(page.limit + 1).get();
    }),
  );
  const byKey = new Map<string, LicenseDocument>();
  for (const snapshot of snapshots) for (const doc of snapshot.docs) byKey.set(doc.id, doc.data());
  const keys = [...byKey.keys()].sort();
  const shown = keys.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    licenses: shown.map((key) => licenseView(key, byKey.get(key) as LicenseDocument, now)),
    cursor: keys.length > page.limit && last !== undefined ? encodeCursor([last]) : null,
  };
}

/** Applies a change to one owned license in a transaction, with its event. */
async function changeLicense(
  principal: Principal,
  licenseKey: string,
  change: (license: LicenseDocument, now: Timestamp) => { next: LicenseDocument; event: EventType; data?: Record<string, unknown> } | undefined,
) {
  const now = Timestamp.now();
  const license = await db().runTransaction(async (transaction) => {
    const current = await loadOwnedLicense(principal, licenseKey, transaction);
    const outcome = change(current, now);
    if (!outcome) return current;
    commitLicense(transaction, licenseKey, { ...outcome.next, updatedAt: now }, { type: outcome.event, data: outcome.data }, now);
    return outcome.next;
  });
  return { license: licenseView(licenseKey, license, now) };
}

export function updateLicense(principal: Principal, input: UpdateLicenseInput) {
  return changeLicense(principal, input.licenseKey, (current) => {
    const next: LicenseDocument = { ...current };
    if (input.maxHwidSlots !== undefined) {
      if (!(input.unlimitedHwidSlots ?? current.unlimitedHwidSlots) && current.devices.length > input.maxHwidSlots) {
        throw conflict(`${current.devices.length} devices are bound; reset activations before lowering maxHwidSlots to ${input.maxHwidSlots}`);
      }
      next.maxHwidSlots = input.maxHwidSlots;
    }
    if (input.unlimitedHwidSlots !== undefined) next.unlimitedHwidSlots = input.unlimitedHwidSlots;
    if (!next.unlimitedHwidSlots && next.devices.length > next.maxHwidSlots) {
      throw conflict(`${next.devices.length} devices are bound; reset activations before limiting seats to ${next.maxHwidSlots}`);
    }
    if (input.label !== undefined) next.label = input.label;
    if (input.email !== undefined) next.email = input.email;
    if (input.floating !== undefined) next.floating = input.floating;
    if (input.heartbeatTimeoutSeconds !== undefined) next.heartbeatTimeoutSeconds = input.heartbeatTimeoutSeconds;
    if (input.variables !== undefined) next.variables = input.variables;
    if (input.expirationStrategy !== undefined) next.expirationStrategy = input.expirationStrategy;
    if (input.gracePeriodDays !== undefined) next.gracePeriodDays = input.gracePeriodDays;
    if (input.renewalBasis !== undefined) next.renewalBasis = input.renewalBasis;
    let event: EventType = 'license.updated';
    if (input.expiresAt !== undefined) {
      next.expiresAt = input.expiresAt === null ? null : Timestamp.fromDate(new Date(input.expiresAt));
      next.expiresSort = next.expiresAt ?? neverExpires;
      next.expiryNotified = false;
      event = 'license.extended';
    }
    // Nothing changed: no write and no event (an event always records a change).
    if (JSON.stringify(next) === JSON.stringify(current)) return undefined;
    return { next, event, data: { expiresAt: isoDate(next.expiresAt) } };
  });
}

/** v1 `extend`: to a date, or by `durationDays` (exactly one; the schema checks it). */
export interface Extension {
  expiresAt?: string | undefined;
  durationDays?: number | undefined;
}

/**
 * Extends a license to `expiresAt`, or by `durationDays` from where its renewalBasis says
 * (licenseExpiry.renewedExpiry). A pending clock (firstActivation, firstValidation) is
 * lengthened instead; a lifetime license has nothing to extend (400). A license revoked by its
 * expiry stays revoked: reinstating it is the vendor's `activate`.
 */
export function extendLicense(principal: Principal, licenseKey: string, extension: Extension) {
  return changeLicense(principal, licenseKey, (current, now) => {
    const { durationDays } = extension;
    if (durationDays === undefined) {
      const at = Timestamp.fromDate(new Date(extension.expiresAt ?? ''));
      return { next: { ...current, expiresAt: at, expiresSort: at, expiryNotified: false }, event: 'license.extended', data: { expiresAt: isoDate(at) } };
    }
    if (current.expiresAt === null && current.clockStartedAt === null && current.durationDays !== null) {
      const pending = current.durationDays + durationDays;
      if (pending > 36_500) throw badRequest('The pending clock may not exceed 36500 days');
      return { next: { ...current, durationDays: pending }, event: 'license.extended', data: { expiresAt: null, durationDays: pending, pending: true } };
    }
    const at = renewedExpiry(current.expiresAt, current.renewalBasis, durationDays, now);
    if (!at) throw badRequest('This license never expires: there is nothing to extend (give expiresAt to set an expiry)');
    if (at.toMillis() > neverExpires.toMillis()) throw badRequest('The new expiry is past 9999-12-31');
    return {
      next: { ...current, expiresAt: at, expiresSort: at, expiryNotified: false },
      event: 'license.extended',
      data: { expiresAt: isoDate(at), durationDays, renewalBasis: current.renewalBasis },
    };
  });
}

export function revokeLicense(principal: Principal, input: RevokeLicenseInput) {
  return changeLicense(principal, input.licenseKey, (current, now) =>
    current.revoked
      ? undefined
      : {
          // Revoking ends the license's sessions: reinstating it does not revive them.
          next: { ...endAllSessions(current, now), revoked: true, revokedAt: now, revokeReason: input.reason ?? null },
          event: 'license.revoked',
          data: { reason: input.reason ?? null },
        },
  );
}

export function reinstateLicense(principal: Principal, licenseKey: string) {
  return changeLicense(principal, licenseKey, (current) =>
    current.revoked ? { next: { ...current, revoked: false, revokedAt: null, revokeReason: null }, event: 'license.activated' } : undefined,
  );
}

export function resolveLicense(principal: Principal, licenseKey: string) {
  return changeLicense(principal, licenseKey, (current) =>
    current.violations.length === 0 && !current.flagged
      ? undefined
      : { next: { ...current, violations: [], flagged: false }, event: 'license.updated', data: { resolvedViolations: current.violations.length } },
  );
}

export function resetActivations(principal: Principal, licenseKey: string) {
  // The reset also ends the license's sessions (its session epoch), whatever the devices list
  // holds: an unlimited-seat license binds none, and a floating seat freed by timeout leaves a
  // session that would otherwise take a free seat back.
  return changeLicense(principal, licenseKey, (current, now) => ({
    next: { ...endAllSessions(current, now), devices: [] },
    event: 'license.hwid_reset',
    data: { hwids: current.devices.map((device) => device.hwid) },
  }));
}

/**
 * The vendor releases one device: the seed 004 deactivate rule (licenseRules.deactivateDevice:
 * seat freed, the device's sessions ended), with its `license.hwid_reset` event, in one
 * transaction. Not counted against the client's hourly deactivations (those bound churn by
 * clients, not the vendor's support staff). 404 when the device holds no seat.
 */
export function releaseLicenseDevice(principal: Principal, licenseKey: string, hwid: string) {
  return changeLicense(principal, licenseKey, (current, now) => {
    const next = deactivateDevice(current, hwid, now);
    if (!next) throw notFound('This device is not activated on this license');
    return { next, event: 'license.hwid_reset', data: { hwid, reason: 'released' } };
  });
}

/** Deletes a license; its event outlives it. Auth logs expire by TTL. */
export async function deleteLicense(principal: Principal, licenseKey: string) {
  const now = Timestamp.now();
  await db().runTransaction(async (transaction) => {
    const license = await loadOwnedLicense(principal, licenseKey, transaction);
    commitLicenseDeletion(transaction, licenseKey, license, { type: 'license.deleted' }, now);
  });
  return { deleted: true, licenseKey };
}

