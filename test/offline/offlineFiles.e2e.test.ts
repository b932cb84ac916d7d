/**
 * Offline license files end to end over real HTTP: minted files parse and verify with an
 * independent SDK-side verifier (./authforgeFormats.ts, node:crypto only) and fail its checks
 * as an SDK would; activation requests are read, refused with a code that says why; expiry
 * rules; revoked and expired licenses; one credit per mint, never overspent under concurrency;
 * the `license.offline_file_minted` event; the listing; tenant isolation; the admin functions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantCredits, uniqueHwid } from '../support/fixtures.js';
import { adminSecret, call } from '../support/http.js';
import { creditBalance, statusCounts } from '../licensing/sdkSupport.js';
import { closeReceivers, createWebhook, EventFeed, eventsOfApp, expectSignedDelivery, startReceiver } from '../webhooks/support.js';
import { createV1License, expectStatus, expectV1Error, tenant, v1, type Tenant } from '../v1/v1Support.js';
import { assembleLicenseFile, licenseFileParts, rewrap, verifyLicenseFile, writeActivationRequest } from './authforgeFormats.js';
import { inDays, keySet, listFiles, mint, mintRequest, type OfflineFileView } from './offlineSupport.js';

afterAll(closeReceivers);

const offlineEvents = async (appId: string, licenseKey: string) =>
  (await eventsOfApp(appId)).filter((event) => event.type === 'license.offline_file_minted' && event.licenseKey === licenseKey);

describe('a minted file, checked as an SDK checks it', () => {
  let t: Tenant;
  let other: Tenant;
  let licenseKey: string;
  let trusted: string[];
  let file: string;
  let record: OfflineFileView;
  const hwids = [uniqueHwid(), uniqueHwid()];
  const expiresAt = inDays(30);

  beforeAll(async () => {
    t = await tenant({ variables: { edition: 'offline' } });
    other = await tenant();
    licenseKey = await createV1License(t.account.apiKey, t.appId, { label: 'air-gapped lab', variables: { plan: 'pro' } });
    trusted = (await keySet(t.account.apiKey, t.appId)).publicKeys;
    const minted = await mint(t.account.apiKey, licenseKey, { hwids, expiresAt });
    file = minted.file;
    record = minted.offlineFile;
    expect(minted.fileName).toBe(`${licenseKey}.authforge`);
  });

  it('verifies on each bound HWID with the published key, with the documented payload and headers', async () => {
    for (const hwid of hwids) {
      const result = verifyLicenseFile(file, { trustedKeys: trusted, appId: t.appId, hwid });
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (!result.ok) return;
      expect(result.payload).toMatchObject({
        v: 1,
        typ: 'authforge-license',
        appId: t.appId,
        licenseKey,
        jti: record.jti,
        kid: (await keySet(t.account.apiKey, t.appId)).activeKeyId,
        expiresAt: new Date(expiresAt).toISOString(),
        hwid: { mode: 'bound', hwids },
        label: 'air-gapped lab',
        licenseExpiresAt: null,
        licenseVariables: { plan: 'pro' },
        appVariables: { edition: 'offline' },
      });
      expect(result.payload.issuedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(result.headers).toEqual({ Version: '1', 'App-Id': t.appId, License: licenseKey, 'Key-Id': record.keyId, 'Expires-At': new Date(expiresAt).toISOString() });
    }
    expect(record).toMatchObject({ appId: t.appId, licenseKey, hwid: { mode: 'bound', hwids }, expiresAt: new Date(expiresAt).toISOString(), mintedBy: `apiKey:${t.account.keyId}` });
  });

  it('fails as the SDK fails: wrong key, another app, expired, another HWID, tampered payload', () => {
    const hwid = hwids[0] ?? '';
    const otherKeys = other.app.publicKeys.map((key) => key.publicKey);
    expect(verifyLicenseFile(file, { trustedKeys: otherKeys, appId: t.appId, hwid })).toEqual({ ok: false, error: 'signature' });
    expect(verifyLicenseFile(file, { trustedKeys: [...otherKeys, ...trusted], appId: other.appId, hwid })).toEqual({ ok: false, error: 'app_mismatch' });
    expect(verifyLicenseFile(file, { trustedKeys: trusted, appId: t.appId, hwid, now: new Date(Date.parse(expiresAt) + 1000) })).toEqual({ ok: false, error: 'expired' });
    expect(verifyLicenseFile(file, { trustedKeys: trusted, appId: t.appId, hwid: uniqueHwid() })).toEqual({ ok: false, error: 'hwid_mismatch' });
    const parts = licenseFileParts(file);
    const payload = JSON.parse(Buffer.from(parts.payload, 'base64').toString('utf8')) as { hwid: { hwids: string[] }; expiresAt: string };
    const widened = { ...payload, hwid: { mode: 'any' } };
    const extended = { ...payload, expiresAt: inDays(3650) };
    for (const tampered of [widened, extended]) {
      const forged = assembleLicenseFile(Buffer.from(JSON.stringify(tampered)).toString('base64'), parts.signature, parts.headers);
      expect(verifyLicenseFile(forged, { trustedKeys: trusted, appId: t.appId, hwid: 'anything' })).toEqual({ ok: false, error: 'signature' });
    }
    // Headers are informational: changing them does not matter, changing the payload does.
    const relabelled = assembleLicenseFile(parts.payload, parts.signature, { ...parts.headers, 'Expires-At': 'never' });
    expect(verifyLicenseFile(relabelled, { trustedKeys: trusted, appId: t.appId, hwid }).ok).toBe(true);
  });

  it('still verifies re-wrapped, with CRLF and a BOM, and inside an e-mail', () => {
    const hwid = hwids[1] ?? '';
    for (const variant of [rewrap(file, 48), rewrap(file, 76), `\uFEFF${file.replace(/\n/g, '\r\n')}`, `Your license file:\n\n${file}\n-- \nVendor support`]) {
      expect(verifyLicenseFile(variant, { trustedKeys: trusted, appId: t.appId, hwid }).ok, variant).toBe(true);
    }
  });

  it('downloads as a file with Accept: application/x-authforge-license', async () => {
    const hwid = uniqueHwid();
    const response = await mintRequest(t.account.apiKey, licenseKey, { hwids: [hwid], expiresAt }, { Accept: 'application/x-authforge-license' });
    expectStatus(response, 201);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-authforge-license/);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${licenseKey}.authforge"`);
    expect(response.text.startsWith('-----BEGIN AUTHFORGE LICENSE-----\n')).toBe(true);
    const result = verifyLicenseFile(response.text, { trustedKeys: trusted, appId: t.appId, hwid });
    expect(result.ok).toBe(true);
    expect(result.ok && result.payload.jti).toBe(response.headers.get('x-offline-file-jti'));
  });

  it('an anyHwid file opens on any machine', async () => {
    const minted = await mint(t.account.apiKey, licenseKey, { anyHwid: true, expiresAt });
    expect(minted.offlineFile.hwid).toEqual({ mode: 'any' });
    const result = verifyLicenseFile(minted.file, { trustedKeys: trusted, appId: t.appId, hwid: uniqueHwid() });
    expect(result.ok && result.payload.hwid).toEqual({ mode: 'any' });
  });

  it('the listing shows what was minted, newest first, with cursors; the events were recorded', async () => {
    const listed = await listFiles(t.account.apiKey, licenseKey);
    expect(listed.offlineFiles).toHaveLength(3);
    expect(listed.offlineFiles[2]).toEqual(record);
    expect(listed.offlineFiles.map((entry) => entry.hwid.mode)).toEqual(['any', 'bound', 'bound']);
    const first = await listFiles(t.account.apiKey, licenseKey, { limit: '2' });
    expect(first.offlineFiles).toHaveLength(2);
    const second = await listFiles(t.account.apiKey, licenseKey, { limit: '2', cursor: first.cursor ?? '' });
    expect([...first.offlineFiles, ...second.offlineFiles].map((entry) => entry.jti)).toEqual(listed.offlineFiles.map((entry) => entry.jti));
    expect(second.cursor).toBeNull();
    const events = await offlineEvents(t.appId, licenseKey);
    expect(events.map((event) => event.data.jti).sort()).toEqual(listed.offlineFiles.map((entry) => entry.jti).sort());
    expect(events.find((event) => event.data.jti === record.jti)?.data).toMatchObject({
      licenseKey,
      jti: record.jti,
      hwidMode: 'bound',
      hwids,
      expiresAt: new Date(expiresAt).toISOString(),
      mintedBy: `apiKey:${t.account.keyId}`,
    });
  });
});

describe('activation requests', () => {
  let t: Tenant;
  let licenseKey: string;
  let trusted: string[];

  beforeAll(async () => {
    t = await tenant();
    licenseKey = await createV1License(t.account.apiKey, t.appId);
    trusted = (await keySet(t.account.apiKey, t.appId)).publicKeys;
  });

  const request = (fields: Record<string, string> = {}) =>
    writeActivationRequest({ appId: t.appId, hwid: uniqueHwid(), createdAt: new Date().toISOString(), machineName: 'LAB-PC-07', os: 'linux', sdk: 'node/1.4.2', ...fields });

  it('customer writes a request, vendor mints from it, the file opens on that machine only', async () => {
    const written = request({ licenseKey });
    const hwid = JSON.parse(Buffer.from(written.payload, 'base64').toString('utf8')).hwid as string;
    const minted = await mint(t.account.apiKey, licenseKey, { activationRequest: written.text.replace(/\n/g, '\r\n'), expiresAt: inDays(7) });
    expect(minted.offlineFile).toMatchObject({ hwid: { mode: 'bound', hwids: [hwid] }, activationRequest: { hwid, machineName: 'LAB-PC-07', os: 'linux', sdk: 'node/1.4.2' } });
    expect(verifyLicenseFile(minted.file, { trustedKeys: trusted, appId: t.appId, hwid }).ok).toBe(true);
    expect(verifyLicenseFile(minted.file, { trustedKeys: trusted, appId: t.appId, hwid: uniqueHwid() })).toEqual({ ok: false, error: 'hwid_mismatch' });
  });

  it('a support page can read a request alone', async () => {
    const written = request();
    const response = await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/activation-requests/parse`, { body: { activationRequest: `Hi,\n\n${rewrap(written.text, 40)}\nbye` } });
    expectStatus(response, 200);
    const payload = JSON.parse(Buffer.from(written.payload, 'base64').toString('utf8')) as Record<string, string>;
    expect(response.body.activationRequest).toEqual({
      appId: t.appId,
      hwid: payload.hwid,
      createdAt: payload.createdAt,
      machineName: 'LAB-PC-07',
      os: 'linux',
      sdk: 'node/1.4.2',
      licenseKey: null,
      checksum: written.checksum,
    });
  });

  it('refuses a wrong checksum, a truncated body and a license file with 400 and a code that says which; nothing is minted', async () => {
    const written = request();
    const licenseFile = (await mint(t.account.apiKey, licenseKey, { anyHwid: true, expiresAt: inDays(1) })).file;
    const before = (await listFiles(t.account.apiKey, licenseKey)).offlineFiles.length;
    // [text, code, also refused by the parse route (which knows the app, not the license)]
    const cases: Array<[string, string, boolean]> = [
      [written.text.replace(written.checksum, written.checksum.split('').reverse().join('')), 'activation_request_checksum_mismatch', true],
      [written.text.slice(0, Math.floor(written.text.length * 0.6)), 'activation_request_truncated', true],
      [licenseFile, 'activation_request_is_license_file', true],
      ['hello, here is my machine id: 1234', 'invalid_activation_request', true],
      [request({ appId: `${t.appId}x` }).text, 'activation_request_mismatch', true],
      [request({ licenseKey: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' }).text, 'activation_request_mismatch', false],
    ];
    for (const [text, code, refusedByParse] of cases) {
      expectV1Error(await mintRequest(t.account.apiKey, licenseKey, { activationRequest: text, expiresAt: inDays(1) }), 400, code);
      if (refusedByParse) {
        expectV1Error(await v1(t.account.apiKey, 'POST', `/apps/${t.appId}/activation-requests/parse`, { body: { activationRequest: text } }), 400, code);
      }
    }
    expect((await listFiles(t.account.apiKey, licenseKey)).offlineFiles).toHaveLength(before);
  });
});

describe('what can be minted', () => {
  let t: Tenant;

  beforeAll(async () => {
    t = await tenant();
  });

  it('expiresAt: required unless the license is lifetime, never past the license expiry, never in the past', async () => {
    const licenseExpiry = inDays(30);
    const expiring = await createV1License(t.account.apiKey, t.appId, { expiresAt: licenseExpiry });
    const hwids = [uniqueHwid()];
    expectV1Error(await mintRequest(t.account.apiKey, expiring, { hwids }), 400, 'bad_request');
    expectV1Error(await mintRequest(t.account.apiKey, expiring, { hwids, expiresAt: null }), 400, 'bad_request');
    expectV1Error(await mintRequest(t.account.apiKey, expiring, { hwids, expiresAt: inDays(31) }), 400, 'bad_request');
    expectV1Error(await mintRequest(t.account.apiKey, expiring, { hwids, expiresAt: inDays(-1) }), 400, 'bad_request');
    const atExpiry = await mint(t.account.apiKey, expiring, { hwids, expiresAt: licenseExpiry });
    expect(atExpiry.offlineFile.expiresAt).toBe(new Date(licenseExpiry).toISOString());
    const keys = (await keySet(t.account.apiKey, t.appId)).publicKeys;
    const opened = verifyLicenseFile(atExpiry.file, { trustedKeys: keys, appId: t.appId, hwid: hwids[0] ?? '' });
    expect(opened.ok && opened.payload.licenseExpiresAt).toBe(new Date(licenseExpiry).toISOString());

    const lifetime = await createV1License(t.account.apiKey, t.appId);
    const forever = await mint(t.account.apiKey, lifetime, { hwids });
    expect(forever.offlineFile.expiresAt).toBeNull();
    expect(forever.file).toContain('\nExpires-At: never\n');
    const lifetimeFile = verifyLicenseFile(forever.file, { trustedKeys: keys, appId: t.appId, hwid: hwids[0] ?? '', now: new Date(Date.now() + 50 * 365 * 86_400_000) });
    expect(lifetimeFile.ok && lifetimeFile.payload.expiresAt).toBeNull();
    expect((await mint(t.account.apiKey, lifetime, { hwids, expiresAt: null })).offlineFile.expiresAt).toBeNull();
  });

  it('a revoked or expired license cannot be minted; nothing is recorded', async () => {
    const revoked = await createV1License(t.account.apiKey, t.appId);
    expectStatus(await v1(t.account.apiKey, 'PUT', `/licenses/${revoked}`, { body: { action: 'revoke' } }), 200);
    expectV1Error(await mintRequest(t.account.apiKey, revoked, { anyHwid: true }), 410, 'revoked');
    const expired = await createV1License(t.account.apiKey, t.appId, { expiresAt: inDays(-1) });
    expectV1Error(await mintRequest(t.account.apiKey, expired, { anyHwid: true, expiresAt: inDays(1) }), 410, 'expired');
    for (const key of [revoked, expired]) {
      expect((await listFiles(t.account.apiKey, key)).offlineFiles).toEqual([]);
      expect(await offlineEvents(t.appId, key)).toEqual([]);
    }
  });

  it('refuses bodies that name no machine, two ways at once, or more than 16 HWIDs', async () => {
    const key = await createV1License(t.account.apiKey, t.appId);
    for (const body of [{}, { hwids: [] }, { hwids: ['a'], anyHwid: true }, { anyHwid: false }, { hwids: Array.from({ length: 17 }, uniqueHwid) }, { anyHwid: true, extra: 1 }]) {
      expectV1Error(await mintRequest(t.account.apiKey, key, body), 400, 'bad_request');
    }
    expect((await mint(t.account.apiKey, key, { hwids: Array.from({ length: 16 }, uniqueHwid) })).offlineFile.hwid).toMatchObject({ mode: 'bound' });
  });
});

describe('credits', () => {
  it('one credit per mint on a metered account; 402 no_credits when none are left', async () => {
    const t = await tenant();
    const key = await createV1License(t.account.apiKey, t.appId);
    await grantCredits(t.account.accountId, 2);
    expect((await mint(t.account.apiKey, key, { anyHwid: true })).offlineFile.creditCharged).toBe(true);
    expect(await creditBalance(t.account)).toBe(1);
    await mint(t.account.apiKey, key, { hwids: [uniqueHwid()] });
    expect(await creditBalance(t.account)).toBe(0);
    expectV1Error(await mintRequest(t.account.apiKey, key, { anyHwid: true }), 402, 'no_credits');
    expect((await listFiles(t.account.apiKey, key)).offlineFiles).toHaveLength(2);
    expect(await offlineEvents(t.appId, key)).toHaveLength(2);
  });

  it('concurrent mints never overspend: exactly as many files as credits, the rest 402', { timeout: 120_000 }, async () => {
    const t = await tenant();
    const keys = [await createV1License(t.account.apiKey, t.appId), await createV1License(t.account.apiKey, t.appId)];
    const credits = 3;
    await grantCredits(t.account.accountId, credits);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) => mintRequest(t.account.apiKey, keys[index % 2] ?? '', { hwids: [uniqueHwid()] })),
    );
    expect(statusCounts(responses), responses.map((response) => response.text).join('\n').slice(0, 2000)).toEqual({ 201: credits, 402: 10 - credits });
    expect(await creditBalance(t.account)).toBe(0);
    const listed = (await Promise.all(keys.map((key) => listFiles(t.account.apiKey, key)))).flatMap((page) => page.offlineFiles);
    expect(listed).toHaveLength(credits);
    expect((await eventsOfApp(t.appId)).filter((event) => event.type === 'license.offline_file_minted')).toHaveLength(credits);
  });
});

describe('tenancy', () => {
  it("another account's key cannot mint, list, or read requests for this app, and changes nothing", async () => {
    const victim = await tenant();
    const attacker = await tenant();
    const key = await createV1License(victim.account.apiKey, victim.appId);
    await mint(victim.account.apiKey, key, { anyHwid: true });
    const written = writeActivationRequest({ appId: victim.appId, hwid: uniqueHwid(), createdAt: new Date().toISOString() });
    const attempts = [
      await mintRequest(attacker.account.apiKey, key, { anyHwid: true }),
      await mintRequest(attacker.account.apiKey, key, { activationRequest: written.text }),
      await v1(attacker.account.apiKey, 'GET', `/licenses/${key}/offline-files`),
      await v1(attacker.account.apiKey, 'POST', `/apps/${victim.appId}/activation-requests/parse`, { body: { activationRequest: written.text } }),
      await call('mintOfflineLicense', { headers: { 'X-API-Key': attacker.account.apiKey }, body: { licenseKey: key, anyHwid: true } }),
      await call('listOfflineLicenses', { headers: { 'X-API-Key': attacker.account.apiKey }, body: { licenseKey: key } }),
    ];
    for (const response of attempts) {
      expect(response.status, response.text).toBe(403);
      expect(response.text).not.toContain(victim.appId);
      expect(response.text).not.toContain('BEGIN AUTHFORGE');
    }
    expect((await listFiles(victim.account.apiKey, key)).offlineFiles).toHaveLength(1);
    expect(await offlineEvents(victim.appId, key)).toHaveLength(1);
  });
});

describe('API key roles', () => {
  it('a read key lists and reads activation requests but cannot mint; a licenses key mints', async () => {
    const t = await tenant();
    const key = await createV1License(t.account.apiKey, t.appId);
    const keyWithRole = async (role: string) => {
      const made = await call('createApiKey', { headers: { 'X-API-Key': t.account.apiKey }, body: { name: role, role } });
      expect(made.status, made.text).toBe(200);
      return String(made.body.apiKey);
    };
    const reader = await keyWithRole('read');
    const issuer = await keyWithRole('licenses');
    const written = writeActivationRequest({ appId: t.appId, hwid: uniqueHwid(), createdAt: new Date().toISOString() });
    expectV1Error(await mintRequest(reader, key, { anyHwid: true }), 403, 'forbidden');
    const readerCall = (name: string, body: Record<string, unknown>) => call(name, { headers: { 'X-API-Key': reader }, body });
    expect((await readerCall('mintOfflineLicense', { licenseKey: key, anyHwid: true })).status).toBe(403);
    expect((await listFiles(reader, key)).offlineFiles).toEqual([]);
    expectStatus(await v1(reader, 'POST', `/apps/${t.appId}/activation-requests/parse`, { body: { activationRequest: written.text } }), 200);
    expect((await readerCall('parseActivationRequest', { productId: t.appId, activationRequest: written.text })).status).toBe(200);
    expect((await readerCall('listOfflineLicenses', { licenseKey: key })).status).toBe(200);
    expectV1Error(await v1(reader, 'POST', `/apps/${t.appId}/signing-keys`), 403, 'forbidden');
    expectV1Error(await v1(issuer, 'POST', `/apps/${t.appId}/signing-keys`), 403, 'forbidden');
    expect((await mint(issuer, key, { activationRequest: written.text })).offlineFile.hwid.mode).toBe('bound');
  });
});

describe('seed 004 style admin functions', () => {
  it('mintOfflineLicense, listOfflineLicenses and parseActivationRequest answer {success:true,…}; the operator mints too', async () => {
    const t = await tenant();
    const key = await createV1License(t.account.apiKey, t.appId);
    const asAccount = (name: string, body: Record<string, unknown>) => call(name, { headers: { 'X-API-Key': t.account.apiKey }, body });
    const written = writeActivationRequest({ appId: t.appId, hwid: uniqueHwid(), createdAt: new Date().toISOString(), licenseKey: key });
    const minted = await asAccount('mintOfflineLicense', { licenseKey: key, activationRequest: written.text, expiresAt: inDays(10) });
    expect(minted.status, minted.text).toBe(200);
    expect(minted.body).toMatchObject({ success: true, fileName: `${key}.authforge` });
    const trusted = (await keySet(t.account.apiKey, t.appId)).publicKeys;
    const hwid = (JSON.parse(Buffer.from(written.payload, 'base64').toString('utf8')) as { hwid: string }).hwid;
    expect(verifyLicenseFile(String(minted.body.file), { trustedKeys: trusted, appId: t.appId, hwid }).ok).toBe(true);
    const byOperator = await call('mintOfflineLicense', { body: { adminSecret: adminSecret(), licenseKey: key, anyHwid: true } });
    expect(byOperator.status, byOperator.text).toBe(200);
    const listed = await asAccount('listOfflineLicenses', { licenseKey: key });
    expect(listed.status, listed.text).toBe(200);
    expect((listed.body.offlineFiles as OfflineFileView[]).map((entry) => entry.mintedBy)).toEqual(['operator', `apiKey:${t.account.keyId}`]);
    const parsed = await asAccount('parseActivationRequest', { productId: t.appId, activationRequest: written.text });
    expect(parsed.body).toMatchObject({ success: true, activationRequest: { appId: t.appId, hwid, licenseKey: key, checksum: written.checksum } });
    const refused = await asAccount('parseActivationRequest', { productId: t.appId, activationRequest: written.text.replace(written.checksum, '0123456789abcdef') });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ success: false, code: 'activation_request_checksum_mismatch' });
  });
});

describe('webhooks', () => {
  it('license.offline_file_minted is delivered, signed, with jti, HWIDs and expiry', async () => {
    const t = await tenant();
    const key = await createV1License(t.account.apiKey, t.appId);
    const receiver = await startReceiver();
    const { webhook, secret } = await createWebhook(t.account, t.appId, receiver.url, ['license.offline_file_minted']);
    const feed = new EventFeed(t.appId);
    await feed.fresh();
    const hwids = [uniqueHwid()];
    const expiresAt = inDays(5);
    const minted = await mint(t.account.apiKey, key, { hwids, expiresAt });
    const [event] = await feed.fire();
    expect(event?.type).toBe('license.offline_file_minted');
    const request = receiver.requests.at(-1);
    if (!event || !request) throw new Error('nothing delivered');
    const body = expectSignedDelivery(request, secret, { event: 'license.offline_file_minted', eventId: event.id, webhookId: webhook.webhookId, appId: t.appId });
    expect(body.data).toMatchObject({ licenseKey: key, jti: minted.offlineFile.jti, hwids, hwidMode: 'bound', expiresAt: new Date(expiresAt).toISOString() });
  });
});
