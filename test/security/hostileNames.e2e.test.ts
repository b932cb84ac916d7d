/**
 * Issue 21 item 4: ids and field names Firestore refuses (`.`, `..`, `__x__`, `__name__`, a `/`)
 * or an order id longer than a label must answer 4xx (or, for the order, a license whose label
 * is the id cut to fit), never a 500: one id rule and one field-name rule, applied by the
 * schemas to every id and map key that reaches a document path or a field name.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { limits } from '../../functions/src/config/constants.js';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call, type JsonResponse } from '../support/http.js';
import { activated, fixture, sdkValidate } from '../licensing/sdkSupport.js';

const reservedIds = ['__x__', '.', '..', '__name__', 'a/b', '__.__'];
const reservedFieldNames = ['__x__', '__name__', '__key__'];

/** A 4xx in the door's own shape: never a 500, never a stack. */
function expectRefused(answer: JsonResponse, what: string): void {
  expect(answer.status, `${what}: ${answer.text}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${what}: ${answer.text}`).toBeLessThan(500);
  expect(answer.text).not.toMatch(/\bat [\w.<>]+ \(/);
}

describe('ids Firestore reserves, at the SDK door', () => {
  it('validate, heartbeat and both selfban forms with appId __x__, ., .., __name__ answer 4xx', async () => {
    const { product, key } = await fixture({ maxHwidSlots: 3 });
    const hwid = uniqueHwid();
    const validated = await sdkValidate(product, key, hwid);
    expect(validated.status, validated.text).toBe(200);
    const sessionToken = JSON.parse(Buffer.from(String(validated.body.payload), 'base64').toString('utf8')).sessionToken as string;
    for (const appId of reservedIds) {
      const common = { appId, hwid, nonce: uniqueNonce() };
      expectRefused(await call('auth', { path: '/validate', body: { ...common, appSecret: product.appSecret, licenseKey: key } }), `validate ${appId}`);
      expectRefused(await call('auth', { path: '/heartbeat', body: { ...common, sessionToken } }), `heartbeat ${appId}`);
      expectRefused(
        await call('auth', { path: '/selfban', body: { ...common, appSecret: product.appSecret, licenseKey: key, revokeLicense: false, blacklistHwid: true, blacklistIp: false } }),
        `selfban (app secret) ${appId}`,
      );
      expectRefused(
        await call('auth', { path: '/selfban', body: { appId, sessionToken, hwid, revokeLicense: false, blacklistHwid: true, blacklistIp: false } }),
        `selfban (session) ${appId}`,
      );
    }
  });
});

describe('variable names Firestore reserves', () => {
  it('are refused 400 at PUT /v1/apps/:id/variables, PUT /v1/licenses/:key/variables, createLicense and createProduct; nothing is written', async () => {
    const { account, product, key } = await fixture();
    const bearer = { Authorization: `Bearer ${account.apiKey}` };
    for (const name of reservedFieldNames) {
      const variables = { [name]: '1' };
      expectRefused(await call('v1', { method: 'PUT', path: `/v1/apps/${product.productId}/variables`, headers: bearer, body: { variables } }), `app variables ${name}`);
      expectRefused(await call('v1', { method: 'PUT', path: `/v1/licenses/${key}/variables`, headers: bearer, body: { variables } }), `license variables ${name}`);
      expectRefused(await call('createLicense', { headers: { 'X-API-Key': account.apiKey }, body: { productId: product.productId, variables } }), `createLicense ${name}`);
      expectRefused(await call('createProduct', { headers: { 'X-API-Key': account.apiKey }, body: { name: `P ${randomUUID().slice(0, 6)}`, variables } }), `createProduct ${name}`);
      expectRefused(await call('updateProduct', { headers: { 'X-API-Key': account.apiKey }, body: { productId: product.productId, variables } }), `updateProduct ${name}`);
      expectRefused(await call('v1', { method: 'POST', path: '/v1/licenses', headers: bearer, body: { appId: product.productId, variables } }), `POST /v1/licenses ${name}`);
    }
    const products = await testDb().collection('apps').where('accountId', '==', account.accountId).get();
    expect(products.size).toBe(1);
    expect(products.docs[0]!.get('variables')).toEqual({});
    const licenses = await testDb().collection('licenses').where('appId', '==', product.productId).get();
    expect(licenses.docs.map((doc) => doc.get('variables'))).toEqual([{}]);
    // Names that are only unusual still work.
    const fine = await call('v1', { method: 'PUT', path: `/v1/licenses/${key}/variables`, headers: bearer, body: { variables: { '_x_': 1, 'a.b': true, '__x': 'y' } } });
    expect(fine.status, fine.text).toBe(200);
  });
});

describe('paymentWebhook with a long order id', () => {
  it(`an orderId of 129–200 characters and no label makes the license, labelled with the id cut to ${limits.maxLabelLength} characters; a redelivery answers the same`, async () => {
    const { account, product } = await fixture();
    const rotated = await call('updateProduct', { headers: { 'X-API-Key': account.apiKey }, body: { productId: product.productId, rotatePaymentSecret: true } });
    expect(rotated.status, rotated.text).toBe(200);
    const secret = { 'x-webhook-secret': String(rotated.body.paymentSecret) };
    for (const length of [129, 200]) {
      const orderId = `order-${randomUUID()}-`.padEnd(length, 'x');
      const order = { orderId, productId: product.productId, email: 'buyer@example.com' };
      const first = await call('paymentWebhook', { headers: secret, body: order });
      expect(first.status, first.text).toBe(200);
      const [license] = first.body.licenses as Array<{ licenseKey: string; label: string }>;
      expect(license!.label).toBe(orderId.slice(0, limits.maxLabelLength));
      const again = await call('paymentWebhook', { headers: secret, body: order });
      expect(again.status, again.text).toBe(200);
      expect((again.body.licenses as Array<{ licenseKey: string }>).map((entry) => entry.licenseKey)).toEqual([license!.licenseKey]);
      // The license is usable by its buyer's app.
      expect((await activated(license!.licenseKey, uniqueHwid())).length).toBeGreaterThan(10);
    }
    // Past 200 characters the order id itself is refused.
    expectRefused(await call('paymentWebhook', { headers: secret, body: { orderId: 'x'.repeat(201), productId: product.productId } }), 'orderId 201');
    for (const orderId of reservedIds) {
      expectRefused(await call('paymentWebhook', { headers: secret, body: { orderId, productId: product.productId } }), `orderId ${orderId}`);
    }
  });
});
