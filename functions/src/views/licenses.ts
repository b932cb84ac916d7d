/** What callers see of a license: seeds 000/002's license, the client's view, its devices and violations. */
import type { Timestamp } from 'firebase-admin/firestore';
import type { z } from 'zod';
import type { LicenseDocument } from '../data/licenses.js';
import { isoDate } from '../data/shared.js';
import type { licenseResponse } from '../schemas/v1.js';
import { licenseStatus, liveDevices } from '../services/licensing/licenseRules.js';
import { expiryStanding } from '../services/licensing/licenseExpiry.js';
import { effectiveEntitlements, entitlementEnds, grantsView } from '../services/licensing/entitlements.js';

/**
 * What a seed 004 client (verify, activate, validate, deactivate, heartbeat) is told about its
 * license: anyone holding the key gets this, so no personal data (no email, label or other
 * devices' HWIDs) and no vendor notes (violations, flags). An allow-list: a field added to the
 * license reaches clients only when it is added here.
 */
export function clientLicenseView(licenseKey: string, license: LicenseDocument, now: Timestamp) {
  const standing = expiryStanding(license, now);
  return {
    licenseKey,
    appId: license.appId,
    productId: license.appId,
    variantId: license.variantId,
    status: licenseStatus(license, now),
    expiresAt: isoDate(license.expiresAt),
    maxHwidSlots: license.maxHwidSlots,
    unlimitedHwidSlots: license.unlimitedHwidSlots,
    floating: license.floating,
    hwidCount: liveDevices(license, now).length,
    variables: license.variables,
    // What the policy says now (`status` stays the stored dates' verdict, as list filters read it).
    licenseState: standing.state,
    graceEndsAt: isoDate(standing.graceEndsAt),
    expirationStrategy: license.expirationStrategy,
    /** The codes the license holds now (variant's and own, minus expired add-ons), sorted. */
    entitlements: effectiveEntitlements(license, now),
    /** The add-ons among them: code → the ISO instant it ends. */
    entitlementsExpireAt: entitlementEnds(license, now),
  };
}

/** The license as seeds 000/002 describe it (`licenseKey`, `hwidList`, `status`, …): the client's view and what only its vendor sees. */
export function licenseView(licenseKey: string, license: LicenseDocument, now: Timestamp): z.infer<typeof licenseResponse> {
  return {
    ...clientLicenseView(licenseKey, license, now),
    label: license.label,
    email: license.email,
    hwidList: liveDevices(license, now).map((device) => device.hwid),
    devices: activationsView(license, now),
    source: license.source,
    flagged: license.flagged,
    gracePeriodDays: license.gracePeriodDays,
    expirationBasis: license.expirationBasis,
    durationDays: license.durationDays,
    renewalBasis: license.renewalBasis,
    variantEntitlements: license.variantEntitlements,
    entitlementGrants: grantsView(license.entitlements),
    meters: license.meters ?? {},
    createdAt: isoDate(license.createdAt),
    updatedAt: isoDate(license.updatedAt),
  };
}

export function activationsView(license: LicenseDocument, now: Timestamp) {
  return liveDevices(license, now).map((device) => ({
    hwid: device.hwid,
    boundAt: isoDate(device.boundAt),
    lastSeenAt: isoDate(device.lastSeenAt),
    ip: device.ip,
    machineName: device.machineName,
    os: device.os,
  }));
}

export function violationsView(license: LicenseDocument) {
  return license.violations.map((violation) => ({
    type: violation.type,
    at: isoDate(violation.at),
    hwid: violation.hwid,
    ip: violation.ip,
    detail: violation.detail,
  }));
}
