/**
 * Issue 21: README, Outbound webhooks ("Configure") and Security ("Webhook egress"): outside the
 * local stack a webhook URL must be https, and its host must be global unicast: a literal
 * loopback, private or link-local address, a cloud metadata host, or a host name that resolves
 * to such an address is refused when the webhook is created or updated (400 bad_request,
 * nothing stored), not only at its first delivery. Over real HTTP (v1) to a second functions
 * host started as production runs (private targets not allowed) against the suite's Firestore.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFunctionsHost, type FunctionsServer } from '../../scripts/lib/localStack.js';
import { createAccount, createProduct, type Account } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { callUrl, type JsonResponse } from '../support/http.js';
import { v1 } from '../webhooks/support.js';

let production: FunctionsServer | undefined;

beforeAll(async () => {
  production = await startFunctionsHost({ firestoreHost: inject('firestoreEmulatorHost'), pump: false, env: { KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS: '0' } });
});

afterAll(async () => {
  await production?.stop();
});

function onProduction(account: Account, method: string, path: string, body?: unknown): Promise<JsonResponse> {
  if (!production) throw new Error('functions host not started');
  return callUrl(`${production.baseUrl}/v1`, { method, path: `/v1${path}`, headers: { Authorization: `Bearer ${account.apiKey}` }, body });
}

/** URLs production refuses at save time, each for a reason README gives. */
const refusedUrls = [
  'http://hooks.example.com/keywarden', // plain http
  'https://127.0.0.1/keywarden', // loopback
  'https://[::1]/keywarden',
  'https://10.1.2.3/keywarden', // private
  'https://192.168.1.20:8443/keywarden',
  'https://100.64.0.7/keywarden', // CGNAT
  'https://169.254.169.254/computeMetadata/v1/', // link-local (cloud metadata)
  'https://[fe80::1]/keywarden',
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://localhost/keywarden', // a host name that resolves to loopback
];

async function storedUrls(appId: string): Promise<string[]> {
  return (await testDb().collection('apps').doc(appId).collection('webhooks').get()).docs.map((doc) => String(doc.get('url')));
}

function expectRefused(answer: JsonResponse, url: string): void {
  expect(answer.status, `${url}: ${answer.text}`).toBe(400);
  expect(answer.body.error, url).toBe('bad_request');
}

describe('webhook URLs outside the local stack', () => {
  it('creating with an http URL, or a host that is or resolves to a loopback, private or link-local address, answers 400 and stores nothing', async () => {
    const account = await createAccount();
    const { productId } = await createProduct(account);
    for (const url of refusedUrls) expectRefused(await onProduction(account, 'POST', `/apps/${productId}/webhooks`, { url }), url);
    expect(await storedUrls(productId)).toEqual([]);
    // A global address is accepted, and so is a name that does not resolve yet (each attempt
    // resolves it again and refuses it then if it points somewhere private).
    for (const url of ['https://93.184.215.14/keywarden', 'https://hooks.keywarden-test.invalid/keywarden']) {
      const created = await onProduction(account, 'POST', `/apps/${productId}/webhooks`, { url });
      expect(created.status, `${url}: ${created.text}`).toBe(201);
    }
    expect((await storedUrls(productId)).sort()).toEqual(['https://93.184.215.14/keywarden', 'https://hooks.keywarden-test.invalid/keywarden']);
  });

  it('updating a webhook to such a URL answers 400 and keeps its URL', async () => {
    const account = await createAccount();
    const { productId } = await createProduct(account);
    const created = await onProduction(account, 'POST', `/apps/${productId}/webhooks`, { url: 'https://93.184.215.14/keywarden' });
    expect(created.status, created.text).toBe(201);
    const webhookId = (created.body.webhook as { webhookId: string }).webhookId;
    for (const url of refusedUrls) expectRefused(await onProduction(account, 'PUT', `/apps/${productId}/webhooks/${webhookId}`, { url }), url);
    expect(await storedUrls(productId)).toEqual(['https://93.184.215.14/keywarden']);
  });

  it('the local stack (the suite host) still takes a loopback http receiver', async () => {
    const account = await createAccount();
    const { productId } = await createProduct(account);
    const local = await v1(account, 'POST', `/apps/${productId}/webhooks`, { url: 'http://localhost:9/keywarden' });
    expect(local.status, local.text).toBe(201);
  });
});
