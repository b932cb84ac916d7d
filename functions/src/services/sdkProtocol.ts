/**
 * DESIGN.md door 1: the AuthForge SDK protocol (validate, heartbeat, selfban), answered with
 * Ed25519-signed payloads. Handlers call these with the parsed body and the caller's IP; every
 * call goes through the client-transaction runner (clientTransaction.ts).
 */
import { FieldValue, Timestamp } from 'firebase-admin/firestore';
import { limits } from '../config/constants.js';
import { licenseKeyPattern, normalizeLicenseKey } from '../crypto/licenseKeys.js';
import { appsCollection, type AppDocument } from '../data/apps.js';
import type { LicenseDocument } from '../data/licenses.js';
import { isoDate } from '../data/shared.js';
import { ApiError } from '../http/errors.js';
import { clampTtl, type SdkHeartbeatInput, type SdkSelfbanInput, type SdkValidateInput } from '../schemas/client.js';
import { recordingRefusals, type CallRecord } from './auditTrail.js';
import { forgetClientApps, loadClientAppConfig, type ClientApp } from './clientApps.js';
import { assertAppSecret, newSession, openSession, sessionIssuedAtMs, signAnswer, type ClientContext, type SignedAnswer } from './clientCore.js';
import { sdkDoor } from './clientDecision.js';
import { assertValidateRate } from './clientLimits.js';
import { runClientCall } from './clientTransaction.js';
import { liveDevices } from './licenseRules.js';

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

/** POST /auth/validate: app secret, rate limits, then the runner (binds the device, costs a credit). */
export async function sdkValidate(input: SdkValidateInput, ctx: ClientContext): Promise<SignedAnswer> {
  const now = Timestamp.now();
  const licenseKey = normalizeLicenseKey(input.licenseKey);
  const call: CallRecord = { appId: input.appId, licenseKey, hwid: input.hwid, ip: ctx.ip, action: 'validate' };
  const client = await loadClientAppConfig(input.appId);
  assertAppSecret(client.app, input.appSecret);
  return recordingRefusals(call, ctx.log, async () => {
    if (!licenseKeyPattern.test(licenseKey)) throw new ApiError('invalid_key', 'License key not found');
    assertValidateRate(input.appId, client.app.settings, licenseKey, ctx.ip, now.toMillis());
    const license = await runClientCall({
      policy: sdkDoor,
      client,
      licenseKey,
      request: { action: 'validate', appId: input.appId, hwid: input.hwid, ip: ctx.ip },
      logAction: 'validate',
      now,
      nonce: input.nonce,
      credit: 'always',
    });
    const session = newSession(client.app, { appId: input.appId, licenseKey, hwid: input.hwid }, clampTtl(input.ttlSeconds), now);
    return signAnswer(client.app, sessionPayload(client.app, license, session, input.nonce, ctx, now));
  });
}

/**
 * POST /auth/heartbeat: verifies the session, refreshes it (same TTL as issued), keeps a
 * floating seat alive; one heartbeat per device per 10 s slot; one credit per ten on average.
 */
export async function sdkHeartbeat(input: SdkHeartbeatInput, ctx: ClientContext): Promise<SignedAnswer> {
  const now = Timestamp.now();
  const { claims, app } = await openSession(input.sessionToken, now, input.appId);
  const client = await loadClientAppConfig(input.appId);
  const call: CallRecord = { appId: input.appId, licenseKey: claims.lic, hwid: input.hwid, ip: ctx.ip, action: 'heartbeat' };
  return recordingRefusals(call, ctx.log, async () => {
    const license = await runClientCall({
      policy: sdkDoor,
      client,
      licenseKey: claims.lic,
      request: { action: 'heartbeat', appId: input.appId, hwid: input.hwid, ip: ctx.ip, session: { hwid: claims.hwid, issuedAtMs: sessionIssuedAtMs(claims) } },
      logAction: 'heartbeat',
      now,
      nonce: input.nonce,
      heartbeatSlot: true,
      credit: 'sometimes',
    });
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
  let client: ClientApp;
  let licenseKey: string;
  let session: { hwid: string; issuedAtMs: number } | undefined;
  if ('sessionToken' in input) {
    const opened = await openSession(input.sessionToken, now, input.appId);
    client = await loadClientAppConfig(input.appId);
    licenseKey = opened.claims.lic;
    session = { hwid: opened.claims.hwid, issuedAtMs: sessionIssuedAtMs(opened.claims) };
  } else {
    client = await loadClientAppConfig(input.appId);
    assertAppSecret(client.app, input.appSecret);
    licenseKey = normalizeLicenseKey(input.licenseKey);
    if (input.revokeLicense) throw new ApiError('revoke_requires_session', 'Revoking a license requires a session token');
  }
  const { app } = client;
  const call: CallRecord = { appId: input.appId, licenseKey, hwid: input.hwid, ip: ctx.ip, action: 'selfban' };
  return recordingRefusals(call, ctx.log, async () => {
    const additions: Record<string, FieldValue> = {};
    // Full lists stay as they are: a client must not be able to grow the app document without bound.
    if (input.blacklistHwid && app.security.hwidBlacklist.length < limits.maxSecurityListEntries) {
      additions['security.hwidBlacklist'] = FieldValue.arrayUnion(input.hwid);
    }
    if (input.blacklistIp && app.security.ipBlacklist.length < limits.maxSecurityListEntries) {
      additions['security.ipBlacklist'] = FieldValue.arrayUnion(ctx.ip);
    }
    await runClientCall({
      policy: sdkDoor,
      client,
      licenseKey,
      request: { action: 'selfban', appId: input.appId, hwid: input.hwid, ip: ctx.ip, revoke: input.revokeLicense, ...(session ? { session } : {}) },
      logAction: 'selfban',
      now,
      ...('nonce' in input ? { nonce: input.nonce } : {}),
      alsoWrite: (transaction) => {
        if (Object.keys(additions).length > 0) {
          transaction.update(appsCollection().doc(input.appId).withConverter(null), { ...additions, updatedAt: now });
        }
      },
    });
    // An update bypasses the converter's write count: this instance's cached app is dropped here.
    if (Object.keys(additions).length > 0) forgetClientApps();
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
