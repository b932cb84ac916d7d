/**
 * Developer REST API, per-app resources (seed 001): variables (and their place in the signed
 * SDK payload), webhooks, security settings and lists, and that the lists are enforced on
 * the client doors (SDK validate, seed 004 activate and verify).
 */
import { describe, expect, it } from 'vitest';
import { testDb } from '../support/firestore.js';
import { uniqueHwid } from '../support/fixtures.js';
import { call } from '../support/http.js';
import {
  asSecurity,
  clientActivate,
  clientVerify,
  createV1License,
  expectSdkBlocked,
  expectStatus,
  expectV1Error,
  getV1License,
  sdkPayload,
  sdkValidate,
  tenant,
  unknownAppId,
  unknownLicenseKey,
  v1,
  webhookTarget,
  type LogEntry,
  type WebhookView,
} from './v1Support.js';

describe('variables', () => {
  it('GET/PUT app variables: starts empty, PUT replaces the whole map', async () => {
    const { account, appId } = await tenant();
    const initial = await v1(account.apiKey, 'GET', `/apps/${appId}/variables`);
    expectStatus(initial, 200);
    expect(initial.body.variables).toEqual({});

    const variables = { latestVersion: '2.4.1', maxProjects: 10, beta: true, motd: null };
    const put = await v1(account.apiKey, 'PUT', `/apps/${appId}/variables`, { body: { variables } });
    expectStatus(put, 200);
    expect(put.body.variables).toEqual(variables);
    expect((await v1(account.apiKey, 'GET', `/apps/${appId}/variables`)).body.variables).toEqual(variables);

    expectStatus(await v1(account.apiKey, 'PUT', `/apps/${appId}/variables`, { body: { variables: { only: 'this' } } }), 200);
    expect((await v1(account.apiKey, 'GET', `/apps/${appId}/variables`)).body.variables).toEqual({ only: 'this' });
  });

  it('refuses variable names that would poison a prototype (__proto__, constructor, prototype) and stores nothing', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      // Raw JSON: JSON.stringify would drop a __proto__ key built in an object literal.
      const rawBody = `{"variables": {"${name}": {"polluted": true}, "fine": 1}}`;
      expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${appId}/variables`, { rawBody }), 400, 'bad_request');
      expectV1Error(await v1(account.apiKey, 'PUT', `/licenses/${key}/variables`, { rawBody }), 400, 'bad_request');
    }
    expect((await v1(account.apiKey, 'GET', `/apps/${appId}/variables`)).body.variables).toEqual({});
    expect((await v1(account.apiKey, 'GET', `/licenses/${key}/variables`)).body.variables).toEqual({});
  });

  it('GET/PUT license variables', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    const initial = await v1(account.apiKey, 'GET', `/licenses/${key}/variables`);
    expectStatus(initial, 200);
    expect(initial.body.variables).toEqual({});
    const variables = { tier: 'gold', seats: 3, 'feature.export': true };
    const put = await v1(account.apiKey, 'PUT', `/licenses/${key}/variables`, { body: { variables } });
    expectStatus(put, 200);
    expect(put.body.variables).toEqual(variables);
    expect((await v1(account.apiKey, 'GET', `/licenses/${key}/variables`)).body.variables).toEqual(variables);
    expect((await getV1License(account.apiKey, key)).variables).toEqual(variables);
  });

  it('appear as appVariables and licenseVariables in the signed SDK validate payload', async () => {
    const { account, app, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId, { label: 'payload-check' });
    const appVariables = { latestVersion: '3.0.0', killSwitch: false };
    const licenseVariables = { plan: 'enterprise', maxProjects: 100 };
    expectStatus(await v1(account.apiKey, 'PUT', `/apps/${appId}/variables`, { body: { variables: appVariables } }), 200);
    expectStatus(await v1(account.apiKey, 'PUT', `/licenses/${key}/variables`, { body: { variables: licenseVariables } }), 200);

    const hwid = uniqueHwid();
    const payload = sdkPayload(await sdkValidate(app, key, hwid));
    expect(payload.appVariables).toEqual(appVariables);
    expect(payload.licenseVariables).toEqual(licenseVariables);
    expect(payload.licenseLabel).toBe('payload-check');

    // A change is visible on the next validate.
    expectStatus(await v1(account.apiKey, 'PUT', `/licenses/${key}/variables`, { body: { variables: { plan: 'basic' } } }), 200);
    expectStatus(await v1(account.apiKey, 'PUT', `/apps/${appId}/variables`, { body: { variables: {} } }), 200);
    const next = sdkPayload(await sdkValidate(app, key, hwid));
    expect(next.licenseVariables).toEqual({ plan: 'basic' });
    expect(next.appVariables).toEqual({});
  });

  it('answers 400 for invalid variables and changes nothing', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    const start = { kept: 'yes' };
    expectStatus(await v1(account.apiKey, 'PUT', `/apps/${appId}/variables`, { body: { variables: start } }), 200);
    expectStatus(await v1(account.apiKey, 'PUT', `/licenses/${key}/variables`, { body: { variables: start } }), 200);
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`v${i}`, i]));
    const bodies: unknown[] = [
      {},
      { variables: 'plan=pro' },
      { variables: ['a'] },
      { variables: { nested: { deep: 1 } } },
      { variables: { list: [1, 2] } },
      { variables: { 'has space': 1 } },
      { variables: { long: 'x'.repeat(2049) } },
      { variables: tooMany },
      { variables: {}, extra: true },
    ];
    for (const body of bodies) {
      expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${appId}/variables`, { body }), 400, 'bad_request');
      expectV1Error(await v1(account.apiKey, 'PUT', `/licenses/${key}/variables`, { body }), 400, 'bad_request');
    }
    expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${appId}/variables`, { rawBody: '{"variables":{' }), 400, 'bad_request');
    expect((await v1(account.apiKey, 'GET', `/apps/${appId}/variables`)).body.variables).toEqual(start);
    expect((await v1(account.apiKey, 'GET', `/licenses/${key}/variables`)).body.variables).toEqual(start);
  });

  it('answers 404 for an unknown app or license', async () => {
    const { account } = await tenant();
    const app = unknownAppId();
    const key = unknownLicenseKey();
    expectV1Error(await v1(account.apiKey, 'GET', `/apps/${app}/variables`), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${app}/variables`, { body: { variables: {} } }), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'GET', `/licenses/${key}/variables`), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'PUT', `/licenses/${key}/variables`, { body: { variables: {} } }), 404, 'not_found');
  });
});

