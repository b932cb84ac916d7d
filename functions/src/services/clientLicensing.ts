/**
 * seed 004 client endpoints (no auth: the license key is the credential): verify, activate,
 * validate (a session token), deactivate, heartbeat. Same rules as the SDK door, other shapes.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { sessions } from '../config/constants.js';
import { eventRecord, eventsCollection } from '../data/events.js';
import { db } from '../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../data/licenses.js';
import { authLogEntry, authLogsCollection } from '../data/authLogs.js';
import { ApiError } from '../http/errors.js';
import type { ActivateInput, DeactivateInput, SessionInput, VerifyInput } from '../schemas/client.js';
import { admitToLicense } from './admission.js';
import { recordingRefusals, writeAuthLog, type CallRecord } from './auditTrail.js';
import { assertActivationRate, assertAppEnabled, loadClientApp, newSession, openSession, type ClientContext } from './clientCore.js';
import { admitDevice, assertUsable, liveDevices, releaseDevice } from './licenseRules.js';
import { assertAdmitted } from './security.js';
import { licenseView } from './views.js';

/** Reads a license by key for the client door: 404 when unknown, 403 when for another product. */
async function loadLicenseForClient(licenseKey: string, productId: string | undefined): Promise<LicenseDocument> {
  const license = (await licensesCollection().doc(licenseKey).get()).data();
  if (!license) throw new ApiError('not_found', 'License key does not exist');
  if (productId !== undefined && license.appId !== productId) throw new ApiError('forbidden', 'This license is for another product');
  return license;
}

const productOf = (input: { productId?: string | undefined; appId?: string | undefined }) => input.productId ?? input.appId;
const machineOf = (input: { hwid?: string | undefined; machineId?: string | undefined }) => input.hwid ?? input.machineId ?? '';

/** Checks a key without binding a machine. */
export async function verifyLicense(input: VerifyInput, ctx: ClientContext) {
  const now = Timestamp.now();
  const license = await loadLicenseForClient(input.licenseKey, productOf(input));
  const call: CallRecord = { appId: license.appId, licenseKey: input.licenseKey, hwid: null, ip: ctx.ip, action: 'verify' };
  return recordingRefusals(call, ctx.log, async () => {
    const app = await loadClientApp(license.appId);
    assertAppEnabled(app);
    assertAdmitted(app.security, null, ctx.ip);
    assertUsable(license, now);
    await writeAuthLog(call, 'ok', now);
    return { license: licenseView(input.licenseKey, license, now) };
  });
}

/** Binds a machine (respecting the seat limit) and opens a session. 15 attempts per hour per key. */
export async function activateLicense(input: ActivateInput, ctx: ClientContext) {
  const now = Timestamp.now();
  const hwid = machineOf(input);
  const found = await loadLicenseForClient(input.licenseKey, productOf(input));
  const call: CallRecord = { appId: found.appId, licenseKey: input.licenseKey, hwid, ip: ctx.ip, action: 'activate' };
  return recordingRefusals(call, ctx.log, async () => {
    await assertActivationRate(found.appId, input.licenseKey, now);
    const app = await loadClientApp(found.appId);
    assertAppEnabled(app);
    assertAdmitted(app.security, hwid, ctx.ip);
    const { license } = await admitToLicense({
      appId: found.appId,
      app,
      licenseKey: input.licenseKey,
      hwid,
      ip: ctx.ip,
      action: 'activate',
      now,
      chargeCredit: false,
      emitValidated: false,
    });
    const session = newSession(app, { appId: found.appId, licenseKey: input.licenseKey, hwid }, sessions.defaultTtlSeconds, now);
    return {
      sessionToken: session.token,
      expiresAt: new Date(session.claims.exp * 1000).toISOString(),
      license: licenseView(input.licenseKey, license, now),
    };
  });
}

