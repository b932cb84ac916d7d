/**
 * Issue 11, items 3, 8, 9, 11 and the low items: API key roles and their cap, payment intake
 * scoped to an app, credentials in URLs, ids from input, and the database holding no secret in
 * clear. Every attack goes over real HTTP to the production-shaped host.
 */
import { createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, type KeyObject } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { open } from '../../functions/src/crypto/envelope.js';
import { decodePayload, sdkValidate } from '../licensing/sdkSupport.js';
import { createAccount, createLicenses, createProduct, uniqueHwid, type Account } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { adminSecret, call, type JsonResponse } from '../support/http.js';

const asKey = (apiKey: string) => ({ 'X-API-Key': apiKey });

async function keyWithRole(account: Account, role: string): Promise<string> {
  const made = await call('createApiKey', { headers: asKey(account.apiKey), body: { name: role, role } });
  expect(made.status, made.text).toBe(200);
  expect(made.body).toMatchObject({ role, createdBy: `apiKey:${account.keyId}` });
  return String(made.body.apiKey);
}

describe('API key roles', () => {
  it('a licenses key cannot mint, list or revoke keys, nor touch webhooks or products; it can manage licenses', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const licensesKey = await keyWithRole(account, 'licenses');
    for (const [name, body] of [['createApiKey', { name: 'escape', role: 'admin' }], ['listApiKeys', {}], ['revokeApiKey', { keyId: account.keyId }]] as const) {
      const refused = await call(name, { headers: asKey(licensesKey), body });
      expect(refused.status, `${name}: ${refused.text}`).toBe(403);
      expect(refused.body).toMatchObject({ success: false, code: 'forbidden' });
    }
    const webhook = await call('v1', { path: `/v1/apps/${product.productId}/webhooks`, headers: { Authorization: `Bearer ${licensesKey}` }, body: { url: 'https://example.com/hook' } });
    expect(webhook.status).toBe(403);
    expect((await call('updateProduct', { headers: asKey(licensesKey), body: { productId: product.productId, rotatePaymentSecret: true } })).status).toBe(403);
    expect((await call('createLicense', { headers: asKey(licensesKey), body: { productId: product.productId } })).status).toBe(200);
    // The original admin key was not revoked by the attempt.
    expect((await call('listApiKeys', { headers: asKey(account.apiKey) })).status).toBe(200);
  });

  it('a read key only reads; listings show each key with its role and creator; old keys read as admin', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const readKey = await keyWithRole(account, 'read');
    expect((await call('createLicense', { headers: asKey(readKey), body: { productId: product.productId } })).status).toBe(403);
    expect((await call('v1', { path: `/v1/licenses?appId=${product.productId}`, headers: { Authorization: `Bearer ${readKey}` } })).status).toBe(200);
    const listed = await call('listApiKeys', { headers: asKey(account.apiKey) });
    const keys = listed.body.apiKeys as Array<{ keyId: string; role: string; createdBy: string }>;
    expect(keys.find((key) => key.keyId === account.keyId)).toMatchObject({ role: 'admin', createdBy: 'operator' });
    expect(keys.filter((key) => key.role === 'read')).toHaveLength(1);
    // A key stored before roles existed (no role field) is an admin key.
    const stored = await testDb().collection('apiKeys').where('keyId', '==', account.keyId).get();
    const { role: _role, ...legacy } = stored.docs[0]!.data();
    await stored.docs[0]!.ref.set(legacy);
    expect((await call('listApiKeys', { headers: asKey(account.apiKey) })).status).toBe(200);
  });

  it('40 concurrent key creations never pass the 25-key cap', async () => {
    const account = await createAccount();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call('createApiKey', { headers: asKey(account.apiKey), body: { name: `k${i}` } })));
    // Creations take turns on the account's key count in an instance (data/documentTurns.ts):
    // none aborts another, so the account's one key plus exactly 24 are created, 16 refused.
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200), statuses.join(',')).toHaveLength(24);
    expect(statuses.filter((status) => status === 409), statuses.join(',')).toHaveLength(16);
    for (const refusal of answers.filter((answer) => answer.status === 409)) expect(refusal.text).toMatch(/at most 25 active API keys/);
    const active = await testDb().collection('apiKeys').where('accountId', '==', account.accountId).where('revokedAt', '==', null).get();
    expect(active.size).toBe(25);
    expect((await testDb().collection('accounts').doc(account.accountId).get()).get('activeApiKeys')).toBe(25);
    // Revoking ten at once frees exactly ten places.
    const listed = (await call('listApiKeys', { headers: asKey(account.apiKey) })).body.apiKeys as Array<{ keyId: string }>;
    const revocable = listed.map((key) => key.keyId).filter((keyId) => keyId !== account.keyId).slice(0, 10);
    const revocations = await Promise.all(revocable.map((keyId) => call('revokeApiKey', { headers: asKey(account.apiKey), body: { keyId } })));
    expect(revocations.map((answer) => answer.status)).toEqual(Array<number>(10).fill(200));
    expect((await testDb().collection('accounts').doc(account.accountId).get()).get('activeApiKeys')).toBe(15);
    const refill = await Promise.all(Array.from({ length: 12 }, (_, i) => call('createApiKey', { headers: asKey(account.apiKey), body: { name: `r${i}` } })));
    expect(refill.map((answer) => answer.status).sort()).toEqual([...Array<number>(10).fill(200), 409, 409]);
  });
});

