/**
 * The client decision (functions/src/services/client/clientDecision.ts) without Firestore or HTTP:
 * every rule of every action, in milliseconds. The HTTP suites are the contract; this is the
 * fast layer under them.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import type { LicenseDocument } from '../../../../functions/src/data/licenses.js';
import { activationAttemptsPerHour, deactivationsPerHour, limits, sessions } from '../../../../functions/src/config/constants.js';
import { endAllSessions } from '../../../../functions/src/services/licensing/licenseRules.js';
import { decideClientCall, eventsOnlyForSubscribers, refusedUnknownLicense, sdkDoor, seed004Door, type AppRules, type ClientDecision, type ClientRequest } from '../../../../functions/src/services/client/clientDecision.js';
import { admitted, refused } from './decisionOutcomes.js';
import { boundDevice, openApp, storedLicense } from '../../fixtures.js';

// A fixed instant (with milliseconds, so a rule that rounds to the second shows).
const now = Timestamp.fromDate(new Date('2027-03-10T12:00:00.250Z'));
const ago = (seconds: number) => Timestamp.fromMillis(now.toMillis() - seconds * 1000);
const app = openApp;

// Created an hour ago, its clock not started (expirationBasis creation needs none).
const license = (fields: Partial<LicenseDocument> = {}) => storedLicense(ago(3600), { expiresSort: now, clockStartedAt: null, ...fields });
const bound = (hwid: string, lastSeenSecondsAgo = 0) => boundDevice(hwid, ago(3600), ago(lastSeenSecondsAgo));
const request = (fields: Partial<ClientRequest>): ClientRequest => ({ action: 'validate', appId: 'app_1', hwid: 'dev-1', ip: '203.0.113.7', ...fields });
const session = (hwid = 'dev-1', issuedAtMs = now.toMillis() - 1000, openedAtMs = issuedAtMs) => ({ hwid, issuedAtMs, openedAtMs });
const refusal = (decision: ClientDecision) => (decision.outcome === 'refuse' ? decision.error.code : 'admitted');


describe('decideClientCall', () => {
  it('binds a new device on validate, with hwid_bound and validated events (SDK)', () => {
    const decision = admitted(decideClientCall(sdkDoor, app, license(), request({}), now));
    expect(decision.licenseChanged).toBe(true);
    expect(decision.license.devices.map((device) => device.hwid)).toEqual(['dev-1']);
    expect(decision.events.map((event) => event.type)).toEqual(['license.hwid_bound', 'license.validated']);
  });

  it('writes nothing for a bound device (SDK steady state); seed 004 activate counts its attempt and emits no validated event', () => {
    const stored = license({ devices: [bound('dev-1')] });
    const sdk = decideClientCall(sdkDoor, app, stored, request({}), now);
    expect(sdk).toMatchObject({ outcome: 'admit', licenseChanged: false, events: [{ type: 'license.validated' }] });
    const seed = decideClientCall(seed004Door, app, stored, request({ action: 'activate' }), now);
    // seed 004 activate always writes: the attempt takes a place in the license's hourly window.
    expect(seed).toMatchObject({ outcome: 'admit', licenseChanged: true, events: [] });
  });

  it('refuses a full license with hwid_mismatch (a device_limit violation); unlimited seats never', () => {
    const full = refused(decideClientCall(sdkDoor, app, license({ devices: [bound('other')] }), request({}), now));
    expect(full.error).toMatchObject({ code: 'hwid_mismatch', violation: 'device_limit' });
    expect(refusal(decideClientCall(sdkDoor, app, license({ unlimitedHwidSlots: true, devices: [] }), request({}), now))).toBe('admitted');
  });

  it('answers the door\'s code for an unknown key or another app\'s, and session_expired for a session', () => {
    expect(refusal(decideClientCall(sdkDoor, app, undefined, request({}), now))).toBe('invalid_key');
    expect(refusal(decideClientCall(seed004Door, app, undefined, request({ action: 'activate' }), now))).toBe('not_found');
    expect(refusal(decideClientCall(sdkDoor, app, license({ appId: 'app_2' }), request({}), now))).toBe('invalid_key');
    expect(refusal(decideClientCall(sdkDoor, app, undefined, request({ action: 'heartbeat', session: session() }), now))).toBe('session_expired');
  });

  it('refuses revoked (410) and expired (410) licenses at every signed or checking action, but lets deactivate through', () => {
    const revoked = license({ revoked: true, devices: [bound('dev-1')] });
    const expired = license({ expiresAt: ago(1), devices: [bound('dev-1')] });
    for (const action of ['validate', 'activate', 'heartbeat', 'session', 'verify', 'selfban'] as const) {
      const extra = action === 'heartbeat' || action === 'session' ? { session: session() } : {};
      expect(refusal(decideClientCall(sdkDoor, app, revoked, request({ action, ...extra }), now))).toBe('revoked');
      expect(refusal(decideClientCall(sdkDoor, app, expired, request({ action, ...extra }), now))).toBe('expired');
    }
    expect(refusal(decideClientCall(seed004Door, app, revoked, request({ action: 'deactivate' }), now))).toBe('admitted');
  });

  it('refuses a disabled app, a blacklisted HWID or IP, and a device off the whitelist', () => {
    const stored = license({ devices: [bound('dev-1')] });
    expect(refusal(decideClientCall(sdkDoor, { ...app, disabled: true }, stored, request({}), now))).toBe('app_disabled');
    const lists = (fields: Partial<AppRules['security']>) => ({ ...app, security: { ...app.security, ...fields } });
    expect(refusal(decideClientCall(sdkDoor, lists({ hwidBlacklist: ['dev-1'] }), stored, request({ action: 'heartbeat', session: session() }), now))).toBe('blocked');
    expect(refusal(decideClientCall(sdkDoor, lists({ ipBlacklist: ['203.0.113.0/24'] }), stored, request({}), now))).toBe('blocked');
    expect(refusal(decideClientCall(sdkDoor, lists({ hwidWhitelist: ['dev-2'] }), stored, request({}), now))).toBe('blocked');
  });

  it('ends sessions issued before sessionsValidAfter, and refuses a session presented by another device', () => {
    const stored = license({ unlimitedHwidSlots: true, sessionsValidAfter: ago(10) });
    expect(refusal(decideClientCall(sdkDoor, app, stored, request({ action: 'heartbeat', session: session('dev-1', ago(20).toMillis()) }), now))).toBe('session_expired');
    expect(refusal(decideClientCall(sdkDoor, app, stored, request({ action: 'heartbeat', session: session('dev-1', ago(5).toMillis()) }), now))).toBe('admitted');
    expect(refusal(decideClientCall(sdkDoor, app, stored, request({ action: 'heartbeat', session: session('dev-9') }), now))).toBe('hwid_mismatch');
  });

  it('heartbeat: a freed fixed seat is not re-taken; a timed-out floating seat is, while one is free', () => {
    expect(refusal(decideClientCall(sdkDoor, app, license(), request({ action: 'heartbeat', session: session() }), now))).toBe('session_expired');
    const floating = license({ floating: true, heartbeatTimeoutSeconds: 60, devices: [bound('dev-1', 120)] });
    const retaken = decideClientCall(sdkDoor, app, floating, request({ action: 'heartbeat', session: session() }), now);
    expect(retaken).toMatchObject({ outcome: 'admit', licenseChanged: true });
    const taken = license({ floating: true, heartbeatTimeoutSeconds: 60, devices: [bound('dev-2', 1)] });
    expect(refusal(decideClientCall(sdkDoor, app, taken, request({ action: 'heartbeat', session: session() }), now))).toBe('hwid_mismatch');
  });

  it('renews a floating seat only once it is older than a quarter of the timeout', () => {
    const fresh = license({ floating: true, heartbeatTimeoutSeconds: 60, devices: [bound('dev-1', 10)] });
    expect(decideClientCall(sdkDoor, app, fresh, request({ action: 'heartbeat', session: session() }), now)).toMatchObject({ licenseChanged: false });
    const stale = license({ floating: true, heartbeatTimeoutSeconds: 60, devices: [bound('dev-1', 20)] });
    const renewed = admitted(decideClientCall(sdkDoor, app, stale, request({ action: 'heartbeat', session: session() }), now));
    expect(renewed.licenseChanged).toBe(true);
    expect(renewed.license.devices[0]?.lastSeenAt.toMillis()).toBe(now.toMillis());
  });

  it('seed 004 validate (session) needs a live seat; deactivate frees one or answers not_found', () => {
    expect(refusal(decideClientCall(seed004Door, app, license(), request({ action: 'session', session: session() }), now))).toBe('session_expired');
    const released = decideClientCall(seed004Door, app, license({ devices: [bound('dev-1')] }), request({ action: 'deactivate' }), now);
    expect(released).toMatchObject({ outcome: 'admit', licenseChanged: true, events: [{ type: 'license.hwid_reset' }] });
    expect(refusal(decideClientCall(seed004Door, app, license(), request({ action: 'deactivate' }), now))).toBe('not_found');
  });

  it('selfban revokes once with license.revoked; a revoked or expired license is refused (no signed ok); verify changes nothing', () => {
    const banned = decideClientCall(sdkDoor, app, license(), request({ action: 'selfban', revoke: true, session: session() }), now);
    expect(banned).toMatchObject({ outcome: 'admit', licenseChanged: true, license: { revoked: true, revokeReason: 'selfban' }, events: [{ type: 'license.revoked' }] });
    const again = decideClientCall(sdkDoor, app, license({ revoked: true }), request({ action: 'selfban', revoke: true, session: session() }), now);
    expect(again).toMatchObject({ outcome: 'refuse', error: { code: 'revoked' } });
    expect(refusal(decideClientCall(sdkDoor, app, license({ expiresAt: ago(60) }), request({ action: 'selfban' }), now))).toBe('expired');
    // In a disabled app a report is still taken.
    expect(refusal(decideClientCall(sdkDoor, { ...app, disabled: true }, license(), request({ action: 'selfban' }), now))).toBe('admitted');
    expect(decideClientCall(seed004Door, app, license(), request({ action: 'verify', hwid: null }), now)).toMatchObject({ licenseChanged: false, events: [] });
  });

  it('flags too_many_ips past maxIpsPerDay on validate', () => {
    const day = now.toDate().toISOString().slice(0, 10);
    const stored = license({ devices: [bound('dev-1')], ipDay: { day, ips: ['198.51.100.1'] } });
    const decision = decideClientCall(sdkDoor, { ...app, maxIpsPerDay: 1 }, stored, request({}), now);
    expect(decision).toMatchObject({ outcome: 'admit', licenseChanged: true, license: { flagged: true } });
  });

  it('binds every session to its device at every action, selfban and seed 004 validate included', () => {
    const stored = license({ devices: [bound('dev-1')] });
    for (const action of ['heartbeat', 'session', 'selfban'] as const) {
      expect(refusal(decideClientCall(seed004Door, app, stored, request({ action, hwid: 'dev-2', session: session('dev-1') }), now))).toBe('hwid_mismatch');
      expect(refusal(decideClientCall(seed004Door, app, stored, request({ action, hwid: 'dev-1', session: session('dev-1') }), now))).toBe('admitted');
    }
  });

  it('ends a session at its absolute lifetime, however often it was refreshed', () => {
    const stored = license({ devices: [bound('dev-1')] });
    const lifetime = sessions.maxLifetimeSeconds;
    const old = session('dev-1', now.toMillis() - 1000, ago(lifetime).toMillis());
    expect(refusal(decideClientCall(sdkDoor, app, stored, request({ action: 'heartbeat', session: old }), now))).toBe('session_expired');
    const young = session('dev-1', now.toMillis() - 1000, ago(lifetime - 60).toMillis());
    expect(refusal(decideClientCall(sdkDoor, app, stored, request({ action: 'heartbeat', session: young }), now))).toBe('admitted');
  });

  it('refuses client bans (selfban) like blacklist entries at every checking action', () => {
    const stored = license({ devices: [bound('dev-1')] });
    const bans = { ...app, clientBans: { hwids: ['dev-1'], ips: ['198.51.100.9'] } };
    expect(refusal(decideClientCall(sdkDoor, bans, stored, request({}), now))).toBe('blocked');
    expect(refusal(decideClientCall(seed004Door, bans, stored, request({ action: 'session', session: session() }), now))).toBe('blocked');
    expect(refusal(decideClientCall(sdkDoor, bans, stored, request({ hwid: 'dev-2', ip: '198.51.100.9' }), now))).toBe('blocked');
  });

  it('selfban reports ban on the reporting license only: its device (with a session, or bound) and IP; full lists drop the oldest (issue 21 item 1)', () => {
    const stored = license({ maxHwidSlots: 2, devices: [bound('dev-1')] });
    const reported = admitted(decideClientCall(sdkDoor, app, stored, request({ action: 'selfban', report: { hwid: true, ip: true }, session: session() }), now));
    expect(reported).toMatchObject({ licenseChanged: true, license: { clientBans: { hwids: ['dev-1'], ips: ['203.0.113.7'] } } });
    expect(refusal(decideClientCall(sdkDoor, app, reported.license, request({}), now))).toBe('blocked');
    expect(refusal(decideClientCall(sdkDoor, app, reported.license, request({ hwid: 'dev-2', ip: '198.51.100.1' }), now))).toBe('admitted');
    // Another license of the app (the same device and IP) is not touched: the ban is on the license.
    expect(refusal(decideClientCall(sdkDoor, app, license({ maxHwidSlots: 2 }), request({}), now))).toBe('admitted');
    // With only the app secret, an unbound device is not banned.
    const stranger = decideClientCall(sdkDoor, app, stored, request({ action: 'selfban', hwid: 'dev-9', report: { hwid: true, ip: false } }), now);
    expect(stranger).toMatchObject({ outcome: 'admit', licenseChanged: false });
    const full = license({ devices: [bound('dev-1')], clientBans: { hwids: Array.from({ length: limits.maxLicenseClientBans }, (_, index) => `old-${index}`), ips: [] } });
    const latest = admitted(decideClientCall(sdkDoor, app, full, request({ action: 'selfban', report: { hwid: true, ip: false }, session: session() }), now));
    expect(latest.license.clientBans.hwids).toHaveLength(limits.maxLicenseClientBans);
    expect(latest.license.clientBans.hwids.at(-1)).toBe('dev-1');
    expect(latest.license.clientBans.hwids[0]).toBe('old-1');
  });

  it('deactivate ends that device\'s sessions (a floating seat is not re-taken by them) and no other device\'s', () => {
    const stored = license({ floating: true, maxHwidSlots: 2, devices: [bound('dev-1'), bound('dev-2')] });
    const released = admitted(decideClientCall(seed004Door, app, stored, request({ action: 'deactivate' }), now));
    expect(released.license.endedSessions.map((entry) => entry.hwid)).toEqual(['dev-1']);
    const later = Timestamp.fromMillis(now.toMillis() + 1);
    expect(refusal(decideClientCall(sdkDoor, app, released.license, request({ action: 'heartbeat', session: session('dev-1') }), later))).toBe('session_expired');
    expect(refusal(decideClientCall(sdkDoor, app, released.license, request({ action: 'heartbeat', hwid: 'dev-2', session: session('dev-2') }), later))).toBe('admitted');
  });

  it('keeps at most maxEndedSessions device ends, folding the oldest into sessionsValidAfter', () => {
    const ended = Array.from({ length: limits.maxEndedSessions }, (_, index) => ({ hwid: `old-${index}`, at: ago(100 - index) }));
    const stored = license({ devices: [bound('dev-1')], endedSessions: ended });
    const released = admitted(decideClientCall(seed004Door, app, stored, request({ action: 'deactivate' }), now));
    expect(released.license.endedSessions).toHaveLength(limits.maxEndedSessions);
    expect(released.license.sessionsValidAfter?.toMillis()).toBe(ago(100).toMillis());
  });

  it('session epoch: a token from before a reset or revoke is refused though its issue time is after the ending (issue 21 item 5)', () => {
    const reset = endAllSessions(license({ floating: true }), ago(10));
    expect(reset).toMatchObject({ sessionEpoch: 1, sessionsValidFromEpoch: 1 });
    // Issued from the license as it was before the reset, on a clock 5 s later than the reset's.
    const raced = { ...session('dev-1', ago(5).toMillis()), epoch: 0 };
    expect(refusal(decideClientCall(sdkDoor, app, reset, request({ action: 'heartbeat', session: raced }), now))).toBe('session_expired');
    // Issued after it (epoch 1), even on a clock behind the reset's: admitted, and takes the free seat.
    const after = { ...session('dev-1', ago(20).toMillis()), epoch: 1 };
    expect(refusal(decideClientCall(sdkDoor, app, reset, request({ action: 'heartbeat', session: after }), now))).toBe('admitted');
    // A token without an epoch keeps the time rule: refused if issued before the reset, admitted after.
    expect(refusal(decideClientCall(sdkDoor, app, reset, request({ action: 'heartbeat', session: session('dev-1', ago(20).toMillis()) }), now))).toBe('session_expired');
    expect(refusal(decideClientCall(sdkDoor, app, reset, request({ action: 'heartbeat', session: session('dev-1', ago(5).toMillis()) }), now))).toBe('admitted');
    // A selfban revoke and a revoke on expiry bump it too.
    const selfban = decideClientCall(sdkDoor, app, reset, request({ action: 'selfban', revoke: true, session: after }), now);
    expect(selfban).toMatchObject({ outcome: 'admit', license: { sessionEpoch: 2, sessionsValidFromEpoch: 2 } });
  });

  it('session epoch: deactivate ends its device\'s sessions of earlier epochs only; the bound folds the epoch too', () => {
    const stored = license({ floating: true, maxHwidSlots: 2, devices: [bound('dev-1'), bound('dev-2')], sessionEpoch: 3, sessionsValidFromEpoch: 3 });
    const released = admitted(decideClientCall(seed004Door, app, stored, request({ action: 'deactivate' }), now));
    expect(released.license).toMatchObject({ sessionEpoch: 4, sessionsValidFromEpoch: 3, endedSessions: [{ hwid: 'dev-1', epoch: 4 }] });
    const ahead = Timestamp.fromMillis(now.toMillis() + 60_000);
    const raced = { ...session('dev-1', ahead.toMillis() - 1000), epoch: 3 };
    expect(refusal(decideClientCall(sdkDoor, app, released.license, request({ action: 'heartbeat', session: raced }), ahead))).toBe('session_expired');
    expect(refusal(decideClientCall(sdkDoor, app, released.license, request({ action: 'heartbeat', session: { ...raced, epoch: 4 } }), ahead))).toBe('admitted');
    expect(refusal(decideClientCall(sdkDoor, app, released.license, request({ action: 'heartbeat', hwid: 'dev-2', session: { ...session('dev-2'), epoch: 3 } }), ahead))).toBe('admitted');
    // An entry written before epochs is compared by time.
    const legacy = license({ floating: true, endedSessions: [{ hwid: 'dev-1', at: ago(10) }], sessionEpoch: 2 });
    expect(refusal(decideClientCall(sdkDoor, app, legacy, request({ action: 'heartbeat', session: { ...session('dev-1', ago(20).toMillis()), epoch: 2 } }), now))).toBe('session_expired');
    expect(refusal(decideClientCall(sdkDoor, app, legacy, request({ action: 'heartbeat', session: { ...session('dev-1', ago(5).toMillis()), epoch: 2 } }), now))).toBe('admitted');

    const ended = Array.from({ length: limits.maxEndedSessions }, (_, index) => ({ hwid: `old-${index}`, at: ago(100 - index), epoch: index + 1 }));
    const full = license({ devices: [bound('dev-1')], endedSessions: ended, sessionEpoch: limits.maxEndedSessions });
    const folded = admitted(decideClientCall(seed004Door, app, full, request({ action: 'deactivate' }), now));
    expect(folded.license).toMatchObject({ sessionsValidFromEpoch: 1, sessionEpoch: limits.maxEndedSessions + 1 });
    expect(folded.license.endedSessions).toHaveLength(limits.maxEndedSessions);
  });

  it('counts every seed 004 activate attempt in the hour, refused ones too; the 16th answers rate_limited', () => {
    const full = license({ maxHwidSlots: 1, devices: [bound('other')] });
    const counted = refused(decideClientCall(seed004Door, app, full, request({ action: 'activate' }), now));
    expect(counted.error.code).toBe('hwid_mismatch');
    expect(counted.record?.activationAttempts).toHaveLength(1);
    const attempts = Array.from({ length: activationAttemptsPerHour }, (_, index) => ago(3000 - index));
    const limited = refused(decideClientCall(seed004Door, app, license({ activationAttempts: attempts }), request({ action: 'activate' }), now));
    expect(limited.error.code).toBe('rate_limited');
    expect(limited.record).toBeUndefined();
    const aged = [ago(3600), ...attempts.slice(1)];
    expect(refusal(decideClientCall(seed004Door, app, license({ activationAttempts: aged }), request({ action: 'activate' }), now))).toBe('admitted');
  });

  it('SDK validate: a new fixed seat takes a place in the same window; a bound device or a floating seat does not', () => {
    const attempts = Array.from({ length: activationAttemptsPerHour }, (_, index) => ago(60 + index));
    expect(refusal(decideClientCall(sdkDoor, app, license({ activationAttempts: attempts }), request({}), now))).toBe('rate_limited');
    expect(refusal(decideClientCall(sdkDoor, app, license({ activationAttempts: attempts, devices: [bound('dev-1')] }), request({}), now))).toBe('admitted');
    expect(refusal(decideClientCall(sdkDoor, app, license({ activationAttempts: attempts, floating: true }), request({}), now))).toBe('admitted');
    const bind = admitted(decideClientCall(sdkDoor, app, license(), request({}), now));
    expect(bind.license.activationAttempts.map((at) => at.toMillis())).toEqual([now.toMillis()]);
  });

  it('bounds deactivations per hour the same way', () => {
    const deactivations = Array.from({ length: deactivationsPerHour }, (_, index) => ago(60 + index));
    const stored = license({ devices: [bound('dev-1')], deactivations });
    expect(refusal(decideClientCall(seed004Door, app, stored, request({ action: 'deactivate' }), now))).toBe('rate_limited');
  });

  it('selfban with a session revokes and ends the license\'s sessions; unknown keys are marked as such', () => {
    const banned = admitted(decideClientCall(sdkDoor, app, license(), request({ action: 'selfban', revoke: true, session: session() }), now));
    expect(banned.license.sessionsValidAfter?.toMillis()).toBe(now.toMillis());
    const unknown = refused(decideClientCall(sdkDoor, app, undefined, request({}), now));
    expect(refusedUnknownLicense(unknown.error)).toBe(true);
    const foreign = refused(decideClientCall(sdkDoor, app, license({ devices: [bound('x')] }), request({}), now));
    expect(refusedUnknownLicense(foreign.error)).toBe(false);
    // Only an ApiError is such a refusal.
    expect(refusedUnknownLicense(new Error('License key not found'))).toBe(false);
  });

  it('lets an error that is not an ApiError (a bug, a corrupt document) escape, to be answered 500: it is no refusal', () => {
    const corrupt = { ...license(), devices: null } as unknown as LicenseDocument;
    expect(() => decideClientCall(sdkDoor, app, corrupt, request({}), now)).toThrow(TypeError);
  });
});

describe('decideClientCall: what each refusal says and what each admission writes', () => {
  const lifetimeMs = sessions.maxLifetimeSeconds * 1000;
  const metered = (fields: Partial<LicenseDocument> = {}) => license({ devices: [bound('dev-1')], meters: { api_calls: { limit: 10, period: 'month' } }, ...fields });
  const said = (decision: ClientDecision) => {
    const { code, message } = refused(decision).error;
    return { code, message };
  };

  it('names each refusal in words a client shows', () => {
    const stored = license({ devices: [bound('dev-1')] });
    expect(said(decideClientCall(sdkDoor, app, stored, request({ action: 'heartbeat', hwid: 'dev-2', session: session('dev-1') }), now))).toEqual({ code: 'hwid_mismatch', message: 'The session belongs to another device' });
    expect(said(decideClientCall(sdkDoor, app, stored, request({ action: 'heartbeat', session: session('dev-1', now.toMillis() - 1000, now.toMillis() - lifetimeMs) }), now))).toEqual({ code: 'session_expired', message: 'Session lifetime reached; validate again' });
    expect(said(decideClientCall(sdkDoor, { ...app, disabled: true }, stored, request({}), now))).toEqual({ code: 'app_disabled', message: 'This app is disabled' });
    expect(said(decideClientCall(sdkDoor, app, undefined, request({ action: 'heartbeat', session: session() }), now))).toEqual({ code: 'session_expired', message: 'Invalid session token' });
    expect(said(decideClientCall(sdkDoor, app, undefined, request({}), now))).toEqual({ code: 'invalid_key', message: 'License key not found' });
    expect(said(decideClientCall(seed004Door, app, license({ appId: 'app_2' }), request({ action: 'activate' }), now))).toEqual({ code: 'not_found', message: 'License key does not exist' });
    expect(said(decideClientCall(sdkDoor, app, license({ revoked: true }), request({}), now))).toEqual({ code: 'revoked', message: 'This license has been revoked' });
    expect(said(decideClientCall(sdkDoor, app, license({ expiresAt: ago(1) }), request({}), now))).toEqual({ code: 'expired', message: 'This license has expired' });
    expect(said(decideClientCall(sdkDoor, app, license({ expiresAt: ago(1), expirationStrategy: 'revoke' }), request({}), now))).toEqual({ code: 'revoked', message: 'This license was revoked when it expired' });
    expect(said(decideClientCall(sdkDoor, app, license({ devices: [bound('dev-1')], sessionsValidAfter: ago(1) }), request({ action: 'heartbeat', session: session('dev-1', ago(2).toMillis()) }), now))).toEqual({ code: 'session_expired', message: 'This session was ended; validate again' });
    expect(said(decideClientCall(sdkDoor, app, license(), request({ action: 'heartbeat', session: session() }), now))).toEqual({ code: 'session_expired', message: 'This device is no longer activated; validate again' });
    expect(said(decideClientCall(seed004Door, app, license(), request({ action: 'session', session: session() }), now))).toEqual({ code: 'session_expired', message: 'This machine is no longer activated; activate again' });
    expect(said(decideClientCall(seed004Door, app, license(), request({ action: 'deactivate' }), now))).toEqual({ code: 'not_found', message: 'This machine is not activated on this license' });
    expect(said(decideClientCall(sdkDoor, app, metered(), request({ action: 'usage', hwid: 'dev-2', meter: 'api_calls' }), now))).toEqual({ code: 'hwid_mismatch', message: 'This device is not activated on this license' });
    expect(said(decideClientCall(sdkDoor, app, metered(), request({ action: 'usage', meter: 'exports' }), now))).toEqual({ code: 'not_found', message: 'The license has no meter exports' });
    expect(said(decideClientCall(sdkDoor, app, metered(), request({ action: 'usage' }), now))).toEqual({ code: 'not_found', message: 'The license has no meter ' });
  });

  it('names the hourly window that is full', () => {
    const hour = (count: number) => Array.from({ length: count }, (_, index) => ago(60 + index));
    expect(said(decideClientCall(seed004Door, app, license({ activationAttempts: hour(activationAttemptsPerHour) }), request({ action: 'activate' }), now))).toEqual({ code: 'rate_limited', message: `Too many activation attempts: at most ${activationAttemptsPerHour} per hour per key` });
    expect(said(decideClientCall(sdkDoor, app, license({ activationAttempts: hour(activationAttemptsPerHour) }), request({}), now))).toEqual({ code: 'rate_limited', message: `Too many new device activations: at most ${activationAttemptsPerHour} per hour per key` });
    expect(said(decideClientCall(seed004Door, app, license({ devices: [bound('dev-1')], deactivations: hour(deactivationsPerHour) }), request({ action: 'deactivate' }), now))).toEqual({ code: 'rate_limited', message: `Too many deactivations: at most ${deactivationsPerHour} per hour per key` });
  });

  it('names the missing entitlements, one or several, sorted, in the message and the details', () => {
    const one = refused(decideClientCall(sdkDoor, app, license(), request({ requireEntitlements: ['PRO'] }), now)).error;
    expect(one).toMatchObject({ code: 'entitlements_missing', message: 'This license lacks the entitlement PRO', details: { missing: ['PRO'] } });
    const two = refused(decideClientCall(sdkDoor, app, license(), request({ requireEntitlements: ['TEAM', 'PRO'] }), now)).error;
    expect(two).toMatchObject({ code: 'entitlements_missing', message: 'This license lacks the entitlements PRO, TEAM', details: { missing: ['PRO', 'TEAM'] } });
  });

  it('marks only an unknown key as such, at both doors, and not a session whose license is gone', () => {
    expect(refusedUnknownLicense(refused(decideClientCall(seed004Door, app, undefined, request({ action: 'activate' }), now)).error)).toBe(true);
    expect(refusedUnknownLicense(refused(decideClientCall(sdkDoor, app, license({ appId: 'app_2' }), request({}), now)).error)).toBe(true);
    expect(refusedUnknownLicense(refused(decideClientCall(sdkDoor, app, undefined, request({ action: 'heartbeat', session: session() }), now)).error)).toBe(false);
  });

  it('ends a session from the first millisecond of its absolute lifetime, not before', () => {
    const stored = license({ devices: [bound('dev-1')] });
    const opened = (openedAtMs: number) => request({ action: 'heartbeat', session: session('dev-1', now.toMillis() - 1000, openedAtMs) });
    expect(refusal(decideClientCall(sdkDoor, app, stored, opened(now.toMillis() - lifetimeMs), now))).toBe('session_expired');
    expect(refusal(decideClientCall(sdkDoor, app, stored, opened(now.toMillis() - lifetimeMs + 1), now))).toBe('admitted');
  });

  it('a session presented without an hwid (seed 004 verify) is not another device\'s', () => {
    expect(refusal(decideClientCall(seed004Door, app, license({ devices: [bound('dev-1')] }), request({ action: 'verify', hwid: null, session: session('dev-1') }), now))).toBe('admitted');
  });

  it('a disabled app refuses every action but deactivate and selfban', () => {
    const disabled = { ...app, disabled: true };
    const stored = metered();
    for (const action of ['validate', 'activate', 'heartbeat', 'session', 'verify', 'usage'] as const) {
      expect({ action, code: refusal(decideClientCall(seed004Door, disabled, stored, request({ action, session: session(), meter: 'api_calls' }), now)) }).toEqual({ action, code: 'app_disabled' });
    }
    expect(refusal(decideClientCall(seed004Door, disabled, stored, request({ action: 'deactivate' }), now))).toBe('admitted');
    expect(refusal(decideClientCall(sdkDoor, disabled, stored, request({ action: 'selfban', session: session() }), now))).toBe('admitted');
  });

  it('deactivate frees a seat of an expired license, and of a device its own license banned', () => {
    expect(refusal(decideClientCall(seed004Door, app, license({ devices: [bound('dev-1')], expiresAt: ago(1) }), request({ action: 'deactivate' }), now))).toBe('admitted');
    expect(refusal(decideClientCall(seed004Door, app, license({ devices: [bound('dev-1')], clientBans: { hwids: ['dev-1'], ips: [] } }), request({ action: 'deactivate' }), now))).toBe('admitted');
  });

  it('records each change with its event and data, and stamps updatedAt on a changed license only', () => {
    const bind = admitted(decideClientCall(sdkDoor, app, license(), request({}), now));
    expect(bind.events).toEqual([{ type: 'license.hwid_bound', data: { hwid: 'dev-1', ip: '203.0.113.7' } }, { type: 'license.validated', data: { hwid: 'dev-1', ip: '203.0.113.7' } }]);
    expect(bind.license.updatedAt.toMillis()).toBe(now.toMillis());
    const stored = license({ devices: [bound('dev-1')] });
    const steady = admitted(decideClientCall(sdkDoor, app, stored, request({}), now));
    expect(steady.license).toBe(stored);
    const released = admitted(decideClientCall(seed004Door, app, stored, request({ action: 'deactivate' }), now));
    expect(released.events).toEqual([{ type: 'license.hwid_reset', data: { hwid: 'dev-1', reason: 'deactivated' } }]);
    expect(released.license.devices).toEqual([]);
    expect(released.license.deactivations.map((at) => at.toMillis())).toEqual([now.toMillis()]);
    expect(released.license.updatedAt.toMillis()).toBe(now.toMillis());
    const revoked = admitted(decideClientCall(sdkDoor, app, stored, request({ action: 'selfban', revoke: true, session: session() }), now));
    expect(revoked.events).toEqual([{ type: 'license.revoked', data: { reason: 'selfban', hwid: 'dev-1' } }]);
    expect(revoked.license.revokedAt?.toMillis()).toBe(now.toMillis());
    expect(revoked.license.updatedAt.toMillis()).toBe(now.toMillis());
  });

  it('seed 004 activate: a new device takes the one place its attempt took, and no validate event; the SDK door\'s validate event is its own', () => {
    const activated = admitted(decideClientCall(seed004Door, app, license(), request({ action: 'activate' }), now));
    expect(activated.license.activationAttempts.map((at) => at.toMillis())).toEqual([now.toMillis()]);
    expect(activated.events).toEqual([{ type: 'license.hwid_bound', data: { hwid: 'dev-1', ip: '203.0.113.7' } }]);
    const validated = admitted(decideClientCall(seed004Door, app, license({ devices: [bound('dev-1')] }), request({}), now));
    expect(validated.events).toEqual([]);
  });

  it('a refused seed 004 activate writes its counted attempt, stamped now', () => {
    const counted = refused(decideClientCall(seed004Door, app, license({ devices: [bound('other')] }), request({ action: 'activate' }), now));
    expect(counted.record?.updatedAt.toMillis()).toBe(now.toMillis());
    expect(counted.record?.devices.map((device) => device.hwid)).toEqual(['other']);
    expect(counted.recordEvents).toEqual([]);
  });

  it('heartbeat re-takes a timed-out floating seat without an activation place; an unlimited license admits any device without binding it', () => {
    const floating = license({ floating: true, heartbeatTimeoutSeconds: 60, devices: [bound('dev-1', 120)] });
    const retaken = admitted(decideClientCall(sdkDoor, app, floating, request({ action: 'heartbeat', session: session() }), now));
    expect(retaken.events).toEqual([{ type: 'license.hwid_bound', data: { hwid: 'dev-1', ip: '203.0.113.7' } }]);
    expect(retaken.license.activationAttempts).toEqual([]);
    const unlimited = license({ unlimitedHwidSlots: true });
    const beat = admitted(decideClientCall(sdkDoor, app, unlimited, request({ action: 'heartbeat', session: session() }), now));
    expect(beat.licenseChanged).toBe(false);
    expect(beat.license).toBe(unlimited);
    expect(refusal(decideClientCall(seed004Door, app, unlimited, request({ action: 'session', session: session() }), now))).toBe('admitted');
  });

  it('seed 004 validate (session) needs a live seat: a timed-out floating seat does not count', () => {
    const floating = (lastSeenSecondsAgo: number) => license({ floating: true, heartbeatTimeoutSeconds: 60, devices: [bound('dev-1', lastSeenSecondsAgo)] });
    expect(refusal(decideClientCall(seed004Door, app, floating(120), request({ action: 'session', session: session() }), now))).toBe('session_expired');
    expect(refusal(decideClientCall(seed004Door, app, floating(10), request({ action: 'session', session: session() }), now))).toBe('admitted');
  });

  it('tracks the day\'s IPs on validate and activate only, and only when the app sets a limit', () => {
    const day = now.toDate().toISOString().slice(0, 10);
    const stored = metered({ ipDay: { day, ips: ['198.51.100.1'] } });
    const limited = { ...app, maxIpsPerDay: 1 };
    for (const action of ['validate', 'activate'] as const) {
      const decision = admitted(decideClientCall(seed004Door, limited, stored, request({ action }), now));
      expect(decision.license.violations).toEqual([{ type: 'too_many_ips', at: now, hwid: 'dev-1', ip: '203.0.113.7', detail: 'More than 1 IPs today' }]);
      expect(decision.license.ipDay).toEqual({ day, ips: ['198.51.100.1', '203.0.113.7'] });
    }
    for (const action of ['heartbeat', 'session', 'verify', 'usage', 'selfban'] as const) {
      const decision = admitted(decideClientCall(sdkDoor, limited, stored, request({ action, session: session(), meter: 'api_calls' }), now));
      expect({ action, changed: decision.licenseChanged, flagged: decision.license.flagged }).toEqual({ action, changed: false, flagged: false });
    }
    // Without a limit nothing is tracked; under it the IP is added and nothing flagged.
    expect(admitted(decideClientCall(sdkDoor, app, stored, request({}), now))).toMatchObject({ licenseChanged: false, license: { ipDay: { day, ips: ['198.51.100.1'] } } });
    const under = admitted(decideClientCall(sdkDoor, { ...app, maxIpsPerDay: 2 }, stored, request({}), now));
    expect(under).toMatchObject({ licenseChanged: true, license: { flagged: false, violations: [], ipDay: { day, ips: ['198.51.100.1', '203.0.113.7'] } } });
  });

  it('selfban reports: with a session any device of it is banned, bound or not; without an hwid none; what is banned already changes nothing', () => {
    const stored = license({ maxHwidSlots: 2, devices: [bound('dev-1')] });
    const unbound = admitted(decideClientCall(sdkDoor, app, stored, request({ action: 'selfban', hwid: 'dev-5', report: { hwid: true, ip: false }, session: session('dev-5') }), now));
    expect(unbound).toMatchObject({ licenseChanged: true, license: { clientBans: { hwids: ['dev-5'], ips: [] }, revoked: false } });
    const noHwid = admitted(decideClientCall(sdkDoor, app, stored, request({ action: 'selfban', hwid: null, report: { hwid: true, ip: false }, session: session('dev-1') }), now));
    expect(noHwid).toMatchObject({ licenseChanged: false, license: { clientBans: { hwids: [], ips: [] } } });
    const ipOnly = admitted(decideClientCall(sdkDoor, app, stored, request({ action: 'selfban', report: { hwid: false, ip: true }, session: session() }), now));
    expect(ipOnly).toMatchObject({ licenseChanged: true, license: { clientBans: { hwids: [], ips: ['203.0.113.7'] } } });
    // A second report from a device and IP its license banned already: admitted (no list check), nothing written.
    const banned = license({ devices: [bound('dev-1')], clientBans: { hwids: ['dev-1'], ips: ['203.0.113.7'] } });
    const again = admitted(decideClientCall(sdkDoor, app, banned, request({ action: 'selfban', report: { hwid: true, ip: true }, session: session() }), now));
    expect(again.licenseChanged).toBe(false);
    expect(again.license).toBe(banned);
  });

  it('heartbeat and seed 004 validate ask for this device\'s own seat, not any seat', () => {
    const taken = license({ devices: [bound('other')] });
    expect(said(decideClientCall(sdkDoor, app, taken, request({ action: 'heartbeat', session: session() }), now))).toEqual({ code: 'session_expired', message: 'This device is no longer activated; validate again' });
    expect(said(decideClientCall(seed004Door, app, taken, request({ action: 'session', session: session() }), now))).toEqual({ code: 'session_expired', message: 'This machine is no longer activated; activate again' });
  });

  it('counts usage from any bound device of a license with several', () => {
    expect(refusal(decideClientCall(sdkDoor, app, metered({ maxHwidSlots: 2, devices: [bound('dev-1'), bound('dev-2')] }), request({ action: 'usage', meter: 'api_calls' }), now))).toBe('admitted');
  });

  it('selfban with only the app secret bans a device bound to the license, among others', () => {
    const stored = license({ maxHwidSlots: 2, devices: [bound('dev-1'), bound('dev-2')] });
    const reported = admitted(decideClientCall(sdkDoor, app, stored, request({ action: 'selfban', report: { hwid: true, ip: false } }), now));
    expect(reported).toMatchObject({ licenseChanged: true, license: { clientBans: { hwids: ['dev-1'], ips: [] } } });
  });

  it('deactivate does not track the day\'s IPs', () => {
    const day = now.toDate().toISOString().slice(0, 10);
    const released = admitted(decideClientCall(seed004Door, { ...app, maxIpsPerDay: 1 }, license({ devices: [bound('dev-1')], ipDay: { day, ips: ['198.51.100.1'] } }), request({ action: 'deactivate' }), now));
    expect(released.license).toMatchObject({ flagged: false, violations: [], ipDay: { day, ips: ['198.51.100.1'] } });
  });

  it('a call that starts the clock says so in license.updated: the reason, the basis and the new expiry', () => {
    const pending = license({ devices: [bound('dev-1')], expirationBasis: 'firstValidation', durationDays: 14, clockStartedAt: null, expiresAt: null });
    const started = admitted(decideClientCall(seed004Door, app, pending, request({ action: 'verify', hwid: null }), now));
    const expiresAt = new Date(now.toMillis() + 14 * 86_400_000).toISOString();
    expect(started.events).toEqual([{ type: 'license.updated', data: { reason: 'clock_started', expirationBasis: 'firstValidation', expiresAt } }]);
    expect(started.license.expiresAt?.toDate().toISOString()).toBe(expiresAt);
  });

  it('records license.validated only for an app whose webhooks take it (not a state change)', () => {
    expect([...eventsOnlyForSubscribers]).toEqual(['license.validated']);
  });
});
