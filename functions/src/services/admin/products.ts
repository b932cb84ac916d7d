import { Timestamp } from 'firebase-admin/firestore';
import { credentialFormat, defaultAppSettings } from '../../config/constants.js';
import { sha256Hex } from '../../crypto/hashing.js';
import { base62Alphabet, randomId, randomString } from '../../crypto/random.js';
import { generateSigningKeyPair } from '../../crypto/signing.js';
import { accountsCollection } from '../../data/accounts.js';
import { appsCollection, defaultPortalSettings, productSlugId, productSlugsCollection, type AppDocument, type PortalSettings } from '../../data/apps.js';
import { isAlreadyExists } from '../../data/errors.js';
import { db } from '../../data/firestore.js';
import { readPage } from '../../data/pagination.js';
import { variantsCollection, type VariantDocument } from '../../data/variants.js';
import { conflict, notFound } from '../../domain/errors.js';
import type {
  CreateProductInput,
  CreateVariantInput,
  ListProductsInput,
  ListVariantsInput,
  UpdateProductInput,
  UpdateVariantInput,
} from '../../schemas/products.js';
import type { PortalSettingsInput } from '../../schemas/portal.js';
import { loadOwnedApp, loadOwnedVariant, resolveAccountId } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import { rotatedKeyRing } from './signingKeys.js';
import { productView, variantView } from '../../views/products.js';
import { newSealedSessionSecret, rotatedSessionSecret } from '../access/storedSecrets.js';
import { assertDefinedCodes } from '../licensing/entitlements.js';

function slugify(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return slug.length >= 2 ? slug : `app-${randomString(6, '0123456789abcdefghijklmnopqrstuvwxyz')}`;
}

export const generateAppSecret = () => credentialFormat.appSecretPrefix + randomString(credentialFormat.appSecretRandomLength, base62Alphabet);

/** The app's payment webhook secret (paymentWebhook's x-webhook-secret), shown once, stored as its hash. */
export const generatePaymentSecret = () => credentialFormat.paymentSecretPrefix + randomString(credentialFormat.appSecretRandomLength, base62Alphabet);

/** The portal settings with the fields an input gives (the others kept). */
function withPortalSettings(current: PortalSettings, input: PortalSettingsInput | undefined): PortalSettings {
  if (!input) return current;
  const defined = <T extends object>(value: T) => Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
  const { selfServiceReleases, ...fields } = input;
  return {
    ...current,
    ...defined(fields),
    selfServiceReleases: { ...current.selfServiceReleases, ...defined(selfServiceReleases ?? {}) },
  };
}

const slugTaken = (slug: string) => conflict(`A product with slug "${slug}" already exists`);

/** Creates a product (an app): its secret is returned once, its signing key pair is made here. */
export async function createProduct(principal: Principal, input: CreateProductInput) {
  const accountId = await resolveAccountId(principal, input.accountId);
  const appId = randomId('app');
  const appSecret = generateAppSecret();
  const slug = input.slug ?? slugify(input.name);
  const now = Timestamp.now();
  const signingKey = generateSigningKeyPair();
  try {
    const app = await db().runTransaction(async (transaction) => {
      const accountRef = accountsCollection().doc(accountId);
      const account = (await transaction.get(accountRef)).data();
      if (!account) throw notFound('Account not found');
      const document: AppDocument = {
        accountId,
        name: input.name,
        slug,
        description: input.description ?? null,
        disabled: false,
        appSecretHash: sha256Hex(appSecret),
        sessionSecret: newSealedSessionSecret(),
        previousSessionSecret: null,
        paymentSecretHash: null,
        signingKeys: [{ ...signingKey, createdAt: now, retiredAt: null }],
        activeSigningKeyId: signingKey.keyId,
        creditsUnlimited: account.creditsUnlimited,
        variables: input.variables ?? {},
        settings: { ...defaultAppSettings, ...input.settings },
        security: { hwidBlacklist: [], ipBlacklist: [], hwidWhitelist: [], ipWhitelist: [] },
        clientBans: { hwids: [], ips: [] },
        pendingClientBans: [],
        portal: withPortalSettings(defaultPortalSettings, input.portal),
        entitlements: [],
        createdAt: now,
        updatedAt: now,
      };
      transaction.create(productSlugsCollection().doc(productSlugId(accountId, slug)), { appId, accountId });
      transaction.create(appsCollection().doc(appId), document);
      // The mode copied above is written back unchanged: the write locks the account against
      // grantCredits' metered switch (which lists the account's apps in its own transaction), so
      // the two cannot interleave and this app cannot miss a switch (services/admin/credits.ts).
      transaction.update(accountRef, { creditsUnlimited: account.creditsUnlimited });
      return document;
    });
    return { product: productView(appId, app), appSecret };
  } catch (error) {
    if (isAlreadyExists(error)) throw slugTaken(slug);
    throw error;
  }
}