describe('payment intake is scoped to an app', () => {
  it("a second tenant holding its own payment secret cannot mint for, or read the keys of, another tenant's product", async () => {
    const [victim, attacker] = [await createAccount(), await createAccount()];
    const [victimProduct, attackerProduct] = [await createProduct(victim), await createProduct(attacker)];
    const issue = async (account: Account, productId: string) => {
      const answer = await call('updateProduct', { headers: asKey(account.apiKey), body: { productId, rotatePaymentSecret: true } });
      expect(answer.status, answer.text).toBe(200);
      return String(answer.body.paymentSecret);
    };
    const victimSecret = await issue(victim, victimProduct.productId);
    const attackerSecret = await issue(attacker, attackerProduct.productId);
    expect(victimSecret).toMatch(/^pws_/);

    const order = { orderId: `order-${Date.now()}`, productId: victimProduct.productId, quantity: 1 };
    const bought = await call('paymentWebhook', { headers: { 'x-webhook-secret': victimSecret }, body: order });
    expect(bought.status, bought.text).toBe(200);
    // Minting for the victim's product, and reading its order back (a duplicate answers keys): refused.
    for (const body of [{ ...order, orderId: 'free-licenses' }, order]) {
      const stolen = await call('paymentWebhook', { headers: { 'x-webhook-secret': attackerSecret }, body });
      expect(stolen.status).toBe(401);
      expect(stolen.text).not.toMatch(/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);
    }
    // The deployment-wide secret acts for every tenant, so with two accounts it is refused.
    const operator = await call('paymentWebhook', { headers: { 'x-webhook-secret': inject('paymentWebhookSecret') }, body: { ...order, orderId: 'op' } });
    expect(operator.status).toBe(403);
    // The app's secret is stored only as a hash.
    const app = (await testDb().collection('apps').doc(victimProduct.productId).get()).data();
    expect(JSON.stringify(app)).not.toContain(victimSecret);
  });
});

