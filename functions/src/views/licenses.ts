/** What callers see of a license: seeds 000/002's license, the client's view, its devices and violations. */
import type { Timestamp } from 'firebase-admin/firestore';
import type { z } from 'zod';
import type { LicenseDocument } from '../data/licenses.js';
import { isoDate } from '../data/shared.js';
import type { licenseResponse } from '../schemas/v1.js';
import { licenseStatus, liveDevices } from '../services/licensing/licenseRules.js';

export function licenseView(licenseKey: string, license: LicenseDocument, now: Timestamp): z.infer<typeof licenseResponse> {
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
