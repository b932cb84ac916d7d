/**
 * The rules about one license, as pure functions over its document: status, seats, devices.
 * Every door uses these, so a license reads the same everywhere.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { limits, sessions } from '../../config/constants.js';
import type { DeviceDocument, LicenseDocument, ViolationDocument } from '../../data/licenses.js';
import { ApiError } from '../../domain/errors.js';

export type LicenseStatus = 'active' | 'revoked' | 'expired';

export function licenseStatus(license: Pick<LicenseDocument, 'revoked' | 'expiresAt'>, now: Timestamp): LicenseStatus {
  if (license.revoked) return 'revoked';
  if (license.expiresAt && license.expiresAt.toMillis() <= now.toMillis()) return 'expired';
  return 'active';
}

/** Devices holding a seat now: all bound devices, or for floating licenses those still heartbeating. */
export function liveDevices(license: LicenseDocument, now: Timestamp): DeviceDocument[] {
  if (!license.floating) return license.devices;
  const cutoff = now.toMillis() - license.heartbeatTimeoutSeconds * 1000;
  return license.devices.filter((device) => device.lastSeenAt.toMillis() > cutoff);
}

/** What an activating app says about its machine (seed 004 activate). */
export interface MachineDescription {
  machineName: string | null;
  os: string | null;
}

export interface Binding {
  license: LicenseDocument;
  /** True when this call bound a new device (an hwid_bound event). */
  newlyBound: boolean;
  /** True when the document changed and must be written. */
  changed: boolean;
}

/**
 * Admits `hwid` to the license, or throws `hwid_mismatch` when every seat is taken.
 * Unlimited-seat licenses admit any device and bind nothing. Floating licenses drop dead
 * seats first, so a crashed client frees its seat without any scheduled job.
 */
export function admitDevice(license: LicenseDocument, hwid: string, ip: string | null, now: Timestamp, machine?: MachineDescription): Binding {
  if (license.unlimitedHwidSlots) return { license, newlyBound: false, changed: false };
  const live = liveDevices(license, now);
  const existing = live.find((device) => device.hwid === hwid);
  if (existing && machine && (machine.machineName !== existing.machineName || machine.os !== existing.os)) {
    // The app renamed the machine (or first said what it is): written only when it changed.
    const devices = live.map((device) => (device.hwid === hwid ? { ...device, ...machine, lastSeenAt: now, ip } : device));
    return { license: { ...license, devices, updatedAt: now }, newlyBound: false, changed: true };
  }
  if (existing) {
    if (!license.floating) return { license, newlyBound: false, changed: false };
    // A floating seat is renewed once its lastSeenAt is older than a share of the timeout, not
    // at every call: the license is written at most a few times per timeout per device, and a
    // silent device's seat is free between (1 - floatingRenewFraction) x timeout and the timeout.
    const renewAfterMs = license.heartbeatTimeoutSeconds * 1000 * sessions.floatingRenewFraction;
    if (now.toMillis() - existing.lastSeenAt.toMillis() < renewAfterMs) return { license, newlyBound: false, changed: false };
    const devices = live.map((device) => (device.hwid === hwid ? { ...device, lastSeenAt: now, ip } : device));
    return { license: { ...license, devices, updatedAt: now }, newlyBound: false, changed: true };
  }
  if (live.length >= license.maxHwidSlots) {
    throw new ApiError('hwid_mismatch', `This license is already active on ${license.maxHwidSlots} device(s)`, {
      violation: 'device_limit',
    });
  }
  const devices = [...live, { hwid, boundAt: now, lastSeenAt: now, ip, machineName: machine?.machineName ?? null, os: machine?.os ?? null }];
  return { license: { ...license, devices, updatedAt: now }, newlyBound: true, changed: true };
}

/** Frees a device's seat. Returns undefined when the device held none. */
export function releaseDevice(license: LicenseDocument, hwid: string, now: Timestamp): LicenseDocument | undefined {
  if (!license.devices.some((device) => device.hwid === hwid)) return undefined;
  return { ...license, devices: license.devices.filter((device) => device.hwid !== hwid), updatedAt: now };
}

/**
 * Deactivates a device: frees its seat and ends its sessions (a floating seat would otherwise be
 * re-taken by them). The rule behind seed 004 deactivate and the vendor's release of one device
 * (v1 DELETE /licenses/:key/devices/:hwid). Undefined when the device held no seat.
 */
export function deactivateDevice(license: LicenseDocument, hwid: string, now: Timestamp): LicenseDocument | undefined {
  const released = releaseDevice(license, hwid, now);
  return released && endSessionsOf(released, hwid, now);
}

export function withViolation(license: LicenseDocument, violation: ViolationDocument): LicenseDocument {
  const violations = [...license.violations, violation].slice(-limits.maxViolationsKept);
  return { ...license, violations, flagged: true, updatedAt: violation.at };
}

/** Records the client IP for the UTC day; reports whether the day's distinct count exceeds `max`. */
export function trackIp(license: LicenseDocument, ip: string, max: number | null, now: Timestamp): { license: LicenseDocument; exceeded: boolean; changed: boolean } {
  const day = now.toDate().toISOString().slice(0, 10);
  const ips = license.ipDay.day === day ? license.ipDay.ips : [];
  if (ips.includes(ip)) return { license, exceeded: false, changed: license.ipDay.day !== day };
  // Keep the list bounded: past the limit, only the count matters.
  const cap = Math.max((max ?? 0) + 1, 32);
  const next = ips.length >= cap ? ips : [...ips, ip];
  const exceeded = max !== null && ips.length + 1 > max && ips.length <= max;
  return { license: { ...license, ipDay: { day, ips: next } }, exceeded, changed: true };
}

