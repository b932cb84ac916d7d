/**
 * Entitlements (README, Entitlements): a product's catalogue of codes (on its app document, at
 * most 200) and a license's own grants. Defining and deleting a code changes only the catalogue:
 * variants and licenses that already hold a deleted code keep it until they are changed (as
 * they keep their other policy fields). Changing a license's grants is one transaction with its
 * `license.entitlements_changed` event.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { appsCollection } from '../../data/apps.js';
import { maxEntitlementsPerProduct, type EntitlementDefinition } from '../../data/entitlements.js';
import { db } from '../../data/firestore.js';
import { isoDate } from '../../data/shared.js';
import { conflict, notFound } from '../../domain/errors.js';
import type { DefineEntitlementInput } from '../../schemas/entitlements.js';
import { loadOwnedApp, loadOwnedLicense } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import { licenseView } from '../../views/licenses.js';
import { assertDefinedCodes, effectiveEntitlements, grantsOf, grantsView, type GrantInput } from '../licensing/entitlements.js';
import { commitLicense } from '../licensing/licenseChanges.js';

const definitionView = (entry: EntitlementDefinition) => ({ code: entry.code, name: entry.name, createdAt: isoDate(entry.createdAt) });

/** Adds a code to the product's catalogue: 409 when it is there already or the catalogue holds 200. */
export async function defineEntitlement(principal: Principal, appId: string, input: DefineEntitlementInput) {
  const now = Timestamp.now();
  const entry = await db().runTransaction(async (transaction) => {
    const app = await loadOwnedApp(principal, appId, transaction);
    if (app.entitlements.some((defined) => defined.code === input.code)) throw conflict(`The entitlement ${input.code} is already defined`);
    if (app.entitlements.length >= maxEntitlementsPerProduct) throw conflict(`A product defines at most ${maxEntitlementsPerProduct} entitlements`);
    const defined: EntitlementDefinition = { code: input.code, name: input.name, createdAt: now };
    transaction.set(appsCollection().doc(appId), { ...app, entitlements: [...app.entitlements, defined], updatedAt: now });
    return defined;
  });
  return { entitlement: definitionView(entry) };
}

/** The product's codes, sorted. */
export async function listEntitlements(principal: Principal, appId: string) {
  const app = await loadOwnedApp(principal, appId);
  return { entitlements: [...app.entitlements].sort((a, b) => (a.code < b.code ? -1 : 1)).map(definitionView) };
}

/** Removes a code from the catalogue (404 when not defined): it can no longer be granted. */
export async function deleteEntitlement(principal: Principal, appId: string, code: string) {
  await db().runTransaction(async (transaction) => {
    const app = await loadOwnedApp(principal, appId, transaction);
    if (!app.entitlements.some((defined) => defined.code === code)) throw notFound(`The entitlement ${code} is not defined`);
    transaction.set(appsCollection().doc(appId), { ...app, entitlements: app.entitlements.filter((defined) => defined.code !== code), updatedAt: Timestamp.now() });
  });
  return { deleted: true as const, code };
}

/**
 * Replaces a license's own grants (its variant's codes stay). Every code must be the product's
 * (400). Unchanged grants write nothing; a change is written with `license.entitlements_changed`
 * `{entitlements, added, removed, grants}` (the set now, what it gained and lost) in one commit.
 */
export async function setLicenseEntitlements(principal: Principal, licenseKey: string, input: readonly GrantInput[]) {
  const now = Timestamp.now();
  const license = await db().runTransaction(async (transaction) => {
    const current = await loadOwnedLicense(principal, licenseKey, transaction);
    const app = (await transaction.get(appsCollection().doc(current.appId))).data();
    if (!app) throw notFound('Product not found');
    const grants = grantsOf(input);
    assertDefinedCodes(app.entitlements, grants.map((grant) => grant.code));
    if (JSON.stringify(grantsView(grants)) === JSON.stringify(grantsView(current.entitlements))) return current;
    const next = { ...current, entitlements: grants, updatedAt: now };
    const before = new Set(effectiveEntitlements(current, now));
    const after = effectiveEntitlements(next, now);
    commitLicense(transaction, licenseKey, next, {
      type: 'license.entitlements_changed',
      data: { entitlements: after, added: after.filter((code) => !before.has(code)), removed: [...before].filter((code) => !after.includes(code)).sort(), grants: grantsView(grants) },
    }, now);
    return next;
  });
  return { license: licenseView(licenseKey, license, now) };
}
