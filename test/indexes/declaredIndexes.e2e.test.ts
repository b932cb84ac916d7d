/**
 * The index file holds nothing that is not queried: this file drives every query the product
 * makes through its real entry points (HTTP, and the deployed scheduled functions), and the
 * embedded Firestore, which refuses any query an index does not serve, counts which declared
 * index served each one. Every declared composite index must have served at least one.
 * (Every other end-to-end test proves the converse: no query lacks its index.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/localStack.js';
import { createAccount, createLicenses, createProduct, uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { controlUrl, declaredIndexUsage } from '../support/faults.js';
import { call } from '../support/http.js';
import { createWebhook, runExpireLicenses, runRetryWebhookDeliveries, v1 } from '../webhooks/support.js';

const describeEmbedded = controlUrl() ? describe : describe.skip;
const describeIndex = (index: { collectionGroup: string; fields: Array<{ fieldPath: string; order?: string; arrayConfig?: string }> }) =>
  `${index.collectionGroup} (${index.fields.map((field) => `${field.fieldPath} ${field.order ?? field.arrayConfig}`).join(', ')})`;

describeEmbedded('firestore.indexes.json', () => {
  it('declares each composite index once and every one of them serves a query the product makes', async () => {
    const account = await createAccount();
    const admin = (name: string, body: Record<string, unknown> = {}) => call(name, { headers: { 'X-API-Key': account.apiKey }, body });
    const product = await createProduct(account);
    const productId = product.productId;
    const [licenseKey] = await createLicenses(account, productId, { label: 'index-label', email: 'index@example.com', maxHwidSlots: 2 });

    // Lists: API keys, products, variants, discount codes (with and without an app).
    expect((await admin('listApiKeys')).status).toBe(200);
    expect((await admin('listProducts')).status).toBe(200);
    expect((await admin('listVariants', { productId })).status).toBe(200);
    expect((await admin('listDiscountCodes')).status).toBe(200);
    expect((await admin('listDiscountCodes', { productId })).status).toBe(200);

    // License listing: every combination of label, email and status filters.
    for (const label of [undefined, 'index-label']) {
      for (const email of [undefined, 'index@example.com']) {
        for (const status of [undefined, 'revoked', 'active', 'expired']) {
          const response = await admin('listLicenses', { productId, label, email, status });
          expect(response.status, response.text).toBe(200);
        }
      }
    }

    // v1 license filters (variant, expiry) and search (a bound HWID), and an app's overview (auth-log counts).
    const variant = await admin('createVariant', { productId, name: 'index-variant' });
    expect(variant.status, variant.text).toBe(200);
    const variantId = String((variant.body.variant as { variantId: string }).variantId);
    const soon = new Date(Date.now() + 86_400_000).toISOString();
    const filters: Array<Record<string, string>> = [
      { expiresBefore: soon },
      { variantId },
      { variantId, expiresBefore: soon },
      ...['revoked', 'active', 'expired'].flatMap((status): Array<Record<string, string>> => [{ variantId, status }, { variantId, status, expiresBefore: soon }]),
      { q: 'index-hwid' },
    ];
    for (const query of filters) {
      const response = await call('v1', { path: '/licenses', headers: { Authorization: `Bearer ${account.apiKey}` }, query: { appId: productId, ...query } });
      expect(response.status, response.text).toBe(200);
    }
    const overview = await v1(account, 'GET', `/apps/${productId}/overview`);
    expect(overview.status, overview.text).toBe(200);

    // Client calls: rate limits and the auth log of a license.
    const validated = await call('auth', {
      path: '/validate',
      body: { appId: productId, appSecret: product.appSecret, licenseKey, hwid: uniqueHwid(), nonce: uniqueNonce() },
    });
    expect(validated.status, validated.text).toBe(200);
    expect((await call('activate', { body: { licenseKey, hwid: uniqueHwid() } })).status).toBe(200);
    expect((await admin('getLicense', { licenseKey })).status).toBe(200);
    expect((await v1(account, 'GET', `/licenses/${licenseKey}/logs`)).status).toBe(200);
    const offline = await v1(account, 'GET', `/licenses/${licenseKey}/offline-files`);
    expect(offline.status, offline.text).toBe(200);

    // Webhooks: a webhook's deliveries, the scheduled retry and expiry scans.
    const { webhook } = await createWebhook(account, productId, 'http://127.0.0.1:9/declared-indexes');
    expect((await v1(account, 'GET', `/apps/${productId}/webhooks/${webhook.webhookId}/deliveries`)).status).toBe(200);
    await runRetryWebhookDeliveries();
    await runExpireLicenses();

    const declared = JSON.parse(readFileSync(join(repoRoot, 'firestore.indexes.json'), 'utf8')) as { indexes: unknown[] };
    const usage = await declaredIndexUsage();
    // The emulator keeps one entry per distinct index: a duplicate would leave this shorter.
    expect(usage).toHaveLength(declared.indexes.length);
    const unused = usage.filter((index) => index.uses === 0).map(describeIndex);
    expect(unused, 'declared indexes no query uses: remove them from firestore.indexes.json').toEqual([]);
  }, 120_000);
});
