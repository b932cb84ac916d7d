import { forbidden } from '../../domain/errors.js';
import type { MemberRole } from '../../data/members.js';

/** What an API key may do (services/access/keyRoles.ts). */
export type KeyRole = 'admin' | 'licenses' | 'read';

/** A console user acting in one account, signed in with Firebase Authentication. */
export interface ConsoleMember {
  uid: string;
  email: string;
  role: MemberRole;
}

/**
 * Who is calling: the operator (ADMIN_SECRET), or one account through one of its API keys or
 * one of its console members (`member` set; `role` is then the key role the member's role
 * amounts to, and `keyId` is `member:<uid>`).
 */
export type Principal =
  | { kind: 'operator' }
  | {
      kind: 'account';
      accountId: string;
      keyId: string;
      role: KeyRole;
      member?: ConsoleMember;
      /** A buyer acting through the customer portal (services/portal), signed in by email or license key. */
      buyer?: 'email' | 'licenseKey';
    };

/** Operators reach every account; an API key only its own. Anything else is 403. */
export function assertAccountAccess(principal: Principal, accountId: string): void {
  if (principal.kind === 'operator') return;
  if (principal.accountId !== accountId) throw forbidden();
}

export function describePrincipal(principal: Principal): string {
  if (principal.kind === 'operator') return 'operator';
  if (principal.buyer) return `buyer:${principal.buyer}`;
  return principal.member ? `member:${principal.member.uid}` : `apiKey:${principal.keyId}`;
}
