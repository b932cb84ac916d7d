/**
 * The customer portal's routes (v1 `/portal/…`, OpenAPI tag `Portal`): request and response
 * shapes. The same schemas validate requests and generate the OpenAPI document, and each view
 * is typed by its response schema.
 */
import { z } from 'zod';
import { portal } from '../config/constants.js';
import { portalLink, portalSignIns } from '../data/apps.js';
import { resourceId } from './common.js';
import { hwid, licenseKey } from './licenses.js';

/** An email as a buyer types it: trimmed and lower-cased before anything is looked up. */
export const buyerEmail = z.string().trim().max(320).pipe(z.email()).transform((email) => email.toLowerCase());

/* ---------- product settings (apps' `portal`) ---------- */

/** What a product update may set of the portal; every field optional, merged over the current settings. */
export const portalSettingsInput = z.strictObject({
  signIn: z.enum(portalSignIns).optional().describe('How buyers sign in: email (a mailed code, default), licenseKey, or off'),
  supportUrl: portalLink.nullable().optional().describe('https link to the vendor support page, shown on the portal'),
  logoUrl: portalLink.nullable().optional().describe('https link to the product logo, shown on the portal'),
  offlineFiles: z.boolean().optional().describe('Buyers may download offline license files for their devices (default false)'),
  selfServiceReleases: z
    .strictObject({
      perLicensePer30Days: z.number().int().min(0).max(portal.maxReleasesPerWindow).optional().describe('Device releases per license in any 30 days (0: off; default 3)'),
      cooldownHours: z.number().int().min(0).max(portal.maxCooldownHours).optional().describe('Hours between two releases of a license (default 0)'),
    })
    .optional(),
});
export type PortalSettingsInput = z.infer<typeof portalSettingsInput>;

export const portalSettingsResponse = z.object({
  signIn: z.enum(portalSignIns),
  supportUrl: z.string().nullable(),
  logoUrl: z.string().nullable(),
  offlineFiles: z.boolean(),
  selfServiceReleases: z.object({ perLicensePer30Days: z.number().int(), cooldownHours: z.number().int() }),
});

/* ---------- requests ---------- */

export const portalProductPath = z.object({ appId: resourceId });
export const requestCodeBody = z.strictObject({
  email: buyerEmail.describe('The email the licenses were sold to'),
  appId: resourceId.optional().describe('The product whose portal the buyer is on (its name goes in the mail)'),
});
export const signInBody = z.strictObject({
  email: buyerEmail,
  code: z.string().trim().regex(/^\d{6}$/, 'the 6-digit code from the mail').describe('The 6-digit code from the mail'),
});
export const licenseKeySignInBody = z.strictObject({ licenseKey: licenseKey.describe('The license key (XXXX-XXXX-XXXX-XXXX)') });
export const buyerLicensePath = z.object({ licenseKey });
export const buyerDevicePath = buyerLicensePath.extend({
  deviceId: z.string().regex(/^[0-9a-f]{24}$/, 'a device id from GET /portal/licenses').describe('The device id GET /portal/licenses lists'),
});
export const buyerOfflineFileBody = z.strictObject({ hwid: hwid.describe('The HWID of a device the license holds a seat for') });

/* ---------- responses ---------- */

export const portalProductResponse = z.object({
  appId: z.string(),
  name: z.string(),
  signIn: z.enum(['email', 'licenseKey']),
  supportUrl: z.string().nullable(),
  logoUrl: z.string().nullable(),
});

export const codeSentResponse = z.object({ sent: z.literal(true) });

export const buyerSessionResponse = z.object({
  token: z.string().describe('Send as Authorization: Bearer <token> to the buyer routes'),
  expiresAt: z.string(),
});
export const emailSessionResponse = buyerSessionResponse.extend({ email: z.string() });
export const licenseKeySessionResponse = buyerSessionResponse.extend({ licenseKey: z.string() });

export const buyerDeviceResponse = z.object({
  deviceId: z.string().describe('Opaque id of the device (names it in DELETE …/devices/{deviceId})'),
  hwidShort: z.string().describe('The HWID shortened for display'),
  machineName: z.string().nullable(),
  os: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  boundAt: z.string().nullable(),
});

export const buyerLicenseResponse = z.object({
  licenseKey: z.string(),
  appId: z.string(),
  product: z.object({ name: z.string(), supportUrl: z.string().nullable(), logoUrl: z.string().nullable() }),
  status: z.enum(['active', 'revoked', 'expired']),
  expiresAt: z.string().nullable(),
  maxHwidSlots: z.number().int(),
  unlimitedHwidSlots: z.boolean(),
  seatsUsed: z.number().int(),
  devices: z.array(buyerDeviceResponse),
  releases: z.object({
    perLicensePer30Days: z.number().int(),
    remaining: z.number().int().describe('Releases left now (0 while a cooldown runs)'),
    nextAvailableAt: z.string().nullable().describe('When the next release is possible, when none is possible now; null when one is (or releases are off)'),
  }),
  offlineFilesAllowed: z.boolean(),
});

export const buyerLicensesResponse = z.object({
  email: z.string().nullable().describe('The signed-in email; null for a license-key sign-in'),
  licenses: z.array(buyerLicenseResponse),
});
