/**
 * seed 004 admin functions for products and variants, over real HTTP to the Functions emulator:
 * createProduct, listProducts, updateProduct, createVariant, updateVariant, listVariants.
 */
import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAccount, createLicenses, createProduct, uniqueHwid, uniqueNonce, type Account } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { adminSecret, call } from '../support/http.js';
import {
  activate,
  asAccount,
  asOperator,
  collectPages,
  expectActivated,
  expectError,
  expectOk,
  productOf,
  unknownAccountId,
  unknownProductId,
  unknownVariantId,
  variantOf,
  type ProductView,
  type VariantView,
} from './adminSupport.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const uniqueSlug = () => `slug-${randomUUID().slice(0, 8)}`;

async function appsOfAccount(accountId: string) {
  return (await testDb().collection('apps').where('accountId', '==', accountId).get()).docs;
}

async function variantsOfProduct(productId: string) {
  return (await testDb().collection('variants').where('appId', '==', productId).get()).docs;
}

/** SDK door validate (docs/design.md, door 1): used to show what an app secret or signing key does. */
function sdkValidate(productId: string, appSecret: string, licenseKey: string) {
  return call('auth', { path: '/validate', body: { appId: productId, appSecret, licenseKey, hwid: uniqueHwid(), nonce: uniqueNonce() } });
}

/** Verifies an SDK answer against a public key as published by the product (base64 of 32 raw bytes). */
function signatureVerifies(payload: string, signature: string, publicKeyBase64: string): boolean {
  const x = Buffer.from(publicKeyBase64, 'base64').toString('base64url');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  return verify(null, Buffer.from(payload, 'utf8'), key, Buffer.from(signature, 'base64'));
}

async function newProduct(account: Account, fields: Record<string, unknown> = {}): Promise<{ product: ProductView; appSecret: string }> {
  const body = expectOk(await asAccount(account, 'createProduct', { name: `Product ${randomUUID().slice(0, 8)}`, ...fields }));
  return { product: productOf(body), appSecret: String(body.appSecret) };
}

describe('createProduct', () => {
  it('creates a product with a one-time app secret and a published Ed25519 key, storing only the secret’s hash', async () => {
    const account = await createAccount();
    const response = await asAccount(account, 'createProduct', { name: 'My Great App!', description: 'desktop app', variables: { channel: 'stable' } });
    const body = expectOk(response);
    const product = productOf(body);
    const appSecret = String(body.appSecret);

    expect(appSecret).toMatch(/^as_[0-9A-Za-z]{40}$/);
    expect(product.productId).toMatch(/^app_[0-9A-Za-z]+$/);
    expect(product).toMatchObject({
      appId: product.productId,
      accountId: account.accountId,
      name: 'My Great App!',
      slug: 'my-great-app',
      description: 'desktop app',
      status: 'active',
      variables: { channel: 'stable' },
    });
    expect(product.publicKeys).toHaveLength(1);
    expect(product.publicKeys[0]).toMatchObject({ keyId: product.activeSigningKeyId, algorithm: 'Ed25519', active: true, retiredAt: null });
    expect(Buffer.from(product.publicKeys[0]?.publicKey ?? '', 'base64')).toHaveLength(32);
    expect(response.text).not.toMatch(/privateKey|appSecretHash|sessionSecret/);

    const stored = (await testDb().collection('apps').doc(product.productId).get()).data();
    expect(stored).toMatchObject({ accountId: account.accountId, slug: 'my-great-app', appSecretHash: sha256(appSecret), disabled: false });
    expect(JSON.stringify(stored)).not.toContain(appSecret);

    // The secret is shown once: listing the product never shows it again.
    const listed = await asAccount(account, 'listProducts');
    expect(listed.text).not.toContain(appSecret);
    expect((expectOk(listed).products as ProductView[]).map((p) => p.productId)).toEqual([product.productId]);
  });

  it('answers 409 for a slug the account already uses, writes nothing, and lets another account use it', async () => {
    const account = await createAccount();
    const slug = uniqueSlug();
    await newProduct(account, { slug });
    const duplicate = await asAccount(account, 'createProduct', { name: 'Second', slug });
    expectError(duplicate, 409, 'conflict');
    expect(duplicate.body.error).toContain(slug);
    const apps = await appsOfAccount(account.accountId);
    expect(apps.map((doc) => doc.data().name)).not.toContain('Second');
    expect(apps).toHaveLength(1);

    const other = await createAccount();
    const { product } = await newProduct(other, { slug });
    expect(product.slug).toBe(slug);
  });

  it('answers 400 for each invalid field and creates nothing', async () => {
    const account = await createAccount();
    const invalid: Array<Record<string, unknown>> = [
      {},
      { name: '' },
      { name: '   ' },
      { name: 42 },
      { name: 'x'.repeat(129) },
      { name: 'ok', slug: 'Not A Slug' },
      { name: 'ok', slug: 'a' },
      { name: 'ok', slug: 'double--dash' },
      { name: 'ok', description: 'd'.repeat(1001) },
      { name: 'ok', variables: { 'bad key!': 1 } },
      { name: 'ok', settings: { validatesPerLicensePerMinute: 0 } },
      { name: 'ok', colour: 'typo field' },
      { name: 'ok', accountId: 'not an id' },
    ];
    for (const body of invalid) {
      const response = await asAccount(account, 'createProduct', body);
      expectError(response, 400, 'bad_request');
    }
    expect(await appsOfAccount(account.accountId)).toHaveLength(0);
  });

  it('lets the operator create a product for a named account, and requires an existing accountId', async () => {
    const account = await createAccount();
    const body = expectOk(await asOperator('createProduct', { accountId: account.accountId, name: 'Operator made' }));
    expect(productOf(body).accountId).toBe(account.accountId);
    const listed = expectOk(await asAccount(account, 'listProducts')).products as ProductView[];
    expect(listed.map((p) => p.name)).toEqual(['Operator made']);

    expectError(await asOperator('createProduct', { name: 'No account' }), 400, 'bad_request');
    expectError(await asOperator('createProduct', { accountId: unknownAccountId(), name: 'Ghost' }), 404, 'not_found');
  });

  it('accepts the API key in the apiKey query parameter and body field too', async () => {
    const account = await createAccount();
    const viaQuery = await call('createProduct', { query: { apiKey: account.apiKey }, body: { name: 'Via query' } });
    expect(productOf(expectOk(viaQuery)).accountId).toBe(account.accountId);
    const viaBody = await call('createProduct', { body: { apiKey: account.apiKey, name: 'Via body' } });
    expect(productOf(expectOk(viaBody)).accountId).toBe(account.accountId);
  });
});

