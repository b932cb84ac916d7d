/**
 * DESIGN.md door 1: the AuthForge SDK protocol (validate, heartbeat, selfban), answered with
 * Ed25519-signed payloads. Handlers call these with the parsed body and the caller's IP.
 */
import { FieldValue, Timestamp } from 'firebase-admin/firestore';
import { limits, sessions } from '../config/constants.js';
import { licenseKeyPattern, normalizeLicenseKey } from '../crypto/licenseKeys.js';
import { appsCollection, type AppDocument } from '../data/apps.js';
import { authLogEntry, authLogsCollection } from '../data/authLogs.js';
import { isAlreadyExists } from '../data/errors.js';
import { eventRecord, eventsCollection } from '../data/events.js';
import { db } from '../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../data/licenses.js';
import { nonceRecord, nonceRef } from '../data/nonces.js';
import { isoDate } from '../data/shared.js';
import { ApiError } from '../http/errors.js';
import { clampTtl, type SdkHeartbeatInput, type SdkSelfbanInput, type SdkValidateInput } from '../schemas/client.js';
import { admitToLicense } from './admission.js';
import { recordingRefusals, type CallRecord } from './auditTrail.js';
import {
  assertAppEnabled,
  assertAppSecret,
  assertValidateRate,
  loadClientApp,
  newSession,
  openSession,
  signAnswer,
  type ClientContext,
  type SignedAnswer,
} from './clientCore.js';
import { takeCredit } from './credits.js';
import { admitDevice, assertUsable, liveDevices } from './licenseRules.js';
import { assertAdmitted } from './security.js';


function sessionPayload(
  app: AppDocument,
  license: LicenseDocument,
  session: { token: string; claims: { exp: number } },
  nonce: string,
  ctx: ClientContext,
  now: Timestamp,
) {
  return {
    sessionToken: session.token,
    timestamp: now.seconds,
    expiresIn: session.claims.exp,
    nonce,
    requestId: ctx.requestId,
    appVariables: app.variables,
    licenseVariables: license.variables,
    sessionExpiresAt: new Date(session.claims.exp * 1000).toISOString(),
    licenseExpiresAt: isoDate(license.expiresAt),
    maxHwidSlots: license.maxHwidSlots,
    hwidCount: liveDevices(license, now).length,
    licenseLabel: license.label,
    unlimitedHwidSlots: license.unlimitedHwidSlots,
  };
}

/** POST /auth/validate: app secret, security lists, rate limits, then the admission transaction. */
export async function sdkValidate(input: SdkValidateInput, ctx: ClientContext): Promise<SignedAnswer> {
  const now = Timestamp.now();
  const licenseKey = normalizeLicenseKey(input.licenseKey);
  const call: CallRecord = { appId: input.appId, licenseKey, hwid: input.hwid, ip: ctx.ip, action: 'validate' };
  const app = await loadClientApp(input.appId);
  assertAppSecret(app, input.appSecret);
  return recordingRefusals(call, ctx.log, async () => {
    assertAppEnabled(app);
    if (!licenseKeyPattern.test(licenseKey)) throw new ApiError('invalid_key', 'License key not found');
    assertAdmitted(app.security, input.hwid, ctx.ip);
    // The rate-limit counts run while the transaction reads the license; the transaction
    // writes nothing unless they pass.
    const rateCheck = assertValidateRate(input.appId, app, licenseKey, ctx.ip, 'validate', now);
    rateCheck.catch(() => undefined);
    const { license } = await admitToLicense({
      precondition: rateCheck,
      appId: input.appId,
      app,
      licenseKey,
      hwid: input.hwid,
      ip: ctx.ip,
      action: 'validate',
      now,
      nonce: input.nonce,
      chargeCredit: true,
      emitValidated: true,
    });
    const session = newSession(app, { appId: input.appId, licenseKey, hwid: input.hwid }, clampTtl(input.ttlSeconds), now);
    return signAnswer(app, sessionPayload(app, license, session, input.nonce, ctx, now));
  });
}

/**
 * POST /auth/heartbeat: verifies the session, refreshes it (same TTL as issued), keeps a
 * floating seat alive, and charges one credit per ten heartbeats of the license.
 */
