/**
 * seed 004 admin license functions over real HTTP to the Functions emulator: createLicense
 * (seed 002 ranges and defaults), getLicense, listLicenses, updateLicense, revokeLicense,
 * reinstateLicense, resolveLicense, resetActivations. Every state change must leave exactly
 * one matching document in `events`; every rejected request must leave nothing.
 */
import { describe, expect, it } from 'vitest';
import { createAccount, createLicenses, createProduct, uniqueHwid, type Account, type Product } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { runExpireLicenses } from '../webhooks/support.js';
import {
  activate,
  asAccount,
  collectPages,
  eventsForApp,
  eventsForLicense,
  expectActivated,
  expectError,
  expectEventShape,
  expectNoEvent,
  expectOk,
  expectOneEvent,
  isoInDays,
  licenseKeyFormat,
  licenseOf,
  licensesOf,
  storedLicense,
  storedLicenses,
  unknownLicenseKey,
  unknownProductId,
  unknownVariantId,
  variantOf,
  type LicenseView,
} from './adminSupport.js';

interface World {
  account: Account;
  product: Product;
  scope: { appId: string; accountId: string };
}

async function world(): Promise<World> {
  const account = await createAccount();
  const product = await createProduct(account);
  return { account, product, scope: { appId: product.productId, accountId: account.accountId } };
}

async function oneLicense(w: World, fields: Record<string, unknown> = {}): Promise<string> {
  const [key] = await createLicenses(w.account, w.product.productId, fields);
  if (!key) throw new Error('createLicense returned no key');
  return key;
}

async function details(w: World, licenseKey: string) {
  const body = expectOk(await asAccount(w.account, 'getLicense', { licenseKey }));
  return {
    license: licenseOf(body),
    activations: body.activations as Array<{ hwid: string; boundAt: string; lastSeenAt: string; ip: string | null }>,
    violations: body.violations as Array<{ type: string; at: string; hwid: string | null; ip: string | null; detail: string }>,
    recentLogs: body.recentLogs as Array<{ action: string; result: string; hwid: string | null; ip: string; timestamp: string }>,
  };
}

/** Binds a device past the seat limit so the license gets a device_limit violation. */
async function provokeViolation(licenseKey: string, hwid = uniqueHwid()): Promise<string> {
  const refused = await activate(licenseKey, hwid);
  expect(refused.status, refused.text).toBe(403);
  expect(refused.body).toMatchObject({ success: false, code: 'hwid_mismatch' });
  return hwid;
}

