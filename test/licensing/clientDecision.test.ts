/**
 * The client decision (functions/src/services/clientDecision.ts) without Firestore or HTTP:
 * every rule of every action, in milliseconds. The HTTP suites are the contract; this is the
 * fast layer under them.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import type { LicenseDocument } from '../../functions/src/data/licenses.js';
import { decideClientCall, sdkDoor, seed004Door, type AppRules, type ClientRequest } from '../../functions/src/services/clientDecision.js';

const now = Timestamp.fromMillis(Date.now());
const ago = (seconds: number) => Timestamp.fromMillis(now.toMillis() - seconds * 1000);
const app: AppRules = { disabled: false, security: { hwidBlacklist: [], ipBlacklist: [], hwidWhitelist: [], ipWhitelist: [] }, maxIpsPerDay: null };

function license(fields: Partial<LicenseDocument> = {}): LicenseDocument {
  return {
    appId: 'app_1', accountId: 'acc_1', variantId: null, label: null, email: null, maxHwidSlots: 1, unlimitedHwidSlots: false,
    floating: false, heartbeatTimeoutSeconds: 300, expiresAt: null, expiresSort: now, revoked: false, revokedAt: null,
    revokeReason: null, expiryNotified: false, devices: [], variables: {}, violations: [], flagged: false,
    ipDay: { day: '', ips: [] }, heartbeatCount: 0, sessionsValidAfter: null, source: null, createdAt: ago(3600), updatedAt: ago(3600),
    ...fields,
  };
}
const bound = (hwid: string, lastSeenSecondsAgo = 0) => ({ hwid, boundAt: ago(3600), lastSeenAt: ago(lastSeenSecondsAgo), ip: null });
const request = (fields: Partial<ClientRequest>): ClientRequest => ({ action: 'validate', appId: 'app_1', hwid: 'dev-1', ip: '203.0.113.7', ...fields });
const session = (hwid = 'dev-1', issuedAtMs = now.toMillis() - 1000) => ({ hwid, issuedAtMs });
const refusal = (decision: ReturnType<typeof decideClientCall>) => (decision.outcome === 'refuse' ? decision.error.code : 'admitted');

describe('decideClientCall', () => {
  it('binds a new device on validate, with hwid_bound and validated events (SDK)', () => {
    const decision = decideClientCall(sdkDoor, app, license(), request({}), now);
    expect(decision.outcome).toBe('admit');
    if (decision.outcome !== 'admit') return;
    expect(decision.licenseChanged).toBe(true);
    expect(decision.license.devices.map((device) => device.hwid)).toEqual(['dev-1']);
    expect(decision.events.map((event) => event.type)).toEqual(['license.hwid_bound', 'license.validated']);
  });

  it('writes nothing for a bound device (steady state) and seed 004 activate emits no validated event', () => {
    const stored = license({ devices: [bound('dev-1')] });
    const sdk = decideClientCall(sdkDoor, app, stored, request({}), now);
    expect(sdk).toMatchObject({ outcome: 'admit', licenseChanged: false, events: [{ type: 'license.validated' }] });
    const seed = decideClientCall(seed004Door, app, stored, request({ action: 'activate' }), now);
    expect(seed).toMatchObject({ outcome: 'admit', licenseChanged: false, events: [] });
  });

  it('refuses a full license with hwid_mismatch (a device_limit violation); unlimited seats never', () => {
    const full = decideClientCall(sdkDoor, app, license({ devices: [bound('other')] }), request({}), now);
    expect(refusal(full)).toBe('hwid_mismatch');
    if (full.outcome === 'refuse') expect(full.error.details?.violation).toBe('device_limit');
    expect(refusal(decideClientCall(sdkDoor, app, license({ unlimitedHwidSlots: true, devices: [] }), request({}), now))).toBe('admitted');
  });

  it('answers the door\'s code for an unknown key or another app\'s, and session_expired for a session', () => {
    expect(refusal(decideClientCall(sdkDoor, app, undefined, request({}), now))).toBe('invalid_key');
    expect(refusal(decideClientCall(seed004Door, app, undefined, request({ action: 'activate' }), now))).toBe('not_found');
    expect(refusal(decideClientCall(sdkDoor, app, license({ appId: 'app_2' }), request({}), now))).toBe('invalid_key');
    expect(refusal(decideClientCall(sdkDoor, app, undefined, request({ action: 'heartbeat', session: session() }), now))).toBe('session_expired');
  });

  it('refuses revoked (410) and expired (410) licenses, but lets deactivate and selfban through', () => {
    const revoked = license({ revoked: true, devices: [bound('dev-1')] });
    const expired = license({ expiresAt: ago(1), devices: [bound('dev-1')] });
    for (const action of ['validate', 'activate', 'heartbeat', 'session', 'verify'] as const) {
      const extra = action === 'heartbeat' || action === 'session' ? { session: session() } : {};
      expect(refusal(decideClientCall(sdkDoor, app, revoked, request({ action, ...extra }), now))).toBe('revoked');
      expect(refusal(decideClientCall(sdkDoor, app, expired, request({ action, ...extra }), now))).toBe('expired');
    }
    expect(refusal(decideClientCall(seed004Door, app, revoked, request({ action: 'deactivate' }), now))).toBe('admitted');
    expect(refusal(decideClientCall(sdkDoor, app, revoked, request({ action: 'selfban' }), now))).toBe('admitted');
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
    const renewed = decideClientCall(sdkDoor, app, stale, request({ action: 'heartbeat', session: session() }), now);
    expect(renewed).toMatchObject({ licenseChanged: true });
    if (renewed.outcome === 'admit') expect(renewed.license.devices[0]?.lastSeenAt.toMillis()).toBe(now.toMillis());
  });

  it('seed 004 validate (session) needs a live seat; deactivate frees one or answers not_found', () => {
    expect(refusal(decideClientCall(seed004Door, app, license(), request({ action: 'session', session: session() }), now))).toBe('session_expired');
    const released = decideClientCall(seed004Door, app, license({ devices: [bound('dev-1')] }), request({ action: 'deactivate' }), now);
    expect(released).toMatchObject({ outcome: 'admit', licenseChanged: true, events: [{ type: 'license.hwid_reset' }] });
    expect(refusal(decideClientCall(seed004Door, app, license(), request({ action: 'deactivate' }), now))).toBe('not_found');
  });

  it('selfban revokes once with license.revoked; verify changes nothing', () => {
    const banned = decideClientCall(sdkDoor, app, license(), request({ action: 'selfban', revoke: true, session: session() }), now);
    expect(banned).toMatchObject({ outcome: 'admit', licenseChanged: true, license: { revoked: true, revokeReason: 'selfban' }, events: [{ type: 'license.revoked' }] });
    const again = decideClientCall(sdkDoor, app, license({ revoked: true }), request({ action: 'selfban', revoke: true, session: session() }), now);
    expect(again).toMatchObject({ licenseChanged: false, events: [] });
    expect(decideClientCall(seed004Door, app, license(), request({ action: 'verify', hwid: null }), now)).toMatchObject({ licenseChanged: false, events: [] });
  });

  it('flags too_many_ips past maxIpsPerDay on validate', () => {
    const day = now.toDate().toISOString().slice(0, 10);
    const stored = license({ devices: [bound('dev-1')], ipDay: { day, ips: ['198.51.100.1'] } });
    const decision = decideClientCall(sdkDoor, { ...app, maxIpsPerDay: 1 }, stored, request({}), now);
    expect(decision).toMatchObject({ outcome: 'admit', licenseChanged: true, license: { flagged: true } });
  });
});