describe('listProducts', () => {
  it('lists only the account’s own products, newest first, page by page without duplicates', async () => {
    const account = await createAccount();
    const other = await createAccount();
    const otherProduct = await newProduct(other);
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) made.push((await newProduct(account, { name: `P${i}` })).product.productId);

    const pages = await collectPages(
      (cursor) => asAccount(account, 'listProducts', { limit: 2, ...(cursor ? { cursor } : {}) }),
      (body) => body.products as ProductView[],
      2,
    );
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    const seen = pages.flat().map((p) => p.productId);
    expect(seen).toEqual([...made].reverse());
    expect(seen).not.toContain(otherProduct.product.productId);

    // GET with query parameters (seed 004 lists GET/POST).
    const viaGet = await call('listProducts', { headers: { 'X-API-Key': account.apiKey }, query: { limit: '3' } });
    expect((expectOk(viaGet).products as ProductView[]).map((p) => p.productId)).toEqual(seen.slice(0, 3));
    expect(viaGet.body.cursor).toEqual(expect.any(String));
  });

  it('answers 400 for an invalid cursor or limit, and lets the operator list a named account', async () => {
    const account = await createAccount();
    const { product } = await newProduct(account);
    expectError(await asAccount(account, 'listProducts', { cursor: 'not-a-cursor' }), 400, 'bad_request');
    const forged = Buffer.from(JSON.stringify({ after: [{ ts: [1, 0] }, 'a/b'] })).toString('base64url');
    expectError(await asAccount(account, 'listProducts', { cursor: forged }), 400, 'bad_request');
    expectError(await asAccount(account, 'listProducts', { limit: 0 }), 400, 'bad_request');
    expectError(await asAccount(account, 'listProducts', { limit: 201 }), 400, 'bad_request');

    const byOperator = expectOk(await asOperator('listProducts', { accountId: account.accountId }));
    expect((byOperator.products as ProductView[]).map((p) => p.productId)).toEqual([product.productId]);
    expectError(await asOperator('listProducts', {}), 400, 'bad_request');
  });
});

