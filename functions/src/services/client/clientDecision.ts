/**
 * The one decision behind every client call (SDK validate, heartbeat and selfban; seed 004
 * verify, activate, validate, heartbeat and deactivate): given the license as stored, the app's
 * configuration, the request and the time, admit or refuse, say what changes on the license and
 * which events record it. Pure: no Firestore, no clock; services/client/clientTransaction.ts runs it
 * inside the license transaction. Where the doors differ, `DoorPolicy` says so.
 */
import type { Timestamp } from 'firebase-admin/firestore';
import { activationAttemptsPerHour, deactivationsPerHour, sessions } from '../../config/constants.js';
import type { ClientBans, SecurityLists } from '../../data/apps.js';
import type { EventType } from '../../data/events.js';
import type { LicenseDocument } from '../../data/licenses.js';
import { ApiError } from '../../domain/errors.js';
import { isoDate } from '../../data/shared.js';
import { clockStarts, expiryStanding, revokedOnExpiry, withClockStarted } from '../licensing/licenseExpiry.js';
import { missingEntitlements } from '../licensing/entitlements.js';
import { admitDevice, type MachineDescription, deactivateDevice, endAllSessions, liveDevices, sessionEnded, takeHourlyPlace, trackIp, withClientBan, withViolation } from '../licensing/licenseRules.js';
import { assertAdmitted } from './accessLists.js';

export type ClientAction = 'validate' | 'activate' | 'heartbeat' | 'session' | 'deactivate' | 'selfban' | 'verify' | 'usage';

/** How a door differs: its codes, nothing else. */
export interface DoorPolicy {
  door: 'sdk' | 'seed004';
  /** The code when the key is unknown or belongs to another app, for calls that present a key. */
  unknownKey: 'invalid_key' | 'not_found';
}

export const sdkDoor: DoorPolicy = { door: 'sdk', unknownKey: 'invalid_key' };
export const seed004Door: DoorPolicy = { door: 'seed004', unknownKey: 'not_found' };

/** The app configuration a decision reads (from the instance cache). */
export interface AppRules {
  disabled: boolean;
  security: SecurityLists;
  /** Bans reported by the app's clients (SDK selfban): refused like blacklist entries. */
  clientBans: ClientBans;
  maxIpsPerDay: number | null;
}

export interface ClientRequest {
  action: ClientAction;
  appId: string;
  hwid: string | null;
  ip: string;
  /**
   * Calls made with a session token: the device it was issued to, when this token was issued and
   * when the validate (or activate) that opened the session was (ms; the absolute lifetime), and
   * the license's session epoch it was issued from (absent in older tokens).
   */
  session?: { hwid: string; issuedAtMs: number; openedAtMs: number; epoch?: number };
  /** selfban: revoke the license (only with a session; checked by the door). */
  revoke?: boolean;
  /**
   * selfban: ban the device (`hwid`: the session's, or with only the app secret a device bound to
   * the license) and the caller's IP on this license only (licenseRules.withClientBan).
   */
  report?: { hwid: boolean; ip: boolean };
  /** usage: the meter counted (it must be one the license declares; the count is the meter document's). */
  meter?: string;
  /** activate: what the app says about the machine, stored on its device. */
  machine?: MachineDescription;
  /**
   * SDK validate, seed 004 validate: entitlement codes the client needs. A license lacking any
   * is refused (403 entitlements_missing, naming them) before a device is bound.
   */
  requireEntitlements?: readonly string[];
}

export interface ClientEvent {
  type: EventType;
  data: Record<string, unknown>;
}

export type ClientDecision =
  /**
   * `record`: refused, but the license is written as this (a counted activation attempt, or a
   * license revoked by its expiry), with `recordEvents` (the revocation's event) in the same commit.
   */
  | { outcome: 'refuse'; error: ApiError; record?: LicenseDocument; recordEvents?: ClientEvent[] }
  | {
      outcome: 'admit';
      /** The license after the call (the stored one when nothing changed). */
      license: LicenseDocument;
      /** True when the license document must be written. */
      licenseChanged: boolean;
      events: ClientEvent[];
    };

/**
 * What each action checks; one row per action, the same for every door. `window`: which hourly
 * window of the license the call takes a place in: every seed 004 activate attempt (`attempts`,
 * counted even when then refused), a fixed seat newly bound by SDK validate (`binds`, the same
 * window), a seat freed by deactivate (`releases`).
 */
const actionRules: Record<ClientAction, { checksApp: boolean; checksUsable: boolean; tracksIp: boolean; window: 'attempts' | 'binds' | 'releases' | null }> = {
  validate: { checksApp: true, checksUsable: true, tracksIp: true, window: 'binds' },
  activate: { checksApp: true, checksUsable: true, tracksIp: true, window: 'attempts' },
  heartbeat: { checksApp: true, checksUsable: true, tracksIp: false, window: null },
  session: { checksApp: true, checksUsable: true, tracksIp: false, window: null },
  verify: { checksApp: true, checksUsable: true, tracksIp: false, window: null },
  // Freeing a seat works on any license, even a revoked one or a disabled app's. Reporting
  // tampering works in a disabled app, but not on a revoked or expired license: its answer is
  // signed `ok`, which no door gives such a license (410 revoked / expired, as validate).
  deactivate: { checksApp: false, checksUsable: false, tracksIp: false, window: 'releases' },
  selfban: { checksApp: false, checksUsable: true, tracksIp: false, window: null },
  // Counting usage (README, Usage meters): a usable license, from a device bound to it.
  usage: { checksApp: true, checksUsable: true, tracksIp: false, window: null },
};

