/** What a buyer sees in the customer portal: their licenses, devices and release allowance. */
import type { Timestamp } from 'firebase-admin/firestore';
import type { z } from 'zod';
import { sha256Hex } from '../crypto/hashing.js';
import type { AppDocument } from '../data/apps.js';
import type { LicenseDocument } from '../data/licenses.js';
import { isoDate } from '../data/shared.js';
import type { buyerDeviceResponse, buyerLicenseResponse, portalProductResponse, portalSettingsResponse } from '../schemas/portal.js';
import { licenseStatus, liveDevices } from '../services/licensing/licenseRules.js';
import { releaseAllowance } from '../services/portal/releasePolicy.js';

/** The opaque id of a device: the buyer never needs (or sends) the whole HWID. */
export const deviceIdOf = (hwid: string): string => sha256Hex(hwid).slice(0, 24);

/** The HWID shortened for display: its first 6 and last 4 characters. */
export const hwidShort = (hwid: string): string => (hwid.length <= 12 ? hwid : `${hwid.slice(0, 6)}…${hwid.slice(-4)}`);

export function portalSettingsView(app: AppDocument): z.infer<typeof portalSettingsResponse> {
  const { signIn, supportUrl, logoUrl, offlineFiles, selfServiceReleases } = app.portal;
  return { signIn, supportUrl, logoUrl, offlineFiles, selfServiceReleases: { ...selfServiceReleases } };
}

export function portalProductView(appId: string, app: AppDocument, signIn: 'email' | 'licenseKey'): z.infer<typeof portalProductResponse> {
  return { appId, name: app.name, signIn, supportUrl: app.portal.supportUrl, logoUrl: app.portal.logoUrl };
}

function buyerDeviceView(device: LicenseDocument['devices'][number]): z.infer<typeof buyerDeviceResponse> {
  return {
    deviceId: deviceIdOf(device.hwid),
    hwidShort: hwidShort(device.hwid),
    // What the app said about the machine, verbatim: the page renders it as text.
    machineName: device.machineName,
    os: device.os,
    lastSeenAt: isoDate(device.lastSeenAt),
    boundAt: isoDate(device.boundAt),
  };
}

export function buyerLicenseView(licenseKey: string, license: LicenseDocument, app: AppDocument, now: Timestamp): z.infer<typeof buyerLicenseResponse> {
  const devices = liveDevices(license, now);
  const allowance = releaseAllowance(license, app.portal.selfServiceReleases, now);
  return {
    licenseKey,
    appId: license.appId,
    product: { name: app.name, supportUrl: app.portal.supportUrl, logoUrl: app.portal.logoUrl },
    status: licenseStatus(license, now),
    expiresAt: isoDate(license.expiresAt),
    maxHwidSlots: license.maxHwidSlots,
    unlimitedHwidSlots: license.unlimitedHwidSlots,
    seatsUsed: devices.length,
    devices: devices.map(buyerDeviceView),
    releases: {
      perLicensePer30Days: app.portal.selfServiceReleases.perLicensePer30Days,
      remaining: allowance.remaining,
      nextAvailableAt: isoDate(allowance.nextAvailableAt),
    },
    offlineFilesAllowed: app.portal.offlineFiles,
  };
}
