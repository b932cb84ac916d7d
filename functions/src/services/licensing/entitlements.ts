/**
 * Entitlements' pure rules (README, Entitlements): what a license is entitled to now, what a
 * client's `requireEntitlements` lacks, how a grant list given in a request reads, and whether
 * the codes named are the product's. No Firestore, no clock: the client decision and the views
 * call these with the time of the call.
 */
import { Timestamp } from 'firebase-admin/firestore';
import type { EntitlementDefinition, EntitlementGrant } from '../../data/entitlements.js';
import type { LicenseDocument } from '../../data/licenses.js';
import { badRequest } from '../../domain/errors.js';

type EntitlementFields = Pick<LicenseDocument, 'variantEntitlements' | 'entitlements'>;

/** A grant counts until, not including, its expiresAt. */
const grantLive = (grant: EntitlementGrant, now: Timestamp) => grant.expiresAt === null || now.toMillis() < grant.expiresAt.toMillis();

/**
 * The license's entitlements now: its variant's codes and its own grants, minus add-ons whose
 * expiresAt has come, without repeats, sorted (code-point order, so every client reads the same
 * array).
 */
export function effectiveEntitlements(license: EntitlementFields, now: Timestamp): string[] {
  const codes = new Set(license.variantEntitlements);
  for (const grant of license.entitlements) if (grantLive(grant, now)) codes.add(grant.code);
  return [...codes].sort();
}

/**
 * When each add-on among the entitlements ends (code → ISO instant), for codes held now only
 * through dated grants: carried beside `entitlements` in signed answers and offline files, so a
 * client holding an answer drops a code at its end without asking again.
 */
export function entitlementEnds(license: EntitlementFields, now: Timestamp): Record<string, string> {
  const forGood = new Set(license.variantEntitlements);
  const ends = new Map<string, number>();
  for (const grant of license.entitlements) {
    if (!grantLive(grant, now)) continue;
    if (grant.expiresAt === null) forGood.add(grant.code);
    else ends.set(grant.code, Math.max(ends.get(grant.code) ?? 0, grant.expiresAt.toMillis()));
  }
  const dated = [...ends.entries()].filter(([code]) => !forGood.has(code)).sort(([a], [b]) => (a < b ? -1 : 1));
  return Object.fromEntries(dated.map(([code, at]) => [code, new Date(at).toISOString()]));
}

/** The codes of `required` the license lacks now, sorted; empty when it has them all. */
export function missingEntitlements(license: EntitlementFields, required: readonly string[], now: Timestamp): string[] {
  const held = new Set(effectiveEntitlements(license, now));
  return [...new Set(required)].filter((code) => !held.has(code)).sort();
}

/** A grant as a request gives it: a code (for good), or `{code, expiresAt}` (an add-on; ISO, null for good). */
export type GrantInput = string | { code: string; expiresAt?: string | null | undefined };

/**
 * The grants a request gives, one per code: a code given twice keeps the later end (for good
 * beats any date). Sorted by code, so the same list stores the same document.
 */
export function grantsOf(input: readonly GrantInput[]): EntitlementGrant[] {
  const byCode = new Map<string, Timestamp | null>();
  for (const entry of input) {
    const code = typeof entry === 'string' ? entry : entry.code;
    const expiresAt = typeof entry === 'string' || entry.expiresAt == null ? null : Timestamp.fromDate(new Date(entry.expiresAt));
    const known = byCode.get(code);
    if (known === undefined || known !== null && (expiresAt === null || expiresAt.toMillis() > known.toMillis())) byCode.set(code, expiresAt);
  }
  return [...byCode.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([code, expiresAt]) => ({ code, expiresAt }));
}

/** Refuses (400) codes the product does not define: a typo must not grant nothing silently. */
export function assertDefinedCodes(catalogue: readonly EntitlementDefinition[], codes: readonly string[]): void {
  const defined = new Set(catalogue.map((entry) => entry.code));
  const unknown = [...new Set(codes)].filter((code) => !defined.has(code)).sort();
  if (unknown.length > 0) {
    throw badRequest(`Unknown entitlement code${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: define ${unknown.length > 1 ? 'them' : 'it'} first with POST /v1/apps/:appId/entitlements`);
  }
}

/** The grants as a view shows them. */
export const grantsView = (grants: readonly EntitlementGrant[]) =>
  grants.map((grant) => ({ code: grant.code, expiresAt: grant.expiresAt ? grant.expiresAt.toDate().toISOString() : null }));