export async function listProducts(principal: Principal, input: ListProductsInput) {
  const accountId = await resolveAccountId(principal, input.accountId);
  const query = appsCollection().where('accountId', '==', accountId).orderBy('createdAt', 'desc').orderBy('__name__', 'desc');
  const page = await readPage(query, input, (doc) => [doc.data().createdAt, doc.id], 2);
  return { products: page.items.map((doc) => productView(doc.id, doc.data())), cursor: page.cursor };
}

export async function getProduct(principal: Principal, productId: string) {
  return productView(productId, await loadOwnedApp(principal, productId));
}

/** Updates a product; slug changes move the slug claim atomically (409 when taken). */
export async function updateProduct(principal: Principal, input: UpdateProductInput) {
  const now = Timestamp.now();
  let appSecret: string | undefined;
  let paymentSecret: string | undefined;
  try {
    const app = await db().runTransaction(async (transaction) => {
      const current = await loadOwnedApp(principal, input.productId, transaction);
      const next: AppDocument = {
        ...current,
        name: input.name ?? current.name,
        description: input.description === undefined ? current.description : input.description,
        disabled: input.disabled ?? current.disabled,
        variables: input.variables ?? current.variables,
        settings: { ...current.settings, ...input.settings },
        portal: withPortalSettings(current.portal, input.portal),
        updatedAt: now,
      };
      if (input.slug && input.slug !== current.slug) {
        transaction.delete(productSlugsCollection().doc(productSlugId(current.accountId, current.slug)));
        transaction.create(productSlugsCollection().doc(productSlugId(current.accountId, input.slug)), {
          appId: input.productId,
          accountId: current.accountId,
        });
        next.slug = input.slug;
      }
      // Earlier keys stay published until withdrawn (services/admin/signingKeys.ts), never dropped here.
      if (input.rotateSigningKey) Object.assign(next, rotatedKeyRing(current, now));
      if (input.rotateAppSecret) {
        appSecret = generateAppSecret();
        next.appSecretHash = sha256Hex(appSecret);
      }
      if (input.rotateSessionSecret) Object.assign(next, rotatedSessionSecret(current, now));
      if (input.rotatePaymentSecret) {
        paymentSecret = generatePaymentSecret();
        next.paymentSecretHash = sha256Hex(paymentSecret);
      }
      transaction.set(appsCollection().doc(input.productId), next);
      return next;
    });
    return { product: productView(input.productId, app), ...(appSecret ? { appSecret } : {}), ...(paymentSecret ? { paymentSecret } : {}) };
  } catch (error) {
    if (isAlreadyExists(error)) throw slugTaken(input.slug ?? '');
    throw error;
  }
}

export async function createVariant(principal: Principal, input: CreateVariantInput) {
  const app = await loadOwnedApp(principal, input.productId);
  assertDefinedCodes(app.entitlements, input.entitlements);
  const now = Timestamp.now();
  const variantId = randomId('var');
  const { productId, ...fields } = input;
  const variant: VariantDocument = { ...fields, appId: productId, accountId: app.accountId, disabled: false, createdAt: now, updatedAt: now };
  await variantsCollection().doc(variantId).create(variant);
  return { variant: variantView(variantId, variant) };
}

export function updateVariant(principal: Principal, input: UpdateVariantInput) {
  return updateVariantOf(principal, undefined, input);
}

/** v1 reaches a variant through its app (`appId`): through another app it is not there (404). */
export async function updateVariantOf(principal: Principal, appId: string | undefined, input: UpdateVariantInput) {
  // Another account's app is refused (403) before its variants are looked at.
  if (appId !== undefined) await loadOwnedApp(principal, appId);
  const variant = await db().runTransaction(async (transaction) => {
    const current = await loadOwnedVariant(principal, input.variantId, transaction);
    if (appId !== undefined && current.appId !== appId) throw notFound('Variant not found');
    if (input.entitlements !== undefined) {
      // The codes must be the product's (its app read before the write).
      const app = (await transaction.get(appsCollection().doc(current.appId))).data();
      assertDefinedCodes(app?.entitlements ?? [], input.entitlements);
    }
    const { variantId: _variantId, ...changes } = input;
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const next: VariantDocument = { ...current, ...defined, updatedAt: Timestamp.now() };
    transaction.set(variantsCollection().doc(input.variantId), next);
    return next;
  });
  return { variant: variantView(input.variantId, variant) };
}

export async function listVariants(principal: Principal, input: ListVariantsInput) {
  await loadOwnedApp(principal, input.productId);
  const query = variantsCollection().where('appId', '==', input.productId).orderBy('createdAt', 'asc').orderBy('__name__', 'asc');
  const page = await readPage(query, input, (doc) => [doc.data().createdAt, doc.id], 2);
  return { variants: page.items.map((doc) => variantView(doc.id, doc.data())), cursor: page.cursor };
}