describe('credentials in URLs', () => {
  it('the admin secret is never accepted as a query parameter by default; the API key is (seed 004)', async () => {
    const refused = await call('listProducts', { query: { adminSecret: adminSecret(), accountId: 'acc_xxxxxxxxxxxx' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/not accepted in the URL/);
    const account = await createAccount();
    expect((await call('listProducts', { query: { apiKey: account.apiKey } })).status).toBe(200);
  });
});

describe('failed credential guesses', () => {
  it('are throttled per IP at the admin and v1 doors: after 20 failures the IP gets 429 even with a good key', async () => {
    const account = await createAccount();
    // Locally the caller's IP is the X-Forwarded-For entry (no front end here): one per door.
    for (const [door, path, ip] of [['listProducts', '', '198.51.100.21'], ['v1', '/v1/licenses?appId=app_xxxxxxxxxxxx', '198.51.100.22']] as const) {
      const wrong = door === 'v1' ? { Authorization: 'Bearer af_live_00000000000000000000000000000000' } : asKey('af_live_00000000000000000000000000000000');
      const answers = await Promise.all(Array.from({ length: 20 }, () => call(door, { path, headers: { ...wrong, 'X-Forwarded-For': ip } })));
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(401));
      const good = door === 'v1' ? { Authorization: `Bearer ${account.apiKey}` } : asKey(account.apiKey);
      const throttled = await call(door, { path, headers: { ...good, 'X-Forwarded-For': ip } });
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another IP is not affected.
      expect((await call(door, { path, headers: { ...good, 'X-Forwarded-For': '198.51.100.99' } })).status).not.toBe(429);
    }
  });
});

describe('ids from input', () => {
  it('/, .., __x__ and over-long ids answer 400, never 500', async () => {
    const account = await createAccount();
    const auth = { Authorization: `Bearer ${account.apiKey}` };
    for (const bad of ['..', '.', '%2E%2E', '__x__', '%2F', 'a%2Fb', 'x'.repeat(1_600)]) {
      for (const path of [`/v1/apps/${bad}/variables`, `/v1/apps/${bad}/webhooks`, `/v1/apps/app_xxxxxxxxxxxx/webhooks/${bad}`, `/v1/checkout-sessions/${bad}`]) {
        const answer = await call('v1', { path, headers: auth });
        // fetch resolves `.` and `..` segments itself, so those arrive as other paths (404/405): never a 500.
        expect([400, 404, 405], `${path}: ${answer.status} ${answer.text}`).toContain(answer.status);
      }
      const delivery = await call('v1', { path: `/v1/apps/app_xxxxxxxxxxxx/webhooks/wh_xxxxxxxxxxxx/deliveries/${bad}`, headers: auth });
      expect([400, 404, 405]).toContain(delivery.status);
    }
    for (const orderId of ['a/b', '..', '__x__', 'x'.repeat(1_600)]) {
      const answer = await call('paymentWebhook', { headers: { 'x-webhook-secret': 'whatever' }, body: { orderId, productId: 'app_xxxxxxxxxxxx' } });
      expect(answer.status, orderId).toBe(400);
    }
    // A session token naming an app id Firestore would refuse, before its MAC is checked.
    for (const app of ['..', '__x__', 'a/b']) {
      const body = Buffer.from(JSON.stringify({ sid: 's', app, lic: 'k', hwid: 'h', iat: 1, exp: 9_999_999_999 })).toString('base64url');
      const answer = await call('auth', { path: '/auth/heartbeat', body: { appId: app, sessionToken: `${body}.AAAA`, nonce: 'n', hwid: 'h' } });
      expect(answer.status, app).toBeLessThan(500);
    }
  });
});

describe('the database holds no secret in clear', () => {
  it('signing keys, session secrets and webhook secrets are sealed; app and API keys are hashes', async () => {
    const account = await createAccount();
    const product = await createProduct(account);
    const [licenseKey = ''] = await createLicenses(account, product.productId);
    const hwid = uniqueHwid();
    const issuedBeforeRotation = await sdkValidate(product, licenseKey, hwid);
    expect(issuedBeforeRotation.status, issuedBeforeRotation.text).toBe(200);
    const rotated = await call('updateProduct', { headers: asKey(account.apiKey), body: { productId: product.productId, rotateSigningKey: true, rotateSessionSecret: true } });
    expect(rotated.status, rotated.text).toBe(200);
    const issuedAfterRotation = await sdkValidate(product, licenseKey, hwid);
    expect(issuedAfterRotation.status, issuedAfterRotation.text).toBe(200);
    const hook = await call('v1', { path: `/v1/apps/${product.productId}/webhooks`, headers: { Authorization: `Bearer ${account.apiKey}` }, body: { url: 'https://example.com/hook' } });
    expect(hook.status, hook.text).toBe(201);
    const app = (await testDb().collection('apps').doc(product.productId).get()).data() as Record<string, unknown> & {
      signingKeys: Array<{ keyId: string; publicKey: string; privateKey: string }>;
      sessionSecret: string;
      previousSessionSecret: { secret: string };
    };
    const storedApp = JSON.stringify(app);
    expect(storedApp).not.toContain(product.appSecret);

    // Signing keys: each private half opens, with the KEK as the functions open it, to the key
    // of its own public half, and the opened key reproduces the signatures of the answers
    // (Ed25519 is deterministic), before and after the rotation.
    expect(app.signingKeys).toHaveLength(2);
    const openedSigningKeys = new Map(app.signingKeys.map((pair) => [pair.keyId, openedSigningKey(pair)]));
    expect(product.publicKeys.map((key) => key.publicKey)).toContain(Buffer.from(app.signingKeys[0]!.publicKey, 'base64url').toString('base64'));
    for (const answer of [issuedBeforeRotation, issuedAfterRotation]) {
      const signingKey = openedSigningKeys.get(String(answer.body.keyId));
      expect(signingKey).toBeDefined();
      expect(sign(null, Buffer.from(String(answer.body.payload), 'utf8'), signingKey!).toString('base64')).toBe(answer.body.signature);
    }
    expect(issuedAfterRotation.body.keyId).not.toBe(issuedBeforeRotation.body.keyId);
    for (const pair of app.signingKeys) expectNotStoredInClear(storedApp, Buffer.from(open(pair.privateKey, kek()), 'base64url'));

    // Session secrets: the current one MACs the tokens issued after the rotation, the previous
    // one (kept for the overlap) those issued before.
    const currentSecret = openSealed(app.sessionSecret);
    const previousSecret = openSealed(app.previousSessionSecret.secret);
    expect(previousSecret).not.toBe(currentSecret);
    expect(tokenMacVerifies(sessionTokenOf(issuedAfterRotation), currentSecret)).toBe(true);
    expect(tokenMacVerifies(sessionTokenOf(issuedBeforeRotation), previousSecret)).toBe(true);
    expect(tokenMacVerifies(sessionTokenOf(issuedBeforeRotation), currentSecret)).toBe(false);
    for (const secret of [currentSecret, previousSecret]) expectNotStoredInClear(storedApp, Buffer.from(secret, 'base64url'));

    // The webhook secret opens to the one the API handed out once.
    const webhooks = await testDb().collection('apps').doc(product.productId).collection('webhooks').get();
    expect(webhooks.docs).toHaveLength(1);
    const stored = webhooks.docs[0]!.data();
    expect(typeof hook.body.secret).toBe('string');
    expect(openSealed(String(stored.secret))).toBe(hook.body.secret);
    expect(JSON.stringify(stored)).not.toContain(String(hook.body.secret));

    const keys = await testDb().collection('apiKeys').where('accountId', '==', account.accountId).get();
    expect(JSON.stringify(keys.docs.map((doc) => doc.data()))).not.toContain(account.apiKey);
  });
});

/** The KEK list the functions host was given (the global setup shares it with the test files). */
function kek(): string {
  const value = process.env.KEYWARDEN_KEK;
  if (!value) throw new Error('KEYWARDEN_KEK is not set in the test process');
  return value;
}

/** A stored secret opened as the functions open it (crypto/envelope.ts), after checking it is sealed at all. */
function openSealed(stored: string): string {
  expect(stored).toMatch(/^kw1\.[^.]+(\.[A-Za-z0-9_-]+){4}$/);
  return open(stored, kek());
}

/** An Ed25519 private key from its sealed half; its own public key must be the stored public half. */
function openedSigningKey(pair: { publicKey: string; privateKey: string }): KeyObject {
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: openSealed(pair.privateKey), x: pair.publicKey }, format: 'jwk' });
  expect(createPublicKey(key).export({ format: 'jwk' }).x).toBe(pair.publicKey);
  return key;
}

function sessionTokenOf(answer: JsonResponse): string {
  return String(decodePayload(answer.body.payload).sessionToken);
}

/** Session tokens are `<claims>.<HMAC-SHA256(claims)>` keyed by the app's session secret (base64url). */
function tokenMacVerifies(token: string, secret: string): boolean {
  const [claims = '', mac = ''] = token.split('.');
  const expected = createHmac('sha256', Buffer.from(secret, 'base64url')).update(claims, 'utf8').digest();
  const presented = Buffer.from(mac, 'base64url');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Neither encoding a client could look for (base64url, base64, hex) of a secret's bytes appears in a stored document. */
function expectNotStoredInClear(storedDocument: string, secret: Buffer): void {
  expect(secret.length).toBeGreaterThanOrEqual(32);
  for (const encoding of ['base64url', 'base64', 'hex'] as const) expect(storedDocument).not.toContain(secret.toString(encoding));
}
