/**
 * Expiration strategies, grace, the clock's basis and renewals (functions/src/services/licensing/
 * licenseExpiry.ts) and the one client decision that applies them (clientDecision.decideClientCall),
 * at their boundaries: the last millisecond of grace and the first of expiry, leap years, month
 * rollover; and what the scheduled expiry pass writes for one license (expiryNotice). No
 * Firestore, no HTTP.
 */
import { describe, expect, it } from 'vitest';
import type { LicenseDocument } from '../../../../functions/src/data/licenses.js';
import { decideClientCall, sdkDoor, seed004Door, type ClientAction, type ClientRequest } from '../../../../functions/src/services/client/clientDecision.js';
import { admitted, refused } from '../client/decisionOutcomes.js';
import { at, boundDevice, openApp, plus, storedLicense } from '../../fixtures.js';
import { clockStarts, expiryNotice, expiryStanding, graceEnd, renewedExpiry, revokedOnExpiry, withClockStarted } from '../../../../functions/src/services/licensing/licenseExpiry.js';

const dayMs = 86_400_000;
const app = openApp;
const created = at('2027-01-01T00:00:00Z');

const license = (fields: Partial<LicenseDocument> = {}) => storedLicense(created, fields);
const device = (hwid: string) => boundDevice(hwid, created);
const request = (action: ClientAction, fields: Partial<ClientRequest> = {}): ClientRequest => ({ action, appId: 'app_1', hwid: 'dev-1', ip: '203.0.113.7', ...fields });
const outcome = (decision: ReturnType<typeof decideClientCall>) => (decision.outcome === 'refuse' ? decision.error.code : 'admitted');

const expiresAt = at('2027-03-01T00:00:00Z');

describe('expiryStanding', () => {
  it('restrict without grace: active until the last millisecond, expired (unusable) from expiresAt itself', () => {
    const stored = license({ expiresAt });
    expect(expiryStanding(stored, plus(expiresAt, -1))).toEqual({ state: 'active', usable: true, graceEndsAt: null });
    expect(expiryStanding(stored, expiresAt)).toEqual({ state: 'expired', usable: false, graceEndsAt: null });
  });

  it('grace: from expiresAt to the last millisecond before expiresAt + gracePeriodDays, then expired', () => {
    for (const strategy of ['restrict', 'revoke'] as const) {
      const stored = license({ expiresAt, gracePeriodDays: 3, expirationStrategy: strategy });
      const end = plus(expiresAt, 3 * dayMs);
      expect(graceEnd(stored)?.toMillis()).toBe(end.toMillis());
      expect(expiryStanding(stored, plus(expiresAt, -1)).state).toBe('active');
      expect(expiryStanding(stored, expiresAt)).toMatchObject({ state: 'grace', usable: true });
      expect(expiryStanding(stored, plus(end, -1))).toMatchObject({ state: 'grace', usable: true });
      expect(expiryStanding(stored, end)).toMatchObject({ state: 'expired', usable: false });
    }
  });

  it('maintain and allow: ok and flagged expired from expiresAt on, grace not applied', () => {
    for (const strategy of ['maintain', 'allow'] as const) {
      const stored = license({ expiresAt, gracePeriodDays: 5, expirationStrategy: strategy });
      expect(expiryStanding(stored, plus(expiresAt, -1))).toEqual({ state: 'active', usable: true, graceEndsAt: null });
      expect(expiryStanding(stored, expiresAt)).toEqual({ state: 'expired', usable: true, graceEndsAt: null });
      expect(expiryStanding(stored, plus(expiresAt, 3650 * dayMs))).toMatchObject({ state: 'expired', usable: true });
    }
  });

  it('a lifetime license is active whatever its strategy', () => {
    expect(expiryStanding(license({ gracePeriodDays: 7 }), at('9999-01-01T00:00:00Z'))).toEqual({ state: 'active', usable: true, graceEndsAt: null });
  });

  it('grace counts whole days of 86,400 s across 29 February and a month end', () => {
    const leap = license({ expiresAt: at('2028-02-28T00:00:00Z'), gracePeriodDays: 2 });
    expect(graceEnd(leap)?.toDate().toISOString()).toBe('2028-03-01T00:00:00.000Z');
    const common = license({ expiresAt: at('2027-02-28T00:00:00Z'), gracePeriodDays: 2 });
    expect(graceEnd(common)?.toDate().toISOString()).toBe('2027-03-02T00:00:00.000Z');
    const monthEnd = license({ expiresAt: at('2027-01-31T23:59:59Z'), gracePeriodDays: 1 });
    expect(graceEnd(monthEnd)?.toDate().toISOString()).toBe('2027-02-01T23:59:59.000Z');
  });
});