const sessionOver = (message: string) => new ApiError('session_expired', message);

/** The client bans as blacklists, for the same check as the vendor's lists. */
const asBlacklists = (bans: ClientBans): SecurityLists => ({ hwidBlacklist: bans.hwids, ipBlacklist: bans.ips, hwidWhitelist: [], ipWhitelist: [] });

/** The checks before the license is looked at: the session's device and age, the app, its lists. */
function assertCallAdmitted(app: AppRules, request: ClientRequest, now: Timestamp): void {
  const { hwid, ip, session } = request;
  if (session) {
    // A session is bound to its device at every door and action (selfban included).
    if (hwid !== null && session.hwid !== hwid) throw new ApiError('hwid_mismatch', 'The session belongs to another device');
    if (now.toMillis() - session.openedAtMs >= sessions.maxLifetimeSeconds * 1000) throw sessionOver('Session lifetime reached; validate again');
  }
  if (actionRules[request.action].checksApp) {
    if (app.disabled) throw new ApiError('app_disabled', 'This app is disabled');
    assertAdmitted(app.security, hwid, ip);
    assertAdmitted(asBlacklists(app.clientBans), hwid, ip);
  }
}

/** What a refused call still writes: a counted attempt, a revocation on expiry, and their events. */
interface Counted {
  license?: LicenseDocument;
  events: ClientEvent[];
}

/**
 * Refuses a license that may not be used now: revoked (410 revoked), or past its expiry and any
 * grace (410 expired). The expiration strategy decides (licenseExpiry.expiryStanding): maintain
 * and allow stay usable; revoke revokes the license now, written with its `license.revoked`
 * event (reason `expired`) although the call is refused.
 */
function assertUsable(license: LicenseDocument, now: Timestamp, counted: Counted): void {
  if (license.revoked) throw new ApiError('revoked', 'This license has been revoked');
  if (expiryStanding(license, now).usable) return;
  if (license.expirationStrategy === 'revoke') {
    counted.license = revokedOnExpiry(counted.license ?? license, now);
    counted.events.push({ type: 'license.revoked', data: { reason: 'expired', expiresAt: isoDate(license.expiresAt) } });
    throw new ApiError('revoked', 'This license was revoked when it expired');
  }
  throw new ApiError('expired', 'This license has expired');
}

