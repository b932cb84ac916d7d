/**
 * Smoke suite through the Firebase Functions emulator (firebase-tools), the host Firebase users
 * reach for: every HTTP function the built code exports loads there and answers in its
 * documented shape, and one real round trip (account, product, license, SDK validate) works.
 * The other end-to-end suites run on the production-shaped host (functions-framework).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot, startFunctionsEmulator, type FunctionsEmulator } from '../../scripts/lib/localStack.js';
import { adminSecret, callUrl } from '../support/http.js';

type Exported = ((...args: unknown[]) => unknown) & { __endpoint?: { httpsTrigger?: unknown } };

/** The HTTP functions of the built code, read from firebase-functions' own endpoint metadata. */
function builtHttpFunctions(): string[] {
  const exported = createRequire(import.meta.url)(join(repoRoot, 'functions', 'lib', 'index.js')) as Record<string, Exported>;
  return Object.entries(exported)
    .filter(([, value]) => typeof value === 'function' && value.__endpoint?.httpsTrigger !== undefined)
    .map(([name]) => name)
    .sort();
}

let emulator: FunctionsEmulator | undefined;
const url = (name: string) => {
  if (!emulator) throw new Error('Functions emulator not started');
  return `${emulator.baseUrl}/${name}`;
};

describe('the Firebase Functions emulator serves every function', () => {
  beforeAll(async () => {
    emulator = await startFunctionsEmulator({ firestoreHost: inject('firestoreEmulatorHost'), config: 'auto' });
  }, 180_000);
  afterAll(async () => {
    await emulator?.stop();
  }, 30_000);

  const functions = builtHttpFunctions();

  it('finds the client, SDK, admin, v1 and webhook functions among the exports', () => {
    for (const name of ['auth', 'activate', 'validate', 'createLicense', 'v1', 'stripeWebhook', 'paymentWebhook']) {
      expect(functions).toContain(name);
    }
  });

  it.each(functions)('%s loads and answers an empty request in JSON with a request id', async (name) => {
    // An empty POST is refused by every function (no credentials, no fields): never a 500, never HTML.
    const path = name === 'auth' ? '/validate' : name === 'v1' ? '/licenses' : '';
    const response = await callUrl(url(name), { method: 'POST', body: {}, path });
    expect(response.status, response.text).toBeGreaterThanOrEqual(400);
    expect(response.status, response.text).toBeLessThan(500);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
  }, 60_000);

  it('runs a signed SDK validate end to end', async () => {
    const account = await callUrl(url('createApiKey'), { body: { adminSecret: adminSecret(), accountName: 'smoke' } });
    expect(account.status, account.text).toBe(200);
    const headers = { 'X-API-Key': String(account.body.apiKey) };
    const product = await callUrl(url('createProduct'), { headers, body: { name: 'Smoke', slug: `smoke-${Date.now()}` } });
    expect(product.status, product.text).toBe(200);
    const productId = (product.body.product as { productId: string }).productId;
    const licenses = await callUrl(url('createLicense'), { headers, body: { productId } });
    expect(licenses.status, licenses.text).toBe(200);
    const licenseKey = (licenses.body.licenses as Array<{ licenseKey: string }>)[0]?.licenseKey;
    const validated = await callUrl(url('auth'), {
      path: '/validate',
      body: { appId: productId, appSecret: product.body.appSecret, licenseKey, hwid: 'smoke-hwid', nonce: `smoke-${Date.now()}` },
    });
    expect(validated.status, validated.text).toBe(200);
    expect(validated.body).toMatchObject({ status: 'ok', keyId: expect.any(String), signature: expect.any(String) });
  }, 60_000);
});