describe('updateProduct', () => {
  it('renames and changes the slug, freeing the old slug; a taken slug is 409 and changes nothing', async () => {
    const account = await createAccount();
    const oldSlug = uniqueSlug();
    const takenSlug = uniqueSlug();
    const { product } = await newProduct(account, { name: 'Before', slug: oldSlug });
    await newProduct(account, { slug: takenSlug });

    const newSlug = uniqueSlug();
    const updated = productOf(expectOk(await asAccount(account, 'updateProduct', { productId: product.productId, name: 'After', slug: newSlug, description: null })));
    expect(updated).toMatchObject({ productId: product.productId, name: 'After', slug: newSlug, description: null });

    // The old slug is free again, the new one is held.
    expect((await newProduct(account, { slug: oldSlug })).product.slug).toBe(oldSlug);
    expectError(await asAccount(account, 'createProduct', { name: 'Clash', slug: newSlug }), 409, 'conflict');

    const before = (await testDb().collection('apps').doc(product.productId).get()).data();
    const clash = await asAccount(account, 'updateProduct', { productId: product.productId, name: 'Should not stick', slug: takenSlug });
    expectError(clash, 409, 'conflict');
    const after = (await testDb().collection('apps').doc(product.productId).get()).data();
    expect(after).toEqual(before);
    expect(after?.name).toBe('After');

    // Setting the slug it already has is not a conflict.
    expectOk(await asAccount(account, 'updateProduct', { productId: product.productId, slug: newSlug }));
  });

  it('disables a product so its licenses stop activating, and re-enables it', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const [key] = await createLicenses(account, product.productId, { maxHwidSlots: 4 });
    if (!key) throw new Error('no key');

    const disabled = productOf(expectOk(await asAccount(account, 'updateProduct', { productId: product.productId, disabled: true })));
    expect(disabled.status).toBe('disabled');
    const refused = await activate(key, uniqueHwid());
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ success: false, code: 'app_disabled' });

    const listed = expectOk(await asAccount(account, 'listProducts')).products as ProductView[];
    expect(listed.find((p) => p.productId === product.productId)?.status).toBe('disabled');

    const enabled = productOf(expectOk(await asAccount(account, 'updateProduct', { productId: product.productId, disabled: false })));
    expect(enabled.status).toBe('active');
    await expectActivated(key, uniqueHwid());
  });

  it('rotates the signing key: a new active key signs, the old public key stays published and still verifies old answers', async () => {
    const account = await createAccount();
    const { product, appSecret } = await newProduct(account);
    const [key] = await createLicenses(account, product.productId, { maxHwidSlots: 16 });
    if (!key) throw new Error('no key');
    const oldKey = product.publicKeys[0];
    if (!oldKey) throw new Error('no signing key');

    const before = await sdkValidate(product.productId, appSecret, key);
    expect(before.status, before.text).toBe(200);
    expect(before.body.keyId).toBe(oldKey.keyId);

    const rotated = productOf(expectOk(await asAccount(account, 'updateProduct', { productId: product.productId, rotateSigningKey: true })));
    expect(rotated.publicKeys).toHaveLength(2);
    expect(rotated.activeSigningKeyId).not.toBe(oldKey.keyId);
    const kept = rotated.publicKeys.find((published) => published.keyId === oldKey.keyId);
    expect(kept).toMatchObject({ publicKey: oldKey.publicKey, active: false });
    expect(kept?.retiredAt).toEqual(expect.any(String));
    const fresh = rotated.publicKeys.find((published) => published.active);
    expect(fresh?.keyId).toBe(rotated.activeSigningKeyId);
    expect(fresh?.publicKey).not.toBe(oldKey.publicKey);

    // The old answer still verifies against the key still published under its keyId.
    expect(signatureVerifies(String(before.body.payload), String(before.body.signature), kept?.publicKey ?? '')).toBe(true);

    // New answers are signed with the new key, and only it verifies them.
    const after = await sdkValidate(product.productId, appSecret, key);
    expect(after.status, after.text).toBe(200);
    expect(after.body.keyId).toBe(rotated.activeSigningKeyId);
    expect(signatureVerifies(String(after.body.payload), String(after.body.signature), fresh?.publicKey ?? '')).toBe(true);
    expect(signatureVerifies(String(after.body.payload), String(after.body.signature), oldKey.publicKey)).toBe(false);

    // The published set is what listProducts shows too.
    const listed = (expectOk(await asAccount(account, 'listProducts')).products as ProductView[])[0];
    expect(listed?.publicKeys.map((published) => published.keyId).sort()).toEqual([oldKey.keyId, rotated.activeSigningKeyId].sort());
  });

  it('rotates the app secret: the new one is shown once and works, the old one stops working at once', async () => {
    const account = await createAccount();
    const { product, appSecret: oldSecret } = await newProduct(account);
    const [key] = await createLicenses(account, product.productId, { maxHwidSlots: 16 });
    if (!key) throw new Error('no key');
    expect((await sdkValidate(product.productId, oldSecret, key)).status).toBe(200);

    const plainUpdate = expectOk(await asAccount(account, 'updateProduct', { productId: product.productId, name: 'Renamed' }));
    expect(plainUpdate).not.toHaveProperty('appSecret');

    const body = expectOk(await asAccount(account, 'updateProduct', { productId: product.productId, rotateAppSecret: true }));
    const newSecret = String(body.appSecret);
    expect(newSecret).toMatch(/^as_[0-9A-Za-z]{40}$/);
    expect(newSecret).not.toBe(oldSecret);
    const stored = (await testDb().collection('apps').doc(product.productId).get()).data();
    expect(stored?.appSecretHash).toBe(sha256(newSecret));

    const withOld = await sdkValidate(product.productId, oldSecret, key);
    expect(withOld.status).toBe(401);
    expect(withOld.body).toMatchObject({ status: 'failed', error: 'invalid_app' });
    const withNew = await sdkValidate(product.productId, newSecret, key);
    expect(withNew.status, withNew.text).toBe(200);
    expect(withNew.body.status).toBe('ok');
  });

  it('answers 404 for an unknown product and 400 for bad input, changing nothing', async () => {
    const account = await createAccount();
    const { product } = await newProduct(account, { name: 'Stable' });
    expectError(await asAccount(account, 'updateProduct', { productId: unknownProductId(), name: 'x' }), 404, 'not_found');
    const invalid: Array<Record<string, unknown>> = [
      { name: 'no id' },
      { productId: 'not-an-id', name: 'x' },
      { productId: product.productId, slug: 'Bad Slug' },
      { productId: product.productId, name: '' },
      { productId: product.productId, disabled: 'yes' },
      { productId: product.productId, rotateSigningKey: 1 },
      { productId: product.productId, owner: 'typo field' },
    ];
    const before = (await testDb().collection('apps').doc(product.productId).get()).data();
    for (const body of invalid) expectError(await asAccount(account, 'updateProduct', body), 400, 'bad_request');
    expect((await testDb().collection('apps').doc(product.productId).get()).data()).toEqual(before);
  });
});

