/**
 * Discount and trial codes (seed 004). Codes are unique per account (the document id holds
 * account and code). Discount codes are stored and returned for the vendor's checkout to apply
 * (syncing them to Stripe promotion codes needs the Stripe API, which is not reachable offline).
 * Trial codes issue a time-limited license: never past the redemption limit or the code's
 * expiry, at most once per code per HWID and per email, enforced in one transaction.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { sha256Hex } from '../../crypto/hashing.js';
import { codeRedemptionsCollection, discountCodeId, discountCodesCollection, type DiscountCodeDocument } from '../../data/commerce.js';
import { isAlreadyExists } from '../../data/errors.js';
import { db } from '../../data/firestore.js';
import { ApiError, badRequest, conflict, notFound } from '../../domain/errors.js';
import type {
  CreateDiscountCodeInput,
  DeleteDiscountCodeInput,
  ListDiscountCodesInput,
  RedeemTrialCodeInput,
  UpdateDiscountCodeInput,
} from '../../schemas/commerce.js';
import { loadOwnedApp, loadOwnedVariant, resolveAccountId } from '../access/ownership.js';
import { addNewLicenses, licenseTemplate, newLicenseKeys } from '../admin/licenses.js';
import { assertAccountAccess, type Principal } from '../access/principal.js';
import { licenseView } from '../../views/licenses.js';
import { appsCollection } from '../../data/apps.js';
import { codeView } from '../../views/discountCodes.js';

export async function createDiscountCode(principal: Principal, input: CreateDiscountCodeInput) {
  const app = await loadOwnedApp(principal, input.productId);
  if (input.variantId) {
    const variant = await loadOwnedVariant(principal, input.variantId);
    if (variant.appId !== input.productId) throw new ApiError('bad_request', 'The variant belongs to another product');
  }
  const now = Timestamp.now();
  const document: DiscountCodeDocument = {
    accountId: app.accountId,
    appId: input.productId,
    code: input.code,
    kind: input.kind,
    percentOff: input.percentOff ?? null,
    amountOff: input.amountOff ?? null,
    currency: input.currency ?? null,
    trialDays: input.trialDays ?? null,
    variantId: input.variantId ?? null,
    maxHwidSlots: input.maxHwidSlots,
    maxRedemptions: input.maxRedemptions ?? null,
    redemptions: 0,
    expiresAt: input.expiresAt ? Timestamp.fromDate(new Date(input.expiresAt)) : null,
    active: true,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await discountCodesCollection().doc(discountCodeId(app.accountId, input.code)).create(document);
  } catch (error) {
    if (isAlreadyExists(error)) throw conflict(`The code ${input.code} already exists`);
    throw error;
  }
  return { discountCode: codeView(document) };
}

/** v1: a code created under /accounts/:accountId is for one of that account's apps. */
export async function createAccountDiscountCode(principal: Principal, accountId: string, input: CreateDiscountCodeInput) {
  const owner = await resolveAccountId(principal, accountId);
  const app = await loadOwnedApp(principal, input.productId);
  if (app.accountId !== owner) throw badRequest('productId names an app of another account');
  return createDiscountCode(principal, input);
}

export async function listDiscountCodes(principal: Principal, input: ListDiscountCodesInput) {
  // Another account's product is refused (403), not answered with an empty list.
  const accountId = input.productId
    ? (await loadOwnedApp(principal, input.productId)).accountId
    : await resolveAccountId(principal, input.accountId);
  if (input.productId && input.accountId !== undefined && input.accountId !== accountId) throw badRequest('productId belongs to another account than accountId');
  let query = discountCodesCollection().where('accountId', '==', accountId);
  if (input.productId) query = query.where('appId', '==', input.productId);
  const snapshot = await query.orderBy('code', 'asc').limit(500).get();
  return { discountCodes: snapshot.docs.map((doc) => codeView(doc.data())) };
}

