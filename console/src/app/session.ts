/**
 * Who is signed in, which account they act for and with which role. The selected account id
 * (not a secret) is remembered in sessionStorage; the role comes from GET /me.
 */
import type { Role } from '../api/types';
import { createStore, useStore } from './store';

export interface Membership { accountId: string; accountName: string; role: Role }

export interface Session {
  /** undefined while Firebase restores the session. */
  user: { uid: string; email: string | null } | null | undefined;
  memberships: Membership[];
  accountId: string | null;
}

const accountKey = 'keywarden.accountId';

export const session = createStore<Session>({ user: undefined, memberships: [], accountId: sessionStorage.getItem(accountKey) });

export function selectedAccountId(): string | null {
  return session.get().accountId;
}

export function selectAccount(accountId: string): void {
  sessionStorage.setItem(accountKey, accountId);
  session.set({ ...session.get(), accountId });
}

export function setMemberships(memberships: Membership[]): void {
  const current = session.get().accountId;
  const accountId = memberships.some((m) => m.accountId === current) ? current : (memberships[0]?.accountId ?? null);
  if (accountId) sessionStorage.setItem(accountKey, accountId);
  session.set({ ...session.get(), memberships, accountId });
}

export function useSession(): Session {
  return useStore(session);
}

/** What each role may do; the server enforces the same rules (the UI only hides). */
export type Ability = 'write' | 'manageLicenses' | 'manageProducts' | 'secrets' | 'members' | 'apiKeys' | 'webhooks' | 'security' | 'viewConfig';

const abilities: Record<Role, Ability[]> = {
  owner: ['write', 'manageLicenses', 'manageProducts', 'secrets', 'members', 'apiKeys', 'webhooks', 'security', 'viewConfig'],
  admin: ['write', 'manageLicenses', 'manageProducts', 'secrets', 'webhooks', 'security', 'viewConfig'],
  support: ['write', 'manageLicenses'],
  // Read only: sees products, webhooks and security lists, changes nothing.
  viewer: ['viewConfig'],
};

export function useRole(): Role | null {
  const { memberships, accountId } = useSession();
  return memberships.find((m) => m.accountId === accountId)?.role ?? null;
}

export function useCan(ability: Ability): boolean {
  const role = useRole();
  return role !== null && abilities[role].includes(ability);
}