describe('graceEnd', () => {
  it('none without grace days or without an expiry', () => {
    expect(graceEnd(license({ expiresAt, gracePeriodDays: 0 }))).toBeNull();
    expect(graceEnd(license({ expiresAt: null, gracePeriodDays: 3 }))).toBeNull();
  });
});

describe('revokedOnExpiry', () => {
  it('revokes with reason expired at now and ends every session', () => {
    const now = plus(expiresAt, 1);
    const revoked = revokedOnExpiry(license({ expiresAt, sessionEpoch: 2 }), now);
    expect(revoked).toMatchObject({ revoked: true, revokedAt: now, revokeReason: 'expired', updatedAt: now, sessionEpoch: 3, sessionsValidFromEpoch: 3, sessionsValidAfter: now });
  });
});

describe('expiryNotice (the scheduled pass)', () => {
  const iso = expiresAt.toDate().toISOString();

  it('restrict: from expiresAt itself, marks the license notified and writes license.expired, nothing else changed', () => {
    const stored = license({ expiresAt });
    expect(expiryNotice(stored, plus(expiresAt, -1))).toBeNull();
    const notice = expiryNotice(stored, expiresAt);
    expect(notice).toEqual({ record: { ...stored, expiryNotified: true }, expiredEvent: { type: 'license.expired', data: { expiresAt: iso } }, revokedEvent: null });
  });

  it('once per expiry: a license already notified, a lifetime one, a revoked one or a missing one gets nothing', () => {
    expect(expiryNotice(license({ expiresAt, expiryNotified: true }), plus(expiresAt, dayMs))).toBeNull();
    expect(expiryNotice(license({ expiresAt: null }), plus(expiresAt, dayMs))).toBeNull();
    expect(expiryNotice(license({ expiresAt, revoked: true }), plus(expiresAt, dayMs))).toBeNull();
    expect(expiryNotice(undefined, plus(expiresAt, dayMs))).toBeNull();
  });

  it('revoke without grace: revoked in the same commit, with license.revoked (reason expired) beside license.expired', () => {
    const now = plus(expiresAt, 5_000);
    const notice = expiryNotice(license({ expiresAt, expirationStrategy: 'revoke', sessionEpoch: 1 }), now);
    expect(notice?.record).toMatchObject({ revoked: true, revokedAt: now, revokeReason: 'expired', expiryNotified: true, sessionEpoch: 2, sessionsValidFromEpoch: 2, sessionsValidAfter: now });
    expect(notice?.expiredEvent).toEqual({ type: 'license.expired', data: { expiresAt: iso } });
    expect(notice?.revokedEvent).toEqual({ type: 'license.revoked', data: { reason: 'expired', expiresAt: iso } });
  });

  it('revoke with grace, maintain and allow: only license.expired; the license stays unrevoked', () => {
    const revokeWithGrace = license({ expiresAt, expirationStrategy: 'revoke', gracePeriodDays: 1 });
    for (const stored of [revokeWithGrace, license({ expiresAt, expirationStrategy: 'maintain' }), license({ expiresAt, expirationStrategy: 'allow' })]) {
      const notice = expiryNotice(stored, expiresAt);
      expect(notice?.record).toEqual({ ...stored, expiryNotified: true });
      expect(notice?.revokedEvent).toBeNull();
    }
  });
});

describe('renewedExpiry', () => {
  const now = at('2027-06-15T12:00:00Z');
  it('fromExpiry adds to the current expiry, past or future', () => {
    expect(renewedExpiry(at('2027-07-01T00:00:00Z'), 'fromExpiry', 30, now)?.toDate().toISOString()).toBe('2027-07-31T00:00:00.000Z');
    expect(renewedExpiry(at('2027-06-01T00:00:00Z'), 'fromExpiry', 30, now)?.toDate().toISOString()).toBe('2027-07-01T00:00:00.000Z');
  });
  it('fromNow adds to now; fromNowIfExpired only once expired (expiresAt itself counts as expired)', () => {
    expect(renewedExpiry(at('2027-07-01T00:00:00Z'), 'fromNow', 30, now)?.toDate().toISOString()).toBe('2027-07-15T12:00:00.000Z');
    expect(renewedExpiry(at('2027-07-01T00:00:00Z'), 'fromNowIfExpired', 30, now)?.toDate().toISOString()).toBe('2027-07-31T00:00:00.000Z');
    expect(renewedExpiry(at('2027-06-01T00:00:00Z'), 'fromNowIfExpired', 30, now)?.toDate().toISOString()).toBe('2027-07-15T12:00:00.000Z');
    expect(renewedExpiry(now, 'fromNowIfExpired', 1, now)?.toMillis()).toBe(now.toMillis() + dayMs);
    expect(renewedExpiry(plus(now, 1), 'fromNowIfExpired', 1, now)?.toMillis()).toBe(now.toMillis() + 1 + dayMs);
  });
  it('a year of a leap year is 366 days to the same date; a month from 31 January is 3 March (days, not calendar months)', () => {
    expect(renewedExpiry(at('2028-01-01T00:00:00Z'), 'fromExpiry', 366, now)?.toDate().toISOString()).toBe('2029-01-01T00:00:00.000Z');
    expect(renewedExpiry(at('2028-02-28T12:00:00Z'), 'fromExpiry', 1, now)?.toDate().toISOString()).toBe('2028-02-29T12:00:00.000Z');
    expect(renewedExpiry(at('2027-01-31T00:00:00Z'), 'fromExpiry', 31, now)?.toDate().toISOString()).toBe('2027-03-03T00:00:00.000Z');
  });
  it('a lifetime license has nothing to extend', () => {
    expect(renewedExpiry(null, 'fromNow', 30, now)).toBeUndefined();
  });
});

