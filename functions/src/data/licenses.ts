import { Timestamp, type FirestoreDataConverter } from 'firebase-admin/firestore';
import { z } from 'zod';
import { activationAttemptsPerHour, collections, deactivationsPerHour, limits, portal } from '../config/constants.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp, variablesSchema } from './shared.js';
import { violationTypes } from '../domain/errors.js';
import { durationDays, storedPolicyFields } from './policies.js';
import { storedLicenseGrants, storedVariantEntitlements } from './entitlements.js';
import { meterDeclarations } from './meters.js';

export const deviceDocument = z.object({
  hwid: z.string(),
  boundAt: timestamp,
  /** Floating licenses: a seat is held while now - lastSeenAt < heartbeatTimeoutSeconds. */
  lastSeenAt: timestamp,
  ip: z.string().nullable(),
  /** What the app said about the machine when it activated (seed 004 activate); null when it said nothing. */
  machineName: z.string().max(limits.maxMachineNameLength).nullable().default(null),
  os: z.string().max(limits.maxOsLength).nullable().default(null),
});
export type DeviceDocument = z.infer<typeof deviceDocument>;

export const violationType = z.enum(violationTypes);
export const violationDocument = z.object({
  type: violationType,
  at: timestamp,
  hwid: z.string().nullable(),
  ip: z.string().nullable(),
  detail: z.string(),
});
export type ViolationDocument = z.infer<typeof violationDocument>;

/** Far-future stand-in for "never expires", so one range query finds unexpired licenses. */
export const neverExpires = Timestamp.fromDate(new Date('9999-12-31T23:59:59Z'));