describe('webhooks', () => {
  const create = (apiKey: string, appId: string, body: Record<string, unknown>) => v1(apiKey, 'POST', `/apps/${appId}/webhooks`, { body });
  const list = async (apiKey: string, appId: string) => {
    const response = await v1(apiKey, 'GET', `/apps/${appId}/webhooks`);
    expectStatus(response, 200);
    return { webhooks: response.body.webhooks as WebhookView[], text: response.text };
  };

  it('create shows the signing secret once; list never shows it', async () => {
    const { account, appId } = await tenant();
    const response = await create(account.apiKey, appId, { url: webhookTarget('/a'), events: ['license.created', 'license.revoked'], description: 'CRM sync' });
    expectStatus(response, 201);
    const webhook = response.body.webhook as WebhookView;
    const secret = String(response.body.secret);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{20,}$/);
    expect(webhook).toMatchObject({ appId, url: webhookTarget('/a'), events: ['license.created', 'license.revoked'], description: 'CRM sync', active: true, disabledReason: null });
    expect(webhook.webhookId).toMatch(/^wh_/);

    const defaults = await create(account.apiKey, appId, { url: 'https://hooks.example.com/keywarden' });
    expectStatus(defaults, 201);
    expect(defaults.body.webhook).toMatchObject({ events: [], active: true, description: null });

    const listed = await list(account.apiKey, appId);
    expect(listed.webhooks.map((hook) => hook.webhookId)).toEqual([webhook.webhookId, (defaults.body.webhook as WebhookView).webhookId]);
    expect(listed.webhooks[0]).toEqual(webhook);
    expect(listed.text).not.toContain(secret);
    expect(listed.text).not.toContain(String(defaults.body.secret));
    for (const hook of listed.webhooks) expect(hook).not.toHaveProperty('secret');
  });

  it('update changes fields; rotateSecret returns a new secret once', async () => {
    const { account, appId } = await tenant();
    const created = await create(account.apiKey, appId, { url: webhookTarget('/old') });
    const { webhookId } = created.body.webhook as WebhookView;
    const oldSecret = String(created.body.secret);

    const updated = await v1(account.apiKey, 'PUT', `/apps/${appId}/webhooks/${webhookId}`, {
      body: { url: webhookTarget('/new'), events: ['license.hwid_reset'], description: 'renamed', active: false },
    });
    expectStatus(updated, 200);
    expect(updated.body).not.toHaveProperty('secret');
    expect(updated.body.webhook).toMatchObject({ webhookId, url: webhookTarget('/new'), events: ['license.hwid_reset'], description: 'renamed', active: false });
    expect((await list(account.apiKey, appId)).webhooks[0]).toMatchObject({ url: webhookTarget('/new'), active: false, description: 'renamed' });

    const rotated = await v1(account.apiKey, 'PUT', `/apps/${appId}/webhooks/${webhookId}`, { body: { rotateSecret: true, active: true, description: null } });
    expectStatus(rotated, 200);
    const newSecret = String(rotated.body.secret);
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.body.webhook).toMatchObject({ active: true, description: null, url: webhookTarget('/new') });
    const listed = await list(account.apiKey, appId);
    expect(listed.text).not.toContain(newSecret);
  });

  it('test answers 202 and records a test.ping event for the webhook', async () => {
    const { account, appId } = await tenant();
    const created = await create(account.apiKey, appId, { url: webhookTarget('/ping') });
    const { webhookId } = created.body.webhook as WebhookView;
    const response = await v1(account.apiKey, 'POST', `/apps/${appId}/webhooks/${webhookId}/test`);
    expectStatus(response, 202);
    expect(response.body).toMatchObject({ event: 'test.ping', webhookId });
    const eventId = String(response.body.eventId);
    const event = await testDb().collection('events').doc(eventId).get();
    expect(event.exists).toBe(true);
    expect(event.data()).toMatchObject({ type: 'test.ping', appId, accountId: account.accountId, licenseKey: null, data: { webhookId } });
  });

  it('delete removes it: list, update, test and a second delete answer accordingly', async () => {
    const { account, appId } = await tenant();
    const [first, second] = [await create(account.apiKey, appId, { url: webhookTarget('/1') }), await create(account.apiKey, appId, { url: webhookTarget('/2') })];
    const goneId = (first.body.webhook as WebhookView).webhookId;
    const keptId = (second.body.webhook as WebhookView).webhookId;
    const deleted = await v1(account.apiKey, 'DELETE', `/apps/${appId}/webhooks/${goneId}`);
    expectStatus(deleted, 200);
    expect(deleted.body).toEqual({ deleted: true, webhookId: goneId });
    expect((await list(account.apiKey, appId)).webhooks.map((hook) => hook.webhookId)).toEqual([keptId]);
    expectV1Error(await v1(account.apiKey, 'DELETE', `/apps/${appId}/webhooks/${goneId}`), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${appId}/webhooks/${goneId}`, { body: { active: false } }), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'POST', `/apps/${appId}/webhooks/${goneId}/test`), 404, 'not_found');
  });

  it('answers 400 for an invalid URL or event and creates nothing', async () => {
    const { account, appId } = await tenant();
    const badUrls = [
      'not a url',
      'ftp://example.com/hook',
      'javascript:alert(1)',
      'https://user:pass@example.com/hook',
      `https://example.com/${'x'.repeat(2048)}`,
      // Cloud metadata servers, however spelled.
      'http://169.254.169.254/computeMetadata/v1/',
      'http://2852039166/',
      'http://[::ffff:169.254.169.254]/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://METADATA.google.internal./computeMetadata/v1/',
      'http://metadata/computeMetadata/v1/',
      'http://[fe80::1]/',
    ];
    for (const url of badUrls) {
      const response = await create(account.apiKey, appId, { url });
      expectV1Error(response, 400, 'bad_request');
      expect(String(response.body.message), url).toMatch(/url/i);
    }
    expectV1Error(await create(account.apiKey, appId, {}), 400, 'bad_request');
    expectV1Error(await create(account.apiKey, appId, { url: webhookTarget(), events: ['license.exploded'] }), 400, 'bad_request');
    expectV1Error(await create(account.apiKey, appId, { url: webhookTarget(), active: 'yes' }), 400, 'bad_request');
    expectV1Error(await create(account.apiKey, appId, { url: webhookTarget(), secret: 'mine' }), 400, 'bad_request');
    expect((await list(account.apiKey, appId)).webhooks).toEqual([]);

    const ok = await create(account.apiKey, appId, { url: webhookTarget() });
    const { webhookId } = ok.body.webhook as WebhookView;
    expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${appId}/webhooks/${webhookId}`, { body: { url: 'http://169.254.169.254/' } }), 400, 'bad_request');
    expect((await list(account.apiKey, appId)).webhooks[0]?.url).toBe(webhookTarget());
  });

  it('answers 409 conflict for a 6th webhook (max 5 per app)', async () => {
    const { account, appId } = await tenant();
    const ids: string[] = [];
    for (let i = 1; i <= 5; i += 1) {
      const response = await create(account.apiKey, appId, { url: webhookTarget(`/${i}`) });
      expectStatus(response, 201);
      ids.push((response.body.webhook as WebhookView).webhookId);
    }
    const sixth = await create(account.apiKey, appId, { url: webhookTarget('/6') });
    expectV1Error(sixth, 409, 'conflict');
    expect(sixth.text).not.toMatch(/whsec_/);
    expect((await list(account.apiKey, appId)).webhooks).toHaveLength(5);

    expectStatus(await v1(account.apiKey, 'DELETE', `/apps/${appId}/webhooks/${ids[0]}`), 200);
    expectStatus(await create(account.apiKey, appId, { url: webhookTarget('/6') }), 201);
  });

  it('answers 404 for an unknown app or webhook', async () => {
    const { account, appId } = await tenant();
    const app = unknownAppId();
    expectV1Error(await create(account.apiKey, app, { url: webhookTarget() }), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'GET', `/apps/${app}/webhooks`), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${appId}/webhooks/wh_doesnotexist1234`, { body: { active: false } }), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'DELETE', `/apps/${appId}/webhooks/wh_doesnotexist1234`), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'POST', `/apps/${appId}/webhooks/wh_doesnotexist1234/test`), 404, 'not_found');
  });
});