/** Checks a session token: authentic, unexpired, license usable, machine still activated. */
export async function validateSession(input: SessionInput, ctx: ClientContext) {
  const now = Timestamp.now();
  const { claims, app } = await openSession(input.sessionToken, now);
  const call: CallRecord = { appId: claims.app, licenseKey: claims.lic, hwid: claims.hwid, ip: ctx.ip, action: 'session' };
  return recordingRefusals(call, ctx.log, async () => {
    assertAppEnabled(app);
    const license = (await licensesCollection().doc(claims.lic).get()).data();
    if (!license || license.appId !== claims.app) throw new ApiError('session_expired', 'Invalid session token');
    assertUsable(license, now);
    if (!license.unlimitedHwidSlots && !liveDevices(license, now).some((device) => device.hwid === claims.hwid)) {
      throw new ApiError('session_expired', 'This machine is no longer activated; activate again');
    }
    await writeAuthLog(call, 'ok', now);
    return {
      license: licenseView(claims.lic, license, now),
      hwid: claims.hwid,
      expiresAt: new Date(claims.exp * 1000).toISOString(),
    };
  });
}

/** Frees the machine's seat; its event is `license.hwid_reset` with the one HWID. */
export async function deactivateLicense(input: DeactivateInput, ctx: ClientContext) {
  const now = Timestamp.now();
  const hwid = machineOf(input);
  const found = await loadLicenseForClient(input.licenseKey, productOf(input));
  const call: CallRecord = { appId: found.appId, licenseKey: input.licenseKey, hwid, ip: ctx.ip, action: 'deactivate' };
  return recordingRefusals(call, ctx.log, async () => {
    const ref = licensesCollection().doc(input.licenseKey);
    const license = await db().runTransaction(async (transaction) => {
      const current = (await transaction.get(ref)).data();
      if (!current) throw new ApiError('not_found', 'License key does not exist');
      const next = releaseDevice(current, hwid, now);
      if (!next) throw new ApiError('not_found', 'This machine is not activated on this license');
      transaction.set(ref, next);
      const scope = { appId: current.appId, accountId: current.accountId, licenseKey: input.licenseKey };
      transaction.create(eventsCollection().doc(), eventRecord('license.hwid_reset', scope, { hwid, reason: 'deactivated' }, now));
      transaction.create(authLogsCollection().doc(), authLogEntry({ ...call, result: 'ok' }, now));
      return next;
    });
    return { license: licenseView(input.licenseKey, license, now) };
  });
}

/** Keeps a floating seat alive; returns a refreshed session token. */
export async function heartbeatSession(input: SessionInput, ctx: ClientContext) {
  const now = Timestamp.now();
  const { claims, app } = await openSession(input.sessionToken, now);
  const call: CallRecord = { appId: claims.app, licenseKey: claims.lic, hwid: claims.hwid, ip: ctx.ip, action: 'floating_heartbeat' };
  return recordingRefusals(call, ctx.log, async () => {
    assertAppEnabled(app);
    const ref = licensesCollection().doc(claims.lic);
    const license = await db().runTransaction(async (transaction) => {
      const current = (await transaction.get(ref)).data();
      if (!current || current.appId !== claims.app) throw new ApiError('session_expired', 'Invalid session token');
      assertUsable(current, now);
      // A fixed seat freed by deactivate or resetActivations is not re-taken by an old session
      // (that would undo the reset and skip the activation limit): activate again, as validate says.
      if (!current.floating && !current.unlimitedHwidSlots && !current.devices.some((device) => device.hwid === claims.hwid)) {
        throw new ApiError('session_expired', 'This machine is no longer activated; activate again');
      }
      // A floating seat lost to timeout is re-taken if one is free, else machine limit (403).
      const binding = admitDevice(current, claims.hwid, ctx.ip, now);
      if (binding.changed) transaction.set(ref, binding.license);
      if (binding.newlyBound) {
        const scope = { appId: current.appId, accountId: current.accountId, licenseKey: claims.lic };
        transaction.create(eventsCollection().doc(), eventRecord('license.hwid_bound', scope, { hwid: claims.hwid, ip: ctx.ip }, now));
      }
      transaction.create(authLogsCollection().doc(), authLogEntry({ ...call, result: 'ok' }, now));
      return binding.license;
    });
    const session = newSession(app, { appId: claims.app, licenseKey: claims.lic, hwid: claims.hwid }, claims.exp - claims.iat, now);
    return {
      sessionToken: session.token,
      expiresAt: new Date(session.claims.exp * 1000).toISOString(),
      license: licenseView(claims.lic, license, now),
    };
  });
}
