/**
 * The rules about one license (functions/src/services/licensing/licenseRules.ts) at their
 * boundaries: expiry at its own instant, a floating seat's timeout and renewal share to the
 * millisecond, the last free seat, the UTC day of the IP count and its limit, the hourly window's
 * edge and retry time, the bounded lists (violations, client bans, ended sessions), and which
 * sessions an ending ends. No Firestore, no HTTP.
 */
import type { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { limits, sessions } from '../../../../functions/src/config/constants.js';
import type { DeviceDocument, LicenseDocument, ViolationDocument } from '../../../../functions/src/data/licenses.js';
import {
  admitDevice,
  deactivateDevice,
  endAllSessions,
  endSessionsOf,
  licenseStatus,
  liveDevices,
  releaseDevice,
  sessionEnded,
  sessionsEndedBefore,
  takeHourlyPlace,
  trackIp,
  withClientBan,
  withViolation,
} from '../../../../functions/src/services/licensing/licenseRules.js';
import { apiErrorOf } from '../../apiErrors.js';
import { at, boundDevice, plus, storedLicense } from '../../fixtures.js';

const hourMs = 3_600_000;
const created = at('2027-01-01T00:00:00Z');
const now = at('2027-03-10T12:00:00Z');

const license = (fields: Partial<LicenseDocument> = {}) => storedLicense(created, { maxHwidSlots: 2, ...fields });
const device = (hwid: string, lastSeenAt = created, fields: Partial<DeviceDocument> = {}) => boundDevice(hwid, created, lastSeenAt, fields);
const hwids = (stored: LicenseDocument) => stored.devices.map((bound) => bound.hwid);

describe('licenseStatus', () => {
  it('active until the millisecond before expiresAt, expired from expiresAt itself; a lifetime license stays active', () => {
    expect(licenseStatus(license({ expiresAt: plus(now, 1) }), now)).toBe('active');
    expect(licenseStatus(license({ expiresAt: now }), now)).toBe('expired');
    expect(licenseStatus(license({ expiresAt: plus(now, -1) }), now)).toBe('expired');
    expect(licenseStatus(license({ expiresAt: null }), now)).toBe('active');
  });

  it('revoked says so first, expired or not', () => {
    expect(licenseStatus(license({ revoked: true, expiresAt: plus(now, -1) }), now)).toBe('revoked');
    expect(licenseStatus(license({ revoked: true }), now)).toBe('revoked');
  });
});

describe('liveDevices', () => {
  const timeoutMs = 300_000;

  it('a fixed-seat license: every bound device holds its seat, however long silent', () => {
    const stored = license({ devices: [device('old', plus(now, -365 * 86_400_000)), device('new', now)] });
    expect(liveDevices(stored, now).map((bound) => bound.hwid)).toEqual(['old', 'new']);
  });

  it('a floating license: a seat is held while now - lastSeenAt < the timeout, freed at the timeout exactly', () => {
    const stored = license({ floating: true, devices: [device('edge', plus(now, -timeoutMs)), device('inside', plus(now, -timeoutMs + 1)), device('fresh', now)] });
    expect(liveDevices(stored, now).map((bound) => bound.hwid)).toEqual(['inside', 'fresh']);
  });
});

describe('admitDevice', () => {
  it('an unlimited-seat license admits any device and binds nothing', () => {
    const stored = license({ unlimitedHwidSlots: true, maxHwidSlots: 1, devices: [device('a')] });
    const binding = admitDevice(stored, 'b', '203.0.113.7', now, { machineName: 'box', os: 'linux' });
    expect(binding).toEqual({ license: stored, newlyBound: false, changed: false });
    expect(binding.license).toBe(stored);
  });

  it('binds a new device into the last free seat with what the app said about it', () => {
    const stored = license({ devices: [device('a')] });
    const binding = admitDevice(stored, 'b', '203.0.113.7', now, { machineName: 'box', os: 'linux' });
    expect(binding.newlyBound).toBe(true);
    expect(binding.changed).toBe(true);
    expect(binding.license.updatedAt).toBe(now);
    expect(binding.license.devices).toEqual([device('a'), { hwid: 'b', boundAt: now, lastSeenAt: now, ip: '203.0.113.7', machineName: 'box', os: 'linux' }]);
    // The stored document is not changed in place.
    expect(hwids(stored)).toEqual(['a']);
  });

  it('a device that says nothing about its machine is bound with null name and OS', () => {
    const binding = admitDevice(license(), 'a', null, now);
    expect(binding.license.devices).toEqual([{ hwid: 'a', boundAt: now, lastSeenAt: now, ip: null, machineName: null, os: null }]);
  });

  it('every seat taken: hwid_mismatch (403) naming the seat count, as a device_limit violation', () => {
    const stored = license({ devices: [device('a'), device('b')] });
    const error = apiErrorOf(() => admitDevice(stored, 'c', null, now));
    expect(error.code).toBe('hwid_mismatch');
    expect(error.status).toBe(403);
    expect(error.message).toBe('This license is already active on 2 device(s)');
    expect(error.violation).toBe('device_limit');
  });

  it('a bound device of a fixed-seat license is admitted without a write, even with every seat taken', () => {
    const stored = license({ devices: [device('a'), device('b')] });
    const binding = admitDevice(stored, 'b', '198.51.100.1', now);
    expect(binding).toEqual({ license: stored, newlyBound: false, changed: false });
    expect(binding.license).toBe(stored);
    // Telling the same machine name and OS again writes nothing either.
    const named = license({ devices: [device('a', created, { machineName: 'box', os: 'linux' })] });
    expect(admitDevice(named, 'a', null, now, { machineName: 'box', os: 'linux' }).license).toBe(named);
  });

  it('a bound device that renames its machine, or changes only its OS, is written with the new description, now and its IP', () => {
    const stored = license({ devices: [device('a', created, { machineName: 'box', os: 'linux' }), device('b')] });
    const renamed = admitDevice(stored, 'a', '203.0.113.7', now, { machineName: 'workstation', os: 'linux' });
    expect(renamed).toMatchObject({ newlyBound: false, changed: true });
    expect(renamed.license.updatedAt).toBe(now);
    expect(renamed.license.devices).toEqual([{ hwid: 'a', boundAt: created, lastSeenAt: now, ip: '203.0.113.7', machineName: 'workstation', os: 'linux' }, device('b')]);
    const newOs = admitDevice(stored, 'a', null, now, { machineName: 'box', os: 'windows' });
    expect(newOs.changed).toBe(true);
    expect(newOs.license.devices[0]).toMatchObject({ machineName: 'box', os: 'windows' });
  });

  describe('floating seats', () => {
    const timeoutMs = 300_000;
    const renewAfterMs = timeoutMs * sessions.floatingRenewFraction;

    it('a live seat is renewed once its lastSeenAt is a renewal share of the timeout old, not before', () => {
      const early = license({ floating: true, devices: [device('a', plus(now, -renewAfterMs + 1))] });
      const notYet = admitDevice(early, 'a', '203.0.113.7', now);
      expect(notYet).toEqual({ license: early, newlyBound: false, changed: false });
      expect(notYet.license).toBe(early);

      const due = license({ floating: true, devices: [device('a', plus(now, -renewAfterMs), { machineName: 'box' })] });
      const renewed = admitDevice(due, 'a', '203.0.113.7', now);
      expect(renewed).toMatchObject({ newlyBound: false, changed: true });
      expect(renewed.license.updatedAt).toBe(now);
      expect(renewed.license.devices).toEqual([{ hwid: 'a', boundAt: created, lastSeenAt: now, ip: '203.0.113.7', machineName: 'box', os: null }]);
    });

    it('a renewal drops the dead seats and keeps the other live ones as they were', () => {
      const other = device('b', plus(now, -1_000));
      const stored = license({ floating: true, devices: [device('dead', plus(now, -timeoutMs)), device('a', plus(now, -renewAfterMs)), other] });
      const renewed = admitDevice(stored, 'a', null, now);
      expect(hwids(renewed.license)).toEqual(['a', 'b']);
      expect(renewed.license.devices[1]).toBe(other);
    });

    it('a dead seat is free: a new device takes it, and the dead device is dropped', () => {
      const stored = license({ floating: true, maxHwidSlots: 1, devices: [device('dead', plus(now, -timeoutMs))] });
      const binding = admitDevice(stored, 'new', null, now);
      expect(binding).toMatchObject({ newlyBound: true, changed: true });
      expect(hwids(binding.license)).toEqual(['new']);
      // One millisecond earlier the seat was still held.
      const held = license({ floating: true, maxHwidSlots: 1, devices: [device('held', plus(now, -timeoutMs + 1))] });
      expect(apiErrorOf(() => admitDevice(held, 'new', null, now)).code).toBe('hwid_mismatch');
    });

    it('a device whose seat died comes back as a new binding', () => {
      const stored = license({ floating: true, devices: [device('a', plus(now, -timeoutMs))] });
      const binding = admitDevice(stored, 'a', null, now);
      expect(binding).toMatchObject({ newlyBound: true, changed: true });
      expect(binding.license.devices).toEqual([{ hwid: 'a', boundAt: now, lastSeenAt: now, ip: null, machineName: null, os: null }]);
    });

    it('a live device that renames its machine is written at once, dead seats dropped', () => {
      const stored = license({ floating: true, devices: [device('dead', plus(now, -timeoutMs)), device('a', plus(now, -1_000))] });
      const renamed = admitDevice(stored, 'a', null, now, { machineName: 'box', os: null });
      expect(renamed).toMatchObject({ newlyBound: false, changed: true });
      expect(renamed.license.devices).toEqual([{ hwid: 'a', boundAt: created, lastSeenAt: now, ip: null, machineName: 'box', os: null }]);
    });
  });
});

describe('releaseDevice and deactivateDevice', () => {
  it('frees only that seat and stamps the change; undefined when the device held none', () => {
    const stored = license({ devices: [device('a'), device('b')] });
    const released = releaseDevice(stored, 'a', now);
    expect(released && hwids(released)).toEqual(['b']);
    expect(released?.updatedAt).toBe(now);
    expect(releaseDevice(stored, 'c', now)).toBeUndefined();
  });

  it("deactivation also ends that device's sessions (the epoch bumped, the device's entry at now)", () => {
    const stored = license({ devices: [device('a'), device('b')], sessionEpoch: 4 });
    const deactivated = deactivateDevice(stored, 'a', now);
    expect(deactivated && hwids(deactivated)).toEqual(['b']);
    expect(deactivated?.sessionEpoch).toBe(5);
    expect(deactivated?.endedSessions).toEqual([{ hwid: 'a', at: now, epoch: 5 }]);
    expect(deactivated?.updatedAt).toBe(now);
    expect(deactivateDevice(stored, 'c', now)).toBeUndefined();
  });
});

describe('withViolation', () => {
  const violation = (detail: string, when = now): ViolationDocument => ({ type: 'device_limit', at: when, hwid: 'a', ip: null, detail });

  it('appends the violation, flags the license, stamps it with the violation time', () => {
    const when = plus(now, 5_000);
    const flagged = withViolation(license({ violations: [violation('first')] }), violation('second', when));
    expect(flagged.violations.map((entry) => entry.detail)).toEqual(['first', 'second']);
    expect(flagged.flagged).toBe(true);
    expect(flagged.updatedAt).toBe(when);
  });

  it(`keeps the last ${limits.maxViolationsKept}: a full list drops its oldest`, () => {
    const full = Array.from({ length: limits.maxViolationsKept }, (_, index) => violation(`v${index}`));
    const kept = withViolation(license({ violations: full }), violation('newest')).violations;
    expect(kept).toHaveLength(limits.maxViolationsKept);
    expect(kept[0]?.detail).toBe('v1');
    expect(kept.at(-1)?.detail).toBe('newest');
  });
});

describe('trackIp', () => {
  const day = '2027-03-10';
  const ipsOf = (count: number) => Array.from({ length: count }, (_, index) => `10.0.0.${index}`);

  it('an IP seen today already: nothing exceeded, nothing to write', () => {
    const stored = license({ ipDay: { day, ips: ['10.0.0.1'] } });
    const tracked = trackIp(stored, '10.0.0.1', 1, now);
    expect(tracked).toEqual({ license: stored, exceeded: false, changed: false });
    expect(tracked.license).toBe(stored);
  });

  it('a new IP is recorded for the UTC day; the IP that takes the count past max exceeds, once', () => {
    const stored = license({ ipDay: { day, ips: ['10.0.0.1'] } });
    const second = trackIp(stored, '10.0.0.2', 2, now);
    expect(second).toMatchObject({ exceeded: false, changed: true });
    expect(second.license.ipDay).toEqual({ day, ips: ['10.0.0.1', '10.0.0.2'] });
    const third = trackIp(second.license, '10.0.0.3', 2, now);
    expect(third).toMatchObject({ exceeded: true, changed: true });
    expect(third.license.ipDay.ips).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    // Past the limit the count is already reported: the next IP does not report it again.
    expect(trackIp(third.license, '10.0.0.4', 2, now).exceeded).toBe(false);
  });

  it('a limit of 0 is exceeded by the first IP; no limit is never exceeded', () => {
    expect(trackIp(license(), '10.0.0.1', 0, now).exceeded).toBe(true);
    expect(trackIp(license(), '10.0.0.1', null, now)).toMatchObject({ exceeded: false, changed: true });
    const busy = license({ ipDay: { day, ips: ipsOf(5) } });
    expect(trackIp(busy, '10.0.1.1', null, now)).toMatchObject({ exceeded: false, changed: true });
  });

  it('the day turns at 00:00 UTC: yesterday\'s IPs are forgotten and the count starts again', () => {
    const lastMs = at('2027-03-10T23:59:59.999Z');
    const stored = license({ ipDay: { day, ips: ['10.0.0.1', '10.0.0.2'] } });
    expect(trackIp(stored, '10.0.0.3', 2, lastMs)).toMatchObject({ exceeded: true, license: { ipDay: { day, ips: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] } } });
    const nextDay = at('2027-03-11T00:00:00.000Z');
    const fresh = trackIp(stored, '10.0.0.1', 2, nextDay);
    expect(fresh).toMatchObject({ exceeded: false, changed: true });
    expect(fresh.license.ipDay).toEqual({ day: '2027-03-11', ips: ['10.0.0.1'] });
  });

  it('the stored list is bounded: 32 IPs without a limit (or a small one), max + 1 with a larger one', () => {
    const full = license({ ipDay: { day, ips: ipsOf(32) } });
    const unlimited = trackIp(full, '10.0.1.1', null, now);
    expect(unlimited.license.ipDay.ips).toHaveLength(32);
    expect(unlimited.changed).toBe(true);
    expect(trackIp(license({ ipDay: { day, ips: ipsOf(31) } }), '10.0.1.1', null, now).license.ipDay.ips).toHaveLength(32);
    expect(trackIp(full, '10.0.1.1', 3, now).license.ipDay.ips).toHaveLength(32);
    // A limit of 40 keeps 41 IPs: the one that exceeded it is recorded, later ones only counted.
    const forty = trackIp(full, '10.0.1.1', 40, now);
    expect(forty.license.ipDay.ips).toHaveLength(33);
    expect(trackIp(license({ ipDay: { day, ips: ipsOf(40) } }), '10.0.1.1', 40, now)).toMatchObject({ exceeded: true });
    expect(trackIp(license({ ipDay: { day, ips: ipsOf(40) } }), '10.0.1.1', 40, now).license.ipDay.ips).toHaveLength(41);
    expect(trackIp(license({ ipDay: { day, ips: ipsOf(41) } }), '10.0.1.1', 40, now).license.ipDay.ips).toHaveLength(41);
  });
});