export async function sdkHeartbeat(input: SdkHeartbeatInput, ctx: ClientContext): Promise<SignedAnswer> {
  const now = Timestamp.now();
  const { claims, app } = await openSession(input.sessionToken, now, input.appId);
  const call: CallRecord = { appId: input.appId, licenseKey: claims.lic, hwid: input.hwid, ip: ctx.ip, action: 'heartbeat' };
  return recordingRefusals(call, ctx.log, async () => {
    if (claims.hwid !== input.hwid) throw new ApiError('hwid_mismatch', 'The session belongs to another device');
    assertAppEnabled(app);
    assertAdmitted(app.security, input.hwid, ctx.ip);
    const ref = licensesCollection().doc(claims.lic);
    let license: LicenseDocument;
    try {
      license = await db().runTransaction(async (transaction) => {
        const current = (await transaction.get(ref)).data();
        if (!current || current.appId !== input.appId) throw new ApiError('invalid_key', 'License key not found');
        assertUsable(current, now);
        const binding = admitDevice(current, input.hwid, ctx.ip, now);
        const heartbeatCount = current.heartbeatCount + 1;
        const charge = !app.creditsUnlimited && heartbeatCount % sessions.heartbeatsPerCredit === 0;
        const spendCredit = charge ? await takeCredit(transaction, current.accountId) : undefined;
        transaction.create(nonceRef(input.appId, input.nonce), nonceRecord(input.appId, now));
        spendCredit?.();
        const next = { ...binding.license, heartbeatCount, updatedAt: now };
        transaction.set(ref, next);
        if (binding.newlyBound) {
          transaction.create(eventsCollection().doc(), eventRecord('license.hwid_bound', { appId: input.appId, accountId: current.accountId, licenseKey: claims.lic }, { hwid: input.hwid, ip: ctx.ip }, now));
        }
        transaction.create(authLogsCollection().doc(), authLogEntry({ ...call, result: 'ok' }, now));
        return next;
      });
    } catch (error) {
      if (isAlreadyExists(error)) throw new ApiError('replay_detected', 'This nonce has already been used', { details: { violation: 'replayed_nonce' } });
      throw error;
    }
    const session = newSession(app, { appId: input.appId, licenseKey: claims.lic, hwid: input.hwid }, claims.exp - claims.iat, now);
    return signAnswer(app, sessionPayload(app, license, session, input.nonce, ctx, now));
  });
}

/**
 * POST /auth/selfban: a client reports tampering. With a session it may revoke its license;
 * with only the app secret it may not (`revoke_requires_session`). Blacklisting adds the
 * device's HWID and/or the caller's IP to the app's security lists.
 */
export async function sdkSelfban(input: SdkSelfbanInput, ctx: ClientContext): Promise<SignedAnswer> {
  const now = Timestamp.now();
  let app: AppDocument;
  let licenseKey: string;
  if ('sessionToken' in input) {
    const opened = await openSession(input.sessionToken, now, input.appId);
    app = opened.app;
    licenseKey = opened.claims.lic;
  } else {
    app = await loadClientApp(input.appId);
    assertAppSecret(app, input.appSecret);
    licenseKey = normalizeLicenseKey(input.licenseKey);
    if (input.revokeLicense) throw new ApiError('revoke_requires_session', 'Revoking a license requires a session token');
  }
  const call: CallRecord = { appId: input.appId, licenseKey, hwid: input.hwid, ip: ctx.ip, action: 'selfban' };
  return recordingRefusals(call, ctx.log, async () => {
    try {
      await db().runTransaction(async (transaction) => {
        const licenseRef = licensesCollection().doc(licenseKey);
        const license = (await transaction.get(licenseRef)).data();
        if (!license || license.appId !== input.appId) throw new ApiError('invalid_key', 'License key not found');
        if ('nonce' in input) transaction.create(nonceRef(input.appId, input.nonce), nonceRecord(input.appId, now));
        const scope = { appId: input.appId, accountId: license.accountId, licenseKey };
        if (input.revokeLicense && !license.revoked) {
          transaction.set(licenseRef, { ...license, revoked: true, revokedAt: now, revokeReason: 'selfban', updatedAt: now });
          transaction.create(eventsCollection().doc(), eventRecord('license.revoked', scope, { reason: 'selfban', hwid: input.hwid }, now));
        }
        const additions: Record<string, FieldValue> = {};
        // Full lists stay as they are: a client must not be able to grow the app document without bound.
        if (input.blacklistHwid && app.security.hwidBlacklist.length < limits.maxSecurityListEntries) {
          additions['security.hwidBlacklist'] = FieldValue.arrayUnion(input.hwid);
        }
        if (input.blacklistIp && app.security.ipBlacklist.length < limits.maxSecurityListEntries) {
          additions['security.ipBlacklist'] = FieldValue.arrayUnion(ctx.ip);
        }
        if (Object.keys(additions).length > 0) {
          transaction.update(appsCollection().doc(input.appId).withConverter(null), { ...additions, updatedAt: now });
        }
        transaction.create(authLogsCollection().doc(), authLogEntry({ ...call, result: 'ok' }, now));
      });
    } catch (error) {
      if (isAlreadyExists(error)) throw new ApiError('replay_detected', 'This nonce has already been used', { details: { violation: 'replayed_nonce' } });
      throw error;
    }
    return signAnswer(app, {
      action: 'selfban',
      timestamp: now.seconds,
      requestId: ctx.requestId,
      revoked: input.revokeLicense,
      hwidBlacklisted: input.blacklistHwid,
      ipBlacklisted: input.blacklistIp,
      ...('nonce' in input ? { nonce: input.nonce } : {}),
    });
  });
}