describe('the clock basis', () => {
  const pending = (basis: 'firstActivation' | 'firstValidation') => license({ expirationBasis: basis, durationDays: 14, clockStartedAt: null });
  it('firstActivation starts at SDK validate or seed 004 activate, not at a check that binds nothing', () => {
    expect(clockStarts(pending('firstActivation'), 'validate')).toBe(true);
    expect(clockStarts(pending('firstActivation'), 'activate')).toBe(true);
    for (const action of ['verify', 'session', 'heartbeat', 'deactivate', 'selfban'] as const) expect(clockStarts(pending('firstActivation'), action)).toBe(false);
  });
  it('firstValidation starts at any check, not at deactivate or selfban', () => {
    for (const action of ['validate', 'activate', 'verify', 'session', 'heartbeat'] as const) expect(clockStarts(pending('firstValidation'), action)).toBe(true);
    for (const action of ['deactivate', 'selfban'] as const) expect(clockStarts(pending('firstValidation'), action)).toBe(false);
  });
  it('never restarts a started clock, nor starts one for creation or without a duration', () => {
    const now = at('2027-05-01T10:00:00Z');
    const started = withClockStarted(pending('firstActivation'), now);
    expect(started.expiresAt?.toDate().toISOString()).toBe('2027-05-15T10:00:00.000Z');
    expect(started.expiresSort.toMillis()).toBe(started.expiresAt?.toMillis());
    expect(started.clockStartedAt).toBe(now);
    expect(clockStarts(started, 'validate')).toBe(false);
    expect(clockStarts({ ...started, expiresAt: null }, 'validate')).toBe(false);
    expect(clockStarts(license({ durationDays: null, clockStartedAt: null, expirationBasis: 'firstValidation' }), 'verify')).toBe(false);
    expect(clockStarts(license({ durationDays: 14, clockStartedAt: null }), 'validate')).toBe(false);
    // A license given an expiry has no clock to start, whatever its basis.
    expect(clockStarts(license({ expirationBasis: 'firstActivation', durationDays: 14, clockStartedAt: null, expiresAt: now }), 'validate')).toBe(false);
  });
});

describe('withClockStarted', () => {
  it('a started clock earns a new license.expired: the notified mark is cleared', () => {
    const now = at('2027-05-01T10:00:00Z');
    const started = withClockStarted(license({ expirationBasis: 'firstValidation', durationDays: 1, clockStartedAt: null, expiryNotified: true }), now);
    expect(started).toMatchObject({ clockStartedAt: now, expiryNotified: false });
    expect(started.expiresAt?.toMillis()).toBe(now.toMillis() + dayMs);
  });

  it('without a duration the license expires when its clock starts', () => {
    const now = at('2027-05-01T10:00:00Z');
    expect(withClockStarted(license({ durationDays: null, clockStartedAt: null }), now).expiresAt?.toMillis()).toBe(now.toMillis());
  });
});

