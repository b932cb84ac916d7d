/**
 * The one decision behind every client call (SDK validate, heartbeat and selfban; seed 004
 * verify, activate, validate, heartbeat and deactivate): given the license as stored, the app's
 * configuration, the request and the time, admit or refuse, say what changes on the license and
 * which events record it. Pure: no Firestore, no clock; services/clientTransaction.ts runs it
 * inside the license transaction. Where the doors differ, `DoorPolicy` says so.
 */
import type { Timestamp } from 'firebase-admin/firestore';
import type { SecurityLists } from '../data/apps.js';
import type { EventType } from '../data/events.js';
import type { LicenseDocument } from '../data/licenses.js';
import { ApiError } from '../http/errors.js';
import { admitDevice, assertUsable, liveDevices, releaseDevice, trackIp, withViolation } from './licenseRules.js';
import { assertAdmitted } from './security.js';

export type ClientAction = 'validate' | 'activate' | 'heartbeat' | 'session' | 'deactivate' | 'selfban' | 'verify';

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
  maxIpsPerDay: number | null;
}

export interface ClientRequest {
  action: ClientAction;
  appId: string;
  hwid: string | null;
  ip: string;
  /** Calls made with a session token: the device it was issued to and when (ms). */
  session?: { hwid: string; issuedAtMs: number };
  /** selfban: revoke the license (only with a session; checked by the door). */
  revoke?: boolean;
}

export interface ClientEvent {
  type: EventType;
  data: Record<string, unknown>;
}

export type ClientDecision =
  | { outcome: 'refuse'; error: ApiError }
  | {
      outcome: 'admit';
      /** The license after the call (the stored one when nothing changed). */
      license: LicenseDocument;
      /** True when the license document must be written. */
      licenseChanged: boolean;
      events: ClientEvent[];
    };

/** What each action checks; one row per action, the same for every door. */
const actionRules: Record<ClientAction, { checksApp: boolean; checksUsable: boolean; binds: boolean; tracksIp: boolean }> = {
  validate: { checksApp: true, checksUsable: true, binds: true, tracksIp: true },
  activate: { checksApp: true, checksUsable: true, binds: true, tracksIp: true },
  heartbeat: { checksApp: true, checksUsable: true, binds: false, tracksIp: false },
  session: { checksApp: true, checksUsable: true, binds: false, tracksIp: false },
  verify: { checksApp: true, checksUsable: true, binds: false, tracksIp: false },
  // Freeing a seat and reporting tampering work on any license, even a revoked one or a disabled app's.
  deactivate: { checksApp: false, checksUsable: false, binds: false, tracksIp: false },
  selfban: { checksApp: false, checksUsable: false, binds: false, tracksIp: false },
};

const sessionOver = (message: string) => new ApiError('session_expired', message);

/** Throws the refusal; `decideClientCall` turns it into a decision. */
function decide(policy: DoorPolicy, app: AppRules, stored: LicenseDocument | undefined, request: ClientRequest, now: Timestamp): Extract<ClientDecision, { outcome: 'admit' }> {
  const rules = actionRules[request.action];
  const { hwid, ip, session } = request;
  if (rules.checksApp) {
    if (app.disabled) throw new ApiError('app_disabled', 'This app is disabled');
    if (session && hwid !== null && session.hwid !== hwid) throw new ApiError('hwid_mismatch', 'The session belongs to another device');
    assertAdmitted(app.security, hwid, ip);
  }
  if (!stored || stored.appId !== request.appId) {
    // A session whose license is gone is over (definitive for the SDKs); a presented key is unknown.
    if (session) throw sessionOver('Invalid session token');
    throw new ApiError(policy.unknownKey, policy.unknownKey === 'not_found' ? 'License key does not exist' : 'License key not found');
  }
  if (session && stored.sessionsValidAfter && session.issuedAtMs < stored.sessionsValidAfter.toMillis()) {
    throw sessionOver('This session was ended; validate again');
  }
  if (rules.checksUsable) assertUsable(stored, now);

  let license = stored;
  let licenseChanged = false;
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
      const binding = admitDevice(license, device, ip, now);
      license = binding.license;
      licenseChanged = binding.changed;
      if (binding.newlyBound) events.push({ type: 'license.hwid_bound', data: { hwid: device, ip } });
      break;
    }
    case 'session':
      if (!license.unlimitedHwidSlots && !liveDevices(license, now).some((bound) => bound.hwid === device)) {
        throw sessionOver('This machine is no longer activated; activate again');
      }
      break;
    case 'deactivate': {
      const released = releaseDevice(license, device, now);
      if (!released) throw new ApiError('not_found', 'This machine is not activated on this license');
      license = released;
      licenseChanged = true;
      events.push({ type: 'license.hwid_reset', data: { hwid: device, reason: 'deactivated' } });
      break;
    }
    case 'selfban':
      if (request.revoke && !license.revoked) {
        license = { ...license, revoked: true, revokedAt: now, revokeReason: 'selfban', updatedAt: now };
        licenseChanged = true;
        events.push({ type: 'license.revoked', data: { reason: 'selfban', hwid } });
      }
      break;
    case 'verify':
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
  if (request.action === 'validate' && policy.door === 'sdk') events.push({ type: 'license.validated', data: { hwid, ip } });
  return { outcome: 'admit', license: licenseChanged ? { ...license, updatedAt: now } : license, licenseChanged, events };
}

export function decideClientCall(policy: DoorPolicy, app: AppRules, stored: LicenseDocument | undefined, request: ClientRequest, now: Timestamp): ClientDecision {
  try {
    return decide(policy, app, stored, request, now);
  } catch (error) {
    if (error instanceof ApiError) return { outcome: 'refuse', error };
    throw error;
  }
}

/** Events recorded only when some webhook of the app takes them (not state changes). */
export const eventsOnlyForSubscribers: ReadonlySet<EventType> = new Set<EventType>(['license.validated']);