describe('createLicense', () => {
  it('creates one license with seed 002’s defaults and exactly one license.created event', async () => {
    const w = await world();
    const response = await asAccount(w.account, 'createLicense', { productId: w.product.productId });
    const licenses = licensesOf(expectOk(response));
    expect(licenses).toHaveLength(1);
    const license = licenses[0] as LicenseView;
    expect(license.licenseKey).toMatch(licenseKeyFormat);
    expect(license).toMatchObject({
      appId: w.product.productId,
      productId: w.product.productId,
      variantId: null,
      status: 'active',
      label: null,
      email: null,
      expiresAt: null,
      maxHwidSlots: 1,
      unlimitedHwidSlots: false,
      hwidList: [],
      hwidCount: 0,
      flagged: false,
    });

    const stored = await storedLicense(license.licenseKey);
    expect(stored).toMatchObject({ appId: w.product.productId, accountId: w.account.accountId, maxHwidSlots: 1, revoked: false, expiresAt: null });

    const events = await eventsForLicense(license.licenseKey);
    expect(events).toHaveLength(1);
    const event = events[0];
    if (!event) throw new Error('no event');
    expectEventShape(event, license.licenseKey, w.scope, 'license.created');
    expect(event.data).toEqual({ licenseKey: license.licenseKey, email: null, label: null, variantId: null, expiresAt: null });
  });

  it('applies every option to every license of the batch (quantity, expiresAt, maxHwidSlots, label, email), via appId too', async () => {
    const w = await world();
    // 45 days: outside every reminder band (30, 7 and 1 days before expiry), so the scheduled
    // expiry run another file starts meanwhile writes no license.expiring for these licenses.
    const expiresAt = isoInDays(45);
    const label = 'L'.repeat(128);
    const body = expectOk(
      await asAccount(w.account, 'createLicense', { appId: w.product.productId, quantity: 3, expiresAt, maxHwidSlots: 16, label, email: 'buyer@example.com' }),
    );
    const licenses = licensesOf(body);
    expect(licenses).toHaveLength(3);
    expect(new Set(licenses.map((license) => license.licenseKey)).size).toBe(3);
    for (const license of licenses) {
      expect(license).toMatchObject({ status: 'active', expiresAt: new Date(expiresAt).toISOString(), maxHwidSlots: 16, label, email: 'buyer@example.com' });
      const events = await eventsForLicense(license.licenseKey);
      expect(events.map((event) => event.type)).toEqual(['license.created']);
      expect(events[0]?.data).toMatchObject({ label, email: 'buyer@example.com', expiresAt: new Date(expiresAt).toISOString() });
    }
    expect((await storedLicenses(w.product.productId)).size).toBe(3);
  });

  it('creates 100 distinct licenses in one call, each with its own event', async () => {
    const w = await world();
    const licenses = licensesOf(expectOk(await asAccount(w.account, 'createLicense', { productId: w.product.productId, quantity: 100 })));
    expect(licenses).toHaveLength(100);
    const keys = new Set(licenses.map((license) => license.licenseKey));
    expect(keys.size).toBe(100);
    expect(new Set((await storedLicenses(w.product.productId)).keys())).toEqual(keys);
    const events = await eventsForApp(w.product.productId);
    expect(events).toHaveLength(100);
    expect(new Set(events.map((event) => event.licenseKey))).toEqual(keys);
    expect(events.every((event) => event.type === 'license.created')).toBe(true);
  });

  it('makes unlimited-seat licenses that admit any number of devices', async () => {
    const w = await world();
    const key = await oneLicense(w, { unlimitedHwidSlots: true });
    for (let i = 0; i < 4; i += 1) await expectActivated(key, uniqueHwid());
    const { license } = await details(w, key);
    expect(license).toMatchObject({ unlimitedHwidSlots: true, status: 'active', flagged: false });
  });

  it('answers 400 for each out-of-range or malformed value and writes no license and no event', async () => {
    const w = await world();
    const productId = w.product.productId;
    const invalid: Array<[string, Record<string, unknown>]> = [
      ['quantity 0', { productId, quantity: 0 }],
      ['quantity 101', { productId, quantity: 101 }],
      ['quantity -1', { productId, quantity: -1 }],
      ['quantity 2.5', { productId, quantity: 2.5 }],
      ['quantity as string', { productId, quantity: '5' }],
      ['maxHwidSlots 0', { productId, maxHwidSlots: 0 }],
      ['maxHwidSlots 17', { productId, maxHwidSlots: 17 }],
      ['maxHwidSlots 1.5', { productId, maxHwidSlots: 1.5 }],
      ['unlimitedHwidSlots not a boolean', { productId, unlimitedHwidSlots: 'yes' }],
      ['expiresAt prose', { productId, expiresAt: 'tomorrow' }],
      ['expiresAt month 13', { productId, expiresAt: '2030-13-01T00:00:00Z' }],
      ['expiresAt a number', { productId, expiresAt: 1_900_000_000 }],
      ['label 129 chars', { productId, label: 'x'.repeat(129) }],
      ['label a number', { productId, label: 7 }],
      ['email malformed', { productId, email: 'not-an-email' }],
      ['unknown field', { productId, seats: 3 }],
      ['no productId', { quantity: 1 }],
      ['malformed productId', { productId: 'product-1' }],
      ['productId and appId differ', { productId, appId: unknownProductId() }],
      ['malformed variantId', { productId, variantId: 'v1' }],
    ];
    for (const [what, body] of invalid) {
      const response = await asAccount(w.account, 'createLicense', body);
      expect(response.status, `${what}: ${response.text}`).toBe(400);
      expectError(response, 400, 'bad_request');
    }
    expect((await storedLicenses(productId)).size).toBe(0);
    expect(await eventsForApp(productId)).toHaveLength(0);

    // The boundaries themselves are accepted.
    const ok = licensesOf(expectOk(await asAccount(w.account, 'createLicense', { productId, quantity: 1, maxHwidSlots: 1, expiresAt: null, label: '' })));
    expect(ok).toHaveLength(1);
  });

  it('takes its defaults from a variant, and explicit fields win over them', async () => {
    const w = await world();
    const variant = variantOf(
      expectOk(
        await asAccount(w.account, 'createVariant', {
          productId: w.product.productId,
          name: 'Team 30 days',
          maxHwidSlots: 4,
          durationDays: 30,
          variables: { tier: 'team' },
        }),
      ),
    );
    const started = Date.now();
    const [fromVariant] = licensesOf(expectOk(await asAccount(w.account, 'createLicense', { productId: w.product.productId, variantId: variant.variantId })));
    expect(fromVariant).toMatchObject({ variantId: variant.variantId, maxHwidSlots: 4, unlimitedHwidSlots: false, variables: { tier: 'team' } });
    const expiry = Date.parse(fromVariant?.expiresAt ?? '');
    expect(Math.abs(expiry - (started + 30 * 86_400_000))).toBeLessThan(120_000);
    expect((await eventsForLicense(fromVariant?.licenseKey ?? ''))[0]?.data.variantId).toBe(variant.variantId);

    const [overridden] = licensesOf(
      expectOk(
        await asAccount(w.account, 'createLicense', {
          productId: w.product.productId,
          variantId: variant.variantId,
          maxHwidSlots: 2,
          expiresAt: null,
          variables: { seats: 2 },
        }),
      ),
    );
    expect(overridden).toMatchObject({ variantId: variant.variantId, maxHwidSlots: 2, expiresAt: null, variables: { tier: 'team', seats: 2 } });

    const unlimited = variantOf(expectOk(await asAccount(w.account, 'createVariant', { productId: w.product.productId, name: 'Site', unlimitedHwidSlots: true })));
    const [site] = licensesOf(expectOk(await asAccount(w.account, 'createLicense', { productId: w.product.productId, variantId: unlimited.variantId })));
    expect(site).toMatchObject({ unlimitedHwidSlots: true, expiresAt: null, maxHwidSlots: 1 });
  });

  it('refuses a variant of another product (400), an unknown variant or product (404), writing nothing', async () => {
    const w = await world();
    const sibling = await createProduct(w.account);
    const siblingVariant = variantOf(expectOk(await asAccount(w.account, 'createVariant', { productId: sibling.productId, name: 'Elsewhere' })));
    expectError(await asAccount(w.account, 'createLicense', { productId: w.product.productId, variantId: siblingVariant.variantId }), 400, 'bad_request');
    expectError(await asAccount(w.account, 'createLicense', { productId: w.product.productId, variantId: unknownVariantId() }), 404, 'not_found');
    const unknown = unknownProductId();
    expectError(await asAccount(w.account, 'createLicense', { productId: unknown }), 404, 'not_found');
    expect((await storedLicenses(w.product.productId)).size).toBe(0);
    expect((await storedLicenses(sibling.productId)).size).toBe(0);
    expect((await storedLicenses(unknown)).size).toBe(0);
  });

  it('accepts POST only', async () => {
    const w = await world();
    const response = await call('createLicense', { method: 'GET', headers: { 'X-API-Key': w.account.apiKey }, query: { productId: w.product.productId } });
    expectError(response, 405, 'method_not_allowed');
    expect((await storedLicenses(w.product.productId)).size).toBe(0);
  });
});