describe('takeHourlyPlace', () => {
  it('entries an hour old or older leave the window; younger ones stay, and now is added', () => {
    const edge = plus(now, -hourMs);
    const inside = plus(now, -hourMs + 1);
    expect(takeHourlyPlace([edge, inside], 2, now, 'activations')).toEqual([inside, now]);
    expect(takeHourlyPlace([], 1, now, 'activations')).toEqual([now]);
  });

  it('a full window refuses with rate_limited (429), naming what and how many, retry when the oldest leaves', () => {
    const oldest = plus(now, -hourMs + 1_500);
    const entries = [plus(now, -60_000), oldest, plus(now, -1)];
    const error = apiErrorOf(() => takeHourlyPlace(entries, 3, now, 'deactivations'));
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.message).toBe('Too many deactivations: at most 3 per hour per key');
    // 1.5 s until the oldest leaves: retry after 2 s (rounded up).
    expect(error.retryAfterSeconds).toBe(2);
  });

  it('the oldest leaving in 1 ms still asks for a whole second; one place below the max is still free', () => {
    const entries = [plus(now, -hourMs + 1), plus(now, -10)];
    expect(apiErrorOf(() => takeHourlyPlace(entries, 2, now, 'activation attempts')).retryAfterSeconds).toBe(1);
    expect(takeHourlyPlace(entries, 3, now, 'activation attempts')).toEqual([...entries, now]);
  });

  it('the retry time counts from the oldest entry, not the newest', () => {
    const entries = [plus(now, -1_000), plus(now, -hourMs + 10_000)];
    expect(apiErrorOf(() => takeHourlyPlace(entries, 2, now, 'activations')).retryAfterSeconds).toBe(10);
  });
});

