/**
 * What each API key role may do. `read` only reads; `licenses` also issues and manages
 * licenses (and redeems trial codes); `admin` also manages products, variants, codes, security
 * settings, webhooks and API keys. The operator (ADMIN_SECRET) may do everything.
 */
import { ApiError } from '../../domain/errors.js';
import type { KeyRole, Principal } from './principal.js';

export const apiKeyRoles = ['admin', 'licenses', 'read'] as const satisfies readonly KeyRole[];
export type ApiKeyRole = KeyRole;

const rank: Record<ApiKeyRole, number> = { read: 0, licenses: 1, admin: 2 };

/** Refuses (403 forbidden) a key whose role is below `needed`. */
export function assertRole(principal: Principal, needed: ApiKeyRole): void {
  if (principal.kind === 'operator' || rank[principal.role] >= rank[needed]) return;
  if (principal.member) throw new ApiError('forbidden', `Your role in this account (${principal.member.role}) cannot do this`);
  throw new ApiError('forbidden', `This API key's role (${principal.role}) cannot do this; it needs a key with the ${needed} role`);
}

/** seed 004 admin functions a key below `admin` may call; every other one needs `admin`. */
const adminFunctionRoles: Readonly<Record<string, ApiKeyRole>> = {
  listProducts: 'read',
  listVariants: 'read',
  getLicense: 'read',
  listLicenses: 'read',
  getCredits: 'read',
  listDiscountCodes: 'read',
  createLicense: 'licenses',
  updateLicense: 'licenses',
  revokeLicense: 'licenses',
  reinstateLicense: 'licenses',
  resolveLicense: 'licenses',
  resetActivations: 'licenses',
  redeemTrialCode: 'licenses',
  // Offline licensing: reading a customer's activation request changes nothing.
  listOfflineLicenses: 'read',
  parseActivationRequest: 'read',
  mintOfflineLicense: 'licenses',
};

export const adminFunctionRole = (functionName: string): ApiKeyRole => adminFunctionRoles[functionName] ?? 'admin';

/**
 * The role a /v1 route needs: reading anything needs `read`; changing licenses (and their
 * variables) needs `licenses`; changing an app (variables, security, webhooks) needs `admin`.
 */
export function v1RouteRole(method: string, path: string): ApiKeyRole {
  if (method === 'GET') return 'read';
  // Checking an activation request (a support page) only reads.
  if (method === 'POST' && /^\/apps\/[^/]+\/activation-requests\/parse$/.test(path)) return 'read';
  // Simulating a check writes nothing: whoever may read the license may run it.
  if (method === 'POST' && /^\/licenses\/[^/]+\/simulate$/.test(path)) return 'read';
  return path.startsWith('/licenses') ? 'licenses' : 'admin';
}

/** What the support role may not reach at all, not even to read: secrets, API keys, webhooks, security lists. */
const beyondSupport = [
  /^\/apps\/[^/]+\/(webhooks|security|client-bans|app-secret|payment-secret|session-secret)(\/|$)/,
  /^\/accounts\/[^/]+\/api-keys(\/|$)/,
];

/**
 * Console members are held to their role on top of the key role it amounts to
 * (consoleUsers.ts): support is a `licenses` key that cannot see secrets, keys, webhooks or
 * security lists. Managing members is checked by the members service (owners only).
 */
export function assertMemberMayCall(principal: Principal, path: string): void {
  if (principal.kind !== 'account' || !principal.member) return;
  if (principal.member.role === 'support' && beyondSupport.some((pattern) => pattern.test(path))) {
    throw new ApiError('forbidden', 'The support role cannot reach secrets, API keys, webhooks or security lists');
  }
}