describe('createVariant', () => {
  it('creates a variant with the documented defaults, or the given fields', async () => {
    const account = await createAccount();
    const { product } = await newProduct(account);
    const plain = variantOf(expectOk(await asAccount(account, 'createVariant', { productId: product.productId, name: 'Basic' })));
    expect(plain.variantId).toMatch(/^var_[0-9A-Za-z]+$/);
    expect(plain).toMatchObject({
      productId: product.productId,
      name: 'Basic',
      maxHwidSlots: 1,
      unlimitedHwidSlots: false,
      durationDays: null,
      floating: false,
      heartbeatTimeoutSeconds: 300,
      variables: {},
      status: 'active',
    });

    const pro = variantOf(
      expectOk(
        await asAccount(account, 'createVariant', {
          productId: product.productId,
          name: 'Pro',
          maxHwidSlots: 16,
          durationDays: 365,
          floating: true,
          heartbeatTimeoutSeconds: 60,
          variables: { tier: 'pro' },
        }),
      ),
    );
    expect(pro).toMatchObject({ maxHwidSlots: 16, durationDays: 365, floating: true, heartbeatTimeoutSeconds: 60, variables: { tier: 'pro' } });
    const stored = (await testDb().collection('variants').doc(pro.variantId).get()).data();
    expect(stored).toMatchObject({ appId: product.productId, accountId: account.accountId, name: 'Pro', maxHwidSlots: 16, disabled: false });
  });

  it('answers 400 for out-of-range fields and 404 for an unknown product, storing nothing', async () => {
    const account = await createAccount();
    const { product } = await newProduct(account);
    const invalid: Array<Record<string, unknown>> = [
      { name: 'no product' },
      { productId: product.productId },
      { productId: product.productId, name: '' },
      { productId: product.productId, name: 'v', maxHwidSlots: 0 },
      { productId: product.productId, name: 'v', maxHwidSlots: 17 },
      { productId: product.productId, name: 'v', maxHwidSlots: 2.5 },
      { productId: product.productId, name: 'v', durationDays: 0 },
      { productId: product.productId, name: 'v', heartbeatTimeoutSeconds: 29 },
      { productId: product.productId, name: 'v', unlimitedHwidSlots: 'true' },
    ];
    for (const body of invalid) expectError(await asAccount(account, 'createVariant', body), 400, 'bad_request');
    expectError(await asAccount(account, 'createVariant', { productId: unknownProductId(), name: 'v' }), 404, 'not_found');
    expect(await variantsOfProduct(product.productId)).toHaveLength(0);
  });
});