describe('getLicense', () => {
  it('returns the license with its activations, violations and recent logs', async () => {
    const w = await world();
    const key = await oneLicense(w, { maxHwidSlots: 2, label: 'customer 42' });
    const first = uniqueHwid();
    const second = uniqueHwid();
    await expectActivated(key, first);
    await expectActivated(key, second);
    const third = await provokeViolation(key);

    const got = await details(w, key);
    expect(got.license).toMatchObject({ licenseKey: key, label: 'customer 42', status: 'active', hwidCount: 2, flagged: true, maxHwidSlots: 2 });
    expect([...got.license.hwidList].sort()).toEqual([first, second].sort());
    expect(got.activations.map((activation) => activation.hwid).sort()).toEqual([first, second].sort());
    for (const activation of got.activations) {
      expect(Date.parse(activation.boundAt)).not.toBeNaN();
      expect(Date.parse(activation.lastSeenAt)).not.toBeNaN();
    }
    expect(got.violations).toEqual([expect.objectContaining({ type: 'device_limit', hwid: third })]);
    expect(got.recentLogs).toHaveLength(3);
    expect(got.recentLogs.every((entry) => entry.action === 'activate')).toBe(true);
    expect(got.recentLogs.map((entry) => entry.result).sort()).toEqual(['hwid_mismatch', 'ok', 'ok']);
    expect(got.recentLogs.find((entry) => entry.result === 'hwid_mismatch')?.hwid).toBe(third);
    // Newest first.
    const times = got.recentLogs.map((entry) => Date.parse(entry.timestamp));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('answers GET with query parameters and forgives a lower-case key', async () => {
    const w = await world();
    const key = await oneLicense(w);
    const viaGet = await call('getLicense', { headers: { 'X-API-Key': w.account.apiKey }, query: { licenseKey: key.toLowerCase() } });
    expect(licenseOf(expectOk(viaGet)).licenseKey).toBe(key);
    expect(expectOk(viaGet)).toMatchObject({ activations: [], violations: [], recentLogs: [] });
  });

  it('answers 404 for an unknown key and 400 for a malformed or missing one', async () => {
    const w = await world();
    expectError(await asAccount(w.account, 'getLicense', { licenseKey: unknownLicenseKey() }), 404, 'not_found');
    expectError(await asAccount(w.account, 'getLicense', { licenseKey: 'ABCD-EFGH' }), 400, 'bad_request');
    expectError(await asAccount(w.account, 'getLicense', { licenseKey: 'O0O0-1111-IIII-0000' }), 400, 'bad_request');
    expectError(await asAccount(w.account, 'getLicense', {}), 400, 'bad_request');
  });
});

describe('listLicenses', () => {
  /** A product with licenses in each state; returns the keys by role. */
  async function mixedProduct() {
    const w = await world();
    const goldActive = await createLicenses(w.account, w.product.productId, { quantity: 2, label: 'gold' });
    const [emailed] = await createLicenses(w.account, w.product.productId, { email: 'vip@example.com' });
    const [plain] = await createLicenses(w.account, w.product.productId, {});
    const [goldRevoked] = await createLicenses(w.account, w.product.productId, { label: 'gold' });
    const [expired] = await createLicenses(w.account, w.product.productId, { expiresAt: isoInDays(-1) });
    const [futureExpiry] = await createLicenses(w.account, w.product.productId, { expiresAt: isoInDays(10) });
    if (!emailed || !plain || !goldRevoked || !expired || !futureExpiry) throw new Error('missing keys');
    expectOk(await asAccount(w.account, 'revokeLicense', { licenseKey: goldRevoked }));
    // Another product of the same account must never show up.
    const sibling = await createProduct(w.account);
    await createLicenses(w.account, sibling.productId, { quantity: 2, label: 'gold', email: 'vip@example.com' });
    return { w, goldActive, emailed, plain, goldRevoked, expired, futureExpiry };
  }

  const keysOf = (body: Record<string, unknown>) => licensesOf(body).map((license) => license.licenseKey).sort();

  it('filters by status, label and email, alone and combined, within one product', async () => {
    const { w, goldActive, emailed, plain, goldRevoked, expired, futureExpiry } = await mixedProduct();
    const list = async (filters: Record<string, unknown>) =>
      keysOf(expectOk(await asAccount(w.account, 'listLicenses', { productId: w.product.productId, ...filters })));

    expect(await list({})).toEqual([...goldActive, emailed, plain, goldRevoked, expired, futureExpiry].sort());
    expect(await list({ status: 'active' })).toEqual([...goldActive, emailed, plain, futureExpiry].sort());
    expect(await list({ status: 'revoked' })).toEqual([goldRevoked]);
    expect(await list({ status: 'expired' })).toEqual([expired]);
    expect(await list({ label: 'gold' })).toEqual([...goldActive, goldRevoked].sort());
    expect(await list({ label: 'gold', status: 'active' })).toEqual([...goldActive].sort());
    expect(await list({ label: 'gold', status: 'revoked' })).toEqual([goldRevoked]);
    expect(await list({ email: 'vip@example.com' })).toEqual([emailed]);
    expect(await list({ email: 'vip@example.com', status: 'expired' })).toEqual([]);
    expect(await list({ label: 'silver' })).toEqual([]);

    const statuses = licensesOf(expectOk(await asAccount(w.account, 'listLicenses', { productId: w.product.productId })));
    expect(statuses.find((license) => license.licenseKey === expired)?.status).toBe('expired');
    expect(statuses.find((license) => license.licenseKey === goldRevoked)?.status).toBe('revoked');

    // GET with query parameters (seed 004 lists GET/POST).
    const viaGet = await call('listLicenses', { query: { apiKey: w.account.apiKey, productId: w.product.productId, status: 'revoked' } });
    expect(keysOf(expectOk(viaGet))).toEqual([goldRevoked]);
  });

  it('pages with a cursor and a limit: every license exactly once, unfiltered and filtered', async () => {
    const w = await world();
    const all = await createLicenses(w.account, w.product.productId, { quantity: 7 });
    const pages = await collectPages(
      (cursor) => asAccount(w.account, 'listLicenses', { productId: w.product.productId, limit: 3, ...(cursor ? { cursor } : {}) }),
      (body) => licensesOf(body),
      3,
    );
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    const seen = pages.flat().map((license) => license.licenseKey);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...all].sort());

    // Filtered by status, through GET with string limits.
    const expiring = await createLicenses(w.account, w.product.productId, { quantity: 3, expiresAt: isoInDays(5) });
    const activePages = await collectPages(
      (cursor) =>
        call('listLicenses', {
          headers: { 'X-API-Key': w.account.apiKey },
          query: { productId: w.product.productId, status: 'active', limit: '4', ...(cursor ? { cursor } : {}) },
        }),
      (body) => licensesOf(body),
      4,
    );
    expect(activePages.map((page) => page.length)).toEqual([4, 4, 2]);
    const activeSeen = activePages.flat().map((license) => license.licenseKey);
    expect(new Set(activeSeen).size).toBe(10);
    expect([...activeSeen].sort()).toEqual([...all, ...expiring].sort());

    // An exact last page ends with a null cursor.
    const exact = expectOk(await asAccount(w.account, 'listLicenses', { productId: w.product.productId, limit: 10 }));
    expect(licensesOf(exact)).toHaveLength(10);
    expect(exact.cursor).toBeNull();
  });

  it('answers 400 for an invalid cursor, limit or status, a missing productId; 404 for an unknown product', async () => {
    const w = await world();
    await createLicenses(w.account, w.product.productId, { quantity: 2 });
    const productId = w.product.productId;
    const forge = (after: unknown[]) => Buffer.from(JSON.stringify({ after })).toString('base64url');
    const invalid: Array<[string, Record<string, unknown>]> = [
      ['garbage cursor', { productId, cursor: 'not-a-cursor' }],
      ['cursor of the wrong arity', { productId, cursor: forge(['x']) }],
      ['cursor with a number for the id', { productId, cursor: forge([{ ts: [1, 0] }, 5]) }],
      ['cursor with a path for the id', { productId, cursor: forge([{ ts: [1, 0] }, 'licenses/x']) }],
      ['cursor with an empty id', { productId, cursor: forge([{ ts: [1, 0] }, '']) }],
      ['status-filtered list, forged id', { productId, status: 'active', cursor: forge([{ ts: [1, 0] }, 7]) }],
      ['limit 0', { productId, limit: 0 }],
      ['limit 201', { productId, limit: 201 }],
      ['limit 2.5', { productId, limit: 2.5 }],
      ['status unknown', { productId, status: 'suspended' }],
      ['label too long', { productId, label: 'x'.repeat(129) }],
      ['no productId', {}],
      ['unknown field', { productId, sort: 'asc' }],
    ];
    for (const [what, body] of invalid) {
      const response = await asAccount(w.account, 'listLicenses', body);
      expect(response.status, `${what}: ${response.text}`).toBe(400);
      expectError(response, 400, 'bad_request');
    }
    expectError(await asAccount(w.account, 'listLicenses', { productId: unknownProductId() }), 404, 'not_found');
  });
});