describe('decideClientCall with expiry policies', () => {
  const bound = { devices: [device('dev-1')] };

  it('the first millisecond of expiry refuses restrict (410 expired) at every checking door; the one before admits', () => {
    const stored = license({ expiresAt, ...bound });
    for (const [policy, action] of [[sdkDoor, 'validate'], [seed004Door, 'activate'], [seed004Door, 'verify']] as const) {
      expect(outcome(decideClientCall(policy, app, stored, request(action), plus(expiresAt, -1)))).toBe('admitted');
      expect(outcome(decideClientCall(policy, app, stored, request(action), expiresAt))).toBe('expired');
    }
  });

  it('grace admits up to its last millisecond without writing anything for a bound device; a heartbeat too', () => {
    const stored = license({ expiresAt, gracePeriodDays: 1, ...bound });
    const last = plus(expiresAt, dayMs - 1);
    const decision = decideClientCall(sdkDoor, app, stored, request('validate'), last);
    expect(decision).toMatchObject({ outcome: 'admit', licenseChanged: false });
    const session = { hwid: 'dev-1', issuedAtMs: last.toMillis() - 1000, openedAtMs: last.toMillis() - 1000 };
    expect(outcome(decideClientCall(sdkDoor, app, stored, request('heartbeat', { session }), last))).toBe('admitted');
    expect(outcome(decideClientCall(sdkDoor, app, stored, request('validate'), plus(expiresAt, dayMs)))).toBe('expired');
  });

  it('revoke: past expiry and grace the license is revoked by the refused call, with license.revoked (reason expired)', () => {
    const stored = license({ expiresAt, gracePeriodDays: 2, expirationStrategy: 'revoke', ...bound });
    expect(outcome(decideClientCall(sdkDoor, app, stored, request('validate'), plus(expiresAt, 2 * dayMs - 1)))).toBe('admitted');
    const end = plus(expiresAt, 2 * dayMs);
    const decision = refused(decideClientCall(sdkDoor, app, stored, request('validate'), end));
    expect(decision.error.code).toBe('revoked');
    expect(decision.record).toMatchObject({ revoked: true, revokeReason: 'expired' });
    expect(decision.record?.sessionsValidAfter?.toMillis()).toBe(end.toMillis());
    expect(decision.recordEvents).toEqual([{ type: 'license.revoked', data: { reason: 'expired', expiresAt: expiresAt.toDate().toISOString() } }]);
    // Once revoked it is refused as revoked, and nothing more is written.
    const again = refused(decideClientCall(sdkDoor, app, decision.record, request('validate'), plus(end, 1000)));
    expect([again.error.code, again.record]).toEqual(['revoked', undefined]);
  });

  it('revoke through seed 004 activate keeps the counted attempt in the revoked record', () => {
    const stored = license({ expiresAt, expirationStrategy: 'revoke' });
    const decision = refused(decideClientCall(seed004Door, app, stored, request('activate'), plus(expiresAt, 1)));
    expect(decision.record?.revoked).toBe(true);
    expect(decision.record?.activationAttempts).toHaveLength(1);
  });

  it('maintain and allow admit long after expiry; deactivate and selfban ignore expiry as before', () => {
    for (const strategy of ['maintain', 'allow'] as const) {
      const stored = license({ expiresAt, expirationStrategy: strategy, ...bound });
      expect(outcome(decideClientCall(sdkDoor, app, stored, request('validate'), plus(expiresAt, 400 * dayMs)))).toBe('admitted');
    }
    const revokeLater = license({ expiresAt, expirationStrategy: 'revoke', ...bound });
    const released = decideClientCall(seed004Door, app, revokeLater, request('deactivate'), plus(expiresAt, 1));
    expect(released).toMatchObject({ outcome: 'admit', license: { revoked: false } });
  });

  it('firstActivation: the first validate binds the device and starts the clock (one write, with its event); a refused call starts nothing', () => {
    const stored = license({ expirationBasis: 'firstActivation', durationDays: 30, clockStartedAt: null });
    const now = at('2028-02-01T08:00:00Z');
    const verify = decideClientCall(seed004Door, app, stored, request('verify', { hwid: null }), now);
    expect(verify).toMatchObject({ outcome: 'admit', licenseChanged: false });
    const decision = admitted(decideClientCall(sdkDoor, app, stored, request('validate'), now));
    expect(decision.license.expiresAt?.toDate().toISOString()).toBe('2028-03-02T08:00:00.000Z');
    expect(decision.events.map((event) => event.type)).toEqual(['license.hwid_bound', 'license.updated', 'license.validated']);
    const full = license({ expirationBasis: 'firstActivation', durationDays: 30, clockStartedAt: null, devices: [device('other')] });
    expect(decideClientCall(sdkDoor, app, full, request('validate'), now)).toMatchObject({ outcome: 'refuse' });
  });

  it('firstValidation: seed 004 verify starts the clock', () => {
    const stored = license({ expirationBasis: 'firstValidation', durationDays: 7, clockStartedAt: null });
    const now = at('2027-12-28T00:00:00Z');
    const decision = admitted(decideClientCall(seed004Door, app, stored, request('verify', { hwid: null }), now));
    expect(decision.licenseChanged).toBe(true);
    expect(decision.license.expiresAt?.toDate().toISOString()).toBe('2028-01-04T00:00:00.000Z');
  });
});