describe('security settings and lists', () => {
  it('GET shows the defaults; PUT updates only the fields given', async () => {
    const { account, appId } = await tenant();
    const initial = await v1(account.apiKey, 'GET', `/apps/${appId}/security`);
    expectStatus(initial, 200);
    expect(initial.body).toEqual({
      appId,
      settings: { validatesPerLicensePerMinute: 60, validatesPerIpPerMinute: 300, maxIpsPerDay: null },
      blacklist: { hwids: [], ips: [] },
      whitelist: { hwids: [], ips: [] },
      clientBans: { hwids: [], ips: [] },
    });

    const put = await v1(account.apiKey, 'PUT', `/apps/${appId}/security`, { body: { validatesPerLicensePerMinute: 120, maxIpsPerDay: 5 } });
    expectStatus(put, 200);
    expect(asSecurity(put).settings).toEqual({ validatesPerLicensePerMinute: 120, validatesPerIpPerMinute: 300, maxIpsPerDay: 5 });
    const cleared = await v1(account.apiKey, 'PUT', `/apps/${appId}/security`, { body: { maxIpsPerDay: null } });
    expect(asSecurity(cleared).settings).toEqual({ validatesPerLicensePerMinute: 120, validatesPerIpPerMinute: 300, maxIpsPerDay: null });
    expect(asSecurity(await v1(account.apiKey, 'GET', `/apps/${appId}/security`)).settings).toEqual(asSecurity(cleared).settings);
  });

  it('PUT answers 400 for out-of-range, mistyped or unknown settings and changes nothing', async () => {
    const { account, appId } = await tenant();
    for (const body of [{ validatesPerLicensePerMinute: 0 }, { validatesPerIpPerMinute: 1.5 }, { maxIpsPerDay: '3' }, { rateLimit: 5 }, { validatesPerLicensePerMinute: 100_001 }]) {
      expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${appId}/security`, { body }), 400, 'bad_request');
    }
    expect(asSecurity(await v1(account.apiKey, 'GET', `/apps/${appId}/security`)).settings).toEqual({
      validatesPerLicensePerMinute: 60,
      validatesPerIpPerMinute: 300,
      maxIpsPerDay: null,
    });
  });

  it('POST/DELETE blacklist and whitelist entries of type hwid and ip (addresses and CIDR ranges)', async () => {
    const { account, appId } = await tenant();
    const path = (kind: string) => `/apps/${appId}/security/${kind}`;
    for (const kind of ['blacklist', 'whitelist'] as const) {
      const add = async (type: string, value: string) => {
        const response = await v1(account.apiKey, 'POST', path(kind), { body: { type, value } });
        expectStatus(response, 200);
        return asSecurity(response);
      };
      await add('hwid', 'bad-machine-1');
      await add('ip', '203.0.113.7');
      await add('ip', '198.51.100.0/24');
      await add('ip', '2001:db8::/32');
      const twice = await add('hwid', 'bad-machine-1');
      expect(twice[kind]).toEqual({ hwids: ['bad-machine-1'], ips: ['203.0.113.7', '198.51.100.0/24', '2001:db8::/32'] });
      const other = kind === 'blacklist' ? 'whitelist' : 'blacklist';
      const shown = asSecurity(await v1(account.apiKey, 'GET', `/apps/${appId}/security`));
      expect(shown[kind]).toEqual(twice[kind]);
      expect(shown[other]).toEqual(kind === 'blacklist' ? { hwids: [], ips: [] } : shown[other]);

      const removed = await v1(account.apiKey, 'DELETE', path(kind), { body: { type: 'ip', value: '198.51.100.0/24' } });
      expectStatus(removed, 200);
      expect(asSecurity(removed)[kind].ips).toEqual(['203.0.113.7', '2001:db8::/32']);
      // The entry may also be named in the query string.
      const byQuery = await v1(account.apiKey, 'DELETE', path(kind), { query: { type: 'hwid', value: 'bad-machine-1' } });
      expectStatus(byQuery, 200);
      expect(asSecurity(byQuery)[kind]).toEqual({ hwids: [], ips: ['203.0.113.7', '2001:db8::/32'] });
    }
    const final = asSecurity(await v1(account.apiKey, 'GET', `/apps/${appId}/security`));
    expect(final.blacklist).toEqual({ hwids: [], ips: ['203.0.113.7', '2001:db8::/32'] });
    expect(final.whitelist).toEqual({ hwids: [], ips: ['203.0.113.7', '2001:db8::/32'] });
  });

  it('answers 400 for an invalid IP, CIDR or entry type and changes nothing', async () => {
    const { account, appId } = await tenant();
    for (const kind of ['blacklist', 'whitelist']) {
      for (const body of [
        { type: 'ip', value: '300.1.1.1' },
        { type: 'ip', value: '10.0.0.0/33' },
        { type: 'ip', value: '2001:db8::/129' },
        { type: 'ip', value: '10.0.0.0/8/1' },
        { type: 'ip', value: 'localhost' },
        { type: 'ip', value: '10.0.0.0/-1' },
        { type: 'email', value: 'a@example.com' },
        { type: 'hwid', value: '' },
        { type: 'hwid' },
        { value: '1.2.3.4' },
        { type: 'hwid', value: 'h'.repeat(257) },
      ]) {
        expectV1Error(await v1(account.apiKey, 'POST', `/apps/${appId}/security/${kind}`, { body }), 400, 'bad_request');
      }
    }
    const security = asSecurity(await v1(account.apiKey, 'GET', `/apps/${appId}/security`));
    expect(security.blacklist).toEqual({ hwids: [], ips: [] });
    expect(security.whitelist).toEqual({ hwids: [], ips: [] });
  });

  it('answers 404 for an unknown app', async () => {
    const { account } = await tenant();
    const app = unknownAppId();
    expectV1Error(await v1(account.apiKey, 'GET', `/apps/${app}/security`), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'PUT', `/apps/${app}/security`, { body: { maxIpsPerDay: 3 } }), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'POST', `/apps/${app}/security/blacklist`, { body: { type: 'hwid', value: 'x' } }), 404, 'not_found');
    expectV1Error(await v1(account.apiKey, 'DELETE', `/apps/${app}/security/whitelist`, { body: { type: 'hwid', value: 'x' } }), 404, 'not_found');
  });
});

describe('security lists are enforced on the client doors', () => {
  const entry = (apiKey: string, appId: string, method: 'POST' | 'DELETE', kind: 'blacklist' | 'whitelist', type: 'hwid' | 'ip', value: string) =>
    v1(apiKey, method, `/apps/${appId}/security/${kind}`, { body: { type, value } }).then((response) => expectStatus(response, 200));

  it('a blacklisted HWID gets SDK blocked (403) and seed 004 activate 403; other devices pass; removal lifts it', async () => {
    const { account, app, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId, { maxHwidSlots: 3 });
    const [banned, fine] = [uniqueHwid(), uniqueHwid()];
    await entry(account.apiKey, appId, 'POST', 'blacklist', 'hwid', banned);

    expectSdkBlocked(await sdkValidate(app, key, banned));
    const activation = await clientActivate(key, banned);
    expect(activation.status, activation.text).toBe(403);
    expect(activation.body).toMatchObject({ success: false, code: 'blocked' });
    sdkPayload(await sdkValidate(app, key, fine));
    expect((await getV1License(account.apiKey, key)).hwidList).toEqual([fine]);

    const logs = await v1(account.apiKey, 'GET', `/licenses/${key}/logs`);
    const entries = logs.body.logs as LogEntry[];
    expect(entries.filter((log) => log.hwid === banned).map((log) => log.result)).toEqual(['blocked', 'blocked']);

    await entry(account.apiKey, appId, 'DELETE', 'blacklist', 'hwid', banned);
    sdkPayload(await sdkValidate(app, key, banned));
  });

  it('an HWID whitelist admits only its members', async () => {
    const { account, app, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId, { maxHwidSlots: 3 });
    const [member, stranger] = [uniqueHwid(), uniqueHwid()];
    await entry(account.apiKey, appId, 'POST', 'whitelist', 'hwid', member);
    expectSdkBlocked(await sdkValidate(app, key, stranger));
    sdkPayload(await sdkValidate(app, key, member));
  });

  it('an IP whitelist that excludes 127.0.0.1 blocks validates, activations and verifies; adding 127.0.0.1 admits them', async () => {
    const { account, app, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId, { maxHwidSlots: 3 });
    const hwid = uniqueHwid();
    await entry(account.apiKey, appId, 'POST', 'whitelist', 'ip', '203.0.113.0/24');

    expectSdkBlocked(await sdkValidate(app, key, hwid));
    const activation = await clientActivate(key, hwid);
    expect(activation.status, activation.text).toBe(403);
    expect(activation.body).toMatchObject({ success: false, code: 'blocked' });
    const verify = await clientVerify(key);
    expect(verify.status, verify.text).toBe(403);
    expect(verify.body).toMatchObject({ valid: false, code: 'blocked' });
    expect((await getV1License(account.apiKey, key)).hwidList).toEqual([]);

    await entry(account.apiKey, appId, 'POST', 'whitelist', 'ip', '127.0.0.1');
    sdkPayload(await sdkValidate(app, key, hwid));
    await entry(account.apiKey, appId, 'DELETE', 'whitelist', 'ip', '127.0.0.1');
    expectSdkBlocked(await sdkValidate(app, key, hwid));
    await entry(account.apiKey, appId, 'DELETE', 'whitelist', 'ip', '203.0.113.0/24');
    sdkPayload(await sdkValidate(app, key, hwid));
  });

  it('a CIDR blacklist containing 127.0.0.1 blocks; one that does not, does not', async () => {
    const { account, app, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId, { maxHwidSlots: 3 });
    const hwid = uniqueHwid();
    await entry(account.apiKey, appId, 'POST', 'blacklist', 'ip', '203.0.113.0/24');
    sdkPayload(await sdkValidate(app, key, hwid));

    await entry(account.apiKey, appId, 'POST', 'blacklist', 'ip', '127.0.0.0/8');
    expectSdkBlocked(await sdkValidate(app, key, hwid));
    const activation = await clientActivate(key, uniqueHwid());
    expect(activation.status, activation.text).toBe(403);
    expect(activation.body).toMatchObject({ success: false, code: 'blocked' });
    await entry(account.apiKey, appId, 'DELETE', 'blacklist', 'ip', '127.0.0.0/8');
    sdkPayload(await sdkValidate(app, key, hwid));

    await entry(account.apiKey, appId, 'POST', 'blacklist', 'ip', '127.0.0.1');
    expectSdkBlocked(await sdkValidate(app, key, hwid));
  });

  it('the lists are per app: another app of the same account is unaffected', async () => {
    const { account, app, appId } = await tenant();
    const otherApp = await call('createProduct', { headers: { 'X-API-Key': account.apiKey }, body: { name: 'Other app' } });
    expectStatus(otherApp, 200);
    const other = otherApp.body.product as { productId: string };
    const otherKey = await createV1License(account.apiKey, other.productId);
    const key = await createV1License(account.apiKey, appId);
    await entry(account.apiKey, appId, 'POST', 'blacklist', 'ip', '127.0.0.0/8');
    expectSdkBlocked(await sdkValidate(app, key, uniqueHwid()));
    expectStatus(await clientActivate(otherKey, uniqueHwid()), 200);
  });
});
