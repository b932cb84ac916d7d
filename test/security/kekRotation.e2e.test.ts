/**
 * Issue 21: README, Security, "Rotating each secret" (KEYWARDEN_KEK) and "Secrets sealed at
 * rest". Products are made by the suite's host, whose KEYWARDEN_KEK is the old KEK alone; then
 * two more functions hosts on the same Firestore play the deployments after a rotation:
 * `<new>,<old>` (the rotation as README says it) and `<new>` alone (the old KEK removed). Over
 * real HTTP: values sealed under the old KEK still open after rotation (answers are signed with
 * the old signing key and verify; old session tokens heartbeat), everything written from then on
 * is sealed under the new KEK, and with the old KEK gone only what it still seals fails, until
 * the app's secrets are rotated (which reseals them; tokens under the new session secret never
 * open the previous one).
 */
import { randomBytes } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seal, sealedWith } from '../../functions/src/crypto/envelope.js';
import { ensureLocalSecrets, startFunctionsHost, type FunctionsServer } from '../../scripts/lib/localStack.js';
import { expectSdkError, expectSession, fixture, freeHeartbeatSlots, type Fixture } from '../licensing/sdkSupport.js';
import { uniqueHwid, uniqueNonce, type Product } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { callUrl, type JsonResponse } from '../support/http.js';

const oldKek = ensureLocalSecrets().secrets.KEYWARDEN_KEK;
const newKek = `kek_${randomBytes(36).toString('base64url')}`;
/** The id a sealed value carries of the KEK that sealed it. */
const oldKekId = sealedWith(seal('probe', oldKek));
const newKekId = sealedWith(seal('probe', newKek));

let rotated: FunctionsServer | undefined;
let newOnly: FunctionsServer | undefined;

beforeAll(async () => {
  const firestoreHost = inject('firestoreEmulatorHost');
  [rotated, newOnly] = await Promise.all([
    startFunctionsHost({ firestoreHost, pump: false, env: { KEYWARDEN_KEK: `${newKek},${oldKek}` } }),
    startFunctionsHost({ firestoreHost, pump: false, env: { KEYWARDEN_KEK: newKek } }),
  ]);
});

afterAll(async () => {
  await Promise.all([rotated?.stop(), newOnly?.stop()]);
});

