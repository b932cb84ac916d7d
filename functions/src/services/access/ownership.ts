import type { Transaction } from 'firebase-admin/firestore';
import { accountsCollection } from '../../data/accounts.js';
import { appsCollection, type AppDocument } from '../../data/apps.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';
import { variantsCollection, type VariantDocument } from '../../data/variants.js';
import { badRequest, notFound } from '../../domain/errors.js';
import { assertAccountAccess, type Principal } from './principal.js';

/** The account an admin call acts on: the caller's own, or the one the operator names. */
export async function resolveAccountId(principal: Principal, requested: string | undefined): Promise<string> {
  if (principal.kind === 'account') {
    const accountId = requested ?? principal.accountId;
    assertAccountAccess(principal, accountId);
    return accountId;
  }
  if (!requested) throw badRequest('accountId is required for the operator');
  if (!(await accountsCollection().doc(requested).get()).exists) throw notFound('Account not found');
  return requested;
}

/** Loads an app the caller may manage: 404 when missing, 403 when another account's. */
export async function loadOwnedApp(principal: Principal, appId: string, transaction?: Transaction): Promise<AppDocument> {
  const ref = appsCollection().doc(appId);
  const app = (transaction ? await transaction.get(ref) : await ref.get()).data();
  if (!app) throw notFound('Product not found');
  assertAccountAccess(principal, app.accountId);
  return app;
}

export async function loadOwnedVariant(principal: Principal, variantId: string, transaction?: Transaction): Promise<VariantDocument> {
  const ref = variantsCollection().doc(variantId);
  const variant = (transaction ? await transaction.get(ref) : await ref.get()).data();
  if (!variant) throw notFound('Variant not found');
  assertAccountAccess(principal, variant.accountId);
  return variant;
}

export async function loadOwnedLicense(principal: Principal, licenseKey: string, transaction?: Transaction): Promise<LicenseDocument> {
  const ref = licensesCollection().doc(licenseKey);
  const license = (transaction ? await transaction.get(ref) : await ref.get()).data();
  if (!license) throw notFound('License key does not exist');
  assertAccountAccess(principal, license.accountId);
  return license;
}
