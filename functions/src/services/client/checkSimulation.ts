/**
 * "Simulate a check" (v1 POST /licenses/:licenseKey/simulate): the answer a client would get
 * now for this license and machine, and the rule that decided it. It runs the doors' own pure
 * decision (clientDecision.decideClientCall, which applies the access lists and client bans)
 * on the stored license and app, then the credit check SDK validate makes, and writes nothing:
 * no auth-log entry, no seat, no event, no credit.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { appsCollection, type AppDocument } from '../../data/apps.js';
import { ApiError } from '../../domain/errors.js';
import { loadOwnedLicense } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import { creditBalance } from '../admin/credits.js';
import { liveDevices } from '../licensing/licenseRules.js';
import { assertAdmitted, ipListed } from './accessLists.js';
import { decideClientCall, sdkDoor, seed004Door, type AppRules, type ClientAction, type DoorPolicy } from './clientDecision.js';

export type SimulatedDoor = 'sdk' | 'activate' | 'validate';

/** Each door as the decision knows it: its policy and the action its call makes. */
const doors: Record<SimulatedDoor, { policy: DoorPolicy; action: ClientAction }> = {
  sdk: { policy: sdkDoor, action: 'validate' },
  activate: { policy: seed004Door, action: 'activate' },
  // seed 004 validate checks a session token on its machine (the decision's `session` action).
  validate: { policy: seed004Door, action: 'session' },
};

export interface SimulatedCheck {
  licenseKey: string;
  door: SimulatedDoor;
  /** The refusal, when there is one: the door renders it in its own shape. */
  error: ApiError | undefined;
  rule: string;
  wouldBindDevice: boolean;
  ipChecked: boolean;
  message: string;
}

/** Without an IP, the IP rules are left out (an IP whitelist would otherwise refuse every call). */
function rulesOf(app: AppDocument, ipChecked: boolean): AppRules {
  const security = ipChecked ? app.security : { ...app.security, ipBlacklist: [], ipWhitelist: [] };
  const clientBans = ipChecked ? app.clientBans : { ...app.clientBans, ips: [] };
  return { disabled: app.disabled, security, clientBans, maxIpsPerDay: app.settings.maxIpsPerDay };
}

/** Names the rule behind a refusal, in the terms of the console. */
function ruleOf(error: ApiError, rules: AppRules, hwid: string, ip: string): string {
  switch (error.code) {
    case 'blocked': {
      if (rules.security.hwidBlacklist.includes(hwid) || ipListed(rules.security.ipBlacklist, ip)) return 'blacklist';
      try {
        assertAdmitted(rules.security, hwid, ip);
      } catch {
        return 'whitelist';
      }
      return 'client_ban';
    }
    case 'revoked':
      return 'license_revoked';
    case 'expired':
      return 'license_expired';
    case 'hwid_mismatch':
      return 'seat_limit';
    case 'rate_limited':
      return 'activation_limit';
    case 'session_expired':
      return 'device_not_activated';
    default:
      return error.code;
  }
}

export async function simulateCheck(
  principal: Principal,
  licenseKey: string,
  input: { hwid: string; ip?: string | undefined; door: SimulatedDoor },
  now = Timestamp.now(),
): Promise<SimulatedCheck> {
  const license = await loadOwnedLicense(principal, licenseKey);
  // The stored app, not an instance's cached copy: the simulation shows the rules as they are now.
  const app = (await appsCollection().doc(license.appId).get()).data();
  if (!app) throw new ApiError('not_found', 'Product not found');
  const ipChecked = input.ip !== undefined;
  const ip = input.ip ?? '';
  const rules = rulesOf(app, ipChecked);
  const { policy, action } = doors[input.door];
  const decision = decideClientCall(policy, rules, license, { action, appId: license.appId, hwid: input.hwid, ip }, now);
  const base = { licenseKey, door: input.door, ipChecked };
  if (decision.outcome === 'refuse') {
    return { ...base, error: decision.error, rule: ruleOf(decision.error, rules, input.hwid, ip), wouldBindDevice: false, message: decision.error.message };
  }
  // SDK validate costs a credit on a metered account: with none left it answers no_credits.
  if (input.door === 'sdk' && !app.creditsUnlimited && (await creditBalance(license.accountId)) <= 0) {
    const error = new ApiError('no_credits', 'This account has no credits left');
    return { ...base, error, rule: 'no_credits', wouldBindDevice: false, message: error.message };
  }
  const wouldBindDevice = decision.events.some((event) => event.type === 'license.hwid_bound');
  const seats = license.unlimitedHwidSlots ? 'unlimited seats' : `${liveDevices(decision.license, now).length} of ${license.maxHwidSlots} seats`;
  const message = wouldBindDevice ? `Admitted: this machine would take a new seat (${seats} then used)` : `Admitted (${seats} used)`;
  return { ...base, error: undefined, rule: 'admitted', wouldBindDevice, message };
}
