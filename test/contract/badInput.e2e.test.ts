/**
 * README "Bad input", pinned at its exact thresholds and at the doors no other suite sends
 * malformed JSON to: a body of exactly 64 KiB is read and one byte more answers 413; JSON
 * nested 16 levels deep is parsed and 17 levels answers 400; malformed JSON at
 * `paymentWebhook`, every discount-code function, the v1 webhook and security routes answers
 * 400 in that door's shape and writes nothing; every answer carries `X-Request-Id`.
 */
import { describe, expect, inject, it } from 'vitest';
import { createAccount, createProduct } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call, type JsonResponse } from '../support/http.js';

const MAX_BODY_BYTES = 64 * 1024;

/** A JSON object of exactly `bytes` bytes: the fields given plus a padding string. */
function bodyOfBytes(fields: Record<string, unknown>, bytes: number): string {
  const empty = JSON.stringify({ ...fields, padding: '' });
  const text = JSON.stringify({ ...fields, padding: 'x'.repeat(bytes - Buffer.byteLength(empty)) });
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

/** `{"a":{"a":…{"a":1}…}}` with `levels` nested objects, inside an otherwise valid body. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level += 1) value = { a: value };
  return value;
}

function expectRequestId(response: JsonResponse): void {
  const requestId = response.headers.get('x-request-id');
  expect(requestId, 'X-Request-Id header').toMatch(/^\S{8,}$/);
  if (response.body.requestId !== undefined) expect(response.body.requestId).toBe(requestId);
}

describe('the 64 KiB body limit, exactly', () => {
  it('reads a body of 65,536 bytes (then validates it) and answers 413 to 65,537, at the admin, v1 and client doors', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const doors: Array<{ name: string; path: string; headers: Record<string, string>; fields: Record<string, unknown> }> = [
      { name: 'createLicense', path: '', headers: { 'X-API-Key': account.apiKey }, fields: { productId: product.productId } },
      { name: 'v1', path: '/licenses', headers: { Authorization: `Bearer ${account.apiKey}` }, fields: { appId: product.productId } },
      { name: 'activate', path: '', headers: {}, fields: { licenseKey: 'AAAA-BBBB-CCCC-DDDD', hwid: 'h' } },
    ];
    for (const door of doors) {
      const atLimit = await call(door.name, { path: door.path, method: 'POST', rawBody: bodyOfBytes(door.fields, MAX_BODY_BYTES), headers: { ...door.headers, 'content-type': 'application/json' } });
      // Read and parsed: the unknown `padding` field is refused by validation, not by size.
      expect(atLimit.status, `${door.name} at 64 KiB: ${atLimit.text}`).toBe(400);
      expectRequestId(atLimit);
      const over = await call(door.name, { path: door.path, method: 'POST', rawBody: bodyOfBytes(door.fields, MAX_BODY_BYTES + 1), headers: { ...door.headers, 'content-type': 'application/json' } });
      expect(over.status, `${door.name} at 64 KiB + 1: ${over.text}`).toBe(413);
      expectRequestId(over);
    }
    expect((await testDb().collection('licenses').where('appId', '==', product.productId).get()).size).toBe(0);
  });
});

describe('the 16-level nesting limit, exactly', () => {
  it('parses 16 levels (then refuses the unknown field) and refuses 17 levels as too deep, at the admin and v1 doors', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const admin = (levels: number) => call('createLicense', { headers: { 'X-API-Key': account.apiKey }, body: { productId: product.productId, extra: nested(levels - 1) } });
    const rest = (levels: number) => call('v1', { path: '/licenses', headers: { Authorization: `Bearer ${account.apiKey}` }, body: { appId: product.productId, extra: nested(levels - 1) } });
    for (const send of [admin, rest]) {
      const sixteen = await send(16);
      expect(sixteen.status, sixteen.text).toBe(400);
      expect(sixteen.text).not.toMatch(/nested deeper/);
      const seventeen = await send(17);
      expect(seventeen.status, seventeen.text).toBe(400);
      expect(seventeen.text).toMatch(/nested deeper than 16 levels/);
      expectRequestId(seventeen);
    }
    expect((await testDb().collection('licenses').where('appId', '==', product.productId).get()).size).toBe(0);
  });
});

describe('malformed JSON, door by door', () => {
  const malformed = '{"orderId": "x",';

  it('paymentWebhook answers 400 in the seed 004 shape and creates nothing', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    for (const secret of [inject('paymentWebhookSecret'), 'not-checked-before-parsing']) {
      const response = await call('paymentWebhook', { method: 'POST', rawBody: malformed, headers: { 'content-type': 'application/json', 'x-webhook-secret': secret } });
      expect(response.status, response.text).toBe(400);
      expect(response.body).toMatchObject({ success: false, error: expect.any(String) });
      expectRequestId(response);
    }
    expect((await testDb().collection('licenses').where('appId', '==', product.productId).get()).size).toBe(0);
  });

  it('every discount-code function answers 400 {success:false, error, code:"bad_request"} and no code is stored', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    for (const name of ['createDiscountCode', 'listDiscountCodes', 'updateDiscountCode', 'deleteDiscountCode', 'redeemTrialCode']) {
      const response = await call(name, { method: 'POST', rawBody: `{"productId":"${product.productId}","code":"BROKEN",`, headers: { 'content-type': 'application/json', 'X-API-Key': account.apiKey } });
      expect(response.status, `${name}: ${response.text}`).toBe(400);
      expect(response.body, name).toMatchObject({ success: false, error: expect.any(String), code: 'bad_request' });
      expectRequestId(response);
    }
    const listed = await call('listDiscountCodes', { headers: { 'X-API-Key': account.apiKey }, body: { productId: product.productId } });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.codes ?? listed.body.discountCodes).toEqual([]);
  });

  it('the v1 webhook and security routes answer 400 {error:"bad_request", message} and change nothing', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const auth = { Authorization: `Bearer ${account.apiKey}`, 'content-type': 'application/json' };
    const appPath = `/apps/${product.productId}`;
    const created = await call('v1', { path: `${appPath}/webhooks`, headers: auth, body: { url: 'https://crm.example.com/hook' } });
    expect(created.status, created.text).toBe(201);
    const webhookId = String((created.body.webhook as { webhookId: string }).webhookId);
    const before = await call('v1', { path: `${appPath}/security`, headers: auth });
    expect(before.status, before.text).toBe(200);

    const routes: Array<[string, string]> = [
      ['POST', `${appPath}/webhooks`],
      ['PUT', `${appPath}/webhooks/${webhookId}`],
      ['PUT', `${appPath}/security`],
      ['POST', `${appPath}/security/blacklist`],
      ['DELETE', `${appPath}/security/blacklist`],
      ['POST', `${appPath}/security/whitelist`],
    ];
    for (const [method, path] of routes) {
      const response = await call('v1', { method, path, rawBody: '{"url": "https://x.example.com",', headers: auth });
      expect(response.status, `${method} ${path}: ${response.text}`).toBe(400);
      expect(response.body, `${method} ${path}`).toMatchObject({ error: 'bad_request', message: expect.any(String) });
      expectRequestId(response);
    }
    const webhooks = await call('v1', { path: `${appPath}/webhooks`, headers: auth });
    expect((webhooks.body.webhooks as Array<{ webhookId: string; url: string }>).map((hook) => [hook.webhookId, hook.url])).toEqual([[webhookId, 'https://crm.example.com/hook']]);
    const after = await call('v1', { path: `${appPath}/security`, headers: auth });
    expect(after.body).toEqual(before.body);
  });
});

describe('X-Request-Id', () => {
  it('is on every answer of every door, success or error, unique per request', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const responses = [
      await call('listProducts', { headers: { 'X-API-Key': account.apiKey } }),
      await call('listProducts', { headers: { 'X-API-Key': 'af_live_wrong' } }),
      await call('v1', { path: '/licenses', query: { appId: product.productId }, headers: { Authorization: `Bearer ${account.apiKey}` } }),
      await call('v1', { path: '/nope', headers: { Authorization: `Bearer ${account.apiKey}` } }),
      await call('verify', { body: { licenseKey: 'AAAA-BBBB-CCCC-DDDD' } }),
      await call('auth', { path: '/validate', body: { appId: product.productId } }),
      await call('paymentWebhook', { body: {} }),
      await call('stripeWebhook', { body: {} }),
      await call('createLicense', { method: 'GET' }),
    ];
    for (const response of responses) expectRequestId(response);
    const ids = responses.map((response) => response.headers.get('x-request-id'));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
