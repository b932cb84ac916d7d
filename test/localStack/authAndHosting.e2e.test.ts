/**
 * The test stack's Auth emulator and Hosting: a user signed up at the emulator gets an ID token
 * that firebase-admin's verifyIdToken accepts (as the functions verify the console's calls), and
 * Hosting serves the console with firebase.json's headers, its reserved init.json, and `/v1/**`
 * through the function rewrite to the functions host (request body streamed through).
 */
import { randomUUID } from 'node:crypto';
import { getApps, initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { describe, expect, inject, it } from 'vitest';
import { projectId } from '../../scripts/lib/localStack.js';
import { authEmulatorHost, idTokenFor, signUpUser } from '../support/auth.js';
import { adminSecret, call } from '../support/http.js';

const adminAuth = () => getAuth(getApps().find((app) => app.name === '[DEFAULT]') ?? initializeApp({ projectId }));
const hostingUrl = () => inject('hostingUrl');

describe('Auth emulator', () => {
  it('issues ID tokens that firebase-admin verifies, with email_verified as set', async () => {
    expect(process.env.FIREBASE_AUTH_EMULATOR_HOST).toBe(authEmulatorHost());
    const email = `op-${randomUUID()}@example.com`;
    const password = `pw-${randomUUID()}`;
    const verified = await signUpUser(email, password, { emailVerified: true });
    const decoded = await adminAuth().verifyIdToken(verified.idToken);
    expect(decoded.uid).toBe(verified.uid);
    expect(decoded.email).toBe(email);
    expect(decoded.email_verified).toBe(true);
    expect(decoded.aud).toBe(projectId);

    const again = await adminAuth().verifyIdToken(await idTokenFor(email, password));
    expect(again.uid).toBe(verified.uid);

    const unverified = await signUpUser(`op-${randomUUID()}@example.com`, password);
    expect((await adminAuth().verifyIdToken(unverified.idToken)).email_verified).toBe(false);
  });

  it('refuses a token that is not one of its own', async () => {
    const { idToken } = await signUpUser(`op-${randomUUID()}@example.com`, `pw-${randomUUID()}`);
    const [header, payload] = idToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, aud: 'another-project' })).toString('base64url')}.`;
    await expect(adminAuth().verifyIdToken(forged)).rejects.toThrow();
  });
});

describe('Hosting (firebase.json served locally)', () => {
  it('serves index.html for the console\'s routes with the security headers', async () => {
    for (const path of ['', 'licenses/some-license']) {
      const response = await fetch(hostingUrl() + path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/<html/i);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toMatch(/connect-src [^;]*https:\/\/identitytoolkit\.googleapis\.com/);
      // The stack's own Auth emulator (a free port here) is allowed beside production's sources.
      expect(csp).toMatch(new RegExp(`connect-src [^;]*http://${authEmulatorHost().replaceAll('.', '\\.')}`));
      expect(csp).toMatch(new RegExp(`frame-src [^;]*http://${authEmulatorHost().replaceAll('.', '\\.')}`));
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('referrer-policy')).toBeTruthy();
      expect(response.headers.get('permissions-policy')).toBeTruthy();
    }
  });

  it('answers /__/firebase/init.json with the demo project and the Auth emulator', async () => {
    const response = await fetch(`${hostingUrl()}__/firebase/init.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ projectId, apiKey: 'fake-api-key', authDomain: '127.0.0.1', authEmulatorHost: authEmulatorHost() });
  });

  it('rewrites /v1/** to the v1 function, as Hosting does', async () => {
    const spec = await fetch(`${hostingUrl()}v1/openapi.json`);
    expect(spec.status).toBe(200);
    expect(spec.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await spec.json()) as { openapi?: string }).openapi).toMatch(/^3\./);

    // A request with a body and an API key reaches the function unchanged, and its answer comes back.
    const account = await call('createApiKey', { body: { adminSecret: adminSecret(), accountName: `hosting-${randomUUID().slice(0, 8)}` } });
    expect(account.status, account.text).toBe(200);
    const apiKey = String(account.body.apiKey);
    const product = await call('createProduct', { headers: { 'X-API-Key': apiKey }, body: { name: 'Through Hosting', slug: `hosting-${randomUUID().slice(0, 8)}` } });
    expect(product.status, product.text).toBe(200);
    const appId = (product.body.product as { productId: string }).productId;
    const created = await fetch(`${hostingUrl()}v1/licenses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ appId, quantity: 2, label: 'via hosting' }),
    });
    const createdBody = (await created.json()) as { licenses?: Array<{ licenseKey: string; label?: string }> };
    expect(created.status, JSON.stringify(createdBody)).toBe(201);
    expect(createdBody.licenses).toHaveLength(2);
    const licenseKey = createdBody.licenses![0]!.licenseKey;
    const direct = await call('v1', { path: `/v1/licenses/${licenseKey}`, headers: { authorization: `Bearer ${apiKey}` } });
    expect(direct.status, direct.text).toBe(200);
    expect(direct.body.licenseKey).toBe(licenseKey);

    const missing = await fetch(`${hostingUrl()}v1/no-such-route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 1 }) });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error?: string }).error).toBe('not_found');
  });
});