describe('updateLicense', () => {
  it('changes label, email and variables with one license.updated event each, and expiry with license.extended', async () => {
    const w = await world();
    const key = await oneLicense(w, { label: 'old' });

    let updated: LicenseView | undefined;
    const labelled = await expectOneEvent(key, w.scope, 'license.updated', async () => {
      updated = licenseOf(expectOk(await asAccount(w.account, 'updateLicense', { licenseKey: key, label: 'new', email: 'x@example.com', variables: { plan: 'b' } })));
    });
    expect(updated).toMatchObject({ label: 'new', email: 'x@example.com', variables: { plan: 'b' } });
    expect(labelled.data.licenseKey).toBe(key);
    expect(await storedLicense(key)).toMatchObject({ label: 'new', email: 'x@example.com' });

    const expiresAt = isoInDays(90);
    const extended = await expectOneEvent(key, w.scope, 'license.extended', async () => {
      updated = licenseOf(expectOk(await asAccount(w.account, 'updateLicense', { licenseKey: key, expiresAt })));
    });
    expect(updated?.expiresAt).toBe(new Date(expiresAt).toISOString());
    expect(extended.data.expiresAt).toBe(new Date(expiresAt).toISOString());

    // Into the past: the license reads as expired and stops activating.
    await expectOneEvent(key, w.scope, 'license.extended', async () => {
      updated = licenseOf(expectOk(await asAccount(w.account, 'updateLicense', { licenseKey: key, expiresAt: isoInDays(-1) })));
    });
    expect(updated?.status).toBe('expired');
    expect((await activate(key, uniqueHwid())).status).toBe(403);

    // null makes it a lifetime license again. Meanwhile the scheduled expiry run (which other
    // files start at any moment) reaches the expired license and writes license.expired: the
    // change still wrote exactly one event of its own.
    await expectOneEvent(key, w.scope, 'license.extended', async () => {
      for (let run = 0; (await storedLicense(key))?.expiryNotified !== true; run += 1) {
        if (run >= 10) throw new Error('expireLicenses never reached the license');
        await runExpireLicenses();
      }
      updated = licenseOf(expectOk(await asAccount(w.account, 'updateLicense', { licenseKey: key, expiresAt: null, label: null })));
    });
    expect(updated).toMatchObject({ expiresAt: null, status: 'active', label: null });
  });

  it('writes no event when nothing changes', async () => {
    const w = await world();
    const key = await oneLicense(w, { label: 'same', maxHwidSlots: 3 });
    await expectNoEvent(key, async () => {
      const body = expectOk(await asAccount(w.account, 'updateLicense', { licenseKey: key }));
      expect(licenseOf(body)).toMatchObject({ label: 'same', maxHwidSlots: 3 });
      expectOk(await asAccount(w.account, 'updateLicense', { licenseKey: key, label: 'same', maxHwidSlots: 3 }));
    });
  });

  it('refuses with 409 to lower maxHwidSlots below the bound devices, changing nothing; equal or higher is fine', async () => {
    const w = await world();
    const key = await oneLicense(w, { maxHwidSlots: 3 });
    await expectActivated(key, uniqueHwid());
    await expectActivated(key, uniqueHwid());

    const before = await storedLicense(key);
    await expectNoEvent(key, async () => {
      const refused = await asAccount(w.account, 'updateLicense', { licenseKey: key, maxHwidSlots: 1, label: 'must not stick' });
      expectError(refused, 409, 'conflict');
    });
    expect(await storedLicense(key)).toEqual(before);

    await expectOneEvent(key, w.scope, 'license.updated', async () => {
      expect(licenseOf(expectOk(await asAccount(w.account, 'updateLicense', { licenseKey: key, maxHwidSlots: 2 }))).maxHwidSlots).toBe(2);
    });
    // Now full: a third device is refused.
    expect((await activate(key, uniqueHwid())).status).toBe(403);
    await expectOneEvent(key, w.scope, 'license.updated', async () => {
      expect(licenseOf(expectOk(await asAccount(w.account, 'updateLicense', { licenseKey: key, maxHwidSlots: 16 }))).maxHwidSlots).toBe(16);
    });
    await expectActivated(key, uniqueHwid());
  });

  it('answers 400 for out-of-range values and 404 for an unknown key, changing nothing', async () => {
    const w = await world();
    const key = await oneLicense(w);
    const before = await storedLicense(key);
    const invalid: Array<Record<string, unknown>> = [
      { licenseKey: key, maxHwidSlots: 0 },
      { licenseKey: key, maxHwidSlots: 17 },
      { licenseKey: key, label: 'x'.repeat(129) },
      { licenseKey: key, expiresAt: 'next year' },
      { licenseKey: key, email: 'nope' },
      { licenseKey: key, unlimitedHwidSlots: 'true' },
      { licenseKey: key, revoked: true },
      { licenseKey: 'bad', label: 'x' },
      { label: 'x' },
    ];
    await expectNoEvent(key, async () => {
      for (const body of invalid) expectError(await asAccount(w.account, 'updateLicense', body), 400, 'bad_request');
    });
    expect(await storedLicense(key)).toEqual(before);
    expectError(await asAccount(w.account, 'updateLicense', { licenseKey: unknownLicenseKey(), label: 'x' }), 404, 'not_found');
  });
});