/** Throws the refusal; `decideClientCall` turns it into a decision. */
function decide(policy: DoorPolicy, app: AppRules, stored: LicenseDocument | undefined, request: ClientRequest, now: Timestamp, counted: Counted): Extract<ClientDecision, { outcome: 'admit' }> {
  const rules = actionRules[request.action];
  const { hwid, ip, session } = request;
  assertCallAdmitted(app, request, now);
  if (!stored || stored.appId !== request.appId) {
    // A session whose license is gone is over (definitive for the SDKs); a presented key is unknown
    // (marked so the refusal is logged, not stored: random keys must not write documents).
    if (session) throw sessionOver('Invalid session token');
    throw new ApiError(policy.unknownKey, policy.unknownKey === 'not_found' ? 'License key does not exist' : 'License key not found', { unknownLicense: true });
  }
  // What the license's own clients reported (selfban) is refused on this license only.
  if (rules.checksApp) assertAdmitted(asBlacklists(stored.clientBans), hwid, ip);
  let license = stored;
  let licenseChanged = false;
  if (rules.window === 'attempts') {
    // Counted before the license's own checks: a refused attempt is an attempt (seed 004).
    license = { ...license, activationAttempts: takeHourlyPlace(license.activationAttempts, activationAttemptsPerHour, now, 'activation attempts') };
    licenseChanged = true;
    counted.license = { ...license, updatedAt: now };
  }
  if (rules.checksUsable) assertUsable(stored, now, counted);
  // Reset, revoke and deactivate (the device's endedSessions) end sessions, by the license's
  // session epoch; a revoked or expired license says so first (410), a reinstated one does not revive them.
  if (session && sessionEnded(stored, session)) throw sessionOver('This session was ended; validate again');
  if (request.requireEntitlements && request.requireEntitlements.length > 0) {
    // Before any binding: a refused client takes no seat and writes nothing.
    const missing = missingEntitlements(stored, request.requireEntitlements, now);
    if (missing.length > 0) {
      throw new ApiError('entitlements_missing', `This license lacks the entitlement${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, { details: { missing } });
    }
  }

  const events: ClientEvent[] = [];
  const device = hwid ?? '';
  switch (request.action) {
    case 'validate':
    case 'activate':
    case 'heartbeat': {
      // A fixed seat freed by deactivate or resetActivations is not re-taken by an old session
      // (that would undo the reset and skip the activation limit): the device validates again.
      // A floating seat lost to timeout is re-taken while one is free.
      if (request.action === 'heartbeat' && !license.floating && !license.unlimitedHwidSlots && !license.devices.some((bound) => bound.hwid === device)) {
        throw sessionOver('This device is no longer activated; validate again');
      }
      const binding = admitDevice(license, device, ip, now, request.machine);
      license = binding.license;
      licenseChanged ||= binding.changed;
      if (binding.newlyBound) {
        // A fixed seat bound by SDK validate is an activation: it takes a place in the same window
        // (a floating seat re-taken after its timeout is not).
        if (rules.window === 'binds' && !license.floating) {
          license = { ...license, activationAttempts: takeHourlyPlace(stored.activationAttempts, activationAttemptsPerHour, now, 'new device activations') };
        }
        events.push({ type: 'license.hwid_bound', data: { hwid: device, ip } });
      }
      break;
    }
    case 'session':
      if (!license.unlimitedHwidSlots && !liveDevices(license, now).some((bound) => bound.hwid === device)) {
        throw sessionOver('This machine is no longer activated; activate again');
      }
      break;
    case 'deactivate': {
      // The freed device's sessions end with its seat (licenseRules.deactivateDevice).
      const released = deactivateDevice(license, device, now);
      if (!released) throw new ApiError('not_found', 'This machine is not activated on this license');
      license = { ...released, deactivations: takeHourlyPlace(license.deactivations, deactivationsPerHour, now, 'deactivations') };
      licenseChanged = true;
      events.push({ type: 'license.hwid_reset', data: { hwid: device, reason: 'deactivated' } });
      break;
    }
    case 'selfban':
      if (request.revoke && !license.revoked) {
        license = { ...endAllSessions(license, now), revoked: true, revokedAt: now, revokeReason: 'selfban', updatedAt: now };
        licenseChanged = true;
        events.push({ type: 'license.revoked', data: { reason: 'selfban', hwid } });
      }
      // With only the app secret, a device is banned only if it is bound to this license.
      if (request.report?.hwid && hwid !== null && (session !== undefined || license.devices.some((bound) => bound.hwid === hwid))) {
        const banned = withClientBan(license, 'hwids', hwid);
        licenseChanged ||= banned !== license;
        license = banned;
      }
      if (request.report?.ip) {
        const banned = withClientBan(license, 'ips', ip);
        licenseChanged ||= banned !== license;
        license = banned;
      }
      break;
    case 'verify':
      break;
    case 'usage':
      // Usage is counted from a device that holds a seat (or any, on an unlimited license), on a
      // meter the license declares; the amount against the limit is decided on the meter document.
      if (!license.unlimitedHwidSlots && !liveDevices(license, now).some((bound) => bound.hwid === device)) {
        throw new ApiError('hwid_mismatch', 'This device is not activated on this license');
      }
      if (!request.meter || !license.meters?.[request.meter]) throw new ApiError('not_found', `The license has no meter ${request.meter ?? ''}`);
      break;
  }
  if (rules.tracksIp && app.maxIpsPerDay !== null) {
    const tracked = trackIp(license, ip, app.maxIpsPerDay, now);
    license = tracked.license;
    licenseChanged ||= tracked.changed;
    if (tracked.exceeded) {
      license = withViolation(license, { type: 'too_many_ips', at: now, hwid, ip, detail: `More than ${app.maxIpsPerDay} IPs today` });
    }
  }
  if (request.action !== 'usage' && clockStarts(license, request.action)) {
    // expirationBasis firstActivation / firstValidation: this admitted call starts the clock.
    license = withClockStarted(license, now);
    licenseChanged = true;
    events.push({ type: 'license.updated', data: { reason: 'clock_started', expirationBasis: license.expirationBasis, expiresAt: isoDate(license.expiresAt) } });
  }
  if (request.action === 'validate' && policy.door === 'sdk') events.push({ type: 'license.validated', data: { hwid, ip } });
  return { outcome: 'admit', license: licenseChanged ? { ...license, updatedAt: now } : license, licenseChanged, events };
}

export function decideClientCall(policy: DoorPolicy, app: AppRules, stored: LicenseDocument | undefined, request: ClientRequest, now: Timestamp): ClientDecision {
  const counted: Counted = { events: [] };
  try {
    return decide(policy, app, stored, request, now, counted);
  } catch (error) {
    if (error instanceof ApiError) return counted.license ? { outcome: 'refuse', error, record: counted.license, recordEvents: counted.events } : { outcome: 'refuse', error };
    throw error;
  }
}

/** True for the refusal of a key that names no license of the app (logged, not stored). */
export const refusedUnknownLicense = (error: unknown): boolean => error instanceof ApiError && error.unknownLicense;

/** Events recorded only when some webhook of the app takes them (not state changes). */
export const eventsOnlyForSubscribers: ReadonlySet<EventType> = new Set<EventType>(['license.validated']);