function on(host: FunctionsServer | undefined, name: string, body: unknown, init: { path?: string; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
  if (!host) throw new Error('functions host not started');
  return callUrl(`${host.baseUrl}/${name}`, { ...init, body });
}

const validateOn = (host: FunctionsServer | undefined, product: Product, licenseKey: string, hwid: string) =>
  on(host, 'auth', { appId: product.productId, appSecret: product.appSecret, licenseKey, hwid, nonce: uniqueNonce() }, { path: '/validate' });

const heartbeatOn = (host: FunctionsServer | undefined, product: Product, sessionToken: string, hwid: string) =>
  on(host, 'auth', { appId: product.productId, sessionToken, nonce: uniqueNonce(), hwid }, { path: '/heartbeat' });

interface StoredApp {
  sessionSecret: string;
  previousSessionSecret?: { secret: string; validUntil: Timestamp };
  activeSigningKeyId: string;
  signingKeys: Array<{ keyId: string; privateKey: string }>;
}

async function storedApp(productId: string): Promise<StoredApp> {
  return (await testDb().collection('apps').doc(productId).get()).data() as StoredApp;
}

const activeKeySealedWith = (app: StoredApp) => sealedWith(app.signingKeys.find((key) => key.keyId === app.activeSigningKeyId)?.privateKey ?? '');

/** Rotates the product's signing key and session secret on a host; the product with its new published keys. */
async function rotateAppSecrets(host: FunctionsServer | undefined, made: Fixture): Promise<Product> {
  const answer = await on(host, 'updateProduct', { productId: made.product.productId, rotateSigningKey: true, rotateSessionSecret: true }, { headers: { 'X-API-Key': made.account.apiKey } });
  expect(answer.status, answer.text).toBe(200);
  return { ...made.product, publicKeys: (answer.body.product as { publicKeys: Product['publicKeys'] }).publicKeys };
}

describe('KEYWARDEN_KEK rotation', () => {
  it('with <new>,<old>: old values still open (signed answers verify, old sessions heartbeat); what is written from then on is sealed under the new KEK', async () => {
    expect(newKekId).not.toBe(oldKekId);
    const made = await fixture({ unlimitedHwidSlots: true });
    const before = await storedApp(made.product.productId);
    expect(sealedWith(before.sessionSecret)).toBe(oldKekId);
    expect(activeKeySealedWith(before)).toBe(oldKekId);

    // The old signing key signs (the answer verifies with the key published before rotation), the
    // old session secret issues and checks tokens.
    const hwid = uniqueHwid();
    const session = await expectSession(made.product, await validateOn(rotated, made.product, made.key, hwid));
    await freeHeartbeatSlots(made.key);
    const beat = await expectSession(made.product, await heartbeatOn(rotated, made.product, session.sessionToken, hwid));

    // Rotating the app's secrets on the rotated deployment reseals them under the new KEK.
    const resealed = await rotateAppSecrets(rotated, made);
    const after = await storedApp(made.product.productId);
    expect(sealedWith(after.sessionSecret)).toBe(newKekId);
    expect(activeKeySealedWith(after)).toBe(newKekId);
    expect(after.activeSigningKeyId).not.toBe(before.activeSigningKeyId);
    const signedByNewKey = await validateOn(rotated, resealed, made.key, hwid);
    await expectSession(resealed, signedByNewKey);
    expect(signedByNewKey.body.keyId).toBe(after.activeSigningKeyId);
    // The token issued under the old session secret before the rotation still verifies (overlap).
    await freeHeartbeatSlots(made.key);
    await expectSession(resealed, await heartbeatOn(rotated, resealed, beat.sessionToken, hwid));

    // A product and a webhook made now are sealed under the new KEK too.
    const createdNow = await on(rotated, 'createProduct', { name: 'Made after the KEK rotation' }, { headers: { 'X-API-Key': made.account.apiKey } });
    expect(createdNow.status, createdNow.text).toBe(200);
    const newApp = await storedApp(String((createdNow.body.product as { productId: string }).productId));
    expect(sealedWith(newApp.sessionSecret)).toBe(newKekId);
    expect(activeKeySealedWith(newApp)).toBe(newKekId);
    const hook = await on(rotated, 'v1', { url: 'https://example.com/keywarden' }, { path: `/v1/apps/${made.product.productId}/webhooks`, headers: { Authorization: `Bearer ${made.account.apiKey}` } });
    expect(hook.status, hook.text).toBe(201);
    const hookId = (hook.body.webhook as { webhookId: string }).webhookId;
    const storedHook = await testDb().collection('apps').doc(made.product.productId).collection('webhooks').doc(hookId).get();
    expect(sealedWith(String(storedHook.get('secret')))).toBe(newKekId);
  });

  it('with the old KEK removed: an app still sealed under it answers 500 system_error; once its secrets are rotated it works at once', async () => {
    // Made by the suite's host: sealed under the old KEK only.
    const stale = await fixture({ unlimitedHwidSlots: true });
    const hwid = uniqueHwid();
    const refused = await validateOn(newOnly, stale.product, stale.key, hwid);
    expectSdkError(refused, 500, 'system_error');
    expect(refused.text).not.toContain(oldKek);
    // A session opened where the old KEK is still listed cannot be checked either.
    const session = await expectSession(stale.product, await validateOn(rotated, stale.product, stale.key, hwid));
    await freeHeartbeatSlots(stale.key);
    expectSdkError(await heartbeatOn(newOnly, stale.product, session.sessionToken, hwid), 500, 'system_error');

    // Rotating the app's secrets needs only the new KEK, and reseals them: the app validates, and
    // a token under the new session secret heartbeats at once, during the old secret's overlap.
    const resealed = await rotateAppSecrets(newOnly, stale);
    const fresh = await expectSession(resealed, await validateOn(newOnly, resealed, stale.key, hwid));
    await freeHeartbeatSlots(stale.key);
    await expectSession(resealed, await heartbeatOn(newOnly, resealed, fresh.sessionToken, hwid));
    // Only a token from before, under the old secret, still needs the old KEK during the overlap;
    // once the overlap is over (its stored end moved, not waited for) it is simply refused.
    await freeHeartbeatSlots(stale.key);
    expectSdkError(await heartbeatOn(newOnly, resealed, session.sessionToken, hwid), 500, 'system_error');
    await testDb().collection('apps').doc(stale.product.productId).update({ 'previousSessionSecret.validUntil': Timestamp.fromMillis(Date.now() - 1_000) });
    // Written through the host too, which drops its cached copy of the app (services/client/clientApps.ts).
    const renamed = await on(newOnly, 'updateProduct', { productId: stale.product.productId, name: 'Resealed' }, { headers: { 'X-API-Key': stale.account.apiKey } });
    expect(renamed.status, renamed.text).toBe(200);
    await freeHeartbeatSlots(stale.key);
    expectSdkError(await heartbeatOn(newOnly, resealed, session.sessionToken, hwid), 401, 'session_expired');
  });
});
