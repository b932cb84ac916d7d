/**
 * docs/design.md door 1: the AuthForge SDK protocol (validate, heartbeat, selfban), answered with
 * Ed25519-signed payloads. Handlers call these with the parsed body and the caller's IP; every
 * call goes through the client-transaction runner (clientTransaction.ts).
 */
import { Timestamp } from 'firebase-admin/firestore';
import { limits } from '../../config/constants.js';
import { licenseKeyPattern, normalizeLicenseKey } from '../../crypto/licenseKeys.js';
import { appsCollection, type AppDocument } from '../../data/apps.js';
import type { LicenseDocument } from '../../data/licenses.js';
import { isoDate } from '../../data/shared.js';
import { ApiError } from '../../domain/errors.js';
import { clampTtl, type SdkHeartbeatInput, type SdkSelfbanInput, type SdkUsageInput, type SdkValidateInput } from '../../schemas/client.js';
import { countUsage } from '../admin/meters.js';
import type { MeterReading } from '../licensing/meters.js';
import { recordingRefusals, type CallRecord } from './auditTrail.js';
import type { SessionClaims } from '../../crypto/sessionTokens.js';
import { loadClientAppConfig, type ClientApp } from './clientApps.js';
import { loadAppWithSecret, type ClientContext } from './callers.js';
import { openSession } from './sessionOpening.js';
import { newSession, sessionOf } from './sessions.js';
import { signAnswer, type SignedAnswer } from './signedAnswers.js';
import { sdkDoor } from './clientDecision.js';
import { assertAppRate, assertClientDoorRate, assertValidateRate } from './clientLimits.js';
import { runClientCall } from './clientTransaction.js';
import { liveDevices } from '../licensing/licenseRules.js';
import { pointingToPortal } from '../portal/portalLinks.js';
import { expiryStanding } from '../licensing/licenseExpiry.js';
import { effectiveEntitlements, entitlementEnds } from '../licensing/entitlements.js';

/**
 * Which verb a signed payload answers (issue 21 item 2): every payload says it, so a client can
 * refuse an answer to another verb (a selfban's or a heartbeat's handed back for its validate).
 */
export type AnsweredVerb = 'validate' | 'heartbeat' | 'selfban' | 'usage';

/**
 * The signed validate and heartbeat payload. `answers` says which verb it answers; `appId`,
 * `licenseKey` and `hwid` say what was asked, so a client can refuse an answer relayed from
 * another verb, app, license or device.
 */
function sessionPayload(
  answers: 'validate' | 'heartbeat',
  app: AppDocument,
  license: LicenseDocument,
  session: { token: string; claims: SessionClaims },
  nonce: string,
  ctx: ClientContext,
  now: Timestamp,
) {
  const standing = expiryStanding(license, now);
  return {
    answers,
    appId: session.claims.app,
    licenseKey: session.claims.lic,
    hwid: session.claims.hwid,
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
    // The policy that decided the answer (README, Expiration strategies and grace): additions
    // the AuthForge SDKs ignore, so an offline-capable client enforces the same rule.
    licenseState: standing.state,
    graceEndsAt: isoDate(standing.graceEndsAt),
    expirationStrategy: license.expirationStrategy,
    // README, Entitlements: the codes the license holds now, sorted (an addition, as above).
    entitlements: effectiveEntitlements(license, now),
    entitlementsExpireAt: entitlementEnds(license, now),
  };
}

/** POST /auth/validate: the caller's limit, app secret, the app's and validate rate limits, then the runner (binds the device, costs a credit). */
export async function sdkValidate(input: SdkValidateInput, ctx: ClientContext): Promise<SignedAnswer> {
  const now = Timestamp.now();
  assertClientDoorRate(ctx.ip, now.toMillis());
  const licenseKey = normalizeLicenseKey(input.licenseKey);
  const call: CallRecord = { appId: input.appId, licenseKey, hwid: input.hwid, ip: ctx.ip, action: 'validate' };
  const client = await loadAppWithSecret(input.appId, input.appSecret, ctx);
  // The app's budget is spent only by callers holding its secret.
  assertAppRate(input.appId, now.toMillis());
  return recordingRefusals(call, ctx.log, async () => {
    if (!licenseKeyPattern.test(licenseKey)) throw unknownKey();
    assertValidateRate(input.appId, client.app.settings, licenseKey, ctx.ip, now.toMillis());
    const license = await runClientCall({
      policy: sdkDoor,
      client,
      licenseKey,
      request: { action: 'validate', appId: input.appId, hwid: input.hwid, ip: ctx.ip, ...(input.requireEntitlements ? { requireEntitlements: input.requireEntitlements } : {}) },
      logAction: 'validate',
      now,
      nonce: input.nonce,
      credit: 'always',
    }).catch((error: unknown) => {
      // Every seat taken: the refusal points to the product's customer portal, where the buyer can free one.
      throw pointingToPortal(error, input.appId, client.app);
    });
    const session = newSession(client.app, { appId: input.appId, licenseKey, hwid: input.hwid, epoch: license.sessionEpoch }, clampTtl(input.ttlSeconds), now);
    return signAnswer(client.app, sessionPayload('validate', client.app, license, session, input.nonce, ctx, now));
  });
}

