/**
 * The console page by page in Debian's Chromium: axe-core on every page and in its key states
 * (secrets shown once, an API error shown, a delivery's attempts and payload open), the CSV
 * export of a filtered list read back from the real download, and text a client or a buyer wrote
 * (labels, machine names, OS) rendered as text. Each test starts from a signed-out context.
 */
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { call } from '../support/http.js';
import {
  acceptConfirms,
  type ConsoleUser,
  asUser,
  closeContext,
  consoleUser,
  expectAccessible,
  expectTitle,
  freshPage,
  invitedTeammate,
  launchBrowser,
  licensesOf,
  ownedAccount,
  poll,
  productOf,
  recordDialogs,
  screenshot,
  signInThroughConsole,
} from './browserSupport.js';

let browser: Browser;
let context: BrowserContext | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterEach(async () => {
  await closeContext(context);
  context = undefined;
});
afterAll(async () => {
  await browser?.close();
});

/** RFC 4180: quoted cells, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row); }
  return rows;
}

describe('CSV export', () => {
  it('of a filtered list holds exactly the licenses the filter selects, cells quoted and formulas neutralised', async () => {
    const owner = await consoleUser('owner');
    const accountId = await ownedAccount(owner);
    const { appId } = await productOf(owner, accountId);
    const plain = await licensesOf(owner, accountId, appId, { quantity: 4, label: 'plain, "quoted" label' });
    const formula = await licensesOf(owner, accountId, appId, { quantity: 2, label: '=HYPERLINK("http://evil.example")', email: 'buyer@example.com' });
    const revoked = [plain[0] ?? '', ...formula];
    for (const key of revoked) {
      const answer = await asUser(owner, accountId, 'PUT', `/licenses/${key}`, { action: 'revoke' });
      expect(answer.status, answer.text).toBe(200);
    }

    const opened = await freshPage(browser);
    context = opened.context;
    const { page, errors } = opened;
    await signInThroughConsole(page, owner, { path: `/licenses?appId=${appId}` });
    await expectTitle(page, 'Licenses');
    const rows = page.getByRole('table', { name: 'Licenses' }).locator('tbody tr');
    await poll(() => rows.count(), { timeout: 15_000 }).toBe(6);
    await page.getByLabel('Filter by status').selectOption('revoked');
    await page.waitForURL((url) => url.searchParams.get('status') === 'revoked');
    await poll(() => rows.count(), { timeout: 15_000 }).toBe(3);

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^licenses-${appId}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const path = await download.path();
    const table = parseCsv(await readFile(path, 'utf8'));
    const [heading, ...body] = table;
    expect(heading).toEqual(['licenseKey', 'status', 'label', 'email', 'variantId', 'expiresAt', 'maxHwidSlots', 'hwidCount', 'createdAt']);
    expect(body.map((row) => row[0]).sort()).toEqual([...revoked].sort());
    expect(body.every((row) => row.length === 9 && row[1] === 'revoked')).toBe(true);
    const byKey = new Map(body.map((row) => [row[0], row]));
    expect(byKey.get(plain[0])?.[2]).toBe('plain, "quoted" label');
    expect(byKey.get(formula[0])?.[2]).toBe(`'=HYPERLINK("http://evil.example")`);
    expect(byKey.get(formula[1])?.[3]).toBe('buyer@example.com');
    // The button is back once the export is done.
    await page.getByRole('button', { name: 'Export CSV' }).waitFor();
    expect(errors).toEqual([]);
  });
});

describe('what clients and buyers wrote is shown as text', () => {
  it('a label, a machine name and an OS that look like HTML show as those characters: no element made, no dialog', async () => {
    const payload = '<img src=x onerror=alert(1)>';
    const osPayload = '<script>alert(2)</script>';
    const owner = await consoleUser('owner');
    const accountId = await ownedAccount(owner);
    const { appId } = await productOf(owner, accountId);
    const [licenseKey = ''] = await licensesOf(owner, accountId, appId, { label: payload, maxHwidSlots: 2 });
    const hwid = uniqueHwid();
    // seed 004 activate with the optional machine description, as a client app sends it.
    const activated = await call('activate', { body: { licenseKey, hwid, machineName: payload, os: osPayload } });
    expect(activated.status, activated.text).toBe(200);

    const opened = await freshPage(browser);
    context = opened.context;
    const { page, errors } = opened;
    const dialogs = recordDialogs(page);
    await signInThroughConsole(page, owner, { path: `/licenses?appId=${appId}` });
    const table = page.getByRole('table', { name: 'Licenses' });
    await table.getByRole('cell', { name: payload, exact: true }).waitFor();

    // Search by the label: the query itself goes through the URL and back into the input.
    const search = page.getByLabel('Search', { exact: true });
    await search.fill(payload);
    await search.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === payload);
    await poll(() => table.locator('tbody tr').count()).toBe(1);
    expect(await search.inputValue()).toBe(payload);

    await table.getByRole('link', { name: licenseKey }).click();
    await expectTitle(page, `License ${licenseKey}`);
    await page.getByRole('definition').filter({ hasText: payload }).waitFor();
    const device = page.getByRole('row').filter({ hasText: osPayload });
    await device.waitFor();
    expect(await device.getByRole('cell').first().textContent()).toBe(payload);
    await page.getByRole('table', { name: 'Auth log, newest first' }).waitFor();

    expect(await page.locator('img[src="x"], img[onerror], script:not([src])').count()).toBe(0);
    expect(await page.evaluate(() => document.body.innerHTML.includes('<img src=x') || document.body.innerHTML.includes('<script>alert'))).toBe(false);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('every page passes axe', () => {
  // One account with something on every page, seeded over the API; each test signs in from a signed-out context.
  let owner: ConsoleUser;
  let admin: ConsoleUser;
  let appId = '';
  let productName = '';
  let busyKey = '';

  beforeAll(async () => {
    owner = await consoleUser('owner');
    const accountId = await ownedAccount(owner);
    const product = await productOf(owner, accountId, `Desktop Suite ${randomUUID().slice(0, 4)}`);
    ({ appId, name: productName } = product);
    const customers = ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara'];
    for (const [index, who] of customers.entries()) {
      await licensesOf(owner, accountId, appId, { label: `Order #${1040 + index}`, email: `${who}@example.com`, maxHwidSlots: 2, ...(index % 2 ? { expiresAt: new Date(Date.now() + (index + 10) * 86_400_000).toISOString() } : {}) });
    }
    [busyKey = ''] = await licensesOf(owner, accountId, appId, { label: 'Order #1100', email: 'studio@example.com', maxHwidSlots: 3 });
    for (const machine of ['studio-mac', 'studio-pc']) {
      const validated = await call('auth', { path: '/validate', body: { appId, appSecret: product.appSecret, licenseKey: busyKey, hwid: `${machine}-${randomUUID().slice(0, 8)}`, nonce: uniqueNonce() } });
      expect(validated.status, validated.text).toBe(200);
    }
    const hook = await asUser(owner, accountId, 'POST', `/apps/${appId}/webhooks`, { url: 'http://127.0.0.1:9/hooks/keywarden', events: ['license.created', 'license.revoked'], description: 'CRM sync' });
    expect(hook.status, hook.text).toBe(201);
    admin = await invitedTeammate(owner, accountId, 'admin');
    const adminInvitation = (await asUser(admin, undefined, 'GET', '/me')).body.invitations as Array<{ invitationId: string }>;
    expect((await asUser(admin, undefined, 'POST', `/me/invitations/${adminInvitation[0]?.invitationId}/accept`)).status).toBe(200);
    await invitedTeammate(owner, accountId, 'support');
  });

  it('sign-in, overview, products, product, licenses, license, and their key states', async () => {
    const opened = await freshPage(browser);
    context = opened.context;
    const { page, errors } = opened;
    acceptConfirms(page);

    await page.goto('/signin');
    await page.getByLabel('Email', { exact: true }).waitFor();
    await expectAccessible(page, 'sign-in');
    await signInThroughConsole(page, owner, { path: `/?appId=${appId}` });

    await expectTitle(page, 'Overview');
    await page.getByRole('img', { name: /^Successful validations per UTC day/ }).waitFor();
    await expectAccessible(page, 'overview');

    await page.goto('/products');
    await expectTitle(page, 'Products');
    await page.getByRole('link', { name: productName, exact: true }).waitFor();
    await expectAccessible(page, 'products');

    await page.getByRole('link', { name: productName, exact: true }).click();
    await expectTitle(page, productName);
    await page.getByRole('heading', { name: 'Secrets' }).waitFor();
    await expectAccessible(page, 'product detail');
    await page.getByRole('button', { name: 'Rotate payment secret' }).click();
    await page.getByRole('region', { name: 'Payment secret' }).waitFor();
    await expectAccessible(page, 'product detail with a rotated secret shown once');

    await page.goto(`/licenses?appId=${appId}`);
    await expectTitle(page, 'Licenses');
    await poll(() => page.getByRole('table', { name: 'Licenses' }).locator('tbody tr').count(), { timeout: 15_000 }).toBe(7);
    await expectAccessible(page, 'licenses');
    await screenshot(page, 'licenses');
    await page.getByLabel('Filter by status').selectOption('revoked');
    await page.getByText('No license matches').waitFor();
    await expectAccessible(page, 'licenses, empty filtered list');

    await page.goto(`/licenses/${busyKey}`);
    await expectTitle(page, `License ${busyKey}`);
    await page.getByRole('table', { name: 'Auth log, newest first' }).waitFor();
    await poll(() => page.getByRole('button', { name: /^Release device / }).count()).toBe(2);
    await expectAccessible(page, 'license detail');

    expect(errors).toEqual([]);
  }, 120_000);

  it('webhooks, security, API keys, members, credits, codes, not found, and their key states', async () => {
    const opened = await freshPage(browser);
    context = opened.context;
    const { page, errors } = opened;
    acceptConfirms(page);
    await signInThroughConsole(page, owner, { path: `/webhooks?appId=${appId}` });

    await expectTitle(page, 'Webhooks');
    await page.getByText('http://127.0.0.1:9/hooks/keywarden', { exact: true }).waitFor();
    await page.getByText('No delivery yet').waitFor();
    await expectAccessible(page, 'webhooks');

    await page.goto(`/security?appId=${appId}`);
    await expectTitle(page, 'Security');
    await page.getByRole('heading', { level: 2 }).first().waitFor();
    await expectAccessible(page, 'security');

    await page.goto('/settings/api-keys');
    await expectTitle(page, 'API keys');
    await page.getByText('No API key yet').waitFor();
    await expectAccessible(page, 'API keys');
    await page.getByLabel('Key name').fill('CI deploys');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByRole('region', { name: 'API key' }).waitFor();
    await page.getByRole('cell', { name: 'CI deploys', exact: true }).waitFor();
    await expectAccessible(page, 'API keys with a new key shown once');

    await page.goto('/settings/members');
    await expectTitle(page, 'Members');
    await page.getByRole('cell', { name: admin.email, exact: true }).waitFor();
    await page.getByText(/@example\.com as support/).waitFor();
    await expectAccessible(page, 'members');
    await screenshot(page, 'members');
    // An API refusal (409: already a member) shown in words with its request id.
    await page.getByLabel('Teammate email').fill(admin.email);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const failure = page.locator('.error-card[role="alert"]');
    await failure.waitFor();
    expect(await failure.textContent()).toMatch(/already a member[\s\S]*Request id/);
    await expectAccessible(page, 'members with an API error shown');

    await page.goto('/settings/credits');
    await expectTitle(page, 'Credits');
    await expectAccessible(page, 'credits');

    await page.goto('/settings/codes');
    await expectTitle(page, 'Discount & trial codes');
    await expectAccessible(page, 'discount and trial codes');

    await page.goto('/no-such-page');
    await page.locator('#page-title').waitFor();
    await expectAccessible(page, 'not found');
    expect(errors).toEqual([]);
  }, 120_000);
});