describe('revokeLicense and reinstateLicense', () => {
  it('revokes with a reason (one license.revoked event), stops activation, and is idempotent', async () => {
    const w = await world();
    const key = await oneLicense(w, { maxHwidSlots: 2 });
    await expectActivated(key, uniqueHwid());

    const event = await expectOneEvent(key, w.scope, 'license.revoked', async () => {
      const body = expectOk(await asAccount(w.account, 'revokeLicense', { licenseKey: key, reason: 'chargeback' }));
      expect(licenseOf(body).status).toBe('revoked');
    });
    expect(event.data.reason).toBe('chargeback');
    expect(await storedLicense(key)).toMatchObject({ revoked: true, revokeReason: 'chargeback' });
    const refused = await activate(key, uniqueHwid());
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ success: false, code: 'revoked' });

    await expectNoEvent(key, async () => {
      expect(licenseOf(expectOk(await asAccount(w.account, 'revokeLicense', { licenseKey: key }))).status).toBe('revoked');
    });
    expect(await storedLicense(key)).toMatchObject({ revokeReason: 'chargeback' });
  });

  it('reinstates a revoked license (one license.activated event) so it activates again; reinstating an active one writes nothing', async () => {
    const w = await world();
    const key = await oneLicense(w);
    expectOk(await asAccount(w.account, 'revokeLicense', { licenseKey: key }));

    await expectOneEvent(key, w.scope, 'license.activated', async () => {
      expect(licenseOf(expectOk(await asAccount(w.account, 'reinstateLicense', { licenseKey: key }))).status).toBe('active');
    });
    expect(await storedLicense(key)).toMatchObject({ revoked: false, revokedAt: null, revokeReason: null });
    await expectActivated(key, uniqueHwid());

    await expectNoEvent(key, async () => {
      expect(licenseOf(expectOk(await asAccount(w.account, 'reinstateLicense', { licenseKey: key }))).status).toBe('active');
    });
  });

  it('answers 404 for unknown keys and 400 for malformed input', async () => {
    const w = await world();
    const key = await oneLicense(w);
    expectError(await asAccount(w.account, 'revokeLicense', { licenseKey: unknownLicenseKey() }), 404, 'not_found');
    expectError(await asAccount(w.account, 'reinstateLicense', { licenseKey: unknownLicenseKey() }), 404, 'not_found');
    await expectNoEvent(key, async () => {
      expectError(await asAccount(w.account, 'revokeLicense', { licenseKey: key, reason: 'r'.repeat(501) }), 400, 'bad_request');
      expectError(await asAccount(w.account, 'revokeLicense', { licenseKey: key, reason: 5 }), 400, 'bad_request');
      expectError(await asAccount(w.account, 'reinstateLicense', { licenseKey: key, reason: 'x' }), 400, 'bad_request');
      expectError(await asAccount(w.account, 'revokeLicense', {}), 400, 'bad_request');
    });
    expect(await storedLicense(key)).toMatchObject({ revoked: false });
  });
});

