import { maxMeterAmount, meterName } from '../data/meters.js';
import { z } from 'zod';
import { limits, sessions } from '../config/constants.js';
import { appAlias, clientAppId, resolvingOptionalAppAlias } from './common.js';
import { hwid, licenseKey } from './licenses.js';
import { entitlementCode, maxEntitlementsPerProduct } from '../data/entitlements.js';

/** The entitlement codes a client needs (README, Entitlements): refused with entitlements_missing when the license lacks any. */
const requireEntitlements = z.array(entitlementCode).max(maxEntitlementsPerProduct).optional()
  .describe('Entitlement codes the app needs: a license lacking any is refused (403 entitlements_missing, naming them) before a device is bound');

const sessionToken = z.string().min(10).max(2048);
const nonce = z.string().min(8).max(limits.maxNonceLength);
const appSecret = z.string().min(1).max(256);

/** seed 004 client endpoints: `hwid` (or `machineId`), optional product check. */
const machine = {
  hwid: hwid.optional(),
  machineId: hwid.optional(),
};

export const verifyInput = z.strictObject({ licenseKey, ...appAlias }).transform(resolvingOptionalAppAlias);
export type VerifyInput = z.infer<typeof verifyInput>;

/** Shown to the vendor (and the buyer) beside the device; never trusted for anything. */
const machineDescription = {
  machineName: z.string().trim().min(1).max(limits.maxMachineNameLength).optional().describe('A name for the machine, shown in the console'),
  os: z.string().trim().min(1).max(limits.maxOsLength).optional().describe('The operating system, shown in the console'),
};

export const activateInput = z
  .strictObject({ licenseKey, ...machine, ...machineDescription, ...appAlias })
  .refine((input) => input.hwid ?? input.machineId, { message: 'hwid (or machineId) is required', path: ['hwid'] })
  .transform(resolvingOptionalAppAlias);
export type ActivateInput = z.infer<typeof activateInput>;

export const deactivateInput = z
  .strictObject({ licenseKey, ...machine, ...appAlias })
  .refine((input) => input.hwid ?? input.machineId, { message: 'hwid (or machineId) is required', path: ['hwid'] })
  .transform(resolvingOptionalAppAlias);
export type DeactivateInput = z.infer<typeof deactivateInput>;

export const sessionInput = z.strictObject({ sessionToken, ...machine });
export type SessionInput = z.infer<typeof sessionInput>;

/** seed 004 validate: a session token, and optionally the entitlements the client needs. */
export const validateSessionInput = z.strictObject({ sessionToken, ...machine, requireEntitlements });
export type ValidateSessionInput = z.infer<typeof validateSessionInput>;

/** docs/design.md door 1: AuthForge SDK protocol bodies. */
export const sdkValidateInput = z.strictObject({
  appId: clientAppId,
  appSecret,
  licenseKey: z.string().min(1).max(64),
  hwid,
  nonce,
  ttlSeconds: z.number().int().positive().optional(),
  requireEntitlements,
});
export type SdkValidateInput = z.infer<typeof sdkValidateInput>;

export const sdkHeartbeatInput = z.strictObject({
  appId: clientAppId,
  sessionToken,
  nonce,
  hwid,
});
export type SdkHeartbeatInput = z.infer<typeof sdkHeartbeatInput>;

export const sdkSelfbanInput = z.union([
  z.strictObject({
    appId: clientAppId,
    sessionToken,
    hwid,
    revokeLicense: z.boolean(),
    blacklistHwid: z.boolean(),
    blacklistIp: z.boolean(),
  }),
  z.strictObject({
    appId: clientAppId,
    appSecret,
    licenseKey: z.string().min(1).max(64),
    hwid,
    nonce,
    revokeLicense: z.boolean(),
    blacklistHwid: z.boolean(),
    blacklistIp: z.boolean(),
  }),
]);
export type SdkSelfbanInput = z.infer<typeof sdkSelfbanInput>;

/** POST /auth/usage (README, Usage meters): count usage on one of the license's meters, with a session or the app secret. */
const usageFields = {
  hwid,
  nonce,
  meter: meterName,
  amount: z.number().int().min(1).max(maxMeterAmount),
  idempotencyKey: z.string().min(1).max(200),
};
export const sdkUsageInput = z.union([
  z.strictObject({ appId: clientAppId, sessionToken, ...usageFields }),
  z.strictObject({ appId: clientAppId, appSecret, licenseKey: z.string().min(1).max(64), ...usageFields }),
]);
export type SdkUsageInput = z.infer<typeof sdkUsageInput>;

export const clampTtl = (requested: number | undefined) =>
  Math.min(sessions.maxTtlSeconds, Math.max(sessions.minTtlSeconds, requested ?? sessions.defaultTtlSeconds));
