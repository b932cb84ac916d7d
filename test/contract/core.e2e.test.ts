/**
 * README promises of the core and v1 sections no other file pins: revoked takes precedence
 * over expired; a nonce's auth-log entry (the replay check) is kept 90 days; the 8 KiB total
 * of a variables record (each value under its own cap); 1,000 entries per security list.
 */
import { createHash } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { createAccount, createLicenses, createProduct, uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call } from '../support/http.js';

const DAY_MS = 86_400_000;

describe('license status', () => {
  it('revoked takes precedence over expired, at v1, getLicense and the SDK door', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const [licenseKey = ''] = await createLicenses(account, product.productId, { expiresAt: new Date(Date.now() + DAY_MS).toISOString() });
    expect((await call('revokeLicense', { headers: { 'X-API-Key': account.apiKey }, body: { licenseKey } })).status).toBe(200);
    // Time passes: the revoked license's expiry is now in the past too.
    const passed = Timestamp.fromMillis(Date.now() - 60_000);
    await testDb().collection('licenses').doc(licenseKey).update({ expiresAt: passed, expiresSort: passed });
    const viaV1 = await call('v1', { path: `/licenses/${licenseKey}`, headers: { Authorization: `Bearer ${account.apiKey}` } });
    expect(viaV1.status, viaV1.text).toBe(200);
    expect(viaV1.body.status).toBe('revoked');
    const viaAdmin = await call('getLicense', { headers: { 'X-API-Key': account.apiKey }, body: { licenseKey } });
    expect((viaAdmin.body.license as { status: string }).status).toBe('revoked');
    const sdk = await call('auth', { path: '/validate', body: { appId: product.productId, appSecret: product.appSecret, licenseKey, hwid: uniqueHwid(), nonce: uniqueNonce() } });
    expect(sdk.status, sdk.text).toBe(410);
    expect(sdk.body.error).toBe('revoked');
  });
});

describe('the nonce window', () => {
  it("is the auth-log entry's life: stored under {appId}~sha256(nonce) with expireAt 90 days out, and a replay is refused while it exists", async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const [licenseKey = ''] = await createLicenses(account, product.productId, { unlimitedHwidSlots: true });
    const nonce = uniqueNonce();
    const body = { appId: product.productId, appSecret: product.appSecret, licenseKey, hwid: uniqueHwid(), nonce };
    const first = await call('auth', { path: '/validate', body });
    expect(first.status, first.text).toBe(200);
    const entry = await testDb().collection('authLogs').doc(`${product.productId}~${createHash('sha256').update(nonce).digest('hex')}`).get();
    expect(entry.exists).toBe(true);
    const expireAt = (entry.get('expireAt') as Timestamp).toMillis();
    expect(Math.abs(expireAt - (Date.now() + 90 * DAY_MS))).toBeLessThan(120_000);
    const replay = await call('auth', { path: '/validate', body });
    expect(replay.status, replay.text).toBe(401);
    expect(replay.body.error).toBe('replay_detected');
  });
});

describe('v1 limits', () => {
  it('a variables record over 8 KiB in total is refused even when every value is under its own cap', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const auth = { Authorization: `Bearer ${account.apiKey}` };
    // 5 values of 2,000 characters: each under the 2,048 cap, about 10 KB together.
    const big = Object.fromEntries(Array.from({ length: 5 }, (_, index) => [`v${index}`, 'x'.repeat(2_000)]));
    const refused = await call('v1', { method: 'PUT', path: `/apps/${product.productId}/variables`, headers: auth, body: { variables: big } });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.error).toBe('bad_request');
    // 4 of them (about 8,040 bytes as JSON) fit.
    const fits = Object.fromEntries(Object.entries(big).slice(0, 4));
    expect(Buffer.byteLength(JSON.stringify(fits))).toBeLessThanOrEqual(8 * 1024);
    const accepted = await call('v1', { method: 'PUT', path: `/apps/${product.productId}/variables`, headers: auth, body: { variables: fits } });
    expect(accepted.status, accepted.text).toBe(200);
  });

  it('a security list holds 1,000 entries: the 1,001st answers 409 and is not stored', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const auth = { Authorization: `Bearer ${account.apiKey}` };
    // 998 entries already there (written directly: 998 POSTs would only test the rate limit).
    const existing = Array.from({ length: 998 }, (_, index) => `hwid-${index}`);
    await testDb().collection('apps').doc(product.productId).update({ 'security.hwidBlacklist': existing });
    const add = (value: string) => call('v1', { method: 'POST', path: `/apps/${product.productId}/security/blacklist`, headers: auth, body: { type: 'hwid', value } });
    expect((await add('hwid-998')).status).toBe(200);
    expect((await add('hwid-999')).status).toBe(200);
    const full = await add('hwid-1000');
    expect(full.status, full.text).toBe(409);
    expect(full.body.error).toBe('conflict');
    const list = (await testDb().collection('apps').doc(product.productId).get()).get('security.hwidBlacklist') as string[];
    expect(list).toHaveLength(1000);
    expect(list).not.toContain('hwid-1000');
  });
});
