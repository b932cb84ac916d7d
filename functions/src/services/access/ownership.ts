import type { DocumentReference, Transaction } from 'firebase-admin/firestore';
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

/** Reads a document the caller may manage: 404 `missing` when absent, 403 when another account's. */
async function loadOwned<T extends { accountId: string }>(
  principal: Principal,
  ref: DocumentReference<T>,
  missing: string,
  transaction?: Transaction,
): Promise<T> {
  const document = (transaction ? await transaction.get(ref) : await ref.get()).data();
  if (!document) throw notFound(missing);
  assertAccountAccess(principal, document.accountId);
  return document;
}

/** Loads an app the caller may manage: 404 when missing, 403 when another account's. */
export const loadOwnedApp = (principal: Principal, appId: string, transaction?: Transaction): Promise<AppDocument> =>
  loadOwned(principal, appsCollection().doc(appId), 'Product not found', transaction);

export const loadOwnedVariant = (principal: Principal, variantId: string, transaction?: Transaction): Promise<VariantDocument> =>
  loadOwned(principal, variantsCollection().doc(variantId), 'Variant not found', transaction);

export const loadOwnedLicense = (principal: Principal, licenseKey: string, transaction?: Transaction): Promise<LicenseDocument> =>
  loadOwned(principal, licensesCollection().doc(licenseKey), 'License key does not exist', transaction);