async function ownedCodeRef(principal: Principal, accountIdInput: string | undefined, code: string) {
  const accountId = await resolveAccountId(principal, accountIdInput);
  return discountCodesCollection().doc(discountCodeId(accountId, code));
}

export async function updateDiscountCode(principal: Principal, input: UpdateDiscountCodeInput) {
  const ref = await ownedCodeRef(principal, input.accountId, input.code);
  const updated = await db().runTransaction(async (transaction) => {
    const current = (await transaction.get(ref)).data();
    if (!current) throw notFound('Discount code not found');
    assertAccountAccess(principal, current.accountId);
    const next: DiscountCodeDocument = {
      ...current,
      active: input.active ?? current.active,
      maxRedemptions: input.maxRedemptions === undefined ? current.maxRedemptions : input.maxRedemptions,
      expiresAt: input.expiresAt === undefined ? current.expiresAt : input.expiresAt ? Timestamp.fromDate(new Date(input.expiresAt)) : null,
      percentOff: input.percentOff ?? current.percentOff,
      amountOff: input.amountOff ?? current.amountOff,
      trialDays: input.trialDays ?? current.trialDays,
      updatedAt: Timestamp.now(),
    };
    transaction.set(ref, next);
    return next;
  });
  return { discountCode: codeView(updated) };
}

export async function deleteDiscountCode(principal: Principal, input: DeleteDiscountCodeInput) {
  const ref = await ownedCodeRef(principal, input.accountId, input.code);
  const current = (await ref.get()).data();
  if (!current) throw notFound('Discount code not found');
  await db().recursiveDelete(ref);
  return { deleted: true, code: input.code };
}

/** Issues a trial license from a trial code, within its limit, expiry and one-per-device/email rule. */
export async function redeemTrialCode(principal: Principal, input: RedeemTrialCodeInput) {
  const ref = await ownedCodeRef(principal, input.accountId, input.code);
  const markers = [
    ...(input.hwid !== undefined ? [`hwid:${input.hwid}`] : []),
    ...(input.email !== undefined ? [`email:${input.email.toLowerCase()}`] : []),
  ].map((marker) => codeRedemptionsCollection(ref.id).doc(sha256Hex(marker)));
  return db().runTransaction(async (transaction) => {
    const now = Timestamp.now();
    const code = (await transaction.get(ref)).data();
    if (!code) throw notFound('Trial code not found');
    if (code.kind !== 'trial') throw new ApiError('bad_request', 'This is a discount code, not a trial code');
    if (!code.active) throw new ApiError('forbidden', 'This code is no longer active');
    if (code.expiresAt && code.expiresAt.toMillis() <= now.toMillis()) throw new ApiError('forbidden', 'This code has expired');
    if (code.maxRedemptions !== null && code.redemptions >= code.maxRedemptions) throw new ApiError('conflict', 'This code has been fully redeemed');
    const used = await transaction.getAll(...markers);
    if (used.some((snapshot) => snapshot.exists)) throw new ApiError('conflict', 'This device or email has already redeemed this code');
    const app = (await transaction.get(appsCollection().doc(code.appId))).data();
    if (!app) throw notFound('Product not found');
    const expiresAt = new Date(now.toMillis() + (code.trialDays ?? 1) * 86_400_000).toISOString();
    const template = licenseTemplate(
      code.appId,
      app,
      undefined,
      { variantId: code.variantId ?? undefined, expiresAt, maxHwidSlots: code.maxHwidSlots, email: input.email, label: `trial:${code.code}` },
      now,
      { trialCode: code.code },
    );
    const [key] = newLicenseKeys(1);
    if (!key) throw new ApiError('system_error', 'Could not generate a license key');
    addNewLicenses(transaction, [key], template, now);
    for (const marker of markers) transaction.create(marker, { licenseKey: key, redeemedAt: now });
    transaction.set(ref, { ...code, redemptions: code.redemptions + 1, updatedAt: now });
    return { license: licenseView(key, template, now), discountCode: codeView({ ...code, redemptions: code.redemptions + 1 }) };
  });
}