/** licenses/{licenseKey}: one read answers validate; bound devices live here (≤ 16 finite seats). */
export const licenseDocument = z.object({
  appId: z.string(),
  accountId: z.string(),
  variantId: z.string().nullable(),
  label: z.string().max(limits.maxLabelLength).nullable(),
  email: z.string().nullable(),
  maxHwidSlots: z.number().int().min(limits.minHwidSlots).max(limits.maxHwidSlots),
  unlimitedHwidSlots: z.boolean(),
  floating: z.boolean(),
  heartbeatTimeoutSeconds: z.number().int(),
  expiresAt: timestamp.nullable(),
  /** expiresAt, or neverExpires: lets list filters by status use one inequality. */
  expiresSort: timestamp,
  revoked: z.boolean(),
  revokedAt: timestamp.nullable(),
  revokeReason: z.string().nullable(),
  /** The license's policy (data/policies.ts), copied from its variant at creation, overridable. */
  ...storedPolicyFields,
  /**
   * With an expirationBasis other than creation: the days the clock runs once it starts
   * (expiresAt is null until then; kept after). Null: dated at creation, no clock to start.
   */
  durationDays: durationDays.nullable().default(null),
  /** When the expiry clock started (creation, or the first activation or check); null while pending. */
  clockStartedAt: timestamp.nullable().default(null),
  /** Entitlement codes its variant granted, copied at creation (README, Entitlements). */
  variantEntitlements: storedVariantEntitlements,
  /** The license's own entitlement grants, each for good or until its expiresAt (an add-on). */
  entitlements: storedLicenseGrants,
  /** The license's usage meters (README, Usage meters): their counts live in meters/{licenseKey}~{name}. Absent: none. */
  meters: meterDeclarations.optional(),
  /** Set once `license.expired` has been emitted for the current expiresAt. */
  expiryNotified: z.boolean().default(false),
  /**
   * The expiry each `license.expiring` reminder (30, 7, 1 days before) was sent for
   * (services/licensing/expiringReminders.ts): a new expiry earns them again. Absent until the first.
   */
  expiringReminders: z.object({ days30: timestamp.optional(), days7: timestamp.optional(), days1: timestamp.optional() }).optional(),
  devices: z.array(deviceDocument),
  /** Unlimited-seat licenses bind nothing but count distinct devices seen. */
  variables: variablesSchema,
  violations: z.array(violationDocument).max(limits.maxViolationsKept),
  flagged: z.boolean(),
  /** Distinct client IPs on the current UTC day, for the app's maxIpsPerDay. */
  ipDay: z.object({ day: z.string(), ips: z.array(z.string()) }),
  heartbeatCount: z.number().int(),
  /**
   * Sessions issued before this instant are over (resetActivations sets it): every door that
   * takes a session token refuses them with `session_expired`, unlimited-seat licenses included.
   */
  sessionsValidAfter: timestamp.nullable().default(null),
  /**
   * The session epoch: a counter bumped by every ending (reset, revoke, deactivate) in the
   * ending's own transaction. A session token carries the epoch of the license it was issued
   * from (`ep`), so "issued before the ending" is decided without any clock (licenseRules.sessionEnded).
   */
  sessionEpoch: z.number().int().min(0).default(0),
  /**
   * HWIDs and IPs this license's own clients reported (SDK selfban): refused on this license
   * only, like blacklist entries; at most limits.maxLicenseClientBans each, oldest dropped.
   * App-wide only once the vendor confirms the report (apps.pendingClientBans).
   */
  clientBans: z
    .object({ hwids: z.array(z.string()).max(limits.maxLicenseClientBans), ips: z.array(z.string()).max(limits.maxLicenseClientBans) })
    .default({ hwids: [], ips: [] }),
  /** Sessions whose token carries an epoch below this are over (reset, revoke). */
  sessionsValidFromEpoch: z.number().int().min(0).default(0),
  /**
   * Sessions of one device issued before `at` (tokens with an epoch: before `epoch`) are over
   * (seed 004 deactivate). Bounded: an entry pushed out moves sessionsValidAfter and
   * sessionsValidFromEpoch up to its own, which ends more sessions, never fewer.
   */
  endedSessions: z.array(z.object({ hwid: z.string(), at: timestamp, epoch: z.number().int().min(0).optional() })).max(limits.maxEndedSessions).default([]),
  /**
   * The last hour's activation attempts (seed 004 activate) and fixed-seat binds (SDK validate),
   * read and written in the client transaction, so a concurrent burst cannot pass the limit.
   */
  activationAttempts: z.array(timestamp).max(activationAttemptsPerHour).default([]),
  /** The last hour's seed 004 deactivations (the same bound on activate/deactivate churn). */
  deactivations: z.array(timestamp).max(deactivationsPerHour).default([]),
  /**
   * Devices the buyer released in the customer portal within the last 30 days (services/portal),
   * read and written in the release transaction, so concurrent releases cannot pass the product's bound.
   */
  portalReleases: z.array(timestamp).max(portal.maxReleasesPerWindow).default([]),
  source: z.record(z.string(), z.string()).nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type LicenseDocument = z.infer<typeof licenseDocument>;

const checked = schemaConverter(licenseDocument);

/**
 * The license converter also stores `boundHwids` (the bound devices' HWIDs), derived on every
 * write from `devices`, so a search by HWID is one array-contains query, and `emailLower` (the
 * email lower-cased), so the customer portal finds a buyer's licenses with one equality query.
 * They cost no extra write (they ride on the license's own) and are dropped on read (the schema
 * strips unknown fields). A license last written before a field existed is found by it once it is
 * written again (the portal also matches `email` itself, for licenses sold to a lower-case email).
 */
const licenseConverter: FirestoreDataConverter<LicenseDocument> = {
  toFirestore: (value) => {
    const parsed = checked.toFirestore(value as LicenseDocument) as LicenseDocument;
    return { ...parsed, boundHwids: parsed.devices.map((device) => device.hwid), emailLower: parsed.email?.toLowerCase() ?? null };
  },
  fromFirestore: (snapshot) => checked.fromFirestore(snapshot),
};

export const licensesCollection = () => db().collection(collections.licenses).withConverter(licenseConverter);