describe('resolveLicense', () => {
  it('clears flagged violations with one license.updated event; a clean license writes nothing', async () => {
    const w = await world();
    const key = await oneLicense(w);
    await expectActivated(key, uniqueHwid());
    await provokeViolation(key);
    await provokeViolation(key);
    expect((await details(w, key)).violations).toHaveLength(2);

    const event = await expectOneEvent(key, w.scope, 'license.updated', async () => {
      const body = expectOk(await asAccount(w.account, 'resolveLicense', { licenseKey: key }));
      expect(licenseOf(body).flagged).toBe(false);
    });
    expect(event.data.resolvedViolations).toBe(2);
    const after = await details(w, key);
    expect(after.violations).toEqual([]);
    expect(after.license).toMatchObject({ flagged: false, hwidCount: 1 });

    await expectNoEvent(key, async () => {
      expectOk(await asAccount(w.account, 'resolveLicense', { licenseKey: key }));
    });
    expectError(await asAccount(w.account, 'resolveLicense', { licenseKey: unknownLicenseKey() }), 404, 'not_found');
    expectError(await asAccount(w.account, 'resolveLicense', { licenseKey: 'nope' }), 400, 'bad_request');
  });
});

describe('resetActivations', () => {
  it('clears every bound device with one license.hwid_reset event naming them, freeing the seats', async () => {
    const w = await world();
    const key = await oneLicense(w, { maxHwidSlots: 2 });
    const first = uniqueHwid();
    const second = uniqueHwid();
    await expectActivated(key, first);
    await expectActivated(key, second);
    await provokeViolation(key);

    const event = await expectOneEvent(key, w.scope, 'license.hwid_reset', async () => {
      const body = expectOk(await asAccount(w.account, 'resetActivations', { licenseKey: key }));
      expect(licenseOf(body)).toMatchObject({ hwidList: [], hwidCount: 0 });
    });
    expect([...(event.data.hwids as string[])].sort()).toEqual([first, second].sort());
    expect((await details(w, key)).activations).toEqual([]);
    expect((await storedLicense(key))?.devices).toEqual([]);

    // Two new machines fit again.
    await expectActivated(key, uniqueHwid());
    await expectActivated(key, uniqueHwid());
  });

  it('with no device bound still ends the license\'s sessions (issue 21 item 5: one hwid_reset naming none), and answers 404/400 for unknown or malformed keys', async () => {
    const w = await world();
    const key = await oneLicense(w);
    const event = await expectOneEvent(key, w.scope, 'license.hwid_reset', async () => {
      expect(licenseOf(expectOk(await asAccount(w.account, 'resetActivations', { licenseKey: key }))).hwidCount).toBe(0);
    });
    expect(event.data.hwids).toEqual([]);
    expect(await storedLicense(key)).toMatchObject({ sessionEpoch: 1, sessionsValidFromEpoch: 1 });
    expectError(await asAccount(w.account, 'resetActivations', { licenseKey: unknownLicenseKey() }), 404, 'not_found');
    expectError(await asAccount(w.account, 'resetActivations', { licenseKey: '' }), 400, 'bad_request');
  });
});
