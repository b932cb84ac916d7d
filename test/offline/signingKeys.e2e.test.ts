/**
 * Key sets: every app publishes all its public keys, the active one first; rotation keeps
 * files minted before it verifying against the published set until the vendor withdraws the
 * old key; the active key cannot be withdrawn; tenants are isolated; OpenAPI documents the
 * offline-licensing and key-set routes.
 */
import { describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import { uniqueHwid } from '../support/fixtures.js';
import { expectStatus, expectV1Error, tenant, v1 } from '../v1/v1Support.js';
import { verifyLicenseFile } from './authforgeFormats.js';
import { signingKeySetResponse } from '../../functions/src/schemas/signingKeys.js';
import { keySet, mint } from './offlineSupport.js';
import { testDb } from '../support/firestore.js';

/** The app's key ring as stored (Firestore, read directly), and the whole document as JSON. */
async function storedSigningKeys(appId: string) {
  const app = await testDb().collection('apps').doc(appId).get();
  expect(app.exists).toBe(true);
  return {
    signingKeys: app.get('signingKeys') as Array<{ keyId: string; publicKey: string; privateKey: string }>,
    activeSigningKeyId: app.get('activeSigningKeyId') as string,
    stored: JSON.stringify(app.data()),
  };
}

describe('signing key sets', () => {
  it('publishes, rotates and withdraws: old files verify until their key is withdrawn', async () => {
    const t = await tenant();
    const apiKey = t.account.apiKey;
    const initial = await keySet(apiKey, t.appId);
    expect(initial.keys).toHaveLength(1);
    expect(initial.keys[0]).toMatchObject({ keyId: initial.activeKeyId, algorithm: 'Ed25519', active: true, retiredAt: null });
    expect(initial.publicKeys).toEqual([initial.keys[0]?.publicKey]);
    expect(Buffer.from(initial.publicKeys[0] ?? '', 'base64')).toHaveLength(32);

    const licenseKey = (await v1(apiKey, 'POST', '/licenses', { body: { appId: t.appId } })).body.licenses as Array<{ licenseKey: string }>;
    const key = licenseKey[0]?.licenseKey ?? '';
    const hwid = uniqueHwid();
    const before = await mint(apiKey, key, { hwids: [hwid] });

    const rotatedResponse = await v1(apiKey, 'POST', `/apps/${t.appId}/signing-keys`);
    expectStatus(rotatedResponse, 201);
    const rotated = signingKeySetResponse.parse(rotatedResponse.body);
    expect(rotated.keys.map((entry) => entry.keyId)).toEqual([rotated.activeKeyId, initial.activeKeyId]);
    expect(rotated.activeKeyId).not.toBe(initial.activeKeyId);
    expect(rotated.keys[1]).toMatchObject({ active: false, publicKey: initial.publicKeys[0] });
    expect(rotated.keys[1]?.retiredAt).not.toBeNull();
    expect(await keySet(apiKey, t.appId)).toEqual(rotated);
    // The product view publishes the same keys in the same order.
    const product = await call('listProducts', { headers: { 'X-API-Key': apiKey } });
    const listed = (product.body.products as Array<{ productId: string; publicKeys: Array<{ keyId: string }> }>).find((entry) => entry.productId === t.appId);
    expect(listed?.publicKeys.map((entry) => entry.keyId)).toEqual(rotated.keys.map((entry) => entry.keyId));

    const after = await mint(apiKey, key, { hwids: [hwid] });
    expect(after.offlineFile.keyId).toBe(rotated.activeKeyId);
    const open = (file: string, trustedKeys: string[]) => verifyLicenseFile(file, { trustedKeys, appId: t.appId, hwid }).ok;
    expect(open(before.file, rotated.publicKeys)).toBe(true);
    expect(open(after.file, rotated.publicKeys)).toBe(true);
    expect(open(after.file, initial.publicKeys)).toBe(false);

    expectV1Error(await v1(apiKey, 'DELETE', `/apps/${t.appId}/signing-keys/${rotated.activeKeyId}`), 409, 'conflict');
    expectV1Error(await v1(apiKey, 'DELETE', `/apps/${t.appId}/signing-keys/sk_neverissued0000`), 404, 'not_found');
    // Before the withdrawal the app document holds both key pairs, the retired one's private half sealed.
    const keptBefore = await storedSigningKeys(t.appId);
    expect(keptBefore.signingKeys.map((entry) => entry.keyId)).toEqual([initial.activeKeyId, rotated.activeKeyId]);
    const retiredPair = keptBefore.signingKeys[0]!;
    expect(retiredPair.privateKey).toMatch(/^kw1\./);
    const withdrawn = await v1(apiKey, 'DELETE', `/apps/${t.appId}/signing-keys/${initial.activeKeyId}`);
    expectStatus(withdrawn, 200);
    const remaining = signingKeySetResponse.parse(withdrawn.body);
    expect(remaining.keys.map((entry) => entry.keyId)).toEqual([rotated.activeKeyId]);
    expect(open(before.file, remaining.publicKeys)).toBe(false);
    expect(open(after.file, remaining.publicKeys)).toBe(true);
    // In storage (services/admin/signingKeys.ts: withdrawn = removed from the app's key ring):
    // the pair is gone, private half included, and the active key is untouched.
    const keptAfter = await storedSigningKeys(t.appId);
    expect(keptAfter.activeSigningKeyId).toBe(rotated.activeKeyId);
    expect(keptAfter.signingKeys).toEqual([keptBefore.signingKeys[1]]);
    for (const trace of [retiredPair.keyId, retiredPair.privateKey, retiredPair.publicKey]) expect(keptAfter.stored).not.toContain(trace);
    // Published nowhere any more: the key set and the product view list the active key only.
    expect(await keySet(apiKey, t.appId)).toEqual(remaining);
    expect(remaining.publicKeys).not.toContain(initial.publicKeys[0]);
    const productAfter = await call('listProducts', { headers: { 'X-API-Key': apiKey } });
    const listedAfter = (productAfter.body.products as Array<{ productId: string; publicKeys: Array<{ keyId: string }> }>).find((entry) => entry.productId === t.appId);
    expect(listedAfter?.publicKeys.map((entry) => entry.keyId)).toEqual([rotated.activeKeyId]);
    // Withdrawn means gone: a second withdrawal finds nothing.
    expectV1Error(await v1(apiKey, 'DELETE', `/apps/${t.appId}/signing-keys/${initial.activeKeyId}`), 404, 'not_found');
  });

  it('keeps every key until withdrawn: rotating past 10 keys asks for a withdrawal instead of dropping one', { timeout: 60_000 }, async () => {
    const t = await tenant();
    for (let rotation = 1; rotation < 10; rotation += 1) expectStatus(await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/signing-keys`), 201);
    const full = await keySet(t.account.apiKey, t.appId);
    expect(full.keys).toHaveLength(10);
    expectV1Error(await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/signing-keys`), 409, 'conflict');
    const updated = await call('updateProduct', { headers: { 'X-API-Key': t.account.apiKey }, body: { productId: t.appId, rotateSigningKey: true } });
    expect(updated.status, updated.text).toBe(409);
    expect(await keySet(t.account.apiKey, t.appId)).toEqual(full);
    const oldest = full.keys.at(-1)?.keyId ?? '';
    expectStatus(await v1(t.account.apiKey, 'DELETE', `/apps/${t.appId}/signing-keys/${oldest}`), 200);
    expectStatus(await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/signing-keys`), 201);
  });

  it("another account's key can neither read, rotate nor withdraw an app's keys", async () => {
    const victim = await tenant();
    const attacker = await tenant();
    const before = await keySet(victim.account.apiKey, victim.appId);
    for (const [method, path] of [
      ['GET', `/apps/${victim.appId}/signing-keys`],
      ['POST', `/apps/${victim.appId}/signing-keys`],
      ['DELETE', `/apps/${victim.appId}/signing-keys/${before.activeKeyId}`],
    ] as const) {
      const response = await v1(attacker.account.apiKey, method, path);
      expectV1Error(response, 403, 'forbidden');
      expect(response.text).not.toContain(before.publicKeys[0] ?? '');
    }
    expect(await keySet(victim.account.apiKey, victim.appId)).toEqual(before);
  });
});

describe('OpenAPI', () => {
  it('documents the offline-licensing and key-set routes with their shapes', async () => {
    const response = await v1(undefined, 'GET', '/openapi.json');
    expectStatus(response, 200);
    const paths = response.body.paths as Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    const expected: Array<[string, string, string]> = [
      ['/licenses/{licenseKey}/offline-files', 'post', '201'],
      ['/licenses/{licenseKey}/offline-files', 'get', '200'],
      ['/apps/{appId}/activation-requests/parse', 'post', '200'],
      ['/apps/{appId}/signing-keys', 'get', '200'],
      ['/apps/{appId}/signing-keys', 'post', '201'],
      ['/apps/{appId}/signing-keys/{keyId}', 'delete', '200'],
    ];
    for (const [path, method, status] of expected) {
      const operation = paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining([status, '401', '403', '429']));
    }
    const mintOp = paths['/licenses/{licenseKey}/offline-files']?.post;
    expect(Object.keys(mintOp?.responses ?? {})).toEqual(expect.arrayContaining(['400', '402', '410']));
    const body = JSON.stringify(mintOp?.requestBody);
    for (const field of ['hwids', 'anyHwid', 'activationRequest', 'expiresAt']) expect(body).toContain(`"${field}"`);
  });
});
