import { Timestamp } from 'firebase-admin/firestore';
import { limits } from '../../config/constants.js';
import { appsCollection, type AppDocument, type SecurityLists } from '../../data/apps.js';
import { db } from '../../data/firestore.js';
import { badRequest, conflict } from '../../domain/errors.js';
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

/** The bans the app's clients reported (SDK selfban), apart from the vendor's blacklist. */
export async function getClientBans(principal: Principal, appId: string) {
  return { appId, clientBans: (await loadOwnedApp(principal, appId)).clientBans };
}

/** Lifts one client ban (the vendor's blacklist is left as it is); lifting an absent ban changes nothing. */
export async function liftClientBan(principal: Principal, appId: string, type: EntryType, value: string) {
  const bans: keyof AppDocument['clientBans'] = type === 'hwid' ? 'hwids' : 'ips';
  const view = await changeApp(principal, appId, (app) => ({ ...app, clientBans: { ...app.clientBans, [bans]: app.clientBans[bans].filter((entry) => entry !== value) } }));
  return { appId, clientBans: view.clientBans };
}