/** A key that cannot name a license (wrong shape): refused like an unknown one, and not stored. */
const unknownKey = () => new ApiError('invalid_key', 'License key not found', { unknownLicense: true });

/**
 * POST /auth/heartbeat: verifies the session (its device, its age, the license's ends), refreshes
 * it (same TTL as issued, never past its absolute lifetime), keeps a floating seat alive; one
 * heartbeat per device per 10 s slot; one credit per ten on average.
 */
export async function sdkHeartbeat(input: SdkHeartbeatInput, ctx: ClientContext): Promise<SignedAnswer> {
  const now = Timestamp.now();
  assertClientDoorRate(ctx.ip, now.toMillis());
  const { claims, app } = await openSession(input.sessionToken, now, input.appId);
  assertAppRate(input.appId, now.toMillis());
  const client = await loadClientAppConfig(input.appId);
  const call: CallRecord = { appId: input.appId, licenseKey: claims.lic, hwid: input.hwid, ip: ctx.ip, action: 'heartbeat' };
  return recordingRefusals(call, ctx.log, async () => {
    const session = sessionOf(claims);
    const license = await runClientCall({
      policy: sdkDoor,
      client,
      licenseKey: claims.lic,
      request: { action: 'heartbeat', appId: input.appId, hwid: input.hwid, ip: ctx.ip, session },
      logAction: 'heartbeat',
      now,
      nonce: input.nonce,
      heartbeatSlot: true,
      credit: 'sometimes',
    });
    const refreshed = newSession(app, { appId: input.appId, licenseKey: claims.lic, hwid: claims.hwid, epoch: license.sessionEpoch }, claims.exp - claims.iat, now, session.openedAtMs);
    return signAnswer(app, sessionPayload('heartbeat', app, license, refreshed, input.nonce, ctx, now));
  });
}

/**
 * The app's pending reports with these added (one per type and value; one already confirmed is
 * not pending again); when full, the oldest is dropped, so the latest reports are always shown.
 */
function withPendingReports(app: AppDocument, reports: Array<{ type: 'hwid' | 'ip'; value: string }>, licenseKey: string, now: Timestamp): AppDocument['pendingClientBans'] {
  let pending = app.pendingClientBans;
  for (const { type, value } of reports) {
    const confirmed = type === 'hwid' ? app.clientBans.hwids : app.clientBans.ips;
    if (confirmed.includes(value) || pending.some((entry) => entry.type === type && entry.value === value)) continue;
    pending = [...pending, { type, value, licenseKey, reportedAt: now }].slice(-limits.maxPendingClientBans);
  }
  return pending;
}

/**
 * Who a selfban or usage call comes from: the session it presents (the app's own token, its
 * license and device), or the app secret and the license key it names.
 */
async function sessionOrSecretCaller(
  input: { appId: string } & ({ sessionToken: string } | { appSecret: string; licenseKey: string }),
  now: Timestamp,
  ctx: ClientContext,
): Promise<{ client: ClientApp; licenseKey: string; session: ReturnType<typeof sessionOf> | undefined }> {
  if ('sessionToken' in input) {
    const opened = await openSession(input.sessionToken, now, input.appId);
    return { client: await loadClientAppConfig(input.appId), licenseKey: opened.claims.lic, session: sessionOf(opened.claims) };
  }
  return { client: await loadAppWithSecret(input.appId, input.appSecret, ctx), licenseKey: normalizeLicenseKey(input.licenseKey), session: undefined };
}

/**
 * POST /auth/selfban: a client reports tampering. With a session it may revoke its license and
 * ban its session's device (another `hwid` is refused, hwid_mismatch); with only the app secret
 * it may not revoke (`revoke_requires_session`) and bans only a device bound to the license it
 * names. A ban reaches the reporting license only (licenses.clientBans, clientDecision) and is
 * added to the app's pending reports (apps.pendingClientBans), which ban app-wide only once the
 * vendor confirms them (v1 POST /apps/:appId/client-bans): a client cannot ban a stranger.
 */
