/**
 * Entitlements' pure rules (functions/src/services/licensing/entitlements.ts) and the one client
 * decision that applies `requireEntitlements`, at their boundaries: an add-on's last millisecond
 * and its first past the end (mid-session: the heartbeat after it no longer carries the code),
 * repeats, sort order, and a refusal that binds nothing. No Firestore, no HTTP.
 */
import type { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { apiErrorOf } from '../../apiErrors.js';
import { at, boundDevice, openApp, plus, storedLicense } from '../../fixtures.js';
import type { LicenseDocument } from '../../../../functions/src/data/licenses.js';
import { decideClientCall, sdkDoor, seed004Door, type ClientRequest } from '../../../../functions/src/services/client/clientDecision.js';
import { admitted, refused } from '../client/decisionOutcomes.js';
import { assertDefinedCodes, effectiveEntitlements, entitlementEnds, grantsOf, grantsView, missingEntitlements } from '../../../../functions/src/services/licensing/entitlements.js';

const app = openApp;
const created = at('2027-01-01T00:00:00Z');
const addOnEnds = at('2027-02-28T23:59:59.999Z');

const license = (fields: Partial<LicenseDocument> = {}) =>
  storedLicense(created, { variantEntitlements: ['PRO', 'EXPORT'], entitlements: [{ code: 'AI_ASSIST', expiresAt: addOnEnds }, { code: 'BETA', expiresAt: null }], ...fields });
const device = (hwid: string) => boundDevice(hwid, created);
const request = (fields: Partial<ClientRequest>): ClientRequest => ({ action: 'validate', appId: 'app_1', hwid: 'dev-1', ip: '203.0.113.7', ...fields });

describe('effectiveEntitlements', () => {
  it("the variant's codes and the license's grants, sorted; an add-on counts to its last millisecond and not from its expiresAt", () => {
    const stored = license();
    expect(effectiveEntitlements(stored, plus(addOnEnds, -1))).toEqual(['AI_ASSIST', 'BETA', 'EXPORT', 'PRO']);
    expect(effectiveEntitlements(stored, addOnEnds)).toEqual(['BETA', 'EXPORT', 'PRO']);
    expect(entitlementEnds(stored, plus(addOnEnds, -1))).toEqual({ AI_ASSIST: addOnEnds.toDate().toISOString() });
    expect(entitlementEnds(stored, addOnEnds)).toEqual({});
  });

  it('a code held for good (variant or undated grant) is never listed as ending; repeats appear once', () => {
    const stored = license({ variantEntitlements: ['PRO'], entitlements: [{ code: 'PRO', expiresAt: addOnEnds }, { code: 'X', expiresAt: addOnEnds }, { code: 'X', expiresAt: null }] });
    expect(effectiveEntitlements(stored, created)).toEqual(['PRO', 'X']);
    expect(entitlementEnds(stored, created)).toEqual({});
  });

  it('a code granted twice with dates ends at the later one; several add-ons are listed by code', () => {
    const march = at('2027-03-31T00:00:00Z');
    const stored = license({ variantEntitlements: [], entitlements: [{ code: 'ZED', expiresAt: march }, { code: 'X', expiresAt: addOnEnds }, { code: 'X', expiresAt: march }, { code: 'X', expiresAt: at('2027-01-15T00:00:00Z') }] });
    const ends = entitlementEnds(stored, created);
    expect(ends).toEqual({ X: march.toDate().toISOString(), ZED: march.toDate().toISOString() });
    expect(Object.keys(ends)).toEqual(['X', 'ZED']);
    // Granted already in code order, they stay in it.
    expect(Object.keys(entitlementEnds(license({ variantEntitlements: [], entitlements: [{ code: 'A', expiresAt: march }, { code: 'B', expiresAt: march }] }), created))).toEqual(['A', 'B']);
    // A grant already ended does not count toward the end.
    expect(entitlementEnds(license({ variantEntitlements: [], entitlements: [{ code: 'X', expiresAt: addOnEnds }, { code: 'X', expiresAt: march }] }), march)).toEqual({});
  });

  it('a license with none has none', () => {
    expect(effectiveEntitlements(license({ variantEntitlements: [], entitlements: [] }), created)).toEqual([]);
  });

  it('sorts by code point (digits and _ before letters, as every client compares)', () => {
    expect(effectiveEntitlements(license({ variantEntitlements: ['B', 'A_2', 'A1', '9'], entitlements: [] }), created)).toEqual(['9', 'A1', 'A_2', 'B']);
  });
});

describe('grantsOf and assertDefinedCodes', () => {
  it('one grant per code, sorted; a code given twice keeps the later end, and for good beats any date', () => {
    expect(grantsOf(['B', { code: 'A', expiresAt: '2027-03-01T00:00:00Z' }, { code: 'A', expiresAt: '2027-04-01T00:00:00Z' }, { code: 'B', expiresAt: '2027-01-01T00:00:00Z' }])).toEqual([
      { code: 'A', expiresAt: at('2027-04-01T00:00:00Z') },
      { code: 'B', expiresAt: null },
    ]);
    expect(grantsOf([{ code: 'C' }, { code: 'D', expiresAt: null }])).toEqual([{ code: 'C', expiresAt: null }, { code: 'D', expiresAt: null }]);
  });

  it('a later date given first is kept over an earlier one after it; a missing or null end is for good', () => {
    expect(grantsOf([{ code: 'A', expiresAt: '2027-04-01T00:00:00Z' }, { code: 'A', expiresAt: '2027-03-01T00:00:00Z' }])).toEqual([{ code: 'A', expiresAt: at('2027-04-01T00:00:00Z') }]);
    expect(grantsOf([{ code: 'A', expiresAt: '2027-04-01T00:00:00Z' }, { code: 'A', expiresAt: undefined }, { code: 'A', expiresAt: '2027-05-01T00:00:00Z' }])).toEqual([{ code: 'A', expiresAt: null }]);
    expect(grantsOf(['C', 'A', 'B']).map((grant) => grant.code)).toEqual(['A', 'B', 'C']);
    expect(grantsOf([])).toEqual([]);
  });

  it('shows grants with ISO ends, null for good', () => {
    expect(grantsView([{ code: 'A', expiresAt: addOnEnds }, { code: 'B', expiresAt: null }])).toEqual([
      { code: 'A', expiresAt: '2027-02-28T23:59:59.999Z' },
      { code: 'B', expiresAt: null },
    ]);
  });

  it('a 400 whose message names one unknown code (given twice) or several, and where to define them', () => {
    const catalogue = [{ code: 'PRO', name: 'Pro', createdAt: created }];
    const one = apiErrorOf(() => assertDefinedCodes(catalogue, ['ZED', 'PRO', 'ZED']));
    expect(one.code).toBe('bad_request');
    expect(one.status).toBe(400);
    expect(one.message).toBe('Unknown entitlement code ZED: define it first with POST /v1/apps/:appId/entitlements');
    expect(apiErrorOf(() => assertDefinedCodes(catalogue, ['ZED', 'ALPHA'])).message).toBe('Unknown entitlement codes ALPHA, ZED: define them first with POST /v1/apps/:appId/entitlements');
    expect(() => assertDefinedCodes([], [])).not.toThrow();
  });

  it('refuses codes the product does not define, naming them', () => {
    const catalogue = [{ code: 'PRO', name: 'Pro', createdAt: created }];
    expect(() => assertDefinedCodes(catalogue, ['PRO'])).not.toThrow();
    expect(() => assertDefinedCodes(catalogue, ['PRO', 'ZED', 'ALPHA'])).toThrow(/ALPHA, ZED/);
  });
});

describe('requireEntitlements in the one decision', () => {
  it('names the missing codes, sorted, without repeats', () => {
    expect(missingEntitlements(license(), ['TEAM', 'PRO', 'ADMIN', 'TEAM'], created)).toEqual(['ADMIN', 'TEAM']);
  });

  it('SDK validate: refused 403 entitlements_missing before the device is bound (nothing written); admitted and bound with them', () => {
    const stored = license();
    const refusal = refused(decideClientCall(sdkDoor, app, stored, request({ requireEntitlements: ['PRO', 'TEAM'] }), created));
    expect(refusal.error.code).toBe('entitlements_missing');
    expect(refusal.error.status).toBe(403);
    expect(refusal.error.details).toEqual({ missing: ['TEAM'] });
    expect(refusal.record).toBeUndefined();
    const admission = admitted(decideClientCall(sdkDoor, app, stored, request({ requireEntitlements: ['PRO', 'AI_ASSIST'] }), created));
    expect(admission.license.devices.map((bound) => bound.hwid)).toEqual(['dev-1']);
  });

  it('an add-on expiring mid-session: required at its last millisecond it admits; at its expiresAt the seed 004 validate of the same session is refused', () => {
    const stored = license({ devices: [device('dev-1')] });
    // A session opened an hour before the add-on ends.
    const opened = addOnEnds.toMillis() - 3_600_000;
    const session = { hwid: 'dev-1', issuedAtMs: opened, openedAtMs: opened };
    const ask = (now: Timestamp) => decideClientCall(seed004Door, app, stored, request({ action: 'session', session, requireEntitlements: ['AI_ASSIST'] }), now);
    expect(ask(plus(addOnEnds, -1)).outcome).toBe('admit');
    const after = ask(addOnEnds);
    expect(after.outcome === 'refuse' ? after.error.code : 'admitted').toBe('entitlements_missing');
    // A heartbeat asks for nothing: it is admitted, and its answer no longer carries the add-on.
    const beat = admitted(decideClientCall(sdkDoor, app, stored, request({ action: 'heartbeat', session }), addOnEnds));
    expect(effectiveEntitlements(beat.license, addOnEnds)).not.toContain('AI_ASSIST');
  });

  it('a revoked or expired license says so first (410), whatever it is entitled to', () => {
    expect(refused(decideClientCall(sdkDoor, app, license({ revoked: true }), request({ requireEntitlements: ['NOPE'] }), created)).error.code).toBe('revoked');
  });

  it('an empty requireEntitlements asks for nothing', () => {
    expect(decideClientCall(sdkDoor, app, license({ variantEntitlements: [], entitlements: [] }), request({ requireEntitlements: [] }), created).outcome).toBe('admit');
  });
});
