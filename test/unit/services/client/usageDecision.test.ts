/**
 * The usage action in the one client decision (clientDecision.decideClientCall, README Usage
 * meters): admitted from a bound device on a declared meter, writing nothing on the license;
 * refused for another device, an undeclared meter, a revoked or expired license, a disabled app.
 * No Firestore, no HTTP.
 */
import { describe, expect, it } from 'vitest';
import type { LicenseDocument } from '../../../../functions/src/data/licenses.js';
import { decideClientCall, sdkDoor, type ClientRequest } from '../../../../functions/src/services/client/clientDecision.js';
import { admitted } from './decisionOutcomes.js';
import { at, boundDevice, openApp, plus, storedLicense } from '../../fixtures.js';

const created = at('2027-01-01T00:00:00Z');
const now = at('2027-02-01T00:00:00Z');
const app = openApp;
const device = (hwid: string) => boundDevice(hwid, created);

const license = (fields: Partial<LicenseDocument> = {}) =>
  storedLicense(created, { devices: [device('dev-1')], meters: { api_calls: { limit: 10, period: 'month' } }, ...fields });
const usage = (fields: Partial<ClientRequest> = {}): ClientRequest => ({ action: 'usage', appId: 'app_1', hwid: 'dev-1', ip: '203.0.113.7', meter: 'api_calls', ...fields });
const outcome = (decision: ReturnType<typeof decideClientCall>) => (decision.outcome === 'refuse' ? decision.error.code : 'admitted');

describe('usage decision', () => {
  it('admits a bound device on a declared meter and writes nothing on the license', () => {
    const decision = admitted(decideClientCall(sdkDoor, app, license(), usage(), now));
    expect(decision.licenseChanged).toBe(false);
    expect(decision.events).toEqual([]);
  });

  it('refuses another device (any device on an unlimited license is admitted)', () => {
    expect(outcome(decideClientCall(sdkDoor, app, license(), usage({ hwid: 'dev-2' }), now))).toBe('hwid_mismatch');
    expect(outcome(decideClientCall(sdkDoor, app, license({ unlimitedHwidSlots: true, devices: [] }), usage({ hwid: 'dev-2' }), now))).toBe('admitted');
  });

  it('refuses a meter the license does not declare, and a license without meters', () => {
    expect(outcome(decideClientCall(sdkDoor, app, license(), usage({ meter: 'exports' }), now))).toBe('not_found');
    expect(outcome(decideClientCall(sdkDoor, app, license({ meters: undefined }), usage(), now))).toBe('not_found');
  });

  it('refuses a revoked license, an expired one from its first millisecond, a disabled app', () => {
    expect(outcome(decideClientCall(sdkDoor, app, license({ revoked: true, revokedAt: created, revokeReason: 'x' }), usage(), now))).toBe('revoked');
    expect(outcome(decideClientCall(sdkDoor, app, license({ expiresAt: now, expiresSort: now }), usage(), now))).toBe('expired');
    expect(outcome(decideClientCall(sdkDoor, app, license({ expiresAt: now, expiresSort: now }), usage(), plus(now, -1)))).toBe('admitted');
    expect(outcome(decideClientCall(sdkDoor, { ...app, disabled: true }, license(), usage(), now))).toBe('app_disabled');
  });

  it('does not start a pending clock', () => {
    const pending = license({ expiresAt: null, expirationBasis: 'firstValidation', durationDays: 14, clockStartedAt: null });
    expect(admitted(decideClientCall(sdkDoor, app, pending, usage(), now)).license.expiresAt).toBe(null);
  });
});