describe('updateVariant', () => {
  it('changes only the given fields and can disable a variant', async () => {
    const account = await createAccount();
    const { product } = await newProduct(account);
    const variant = variantOf(
      expectOk(await asAccount(account, 'createVariant', { productId: product.productId, name: 'Team', maxHwidSlots: 5, variables: { seats: 5 } })),
    );
    const updated = variantOf(expectOk(await asAccount(account, 'updateVariant', { variantId: variant.variantId, maxHwidSlots: 10, durationDays: 30 })));
    expect(updated).toMatchObject({ variantId: variant.variantId, name: 'Team', maxHwidSlots: 10, durationDays: 30, variables: { seats: 5 }, status: 'active' });

    const disabled = variantOf(expectOk(await asAccount(account, 'updateVariant', { variantId: variant.variantId, disabled: true })));
    expect(disabled.status).toBe('disabled');
    const listed = expectOk(await asAccount(account, 'listVariants', { productId: product.productId })).variants as VariantView[];
    expect(listed).toEqual([expect.objectContaining({ variantId: variant.variantId, maxHwidSlots: 10, status: 'disabled' })]);
  });

  it('answers 404 for an unknown variant and 400 for bad input, changing nothing', async () => {
    const account = await createAccount();
    const { product } = await newProduct(account);
    const variant = variantOf(expectOk(await asAccount(account, 'createVariant', { productId: product.productId, name: 'Solo' })));
    expectError(await asAccount(account, 'updateVariant', { variantId: unknownVariantId(), name: 'x' }), 404, 'not_found');
    const before = (await testDb().collection('variants').doc(variant.variantId).get()).data();
    const invalid: Array<Record<string, unknown>> = [
      { name: 'no id' },
      { variantId: 'bogus', name: 'x' },
      { variantId: variant.variantId, maxHwidSlots: 17 },
      { variantId: variant.variantId, maxHwidSlots: 0 },
      { variantId: variant.variantId, heartbeatTimeoutSeconds: 86_401 },
      { variantId: variant.variantId, productId: product.productId },
    ];
    for (const body of invalid) expectError(await asAccount(account, 'updateVariant', body), 400, 'bad_request');
    expect((await testDb().collection('variants').doc(variant.variantId).get()).data()).toEqual(before);
  });
});

describe('listVariants', () => {
  it('lists one product’s variants in creation order, page by page without duplicates', async () => {
    const account = await createAccount();
    const { product } = await newProduct(account);
    const { product: sibling } = await newProduct(account);
    const siblingVariant = variantOf(expectOk(await asAccount(account, 'createVariant', { productId: sibling.productId, name: 'Other' })));
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      made.push(variantOf(expectOk(await asAccount(account, 'createVariant', { productId: product.productId, name: `Tier ${i}` }))).variantId);
    }
    const pages = await collectPages(
      (cursor) => asAccount(account, 'listVariants', { productId: product.productId, limit: 2, ...(cursor ? { cursor } : {}) }),
      (body) => body.variants as VariantView[],
      2,
    );
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    const seen = pages.flat().map((variant) => variant.variantId);
    expect(seen).toEqual(made);
    expect(seen).not.toContain(siblingVariant.variantId);

    const viaGet = await call('listVariants', { query: { apiKey: account.apiKey, productId: product.productId } });
    expect((expectOk(viaGet).variants as VariantView[]).map((variant) => variant.variantId)).toEqual(made);
  });

  it('answers 400 without a productId or with a bad cursor, and 404 for an unknown product', async () => {
    const account = await createAccount();
    const { product } = await newProduct(account);
    expectError(await asAccount(account, 'listVariants', {}), 400, 'bad_request');
    expectError(await asAccount(account, 'listVariants', { productId: product.productId, cursor: '%%%' }), 400, 'bad_request');
    expectError(await asAccount(account, 'listVariants', { productId: unknownProductId() }), 404, 'not_found');
    // seed 004 lets a GET carry the API key in the query; the admin secret never travels in a URL (URLs are logged).
    expect(expectOk(await call('listVariants', { query: { apiKey: account.apiKey, productId: product.productId } })).variants).toEqual([]);
    expectError(await call('listVariants', { query: { adminSecret: adminSecret(), productId: product.productId } }), 400, 'bad_request');
  });
});