const hourMs = 3_600_000;

/**
 * Takes a place in a per-license hourly window (activation attempts, deactivations): the
 * entries still inside the hour plus `now`, or `rate_limited` with the seconds until the oldest
 * leaves. The window lives on the license the client transaction reads and writes, so
 * concurrent calls are serialized by the transaction: none can pass a full window.
 */
export function takeHourlyPlace(entries: Timestamp[], max: number, now: Timestamp, what: string): Timestamp[] {
  const inside = entries.filter((at) => now.toMillis() - at.toMillis() < hourMs);
  if (inside.length >= max) {
    const oldest = Math.min(...inside.map((at) => at.toMillis()));
    throw new ApiError('rate_limited', `Too many ${what}: at most ${max} per hour per key`, {
      retryAfterSeconds: Math.max(1, Math.ceil((oldest + hourMs - now.toMillis()) / 1000)),
    });
  }
  return [...inside, now];
}

/**
 * Adds a client-reported ban (SDK selfban) to the license's own list: the same license unchanged
 * when it is there already; when the list is full the oldest entry is dropped, so a later genuine
 * report always takes effect.
 */
export function withClientBan(license: LicenseDocument, list: 'hwids' | 'ips', entry: string): LicenseDocument {
  const entries = license.clientBans[list];
  if (entries.includes(entry)) return license;
  const kept = [...entries, entry].slice(-limits.maxLicenseClientBans);
  return { ...license, clientBans: { ...license.clientBans, [list]: kept } };
}

/** The instant (ms) before which the sessions of `hwid` on this license are over, or 0 (tokens without an epoch). */
export function sessionsEndedBefore(license: LicenseDocument, hwid: string): number {
  const device = license.endedSessions.find((entry) => entry.hwid === hwid)?.at.toMillis() ?? 0;
  return Math.max(license.sessionsValidAfter?.toMillis() ?? 0, device);
}

/** A session as a token describes it: its device, when it was issued, the license's epoch then (absent in older tokens). */
export interface SessionOrigin {
  hwid: string;
  issuedAtMs: number;
  epoch?: number;
}

/**
 * True when an ending (reset, revoke, deactivate of its device) came after the session was
 * issued. A token with an epoch is compared by epoch only: the epoch is bumped in the ending's
 * transaction and read in the issuing one, so the two are ordered by Firestore, not by clocks
 * read before either. A token without one (issued before epochs) keeps the time rule it had.
 */
export function sessionEnded(license: LicenseDocument, session: SessionOrigin): boolean {
  if (session.epoch === undefined) return session.issuedAtMs < sessionsEndedBefore(license, session.hwid);
  if (session.epoch < license.sessionsValidFromEpoch) return true;
  const device = license.endedSessions.find((entry) => entry.hwid === session.hwid);
  if (!device) return false;
  // An entry written before epochs: its time, as before.
  return device.epoch === undefined ? session.issuedAtMs < device.at.toMillis() : session.epoch < device.epoch;
}

/** The license's next session epoch (bumped by an ending). */
const nextEpoch = (license: LicenseDocument) => license.sessionEpoch + 1;

/**
 * Ends every session of the license issued before this change (reset, revoke): the epoch is
 * bumped and every older one refused, whatever the devices list holds; sessionsValidAfter keeps
 * ending the tokens issued before epochs.
 */
export function endAllSessions(license: LicenseDocument, now: Timestamp): LicenseDocument {
  const epoch = nextEpoch(license);
  return { ...license, sessionEpoch: epoch, sessionsValidFromEpoch: epoch, sessionsValidAfter: now };
}

/**
 * Ends the sessions of one device issued before `now` (before the bumped epoch). Entries older
 * than a session's absolute lifetime end nothing and are dropped; past the bound, the oldest is
 * folded into sessionsValidAfter and sessionsValidFromEpoch (which end every session issued
 * before them: more, never fewer).
 */
export function endSessionsOf(license: LicenseDocument, hwid: string, now: Timestamp): LicenseDocument {
  const epoch = nextEpoch(license);
  const live = license.endedSessions.filter((entry) => entry.hwid !== hwid && now.toMillis() - entry.at.toMillis() < sessions.maxLifetimeSeconds * 1000);
  const kept = [...live, { hwid, at: now, epoch }].sort((a, b) => a.at.toMillis() - b.at.toMillis());
  let { sessionsValidAfter, sessionsValidFromEpoch } = license;
  while (kept.length > limits.maxEndedSessions) {
    const folded = kept.shift();
    if (!folded) break;
    if (!sessionsValidAfter || folded.at.toMillis() > sessionsValidAfter.toMillis()) sessionsValidAfter = folded.at;
    sessionsValidFromEpoch = Math.max(sessionsValidFromEpoch, folded.epoch ?? 0);
  }
  return { ...license, sessionEpoch: epoch, endedSessions: kept, sessionsValidAfter, sessionsValidFromEpoch };
}