export async function sdkSelfban(input: SdkSelfbanInput, ctx: ClientContext): Promise<SignedAnswer> {
  const now = Timestamp.now();
  assertClientDoorRate(ctx.ip, now.toMillis());
  const { client, licenseKey, session } = await sessionOrSecretCaller(input, now, ctx);
  if (!('sessionToken' in input) && input.revokeLicense) throw new ApiError('revoke_requires_session', 'Revoking a license requires a session token');
  assertAppRate(input.appId, now.toMillis());
  const { app } = client;
  const call: CallRecord = { appId: input.appId, licenseKey, hwid: input.hwid, ip: ctx.ip, action: 'selfban' };
  return recordingRefusals(call, ctx.log, async () => {
    if (!session && !licenseKeyPattern.test(licenseKey)) throw unknownKey();
    const outcome = { hwid: false, ip: false };
    await runClientCall({
      policy: sdkDoor,
      client,
      licenseKey,
      request: {
        action: 'selfban', appId: input.appId, hwid: input.hwid, ip: ctx.ip, revoke: input.revokeLicense,
        report: { hwid: input.blacklistHwid, ip: input.blacklistIp }, ...(session ? { session } : {}),
      },
      logAction: 'selfban',
      now,
      ...('nonce' in input ? { nonce: input.nonce } : {}),
      alsoWrite: async (transaction, license) => {
        // The decision banned on the license what the report may reach; the vendor sees it pending.
        outcome.hwid = input.blacklistHwid && license.clientBans.hwids.includes(input.hwid);
        outcome.ip = input.blacklistIp && license.clientBans.ips.includes(ctx.ip);
        const reports = [
          ...(outcome.hwid ? [{ type: 'hwid' as const, value: input.hwid }] : []),
          ...(outcome.ip ? [{ type: 'ip' as const, value: ctx.ip }] : []),
        ];
        if (reports.length === 0) return;
        const ref = appsCollection().doc(input.appId);
        const current = (await transaction.get(ref)).data();
        if (!current) return;
        const pending = withPendingReports(current, reports, licenseKey, now);
        // Written through the converter: this instance's cached app is dropped at once.
        if (pending !== current.pendingClientBans) transaction.set(ref, { ...current, pendingClientBans: pending, updatedAt: now });
      },
    });
    const answers: AnsweredVerb = 'selfban';
    return signAnswer(app, {
      answers,
      action: 'selfban',
      appId: input.appId,
      licenseKey,
      hwid: input.hwid,
      timestamp: now.seconds,
      requestId: ctx.requestId,
      revoked: input.revokeLicense,
      hwidBlacklisted: outcome.hwid,
      ipBlacklisted: outcome.ip,
      // What the bans reach: the reporting license (app-wide once the vendor confirms them).
      scope: 'license',
      // Never as `nonce`: a validate's nonce sent to selfban must not come back signed where a
      // validate answer carries it.
      ...('nonce' in input ? { selfbanNonce: input.nonce } : {}),
    });
  });
}

/**
 * POST /auth/usage (README, Usage meters): counts `amount` on one of the license's meters from a
 * device bound to it, with a session or the app secret, under the caller's idempotency key (a
 * repeat answers the stored count, nothing counted again); past the limit 409 meter_exhausted.
 * One transaction: the license read and decided as every call (client decision, action usage),
 * the meter and the key's record read and written (admin/meters.countUsage), the auth-log entry
 * keyed by the nonce. The signed answer carries what was asked and the meter's reading.
 */
export async function sdkUsage(input: SdkUsageInput, ctx: ClientContext): Promise<SignedAnswer> {
  const now = Timestamp.now();
  assertClientDoorRate(ctx.ip, now.toMillis());
  const { client, licenseKey, session } = await sessionOrSecretCaller(input, now, ctx);
  assertAppRate(input.appId, now.toMillis());
  const call: CallRecord = { appId: input.appId, licenseKey, hwid: input.hwid, ip: ctx.ip, action: 'usage' };
  return recordingRefusals(call, ctx.log, async () => {
    if (!session && !licenseKeyPattern.test(licenseKey)) throw unknownKey();
    let reading: MeterReading | undefined;
    await runClientCall({
      policy: sdkDoor,
      client,
      licenseKey,
      request: { action: 'usage', appId: input.appId, hwid: input.hwid, ip: ctx.ip, meter: input.meter, ...(session ? { session } : {}) },
      logAction: 'usage',
      now,
      nonce: input.nonce,
      alsoWrite: async (transaction, license) => {
        reading = await countUsage(transaction, licenseKey, license, input.meter, { amount: input.amount, idempotencyKey: input.idempotencyKey }, now);
      },
    });
    if (!reading) throw new ApiError('system_error', 'The meter was not read');
    const answers: AnsweredVerb = 'usage';
    return signAnswer(client.app, {
      answers,
      appId: input.appId,
      licenseKey,
      hwid: input.hwid,
      meter: input.meter,
      amount: input.amount,
      idempotencyKey: input.idempotencyKey,
      nonce: input.nonce,
      timestamp: now.seconds,
      requestId: ctx.requestId,
      ...reading,
    });
  });
}
