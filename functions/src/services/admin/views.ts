/** What clients see of stored documents: ISO dates, derived status, never secrets. */
import type { Timestamp } from 'firebase-admin/firestore';
import type { AppDocument } from '../../data/apps.js';
import type { LicenseDocument } from '../../data/licenses.js';
import { isoDate } from '../../data/shared.js';
import type { VariantDocument } from '../../data/variants.js';
import { publishedKeyView, publishedSigningKeys } from './signingKeys.js';
import { licenseStatus, liveDevices } from '../licensing/licenseRules.js';

export function productView(appId: string, app: AppDocument) {
  return {
    productId: appId,
    appId,
    accountId: app.accountId,
    name: app.name,
    slug: app.slug,
    description: app.description,
    status: app.disabled ? 'disabled' : 'active',
    variables: app.variables,
    settings: app.settings,
    activeSigningKeyId: app.activeSigningKeyId,
    // The published key set, the active key first (services/admin/signingKeys.ts).
    publicKeys: publishedSigningKeys(app).map((key) => publishedKeyView(app, key)),
    createdAt: isoDate(app.createdAt),
    updatedAt: isoDate(app.updatedAt),
  };
}

export function variantView(variantId: string, variant: VariantDocument) {
  return {
    variantId,
    productId: variant.appId,
    name: variant.name,
    maxHwidSlots: variant.maxHwidSlots,
    unlimitedHwidSlots: variant.unlimitedHwidSlots,
    durationDays: variant.durationDays,
    floating: variant.floating,
    heartbeatTimeoutSeconds: variant.heartbeatTimeoutSeconds,
    variables: variant.variables,
    status: variant.disabled ? 'disabled' : 'active',
    createdAt: isoDate(variant.createdAt),
  };
}

/** The license as seeds 000/002 describe it (`licenseKey`, `hwidList`, `status`, …). */
export function licenseView(licenseKey: string, license: LicenseDocument, now: Timestamp) {
  const devices = liveDevices(license, now);
  return {
    licenseKey,
    appId: license.appId,
    productId: license.appId,
    variantId: license.variantId,
    status: licenseStatus(license, now),
    label: license.label,
    email: license.email,
    expiresAt: isoDate(license.expiresAt),
    maxHwidSlots: license.maxHwidSlots,
    unlimitedHwidSlots: license.unlimitedHwidSlots,
    floating: license.floating,
    hwidList: devices.map((device) => device.hwid),
    hwidCount: devices.length,
    flagged: license.flagged,
    variables: license.variables,
    createdAt: isoDate(license.createdAt),
    updatedAt: isoDate(license.updatedAt),
  };
}

/**
 * What a seed 004 client (verify, activate, validate, deactivate, heartbeat) is told about its
 * license: anyone holding the key gets this, so no personal data (no email, label or other
 * devices' HWIDs) and no vendor notes (violations, flags).
 */
export function clientLicenseView(licenseKey: string, license: LicenseDocument, now: Timestamp) {
  const devices = liveDevices(license, now);
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
    hwidCount: devices.length,
    variables: license.variables,
  };
}

export function activationsView(license: LicenseDocument, now: Timestamp) {
  return liveDevices(license, now).map((device) => ({
    hwid: device.hwid,
    boundAt: isoDate(device.boundAt),
    lastSeenAt: isoDate(device.lastSeenAt),
    ip: device.ip,
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
