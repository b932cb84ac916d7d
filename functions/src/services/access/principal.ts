import { forbidden } from '../../domain/errors.js';

/** What an API key may do (services/access/keyRoles.ts). */
export type KeyRole = 'admin' | 'licenses' | 'read';

/** Who is calling: the operator (ADMIN_SECRET) or one account through one of its API keys. */
export type Principal = { kind: 'operator' } | { kind: 'account'; accountId: string; keyId: string; role: KeyRole };

/** Operators reach every account; an API key only its own. Anything else is 403. */
export function assertAccountAccess(principal: Principal, accountId: string): void {
  if (principal.kind === 'operator') return;
  if (principal.accountId !== accountId) throw forbidden();
}

export function describePrincipal(principal: Principal): string {
  return principal.kind === 'operator' ? 'operator' : `apiKey:${principal.keyId}`;
}
