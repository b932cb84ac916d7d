/**
 * Issue 21 item 7: no log line holds a license key, and no client door takes a credential from
 * the URL (Cloud Run's request log keeps the query string). A license key, a session token and
 * an app secret in the query string are refused 400 at seed 004's client functions and the SDK
 * door, as the admin doors already refuse credentials in URLs; the documented JSON bodies work.
 * The log check reads the output of a functions host this file starts for itself.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFunctionsHost, type FunctionsServer } from '../../scripts/lib/localStack.js';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { call, callUrl } from '../support/http.js';
import { activated, expectClientError, expectSdkError, fixture, sdkValidate } from '../licensing/sdkSupport.js';

describe('credentials in the URL at the client doors', () => {
  it('seed 004 verify, activate, validate, deactivate and heartbeat refuse licenseKey and sessionToken in the query string (400), and write nothing', async () => {
    const { key } = await fixture({ maxHwidSlots: 3 });
    const hwid = uniqueHwid();
    const sessionToken = await activated(key, hwid);
    const refusals = [
      { name: 'verify', shape: 'valid', query: { licenseKey: key }, body: {} },
      { name: 'activate', shape: 'success', query: { licenseKey: key }, body: { hwid: uniqueHwid() } },
      { name: 'deactivate', shape: 'success', query: { licenseKey: key }, body: { hwid } },
      { name: 'validate', shape: 'valid', query: { sessionToken }, body: {} },
      { name: 'heartbeat', shape: 'success', query: { sessionToken }, body: {} },
      // In the URL and the body alike: the URL alone is what gets logged, and it is refused.
      { name: 'verify', shape: 'valid', query: { licenseKey: key }, body: { licenseKey: key } },
    ] as const;
    for (const { name, shape, query, body } of refusals) {
      const answer = await call(name, { query, body });
      expectClientError(answer, shape, 400);
      expect(String(answer.body.error), name).toMatch(/URL/);
    }
    // Nothing was bound or freed by the refused calls: the one device is still there, and the body forms work.
    const verified = await call('verify', { body: { licenseKey: key } });
    expect(verified.status, verified.text).toBe(200);
    expect((await call('validate', { body: { sessionToken } })).status).toBe(200);
  });

  it('the SDK door refuses appSecret, licenseKey and sessionToken in the query string (400 malformed_request shape), even with a valid body', async () => {
    const { product, key } = await fixture();
    const body = { appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: uniqueHwid(), nonce: uniqueNonce() };
    const inUrl: Array<Record<string, string>> = [{ appSecret: product.appSecret }, { licenseKey: key }, { sessionToken: 'x.y' }];
    for (const query of inUrl) {
      const answer = await call('auth', { path: '/validate', query, body: { ...body, nonce: uniqueNonce() } });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body).toMatchObject({ status: 'failed' });
      expect(String(answer.body.message)).toMatch(/URL/);
    }
    expect((await sdkValidate(product, key, body.hwid)).status).toBe(200);
    expectSdkError(await call('auth', { path: '/heartbeat', query: { sessionToken: 'a.b' }, body: { appId: product.productId, sessionToken: 'abcdefghijk', nonce: uniqueNonce(), hwid: body.hwid } }), 400, 'bad_request');
  });
});

describe('no log line holds a license key', () => {
  let host: FunctionsServer | undefined;
  let output = '';

  beforeAll(async () => {
    host = await startFunctionsHost({ firestoreHost: inject('firestoreEmulatorHost'), pump: false });
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
    };
    host.process.stdout?.on('data', collect);
    host.process.stderr?.on('data', collect);
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('minting offline files (v1 and seed 004), refusals and client calls log the file id, never the key', async () => {
    const { account, product, key } = await fixture({ maxHwidSlots: 2 });
    const at = (name: string) => `${host!.baseUrl}/${name}`;
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const v1Mint = await callUrl(at('v1'), { path: `/v1/licenses/${key}/offline-files`, headers: { Authorization: `Bearer ${account.apiKey}` }, body: { anyHwid: true, expiresAt } });
    expect(v1Mint.status, v1Mint.text).toBe(201);
    const seed004Mint = await callUrl(at('mintOfflineLicense'), { headers: { 'X-API-Key': account.apiKey }, body: { licenseKey: key, anyHwid: true, expiresAt } });
    expect(seed004Mint.status, seed004Mint.text).toBe(200);
    // Client calls, accepted and refused, through this host too.
    const hwid = uniqueHwid();
    expect((await callUrl(at('activate'), { body: { licenseKey: key, hwid } })).status).toBe(200);
    expect((await callUrl(at('verify'), { body: { licenseKey: key, productId: 'app_0000000000000000' } })).status).toBe(403);
    expect((await callUrl(at('auth'), { path: '/validate', body: { appId: product.productId, appSecret: product.appSecret, licenseKey: key, hwid: uniqueHwid(), nonce: uniqueNonce() } })).status).toBe(200);
    // A key in the URL (refused 400 by the test above): its refusal is logged without it.
    await callUrl(at('verify'), { query: { licenseKey: key }, body: {} });
    // The host logged the mints (its output is where Cloud Logging's lines come from)…
    await expect.poll(() => (output.match(/offline license file minted/g) ?? []).length, { timeout: 10_000 }).toBe(2);
    const jti = (v1Mint.body.offlineFile as { jti: string }).jti;
    expect(output).toContain(jti);
    // …and no line holds the key, whatever its case or separators.
    const compact = (text: string) => text.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
    expect(output).not.toContain(key);
    expect(compact(output)).not.toContain(compact(key));
  });
});