describe('withClientBan', () => {
  it('adds the entry to its own list only; an entry already there leaves the license unchanged', () => {
    const stored = license({ clientBans: { hwids: ['h1'], ips: ['10.0.0.1'] } });
    expect(withClientBan(stored, 'hwids', 'h2').clientBans).toEqual({ hwids: ['h1', 'h2'], ips: ['10.0.0.1'] });
    expect(withClientBan(stored, 'ips', '10.0.0.2').clientBans).toEqual({ hwids: ['h1'], ips: ['10.0.0.1', '10.0.0.2'] });
    expect(withClientBan(stored, 'ips', '10.0.0.1')).toBe(stored);
  });

  it(`a full list (${limits.maxLicenseClientBans}) drops its oldest entry so the new report takes effect`, () => {
    const full = Array.from({ length: limits.maxLicenseClientBans }, (_, index) => `h${index}`);
    const kept = withClientBan(license({ clientBans: { hwids: full, ips: [] } }), 'hwids', 'new').clientBans.hwids;
    expect(kept).toHaveLength(limits.maxLicenseClientBans);
    expect(kept[0]).toBe('h1');
    expect(kept.at(-1)).toBe('new');
  });
});

describe('session endings', () => {
  const ended = (hwid: string, when: Timestamp, epoch?: number) => (epoch === undefined ? { hwid, at: when } : { hwid, at: when, epoch });

  it('sessionsEndedBefore: the later of the license-wide ending and the device\'s own; 0 when there is none', () => {
    expect(sessionsEndedBefore(license(), 'a')).toBe(0);
    const deviceLater = license({ sessionsValidAfter: plus(now, -5_000), endedSessions: [ended('a', now), ended('b', plus(now, 9_000))] });
    expect(sessionsEndedBefore(deviceLater, 'a')).toBe(now.toMillis());
    expect(sessionsEndedBefore(deviceLater, 'c')).toBe(now.toMillis() - 5_000);
    const licenseLater = license({ sessionsValidAfter: plus(now, 5_000), endedSessions: [ended('a', now)] });
    expect(sessionsEndedBefore(licenseLater, 'a')).toBe(now.toMillis() + 5_000);
    expect(sessionsEndedBefore(license({ endedSessions: [ended('a', now)] }), 'a')).toBe(now.toMillis());
  });

  it('a token without an epoch: ended when issued before the ending, not when issued at its instant', () => {
    const stored = license({ sessionsValidAfter: now });
    expect(sessionEnded(stored, { hwid: 'a', issuedAtMs: now.toMillis() - 1 })).toBe(true);
    expect(sessionEnded(stored, { hwid: 'a', issuedAtMs: now.toMillis() })).toBe(false);
    expect(sessionEnded(license(), { hwid: 'a', issuedAtMs: 0 })).toBe(false);
  });

  it('a token with an epoch: ended below the license-wide epoch, whatever the clocks say', () => {
    const stored = license({ sessionsValidFromEpoch: 3, sessionsValidAfter: plus(now, 1_000_000) });
    expect(sessionEnded(stored, { hwid: 'a', issuedAtMs: now.toMillis(), epoch: 2 })).toBe(true);
    // Issued long "before" sessionsValidAfter by its clock, yet at the valid epoch: not ended.
    expect(sessionEnded(stored, { hwid: 'a', issuedAtMs: 0, epoch: 3 })).toBe(false);
  });

  it("a token with an epoch against its device's ending: by epoch, or by time for an entry written before epochs", () => {
    const stored = license({ sessionsValidFromEpoch: 1, endedSessions: [ended('a', now, 4), ended('b', now), ended('c', now, 9)] });
    expect(sessionEnded(stored, { hwid: 'a', issuedAtMs: now.toMillis() + 5_000, epoch: 3 })).toBe(true);
    expect(sessionEnded(stored, { hwid: 'a', issuedAtMs: 0, epoch: 4 })).toBe(false);
    expect(sessionEnded(stored, { hwid: 'b', issuedAtMs: now.toMillis() - 1, epoch: 5 })).toBe(true);
    expect(sessionEnded(stored, { hwid: 'b', issuedAtMs: now.toMillis(), epoch: 1 })).toBe(false);
    // Another device's ending ends nothing here.
    expect(sessionEnded(stored, { hwid: 'd', issuedAtMs: 0, epoch: 1 })).toBe(false);
  });

  it('endAllSessions bumps the epoch, refuses every older one and stamps sessionsValidAfter', () => {
    const stored = license({ sessionEpoch: 6, sessionsValidFromEpoch: 2 });
    const reset = endAllSessions(stored, now);
    expect(reset).toMatchObject({ sessionEpoch: 7, sessionsValidFromEpoch: 7, sessionsValidAfter: now });
    expect(sessionEnded(reset, { hwid: 'a', issuedAtMs: now.toMillis() + 1, epoch: 6 })).toBe(true);
    expect(sessionEnded(reset, { hwid: 'a', issuedAtMs: 0, epoch: 7 })).toBe(false);
  });

  describe('endSessionsOf', () => {
    const lifetimeMs = sessions.maxLifetimeSeconds * 1000;

    it("ends one device's sessions at the bumped epoch, replacing its older entry and keeping the others", () => {
      const other = ended('b', plus(now, -2_000), 2);
      const stored = license({ sessionEpoch: 3, endedSessions: [ended('a', plus(now, -5_000), 1), other] });
      const next = endSessionsOf(stored, 'a', now);
      expect(next.sessionEpoch).toBe(4);
      expect(next.endedSessions).toEqual([other, { hwid: 'a', at: now, epoch: 4 }]);
      // The license-wide bounds stay as they were.
      expect(next).toMatchObject({ sessionsValidAfter: null, sessionsValidFromEpoch: 0 });
      expect(sessionEnded(next, { hwid: 'a', issuedAtMs: now.toMillis() + 1, epoch: 3 })).toBe(true);
      expect(sessionEnded(next, { hwid: 'b', issuedAtMs: 0, epoch: 3 })).toBe(false);
    });

    it("drops entries a session's whole lifetime old (they end nothing), keeps one a millisecond younger", () => {
      const young = ended('b', plus(now, -lifetimeMs + 1), 1);
      const stored = license({ endedSessions: [ended('c', plus(now, -lifetimeMs), 1), young] });
      expect(endSessionsOf(stored, 'a', now).endedSessions).toEqual([young, { hwid: 'a', at: now, epoch: 1 }]);
    });

    it('keeps the entries ordered by time, whatever order they were stored in', () => {
      const later = ended('b', plus(now, -1_000), 2);
      const earlier = ended('c', plus(now, -9_000), 1);
      expect(endSessionsOf(license({ sessionEpoch: 2, endedSessions: [later, earlier] }), 'a', now).endedSessions).toEqual([earlier, later, { hwid: 'a', at: now, epoch: 3 }]);
    });

    it(`past ${limits.maxEndedSessions} entries the oldest is folded into the license-wide bounds (ending more, never fewer)`, () => {
      const full = Array.from({ length: limits.maxEndedSessions }, (_, index) => ended(`h${index}`, plus(now, -100_000 + index * 1_000), index + 1));
      const stored = license({ sessionEpoch: limits.maxEndedSessions, endedSessions: full });
      const next = endSessionsOf(stored, 'new', now);
      expect(next.endedSessions).toHaveLength(limits.maxEndedSessions);
      expect(next.endedSessions[0]?.hwid).toBe('h1');
      expect(next.endedSessions.at(-1)).toEqual({ hwid: 'new', at: now, epoch: limits.maxEndedSessions + 1 });
      expect(next.sessionsValidAfter).toEqual(plus(now, -100_000));
      expect(next.sessionsValidFromEpoch).toBe(1);
      // The folded device's old sessions stay ended.
      expect(sessionEnded(next, { hwid: 'h0', issuedAtMs: 0, epoch: 0 })).toBe(true);
      // Exactly at the bound nothing is folded.
      const below = endSessionsOf(license({ endedSessions: full.slice(1) }), 'new', now);
      expect(below.endedSessions).toHaveLength(limits.maxEndedSessions);
      expect(below).toMatchObject({ sessionsValidAfter: null, sessionsValidFromEpoch: 0 });
    });

    it('a fold never moves the license-wide bounds back, and reads an entry without an epoch as epoch 0', () => {
      const full = Array.from({ length: limits.maxEndedSessions }, (_, index) => ended(`h${index}`, plus(now, -100_000 + index * 1_000)));
      const later = plus(now, -50_000);
      const kept = endSessionsOf(license({ sessionsValidAfter: later, sessionsValidFromEpoch: 5, endedSessions: full }), 'new', now);
      expect(kept.sessionsValidAfter).toBe(later);
      expect(kept.sessionsValidFromEpoch).toBe(5);
      const earlier = plus(now, -200_000);
      const moved = endSessionsOf(license({ sessionsValidAfter: earlier, endedSessions: full }), 'new', now);
      expect(moved.sessionsValidAfter).toEqual(plus(now, -100_000));
      expect(moved.sessionsValidFromEpoch).toBe(0);
    });
  });
});
