/**
 * Tenancy and credentials on every seed 004 admin function, over real HTTP:
 * - an API key of account A gets 403 `forbidden` on every operation on account B's products,
 *   variants, licenses and credits, the answer carries none of B's data, and B is unchanged;
 * - bad credentials get 401 `unauthorized` everywhere and change nothing;
 * - the operator's admin secret reaches every account.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/localStack.js';
import { createAccount, createLicenses, createProduct, uniqueHwid, type Account, type Product } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { adminSecret, call, type JsonResponse } from '../support/http.js';
import {
  activate,
  asAccount,
  asOperator,
  expectActivated,
  expectError,
  expectOk,
  licenseOf,
  variantOf,
} from './adminSupport.js';

interface Tenant {
  account: Account;
  product: Product;
  productName: string;
  productSlug: string;
  variantId: string;
  /** Active, one device bound and one device_limit violation flagged. */
  licenseKey: string;
  /** Revoked. */
  revokedKey: string;
  hwid: string;
  label: string;
  /** A trial code of the account (kind trial, 5 redemptions). */
  trialCode: string;
  /** A second API key of the account. */
  spareKeyId: string;
}

async function tenant(tag: string): Promise<Tenant> {
  const account = await createAccount();
  const productName = `Secret product ${tag} ${Math.random().toString(36).slice(2, 8)}`;
  const productSlug = `secret-${tag}-${Math.random().toString(36).slice(2, 8)}`;
  const product = await createProduct(account, { name: productName, slug: productSlug });
  const variantId = variantOf(expectOk(await asAccount(account, 'createVariant', { productId: product.productId, name: `Variant ${tag}` }))).variantId;
  const label = `label-${tag}-${Math.random().toString(36).slice(2, 8)}`;
  const [licenseKey, revokedKey] = await createLicenses(account, product.productId, { quantity: 2, label, email: `${tag}@example.com` });
  if (!licenseKey || !revokedKey) throw new Error('missing keys');
  const hwid = uniqueHwid();
  await expectActivated(licenseKey, hwid);
  expect((await activate(licenseKey, uniqueHwid())).status).toBe(403);
  expectOk(await asAccount(account, 'revokeLicense', { licenseKey: revokedKey }));
  const trialCode = `TRIAL${tag.toUpperCase()}${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  expectOk(await asAccount(account, 'createDiscountCode', { productId: product.productId, code: trialCode, kind: 'trial', trialDays: 7, maxRedemptions: 5 }));
  const spareKeyId = String(expectOk(await asAccount(account, 'createApiKey', { name: `spare ${tag}` })).keyId);
  return { account, product, productName, productSlug, variantId, licenseKey, revokedKey, hwid, label, trialCode, spareKeyId };
}

/** Everything of a tenant that an admin call could change, serialised for comparison. */
async function snapshot(t: Tenant): Promise<string> {
  const db = testDb();
  const [app, variant, license, revoked, events, apps, variants, licenses, credits, codes, keys, offlineFiles] = await Promise.all([
    db.collection('apps').doc(t.product.productId).get(),
    db.collection('variants').doc(t.variantId).get(),
    db.collection('licenses').doc(t.licenseKey).get(),
    db.collection('licenses').doc(t.revokedKey).get(),
    db.collection('events').where('appId', '==', t.product.productId).get(),
    db.collection('apps').where('accountId', '==', t.account.accountId).get(),
    db.collection('variants').where('appId', '==', t.product.productId).get(),
    db.collection('licenses').where('appId', '==', t.product.productId).get(),
    db.collection('accounts').doc(t.account.accountId).collection('creditShards').get(),
    db.collection('discountCodes').where('accountId', '==', t.account.accountId).get(),
    db.collection('apiKeys').where('accountId', '==', t.account.accountId).get(),
    db.collection('offlineFiles').where('appId', '==', t.product.productId).get(),
  ]);
  return JSON.stringify({
    app: app.data(),
    variant: variant.data(),
    license: license.data(),
    revoked: revoked.data(),
    events: events.docs.map((doc) => doc.id).sort(),
    apps: apps.docs.map((doc) => doc.id).sort(),
    variants: variants.docs.map((doc) => doc.id).sort(),
    licenses: licenses.docs.map((doc) => doc.id).sort(),
    credits: credits.docs.map((doc) => [doc.id, doc.data()]),
    codes: codes.docs.map((doc) => [doc.id, doc.data()]),
    keys: keys.docs.map((doc) => [doc.id, doc.data()]),
    offlineFiles: offlineFiles.docs.map((doc) => doc.id).sort(),
  });
}

interface Operation {
  what: string;
  name: string;
  body: (target: Tenant, own: Tenant) => Record<string, unknown>;
}

/** Every admin function aimed at `target`'s resources (the caller's own product where one is needed). */
const operations: Operation[] = [
  { what: 'createProduct in the account', name: 'createProduct', body: (t) => ({ accountId: t.account.accountId, name: 'Intruder' }) },
  { what: 'listProducts of the account', name: 'listProducts', body: (t) => ({ accountId: t.account.accountId }) },
  { what: 'updateProduct (rename)', name: 'updateProduct', body: (t) => ({ productId: t.product.productId, name: 'Hijacked' }) },
  { what: 'updateProduct (disable)', name: 'updateProduct', body: (t) => ({ productId: t.product.productId, disabled: true }) },
  { what: 'updateProduct (rotateAppSecret)', name: 'updateProduct', body: (t) => ({ productId: t.product.productId, rotateAppSecret: true }) },
  { what: 'updateProduct (rotateSigningKey)', name: 'updateProduct', body: (t) => ({ productId: t.product.productId, rotateSigningKey: true }) },
  { what: 'createVariant', name: 'createVariant', body: (t) => ({ productId: t.product.productId, name: 'Intruder' }) },
  { what: 'updateVariant', name: 'updateVariant', body: (t) => ({ variantId: t.variantId, maxHwidSlots: 16 }) },
  { what: 'listVariants', name: 'listVariants', body: (t) => ({ productId: t.product.productId }) },
  { what: 'createLicense on the product', name: 'createLicense', body: (t) => ({ productId: t.product.productId, quantity: 5 }) },
  { what: 'createLicense from the variant', name: 'createLicense', body: (t, own) => ({ productId: own.product.productId, variantId: t.variantId }) },
  { what: 'getLicense', name: 'getLicense', body: (t) => ({ licenseKey: t.licenseKey }) },
  { what: 'listLicenses', name: 'listLicenses', body: (t) => ({ productId: t.product.productId }) },
  { what: 'listLicenses filtered by label', name: 'listLicenses', body: (t) => ({ productId: t.product.productId, label: t.label }) },
  { what: 'updateLicense', name: 'updateLicense', body: (t) => ({ licenseKey: t.licenseKey, label: 'hijacked', maxHwidSlots: 16 }) },
  { what: 'revokeLicense', name: 'revokeLicense', body: (t) => ({ licenseKey: t.licenseKey, reason: 'spite' }) },
  { what: 'reinstateLicense', name: 'reinstateLicense', body: (t) => ({ licenseKey: t.revokedKey }) },
  { what: 'resolveLicense', name: 'resolveLicense', body: (t) => ({ licenseKey: t.licenseKey }) },
  { what: 'resetActivations', name: 'resetActivations', body: (t) => ({ licenseKey: t.licenseKey }) },
  { what: 'getCredits', name: 'getCredits', body: (t) => ({ accountId: t.account.accountId }) },
  { what: 'grantCredits', name: 'grantCredits', body: (t) => ({ accountId: t.account.accountId, amount: 1000 }) },
  { what: 'createDiscountCode on the product', name: 'createDiscountCode', body: (t) => ({ productId: t.product.productId, code: 'INTRUDER10', percentOff: 10 }) },
  { what: 'listDiscountCodes of the account', name: 'listDiscountCodes', body: (t) => ({ accountId: t.account.accountId }) },
  { what: 'listDiscountCodes of the product', name: 'listDiscountCodes', body: (t) => ({ productId: t.product.productId }) },
  { what: 'updateDiscountCode', name: 'updateDiscountCode', body: (t) => ({ accountId: t.account.accountId, code: t.trialCode, active: false }) },
  { what: 'deleteDiscountCode', name: 'deleteDiscountCode', body: (t) => ({ accountId: t.account.accountId, code: t.trialCode }) },
  { what: 'redeemTrialCode', name: 'redeemTrialCode', body: (t) => ({ accountId: t.account.accountId, code: t.trialCode, hwid: 'intruder-device' }) },
  { what: 'createApiKey in the account', name: 'createApiKey', body: (t) => ({ accountId: t.account.accountId, name: 'intruder' }) },
  { what: 'listApiKeys of the account', name: 'listApiKeys', body: (t) => ({ accountId: t.account.accountId }) },
  { what: 'revokeApiKey', name: 'revokeApiKey', body: (t) => ({ keyId: t.spareKeyId }) },
  {
    what: 'mintOfflineLicense',
    name: 'mintOfflineLicense',
    body: (t) => ({ licenseKey: t.licenseKey, anyHwid: true, expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() }),
  },
  { what: 'listOfflineLicenses', name: 'listOfflineLicenses', body: (t) => ({ licenseKey: t.licenseKey }) },
  {
    what: 'parseActivationRequest',
    name: 'parseActivationRequest',
    body: (t) => ({ productId: t.product.productId, activationRequest: '-----BEGIN AUTHFORGE ACTIVATION REQUEST-----\nVersion: 1\n-----END AUTHFORGE ACTIVATION REQUEST-----' }),
  },
];

/** Functions that take no account credential: the client doors, the SDK, v1 (Bearer) and inbound webhooks. */
const notAdminFunctions = new Set(['verify', 'activate', 'validate', 'deactivate', 'heartbeat', 'auth', 'v1', 'stripeWebhook', 'paymentWebhook', 'benchFloor']);

/** Every admin function the built code exports (read from firebase-functions' endpoint metadata). */
function builtAdminFunctions(): string[] {
  type Exported = ((...args: unknown[]) => unknown) & { __endpoint?: { httpsTrigger?: unknown } };
  const exported = createRequire(import.meta.url)(join(repoRoot, 'functions', 'lib', 'index.js')) as Record<string, Exported | undefined>;
  return Object.entries(exported)
    .filter(([name, value]) => typeof value === 'function' && value.__endpoint?.httpsTrigger !== undefined && !notAdminFunctions.has(name))
    .map(([name]) => name);
}

/** B's identifying data that must never appear in an answer to A. */
function secretsOf(t: Tenant): string[] {
  return [t.account.accountId, t.product.productId, t.productName, t.productSlug, t.variantId, t.licenseKey, t.revokedKey, t.hwid, t.label, t.product.appSecret];
}

describe('another account’s resources', () => {
  let a: Tenant;
  let b: Tenant;
  beforeAll(async () => {
    [a, b] = await Promise.all([tenant('a'), tenant('b')]);
  });

  it('covers every admin function the code exports', () => {
    expect(new Set(operations.map((operation) => operation.name))).toEqual(new Set(builtAdminFunctions()));
  });

  it.for(operations)('$what on B’s resources with A’s key: 403, none of B’s data, nothing changed', async (operation) => {
    const body = operation.body(b, a);
    const before = await snapshot(b);
    const ownBefore = await snapshot(a);
    const deliveries: Array<[string, () => Promise<JsonResponse>]> = [
      ['X-API-Key', () => call(operation.name, { headers: { 'X-API-Key': a.account.apiKey }, body })],
      ['apiKey query', () => call(operation.name, { query: { apiKey: a.account.apiKey }, body })],
      ['apiKey body', () => call(operation.name, { body: { ...body, apiKey: a.account.apiKey } })],
    ];
    for (const [how, send] of deliveries) {
      const response = await send();
      expect(response.status, `via ${how}: ${response.text}`).toBe(403);
      expectError(response, 403, 'forbidden');
      for (const secret of secretsOf(b)) expect(response.text, `leaks ${secret}`).not.toContain(secret);
      for (const field of ['product', 'products', 'license', 'licenses', 'variant', 'variants', 'activations', 'balance', 'appSecret']) {
        expect(response.body).not.toHaveProperty(field);
      }
    }
    expect(await snapshot(b)).toBe(before);
    // A's own resources were not touched either (e.g. no license made from B's variant).
    expect(await snapshot(a)).toBe(ownBefore);
  });

  it('leaves B’s license working as before', async () => {
    const still = expectOk(await asAccount(b.account, 'getLicense', { licenseKey: b.licenseKey }));
    expect(licenseOf(still)).toMatchObject({ status: 'active', hwidList: [b.hwid], label: b.label, flagged: true });
  });

  it('never lists B’s products or licenses among A’s own', async () => {
    const products = JSON.stringify(expectOk(await asAccount(a.account, 'listProducts')));
    const licenses = JSON.stringify(expectOk(await asAccount(a.account, 'listLicenses', { productId: a.product.productId })));
    for (const secret of secretsOf(b)) {
      expect(products).not.toContain(secret);
      expect(licenses).not.toContain(secret);
    }
  });

  it('lets the operator reach both accounts', async () => {
    const license = licenseOf(expectOk(await asOperator('getLicense', { licenseKey: b.licenseKey })));
    expect(license.licenseKey).toBe(b.licenseKey);
    const products = expectOk(await asOperator('listProducts', { accountId: a.account.accountId })).products as Array<{ productId: string }>;
    expect(products.map((product) => product.productId)).toEqual([a.product.productId]);
    const variants = expectOk(await asOperator('listVariants', { productId: b.product.productId })).variants as Array<{ variantId: string }>;
    expect(variants.map((variant) => variant.variantId)).toEqual([b.variantId]);
  });
});

describe('bad credentials', () => {
  let owner: Tenant;
  let revokedApiKey: string;
  beforeAll(async () => {
    owner = await tenant('c');
    const created = await call('createApiKey', { body: { apiKey: owner.account.apiKey, name: 'to revoke' } });
    revokedApiKey = String(expectOk(created).apiKey);
    expectOk(await call('revokeApiKey', { body: { apiKey: owner.account.apiKey, keyId: String(created.body.keyId) } }));
  });

  const credentials: Array<[string, () => { headers?: Record<string, string>; extra?: Record<string, unknown> }]> = [
    ['no credentials', () => ({})],
    ['an unknown API key', () => ({ headers: { 'X-API-Key': `af_live_${'Q'.repeat(32)}` } })],
    ['a malformed API key', () => ({ headers: { 'X-API-Key': 'not-a-key' } })],
    ['a revoked API key', () => ({ headers: { 'X-API-Key': revokedApiKey } })],
    ['a wrong admin secret', () => ({ extra: { adminSecret: `${adminSecret()}x` } })],
    ['an empty admin secret', () => ({ extra: { adminSecret: '' } })],
    ['a wrong X-Admin-Secret header', () => ({ headers: { 'X-Admin-Secret': 'guess' } })],
  ];

  it.for(operations)('$what on the owner’s own resources: 401 for every bad credential, nothing changed', async (operation) => {
    const before = await snapshot(owner);
    for (const [how, credential] of credentials) {
      const { headers, extra } = credential();
      const response = await call(operation.name, { headers: headers ?? {}, body: { ...operation.body(owner, owner), ...extra } });
      expect(response.status, `with ${how}: ${response.text}`).toBe(401);
      expectError(response, 401, 'unauthorized');
      for (const secret of secretsOf(owner)) expect(response.text).not.toContain(secret);
    }
    expect(await snapshot(owner)).toBe(before);
  });
});
