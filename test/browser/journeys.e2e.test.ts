/**
 * The console's journeys in Debian's Chromium, each from a signed-out browser context, against
 * the test stack's Hosting (console/dist, /v1/** rewritten to the functions host) and Auth
 * emulator. What a journey does in the page, it checks over HTTP as an app, a receiver or a
 * script would see it.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { closeReceivers, eventsOfApp, runDeliverEvents, startReceiver, verifyKeywardenSignature, header } from '../webhooks/support.js';
import {
  acceptConfirms,
  asUser,
  browserIdToken,
  closeContext,
  consoleUser,
  expectAccessible,
  freshPage,
  invitedTeammate,
  launchBrowser,
  licensesOf,
  operatorInvitesOwner,
  ownedAccount,
  expectTitle,
  poll,
  productOf,
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
  await closeReceivers();
});
afterAll(async () => {
  await browser?.close();
});

describe('a new owner, from invitation to a released device', () => {
  it('signs in, accepts, creates a product and licenses, finds one, sees the SDK bind a device in Activity, releases it: its next heartbeat is refused', async () => {
    const owner = await consoleUser('owner');
    const { accountName } = await operatorInvitesOwner(owner.email);
    const opened = await freshPage(browser);
    context = opened.context;
    const { page, errors } = opened;
    acceptConfirms(page);

    // Signed out: the console sends the visitor to /signin and shows the invitation after sign-in.
    await page.goto('/');
    await page.waitForURL((url) => url.pathname === '/signin');
    await page.getByLabel('Email', { exact: true }).waitFor();
    await screenshot(page, 'sign-in');
    await page.getByLabel('Email', { exact: true }).fill(owner.email);
    await page.getByLabel('Password', { exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const accept = page.getByRole('button', { name: `Accept invitation to ${accountName}` });
    await accept.waitFor();
    await expectAccessible(page, 'sign-in with a pending invitation');
    await accept.click();
    await page.getByRole('link', { name: 'Continue to the console' }).click();
    await expectTitle(page, 'Overview');
    await page.getByText('No products yet').waitFor();

    // A product, created in the console: its app secret is shown once, and the app uses it below.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Products' }).click();
    await expectTitle(page, 'Products');
    const productName = `Journey ${randomUUID().slice(0, 6)}`;
    await page.getByLabel('Name', { exact: true }).fill(productName);
    await page.getByRole('button', { name: 'Create product' }).click();
    const shown = page.getByRole('region', { name: 'App secret' });
    await shown.waitFor();
    const appSecret = (await shown.locator('code.secret').textContent()) ?? '';
    expect(appSecret.length).toBeGreaterThan(20);
    const appId = (await page.getByText(/^Created/).locator('code').textContent()) ?? '';
    expect(appId).toMatch(/^[a-z]{2,8}_[0-9A-Za-z]{8,40}$/);
    await page.getByRole('row', { name: new RegExp(productName) }).waitFor();
    await expectAccessible(page, 'products with the app secret shown once');
    await shown.getByRole('button', { name: 'I have stored it' }).click();
    await poll(() => shown.count()).toBe(0);

    // Bulk create: five licenses, in batches, with progress, listed when done.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Licenses' }).click();
    await expectTitle(page, 'Licenses');
    await page.getByText('No licenses yet').waitFor();
    await page.getByLabel('Quantity').fill('5');
    await page.getByLabel('Label', { exact: true }).fill('journey batch');
    await page.getByRole('button', { name: 'Create 5 licenses' }).click();
    const created = page.getByRole('status').filter({ hasText: 'Created 5 licenses' });
    await created.waitFor();
    const keys = await created.locator('code').allTextContents();
    expect(keys).toHaveLength(5);
    await poll(() => page.getByRole('table', { name: 'Licenses' }).locator('tbody tr').count()).toBe(5);

    // Search by key prefix: exactly the one license.
    const licenseKey = keys[2] ?? '';
    const prefix = licenseKey.slice(0, 9);
    expect(keys.filter((key) => key.startsWith(prefix))).toEqual([licenseKey]);
    const search = page.getByLabel('Search', { exact: true });
    await search.fill(prefix);
    await search.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === prefix);
    await poll(() => page.getByRole('table', { name: 'Licenses' }).locator('tbody tr').count()).toBe(1);
    await poll(() => page.getByRole('table', { name: 'Licenses' }).locator('tbody code').textContent()).toBe(licenseKey);

    // Keyboard alone: Tab from the search box to the license's link, Enter opens it.
    const link = page.getByRole('table', { name: 'Licenses' }).getByRole('link', { name: licenseKey });
    await search.focus();
    for (let tabs = 0; tabs < 25 && !(await link.evaluate((element) => element === document.activeElement)); tabs++) await page.keyboard.press('Tab');
    expect(await link.evaluate((element) => element === document.activeElement), 'Tab reaches the license link').toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === `/licenses/${licenseKey}`);
    await expectTitle(page, `License ${licenseKey}`);
    await page.getByText('No device bound').waitFor();

    // The app validates over HTTP with the secret the console showed: the device is bound.
    const hwid = uniqueHwid();
    const validated = await call('auth', { path: '/validate', body: { appId, appSecret, licenseKey, hwid, nonce: uniqueNonce() } });
    expect(validated.status, validated.text).toBe(200);
    expect(validated.body.status).toBe('ok');
    const sessionToken = String((JSON.parse(Buffer.from(String(validated.body.payload), 'base64').toString('utf8')) as { sessionToken: string }).sessionToken);

    // The device and the check appear in the license view and its Activity panel.
    await page.reload();
    await expectTitle(page, `License ${licenseKey}`);
    const release = page.getByRole('button', { name: `Release device ${hwid}` });
    await release.waitFor();
    const activity = page.getByRole('table', { name: 'Auth log, newest first' });
    await activity.waitFor();
    const checkRow = activity.locator('tbody tr').filter({ hasText: hwid });
    await poll(() => checkRow.count()).toBeGreaterThanOrEqual(1);
    expect(await checkRow.first().textContent()).toMatch(/success|ok|valid/i);
    await page.getByRole('img', { name: /Distinct devices per day/ }).waitFor();
    await expectAccessible(page, 'license detail with a bound device and activity');
    await page.getByRole('heading', { name: /^Devices/ }).evaluate((heading) => heading.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'license-detail');

    // Released from the console: the device's next heartbeat is refused.
    await release.click();
    await page.getByText('No device bound').waitFor();
    const heartbeat = await call('auth', { path: '/heartbeat', body: { appId, sessionToken, nonce: uniqueNonce(), hwid } });
    expect(heartbeat.status, heartbeat.text).toBe(401);
    expect(heartbeat.body).toMatchObject({ status: 'failed', error: 'session_expired' });

    // The overview counts the validation.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('img', { name: 'Successful validations per UTC day' }).waitFor();
    await screenshot(page, 'overview');
    expect(errors).toEqual([]);
  }, 120_000);
});

describe('webhooks from the console', () => {
  it('creates an endpoint (secret shown once), sees its delivery with its attempt, and redelivers it: the receiver gets it again', async () => {
    const owner = await consoleUser('owner');
    const accountId = await ownedAccount(owner);
    const { appId } = await productOf(owner, accountId);
    const receiver = await startReceiver();
    const opened = await freshPage(browser);
    context = opened.context;
    const { page, errors } = opened;
    acceptConfirms(page);
    await signInThroughConsole(page, owner, { path: `/webhooks?appId=${appId}` });
    await page.getByText('No webhook yet').waitFor();

    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Description', { exact: true }).fill('browser journey');
    await page.getByRole('checkbox', { name: 'test.ping' }).check();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const shown = page.getByRole('region', { name: 'Webhook signing secret' });
    await shown.waitFor();
    const secret = (await shown.locator('code.secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await page.getByText(receiver.url, { exact: true }).waitFor();
    await expectAccessible(page, 'webhooks with the signing secret shown once');
    await shown.getByRole('button', { name: 'I have stored it' }).click();

    // A test ping from the console, delivered in-process (the stack runs no event pump) to the loopback receiver.
    await page.getByRole('button', { name: 'Send test ping' }).click();
    const queued = await page.getByText(/^Test ping queued \(event /).textContent();
    const eventId = /event ([^)]+)\)/.exec(queued ?? '')?.[1] ?? '';
    expect(eventId).not.toBe('');
    const event = (await eventsOfApp(appId)).find((candidate) => candidate.id === eventId);
    if (!event) throw new Error(`event ${eventId} not stored`);
    await runDeliverEvents(event);
    expect(receiver.requests).toHaveLength(1);
    const first = receiver.requests[0];
    expect(header(first!, 'x-keywarden-event')).toBe('test.ping');
    expect(verifyKeywardenSignature(secret, first!.rawBody, header(first!, 'x-keywarden-signature'))).toBe(true);

    // The delivery in the console, with its one attempt.
    await page.getByRole('button', { name: 'Refresh deliveries' }).click();
    const deliveryRow = page.getByRole('row').filter({ hasText: 'test.ping' }).filter({ hasText: 'delivered' });
    await deliveryRow.waitFor();
    await deliveryRow.getByRole('button', { name: /^Attempts of delivery / }).click();
    const attempts = page.getByRole('table', { name: 'Attempts' });
    await attempts.waitFor();
    await poll(() => attempts.locator('tbody tr').count()).toBe(1);
    expect(await attempts.locator('tbody tr').first().textContent()).toContain('200');
    await expectAccessible(page, 'webhooks with a delivery\'s attempts open');

    // Redelivered from the console: the receiver gets the same body again, and the console shows two attempts.
    await page.getByRole('button', { name: 'Redeliver now' }).click();
    await poll(() => receiver.requests.length, { timeout: 20_000 }).toBe(2);
    expect(receiver.requests[1]?.rawBody).toBe(first?.rawBody);
    expect(header(receiver.requests[1]!, 'x-keywarden-delivery')).toBe(header(first!, 'x-keywarden-delivery'));
    await poll(() => attempts.locator('tbody tr').count()).toBe(2);
    await page.getByRole('heading', { name: 'Deliveries' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'webhooks');
    expect(errors).toEqual([]);
  }, 120_000);
});

describe('a viewer', () => {
  it('sees no revoke button, and the API refuses the viewer\'s own token with 403', async () => {
    const owner = await consoleUser('owner');
    const accountId = await ownedAccount(owner);
    const { appId } = await productOf(owner, accountId);
    const [licenseKey = ''] = await licensesOf(owner, accountId, appId, { label: 'viewer test' });
    const viewer = await invitedTeammate(owner, accountId, 'viewer');
    const opened = await freshPage(browser);
    context = opened.context;
    const { page, errors } = opened;
    const { accountName } = await asUser(owner, accountId, 'GET', '/me').then((me) => ({
      accountName: String((me.body.memberships as Array<{ accountId: string; accountName: string }>).find((m) => m.accountId === accountId)?.accountName),
    }));
    await signInThroughConsole(page, viewer, { path: `/licenses/${licenseKey}`, acceptInvitationTo: accountName });
    await expectTitle(page, `License ${licenseKey}`);
    await page.getByText('viewer', { exact: true }).first().waitFor();
    await page.getByRole('heading', { name: /^Devices/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Revoke license' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete license' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Actions' }).count()).toBe(0);
    const nav = page.getByRole('navigation', { name: 'Console' });
    expect(await nav.getByRole('link', { name: 'Members' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    await expectAccessible(page, 'license detail as a viewer');

    // The same token the console holds, sent straight to the API: refused by the server.
    const idToken = await browserIdToken(page);
    const refused = await call('v1', {
      method: 'PUT',
      path: `/licenses/${licenseKey}`,
      headers: { Authorization: `Bearer ${idToken}`, 'X-Keywarden-Account': accountId },
      body: { action: 'revoke' },
    });
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.error).toBe('forbidden');
    const after = await asUser(owner, accountId, 'GET', `/licenses/${licenseKey}`);
    expect(after.body.status).toBe('active');
    expect(errors).toEqual([]);
  });
});
