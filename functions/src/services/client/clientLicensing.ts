/**
 * seed 004 client endpoints (no auth: the license key is the credential): verify, activate,
 * validate (a session token), deactivate, heartbeat. Same rules as the SDK door, through the
 * same runner (clientTransaction.ts), other shapes.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { sessions } from '../../config/constants.js';
import type { AuthAction } from '../../data/authLogs.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';
import { ApiError } from '../../domain/errors.js';
import type { MachineDescription } from '../licensing/licenseRules.js';
import type { ActivateInput, DeactivateInput, SessionInput, ValidateSessionInput, VerifyInput } from '../../schemas/client.js';
import { recordingRefusals, type CallRecord } from './auditTrail.js';
import { loadClientAppConfig } from './clientApps.js';
import type { ClientContext } from './callers.js';
import { openSession } from './sessionOpening.js';
import { newSession, sessionOf } from './sessions.js';
import { seed004Door, type ClientAction } from './clientDecision.js';
import { assertAppRate, assertClientDoorRate } from './clientLimits.js';
import { runClientCall } from './clientTransaction.js';
import { pointingToPortal } from '../portal/portalLinks.js';
import { clientLicenseView } from '../../views/licenses.js';

/**
 * Finds the app of a key for the calls that present only the key: 404 when unknown, 403 when
 * for another product. (One read more than a call that names its app: seed 004's key is all
 * the caller sends.)
 */
async function appOfKey(licenseKey: string, productId: string | undefined): Promise<string> {
  const license = (await licensesCollection().doc(licenseKey).get()).data();
  if (!license) throw new ApiError('not_found', 'License key does not exist');
  if (productId !== undefined && license.appId !== productId) throw new ApiError('forbidden', 'This license is for another product');
  return license.appId;
}

const machineOf = (input: { hwid?: string | undefined; machineId?: string | undefined }) => input.hwid ?? input.machineId ?? '';

/** A seed 004 call that presents a key (verify, activate, deactivate). */
async function keyCall(
  action: ClientAction & AuthAction,
  input: { licenseKey: string; appId?: string | undefined },
  hwid: string | null,
  ctx: ClientContext,
  machine?: MachineDescription,
): Promise<LicenseDocument> {
  const now = Timestamp.now();
  assertClientDoorRate(ctx.ip, now.toMillis());
  const appId = await appOfKey(input.licenseKey, input.appId);
  // The app's budget is spent only by keys of the app, not by a stranger naming it.
  assertAppRate(appId, now.toMillis());
  const call: CallRecord = { appId, licenseKey: input.licenseKey, hwid, ip: ctx.ip, action };
  return recordingRefusals(call, ctx.log, async () => {
    const client = await loadClientAppConfig(appId);
    return runClientCall({
      policy: seed004Door,
      client,
      licenseKey: input.licenseKey,
      request: { action, appId, hwid, ip: ctx.ip, ...(machine ? { machine } : {}) },
      logAction: action,
      now,
    }).catch((error: unknown) => {
      // activate's "machine limit reached" points to the product's customer portal, where the buyer can free a seat.
      throw action === 'activate' ? pointingToPortal(error, appId, client.app) : error;
    });
  });
}

/**
 * A seed 004 call that presents a session token (validate, heartbeat). An `hwid` (or
 * `machineId`) sent with it must be the session's (403 otherwise); the lists apply to the
 * session's device. Heartbeats take the device's heartbeat slot, as the SDK's do.
 */
async function sessionCall(action: 'session' | 'heartbeat', logAction: AuthAction, input: SessionInput & Partial<Pick<ValidateSessionInput, 'requireEntitlements'>>, ctx: ClientContext) {
  const now = Timestamp.now();
  assertClientDoorRate(ctx.ip, now.toMillis());
  const { claims, app } = await openSession(input.sessionToken, now);
  // Only a token the app signed spends the app's budget.
  assertAppRate(claims.app, now.toMillis());
  const hwid = input.hwid ?? input.machineId ?? claims.hwid;
  const call: CallRecord = { appId: claims.app, licenseKey: claims.lic, hwid, ip: ctx.ip, action: logAction };
  const session = sessionOf(claims);
  const license = await recordingRefusals(call, ctx.log, async () =>
    runClientCall({
      policy: seed004Door,
      client: await loadClientAppConfig(claims.app),
      licenseKey: claims.lic,
      request: { action, appId: claims.app, hwid, ip: ctx.ip, session, ...(input.requireEntitlements ? { requireEntitlements: input.requireEntitlements } : {}) },
      logAction,
      now,
      heartbeatSlot: action === 'heartbeat',
    }),
  );
  return { claims, app, license, now, session };
}

/** Checks a key without binding a machine. */
export async function verifyLicense(input: VerifyInput, ctx: ClientContext) {
  const license = await keyCall('verify', input, null, ctx);
  return { license: clientLicenseView(input.licenseKey, license, Timestamp.now()) };
}

/** Binds a machine (respecting the seat limit) and opens a session. 15 attempts per hour per key, counted on the license. */
export async function activateLicense(input: ActivateInput, ctx: ClientContext) {
  const hwid = machineOf(input);
  const machine = input.machineName !== undefined || input.os !== undefined ? { machineName: input.machineName ?? null, os: input.os ?? null } : undefined;
  const license = await keyCall('activate', input, hwid, ctx, machine);
  const now = Timestamp.now();
  const { app, appId } = await loadClientAppConfig(license.appId);
  const session = newSession(app, { appId, licenseKey: input.licenseKey, hwid, epoch: license.sessionEpoch }, sessions.defaultTtlSeconds, now);
  return {
    sessionToken: session.token,
    expiresAt: new Date(session.claims.exp * 1000).toISOString(),
    license: clientLicenseView(input.licenseKey, license, now),
  };
}

/** Checks a session token: authentic, unexpired, license usable, machine still activated. */
export async function validateSession(input: ValidateSessionInput, ctx: ClientContext) {
  const { claims, license, now } = await sessionCall('session', 'session', input, ctx);
  return {
    license: clientLicenseView(claims.lic, license, now),
    hwid: claims.hwid,
    expiresAt: new Date(claims.exp * 1000).toISOString(),
  };
}

/** Frees the machine's seat and ends its sessions; its event is `license.hwid_reset` with the one HWID. */
export async function deactivateLicense(input: DeactivateInput, ctx: ClientContext) {
  const license = await keyCall('deactivate', input, machineOf(input), ctx);
  return { license: clientLicenseView(input.licenseKey, license, Timestamp.now()) };
}

/** Keeps a floating seat alive; returns a refreshed session token (never past the session's absolute lifetime). */
export async function heartbeatSession(input: SessionInput, ctx: ClientContext) {
  const { claims, app, license, now, session } = await sessionCall('heartbeat', 'floating_heartbeat', input, ctx);
  const refreshed = newSession(app, { appId: claims.app, licenseKey: claims.lic, hwid: claims.hwid, epoch: license.sessionEpoch }, claims.exp - claims.iat, now, session.openedAtMs);
  return {
    sessionToken: refreshed.token,
    expiresAt: new Date(refreshed.claims.exp * 1000).toISOString(),
    license: clientLicenseView(claims.lic, license, now),
  };
}
