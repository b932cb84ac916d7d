import { Timestamp } from 'firebase-admin/firestore';
import { limits } from '../../config/constants.js';
import { appsCollection, type AppDocument, type SecurityLists } from '../../data/apps.js';
import { db } from '../../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';
import { commitLicense } from '../licensing/licenseChanges.js';
import { badRequest, conflict, notFound } from '../../domain/errors.js';
import { loadOwnedApp } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import { ipEntryValid } from '../client/accessLists.js';
import { securityView } from '../../views/securitySettings.js';

export type ListKind = 'blacklist' | 'whitelist';
export type EntryType = 'hwid' | 'ip';

const listField = (kind: ListKind, type: EntryType): keyof SecurityLists =>
  type === 'hwid' ? (kind === 'blacklist' ? 'hwidBlacklist' : 'hwidWhitelist') : kind === 'blacklist' ? 'ipBlacklist' : 'ipWhitelist';

export async function getSecurity(principal: Principal, appId: string) {
  return securityView(appId, await loadOwnedApp(principal, appId));
}

async function changeApp(principal: Principal, appId: string, change: (app: AppDocument) => AppDocument) {
  const app = await db().runTransaction(async (transaction) => {
    const current = await loadOwnedApp(principal, appId, transaction);
    const next = { ...change(current), updatedAt: Timestamp.now() };
    transaction.set(appsCollection().doc(appId), next);
    return next;
  });
  return securityView(appId, app);
}

export function updateSecuritySettings(principal: Principal, appId: string, settings: Partial<AppDocument['settings']>) {
  const defined = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
  return changeApp(principal, appId, (app) => ({ ...app, settings: { ...app.settings, ...defined } }));
}

/** Adds an HWID, an IP or a CIDR range to a list; the client doors enforce the lists. */
export function addListEntry(principal: Principal, appId: string, kind: ListKind, type: EntryType, value: string) {
  if (type === 'ip' && !ipEntryValid(value)) throw badRequest(`"${value}" is not an IP address or CIDR range`);
  const field = listField(kind, type);
  return changeApp(principal, appId, (app) => {
    const entries = app.security[field];
    if (entries.includes(value)) return app;
    if (entries.length >= limits.maxSecurityListEntries) throw conflict(`The ${type} ${kind} is full (${limits.maxSecurityListEntries} entries)`);
    return { ...app, security: { ...app.security, [field]: [...entries, value] } };
  });
}

/** Removes an entry; removing a blacklist entry also lifts a client ban (SDK selfban) of the same value. */
export function removeListEntry(principal: Principal, appId: string, kind: ListKind, type: EntryType, value: string) {
  const field = listField(kind, type);
  const bans: keyof AppDocument['clientBans'] = type === 'hwid' ? 'hwids' : 'ips';
  return changeApp(principal, appId, (app) => ({
    ...app,
    security: { ...app.security, [field]: app.security[field].filter((entry) => entry !== value) },
    clientBans: kind === 'blacklist' ? { ...app.clientBans, [bans]: app.clientBans[bans].filter((entry) => entry !== value) } : app.clientBans,
  }));
}

/** The client bans the vendor confirmed, and the reports (SDK selfban) awaiting confirmation, oldest first. */
function clientBansView(appId: string, app: AppDocument) {
  return {
    appId,
    clientBans: app.clientBans,
    pending: app.pendingClientBans.map((entry) => ({ type: entry.type, value: entry.value, licenseKey: entry.licenseKey, reportedAt: entry.reportedAt.toDate().toISOString() })),
  };
}

/** The bans the app's clients reported (SDK selfban), apart from the vendor's blacklist. */
export async function getClientBans(principal: Principal, appId: string) {
  return clientBansView(appId, await loadOwnedApp(principal, appId));
}

/**
 * Changes the app's client bans in one transaction with the licenses whose clients reported
 * `value` (named by its pending reports): their own ban of it is lifted, since the vendor now
 * decides for the app (a confirmed ban covers them; a lifted or dismissed one frees them).
 */
async function changeClientBans(principal: Principal, appId: string, type: EntryType, value: string, change: (app: AppDocument) => AppDocument) {
  const list = type === 'hwid' ? 'hwids' : 'ips';
  const app = await db().runTransaction(async (transaction) => {
    const current = await loadOwnedApp(principal, appId, transaction);
    const reporters = [...new Set(current.pendingClientBans.filter((entry) => entry.type === type && entry.value === value).map((entry) => entry.licenseKey))];
    // Reads before writes.
    const licenses = await Promise.all(reporters.map(async (licenseKey) => ({ licenseKey, license: (await transaction.get(licensesCollection().doc(licenseKey))).data() })));
    const now = Timestamp.now();
    const next = { ...change(current), updatedAt: now };
    transaction.set(appsCollection().doc(appId), next);
    for (const { licenseKey, license } of licenses) {
      if (!license || license.appId !== appId || !license.clientBans[list].includes(value)) continue;
      const lifted: LicenseDocument = { ...license, clientBans: { ...license.clientBans, [list]: license.clientBans[list].filter((entry) => entry !== value) }, updatedAt: now };
      commitLicense(transaction, licenseKey, lifted, { type: 'license.updated', data: { reason: 'client_ban_decided', type, value } }, now);
    }
    return next;
  });
  return clientBansView(appId, app);
}

/**
 * The vendor confirms a pending client report: the HWID or IP is banned app-wide (every license
 * of the app refuses it). 404 when no such report is pending; 409 when the confirmed list is full.
 */
export function confirmClientBan(principal: Principal, appId: string, type: EntryType, value: string) {
  const bans: keyof AppDocument['clientBans'] = type === 'hwid' ? 'hwids' : 'ips';
  return changeClientBans(principal, appId, type, value, (app) => {
    if (!app.pendingClientBans.some((entry) => entry.type === type && entry.value === value)) throw notFound(`No pending client report of this ${type}`);
    const listed = app.clientBans[bans].includes(value);
    if (!listed && app.clientBans[bans].length >= limits.maxClientBans) throw conflict(`The client-ban ${type} list is full (${limits.maxClientBans} entries)`);
    return {
      ...app,
      clientBans: { ...app.clientBans, [bans]: listed ? app.clientBans[bans] : [...app.clientBans[bans], value] },
      pendingClientBans: app.pendingClientBans.filter((entry) => !(entry.type === type && entry.value === value)),
    };
  });
}

/**
 * Lifts one client ban, or dismisses a pending report of it (the reporting license's own ban of
 * it is lifted too); the vendor's blacklist is left as it is; lifting an absent ban changes nothing.
 */
export function liftClientBan(principal: Principal, appId: string, type: EntryType, value: string) {
  const bans: keyof AppDocument['clientBans'] = type === 'hwid' ? 'hwids' : 'ips';
  return changeClientBans(principal, appId, type, value, (app) => ({
    ...app,
    clientBans: { ...app.clientBans, [bans]: app.clientBans[bans].filter((entry) => entry !== value) },
    pendingClientBans: app.pendingClientBans.filter((entry) => !(entry.type === type && entry.value === value)),
  }));
}
