/**
 * The buyers' portal (/portal) in Debian's Chromium against the test stack's Hosting: a buyer
 * signs in with the code the portal mailed (read from the `mail` collection, as the Trigger
 * Email extension would), sees their license and its devices, and releases one within the
 * product's policy. What the page does is checked over HTTP as the buyer's app sees it.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import { testDb } from '../support/firestore.js';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import {
  asUser,
  closeContext,
  consoleUser,
  expectAccessible,
  freshPage,
  launchBrowser,
  licensesOf,
  ownedAccount,
  productOf,
  recordDialogs,
  screenshot,
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

const hostileName = '<img src=x onerror=alert(1)>';
const logoUrl = 'https://cdn.photon.example/logo.svg';
const logoSvg = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#6d28d9"/><circle cx="32" cy="32" r="14" fill="#fde68a"/></svg>';

interface Shop {
  appId: string;
  appSecret: string;
  name: string;
  licenseKey: string;
  email: string;
  ownerCall: (method: string, path: string, body?: unknown) => ReturnType<typeof asUser>;
}

/** A vendor's product with its portal settings and one license sold to a fresh buyer email, with two seats. */
async function shop(portal: Record<string, unknown> = {}): Promise<Shop> {
  const owner = await consoleUser('vendor');
  const accountId = await ownedAccount(owner);
  const { appId, appSecret, name } = await productOf(owner, accountId, `Photon Studio ${randomUUID().slice(0, 4)}`);
  const ownerCall = (method: string, path: string, body?: unknown) => asUser(owner, accountId, method, path, body);
  const configured = await ownerCall('PUT', `/apps/${appId}`, { portal: { supportUrl: 'https://support.example.com/photon', ...portal } });
  expect(configured.status, configured.text).toBe(200);
  const email = `buyer-${randomUUID().slice(0, 8)}@example.com`;
  const [licenseKey = ''] = await licensesOf(owner, accountId, appId, { email, maxHwidSlots: 2 });
  return { appId, appSecret, name, licenseKey, email, ownerCall };
}

/** seed 004 activate, as a client app sends it with its machine's description; its session token. */
async function activate(licenseKey: string, hwid: string, machineName?: string, os?: string): Promise<string> {
  const activated = await call('activate', { body: { licenseKey, hwid, ...(machineName ? { machineName } : {}), ...(os ? { os } : {}) } });
  expect(activated.status, activated.text).toBe(200);
  return String(activated.body.sessionToken);
}

/** The mails written to `to`, newest first. */
async function mailsTo(to: string): Promise<Array<{ subject: string; text: string; html: string }>> {
  const snapshot = await testDb().collection('mail').where('to', '==', to).get();
  return snapshot.docs
    .map((doc) => doc.data() as { message: { subject: string; text: string; html: string }; createdAt?: { toMillis(): number } })
    .sort((a, b) => (b.createdAt?.toMillis() ?? 0) - (a.createdAt?.toMillis() ?? 0))
    .map((mail) => mail.message);
}

/** Waits for the `count`-th mail to `to` and returns its 6-digit code. */
async function codeMailed(to: string, count = 1): Promise<string> {
  await expect.poll(async () => (await mailsTo(to)).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(count);
  const [newest] = await mailsTo(to);
  const code = /\b(\d{6})\b/.exec(newest?.text ?? '')?.[1];
  if (!code) throw new Error(`no 6-digit code in the mail: ${newest?.text}`);
  expect(newest?.html).toContain(code);
  return code;
}

/** The words the page shows once a code was requested for `email`, with the address taken out. */
async function codeSentWords(page: Page, email: string): Promise<string> {
  const status = page.getByRole('status').filter({ hasText: 'we sent it a 6-digit code' });
  await status.waitFor().catch(async (error: unknown) => {
    const shown = await page.locator('body').innerText({ timeout: 2_000 }).catch(() => '(no body)');
    throw new Error(`no code-sent words at ${page.url()}; the page shows:\n${shown.slice(0, 1500)}`, { cause: error });
  });
  return ((await status.textContent()) ?? '').replace(email, '<email>');
}

async function requestCode(page: Page, email: string): Promise<string> {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Send code' }).click();
  return codeSentWords(page, email);
}

/** The buyer's token as the page holds it (this tab's sessionStorage), for calling the API directly. */
async function buyerToken(page: Page): Promise<string> {
  const stored = await page.evaluate(() => sessionStorage.getItem('keywarden.portal.session'));
  const token = (JSON.parse(stored ?? '{}') as { token?: string }).token;
  if (!token) throw new Error('no buyer session in sessionStorage');
  return token;
}

/** The next answer to the page's code sign-in. */
function signInAnswer(page: Page) {
  return page.waitForResponse((response) => new URL(response.url()).pathname === '/v1/portal/sign-in' && response.request().method() === 'POST');
}

function licenseRegion(page: Page, shopped: Shop) {
  return page.getByRole('region', { name: `${shopped.name} license ${shopped.licenseKey}` });
}

async function releaseInPage(page: Page, shopped: Shop, machine: string): Promise<void> {
  const region = licenseRegion(page, shopped);
  await region.getByRole('button', { name: `Release this device: ${machine}` }).click();
  const dialog = page.getByRole('dialog', { name: `Release ${machine}?` });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Yes, release this device' }).click();
  await expect.poll(() => dialog.count()).toBe(0);
}

describe('the buyers portal', () => {
  it('a code by email signs the buyer in; two devices (one named like HTML, shown as text); releasing one frees its seat within the 30-day policy, and the fourth release is refused with its date', async () => {
    const shopped = await shop({ logoUrl });
    const { appId, appSecret, licenseKey, email } = shopped;
    const laptop = uniqueHwid();
    const hostile = uniqueHwid();
    const laptopSession = await activate(licenseKey, laptop, "Ada's laptop", 'Windows 11 Pro');
    await activate(licenseKey, hostile, hostileName, 'macOS 15.2');

    const opened = await freshPage(browser);
    context = opened.context;
    const { page, errors } = opened;
    const dialogs = recordDialogs(page);
    // The vendor's logo host, answered in the browser (the test stack reaches no internet).
    await page.route(`${logoUrl}`, (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: logoSvg }));

    // Signed out: the product's name, logo and support link brand the sign-in page.
    await page.goto(`/portal?product=${encodeURIComponent(appId)}`);
    await page.getByRole('heading', { level: 1, name: `Sign in to your ${shopped.name} licenses` }).waitFor();
    await page.getByRole('contentinfo').getByRole('link', { name: `Contact ${shopped.name} support` }).waitFor();
    // The logo loads under Hosting's CSP (img-src allows https images).
    await expect.poll(() => page.locator('img.portal-logo').evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0)).toBe(true);
    expect(await page.title()).toBe(`${shopped.name} · Your licenses`);
    await expectAccessible(page, 'portal sign-in');
    await screenshot(page, 'portal-sign-in');

    await requestCode(page, email);
    const code = await codeMailed(email);
    await expectAccessible(page, 'portal code step');
    await screenshot(page, 'portal-code');
    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    // The license with its two devices; the hostile machine name is those characters, not an element.
    await page.getByRole('heading', { level: 1, name: 'Your licenses' }).waitFor();
    const region = licenseRegion(page, shopped);
    await region.waitFor();
    const rows = region.getByRole('table', { name: `Devices on license ${licenseKey}` }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await region.getByRole('cell', { name: "Ada's laptop", exact: true }).waitFor();
    await region.getByRole('cell', { name: 'Windows 11 Pro', exact: true }).waitFor();
    expect(await region.getByRole('row').filter({ hasText: 'macOS 15.2' }).getByRole('cell').first().textContent()).toBe(hostileName);
    expect(await page.locator('img[src="x"], img[onerror]').count()).toBe(0);
    expect(await region.getByRole('definition').allTextContents()).toEqual(expect.arrayContaining(['active', '2 of 2', '3 of 3 device releases left in any 30 days.']));
    // The HWID shortened, never whole.
    expect(await region.textContent()).not.toContain(laptop);
    // The token stays in this tab: nothing in localStorage.
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await expectAccessible(page, 'portal licenses');
    await screenshot(page, 'portal-licenses');

    // Every seat is taken: a third machine is refused.
    const third = uniqueHwid();
    const refused = await call('auth', { path: '/validate', body: { appId, appSecret, licenseKey, hwid: third, nonce: uniqueNonce() } });
    expect(refused.body.status, refused.text).not.toBe('ok');

    // Release the laptop, confirmed in a dialog (checked by axe while open).
    await region.getByRole('button', { name: "Release this device: Ada's laptop" }).click();
    const dialog = page.getByRole('dialog', { name: "Release Ada's laptop?" });
    await dialog.waitFor();
    await expectAccessible(page, 'portal release confirmation');
    await screenshot(page, 'portal-release-confirm');
    // Escape cancels: nothing released.
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await expect.poll(() => rows.count()).toBe(2);
    await releaseInPage(page, shopped, "Ada's laptop");
    await region.getByRole('status').filter({ hasText: "Released Ada's laptop." }).waitFor();
    await expect.poll(() => rows.count()).toBe(1);
    await region.getByRole('definition').filter({ hasText: '2 of 3 device releases left in any 30 days.' }).waitFor();
    await region.getByRole('definition').filter({ hasText: /^1 of 2$/ }).waitFor();

    // The released laptop's next heartbeat is refused; the third machine now binds.
    const heartbeat = await call('heartbeat', { body: { sessionToken: laptopSession, hwid: laptop } });
    expect(heartbeat.status, heartbeat.text).not.toBe(200);
    expect(heartbeat.body.success, heartbeat.text).toBe(false);
    const bound = await call('auth', { path: '/validate', body: { appId, appSecret, licenseKey, hwid: third, nonce: uniqueNonce() } });
    expect(bound.status, bound.text).toBe(200);
    expect(bound.body.status).toBe('ok');

    // The page after a reload (the session survives in this tab): the new machine, one release fewer.
    await page.reload();
    await region.waitFor();
    await expect.poll(() => rows.count()).toBe(2);
    await region.getByRole('cell', { name: 'Unnamed machine', exact: true }).waitFor();
    await region.getByRole('definition').filter({ hasText: '2 of 3 device releases left in any 30 days.' }).waitFor();
    await region.getByRole('definition').filter({ hasText: /^2 of 2$/ }).waitFor();

    // Two more releases use the policy up (3 in 30 days).
    // By keyboard alone: the dialog opens with the focus on "Keep it"; Shift+Tab reaches the release.
    await region.getByRole('button', { name: `Release this device: ${hostileName}` }).focus();
    await page.keyboard.press('Enter');
    const hostileDialog = page.getByRole('dialog', { name: `Release ${hostileName}?` });
    await hostileDialog.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Keep it');
    await page.keyboard.press('Shift+Tab');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Yes, release this device');
    await page.keyboard.press('Enter');
    await expect.poll(() => hostileDialog.count()).toBe(0);
    await region.getByRole('definition').filter({ hasText: '1 of 3 device releases left in any 30 days.' }).waitFor();
    await releaseInPage(page, shopped, `the machine ${await rows.first().locator('code').textContent()}`);
    await region.getByRole('definition').filter({ hasText: /^No device release left now: the next is possible on / }).waitFor();
    await expect.poll(() => rows.count()).toBe(0);

    // A fourth device, and a fourth release: refused in words, with the date.
    const fourth = uniqueHwid();
    await activate(licenseKey, fourth, 'Render node', 'Ubuntu 24.04');
    await page.reload();
    await region.getByRole('cell', { name: 'Render node', exact: true }).waitFor();
    await releaseInPage(page, shopped, 'Render node');
    const alert = region.getByRole('alert');
    await alert.waitFor();
    const refusal = (await alert.textContent()) ?? '';
    expect(refusal).toMatch(/^No device release possible on this license until /);
    await expect.poll(() => rows.count()).toBe(1);
    await expectAccessible(page, 'portal release refused');
    await screenshot(page, 'portal-release-refused');

    // The API says the same to a vendor's app: 429 with Retry-After and the date.
    const token = await buyerToken(page);
    const devices = await call('v1', { path: '/portal/licenses', headers: { Authorization: `Bearer ${token}` } });
    expect(devices.status, devices.text).toBe(200);
    const deviceId = String(((devices.body.licenses as Array<{ devices: Array<{ deviceId: string }> }>)[0]?.devices[0] ?? { deviceId: '' }).deviceId);
    const direct = await call('v1', { method: 'DELETE', path: `/portal/licenses/${licenseKey}/devices/${deviceId}`, headers: { Authorization: `Bearer ${token}` } });
    expect(direct.status, direct.text).toBe(429);
    expect(direct.body.error).toBe('rate_limited');
    expect(Number(direct.headers.get('retry-after'))).toBeGreaterThan(0);
    // The page words the API's refusal, its date in the buyer's locale; the release is possible again 30 days after the first.
    const until = /until (\S+Z)/.exec(String(direct.body.message))?.[1] ?? '';
    expect(Date.parse(until) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const untilInPage = await page.evaluate((iso) => new Date(iso).toLocaleString(), until);
    expect(refusal).toBe(String(direct.body.message).replace(until, untilInPage));

    // Sign out: back to sign-in, nothing kept in the tab.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: `Sign in to your ${shopped.name} licenses` }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('keywarden.portal.session'))).toBeNull();
    const after = await call('v1', { path: '/portal/licenses', headers: { Authorization: 'Bearer not-a-token' } });
    expect(after.status).toBe(401);

    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  }, 180_000);

  it('an unknown email gets the same answer as a known one; five wrong codes void the code, and a new code signs in', async () => {
    const shopped = await shop();
    const { appId, email } = shopped;
    const opened = await freshPage(browser);
    context = opened.context;
    const { page, errors } = opened;
    await page.goto(`/portal?product=${encodeURIComponent(appId)}`);

    // No enumeration: the page's words and the API's answer are the same for an address with no license.
    const unknown = `nobody-${randomUUID().slice(0, 8)}@example.com`;
    const unknownWords = await requestCode(page, unknown);
    await expectAccessible(page, 'portal code step for an unknown email');
    await page.getByRole('button', { name: 'Use another email' }).click();
    const knownWords = await requestCode(page, email);
    expect(knownWords).toBe(unknownWords);
    const [knownAnswer, unknownAnswer] = await Promise.all(
      [email, `nobody-${randomUUID().slice(0, 8)}@example.com`].map((address) => call('v1', { method: 'POST', path: '/portal/sign-in/code', body: { email: address, appId } })),
    );
    expect(knownAnswer?.status).toBe(202);
    expect(unknownAnswer?.status).toBe(202);
    expect(unknownAnswer?.body).toEqual(knownAnswer?.body);

    // The newest code, tried wrong five times: each refused in words; then the right one is void too.
    const code = await codeMailed(email, 2);
    const wrong = code === '000000' ? '111111' : '000000';
    const codeField = page.getByLabel('Code', { exact: true });
    const fieldError = page.locator('.field-error');
    for (let attempt = 1; attempt <= 5; attempt++) {
      await codeField.fill(wrong);
      const [answer] = await Promise.all([signInAnswer(page), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
      expect(answer.status()).toBe(401);
      await expect.poll(() => codeField.getAttribute('aria-invalid')).toBe('true');
      await expect.poll(() => fieldError.textContent()).toMatch(attempt < 5 ? /^Invalid or expired code/ : /^Wrong code 5 times: this code no longer works/);
      if (attempt === 1) await screenshot(page, 'portal-wrong-code');
    }
    await expectAccessible(page, 'portal code voided');
    await codeField.fill(code);
    const [voided] = await Promise.all([signInAnswer(page), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
    expect(voided.status()).toBe(401);
    await expect.poll(() => fieldError.textContent()).toMatch(/^Invalid or expired code/);
    expect(await page.getByRole('heading', { level: 1, name: 'Your licenses' }).count()).toBe(0);

    // A new code works.
    await Promise.all([page.waitForResponse((response) => response.url().includes('/portal/sign-in/code')), page.getByRole('button', { name: 'Send a new code' }).click()]);
    const fresh = await codeMailed(email, 3);
    // The page resets the code step when the new code is sent: fill once that has rendered.
    await expect
      .poll(async () => {
        if ((await codeField.inputValue()) !== fresh) await codeField.fill(fresh);
        return codeField.inputValue();
      })
      .toBe(fresh);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await licenseRegion(page, shopped).waitFor();
    expect(errors).toEqual([]);
  }, 120_000);

  it('a product that signs buyers in by license key shows that form; an unknown product still offers email sign-in', async () => {
    const shopped = await shop({ signIn: 'licenseKey', offlineFiles: true });
    const studio = uniqueHwid();
    await activate(shopped.licenseKey, studio, 'Studio PC', 'Windows 11');
    const opened = await freshPage(browser);
    context = opened.context;
    const { page, errors } = opened;

    await page.goto(`/portal?product=${encodeURIComponent(shopped.appId)}`);
    await page.getByRole('heading', { level: 1, name: `Sign in to your ${shopped.name} licenses` }).waitFor();
    expect(await page.getByLabel('Email', { exact: true }).count()).toBe(0);
    await page.getByLabel('License key', { exact: true }).fill('AAAA-BBBB-CCCC-DDDD');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByLabel('License key', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'portal license-key sign-in refused');
    await page.getByLabel('License key', { exact: true }).fill(shopped.licenseKey);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const region = licenseRegion(page, shopped);
    await region.getByRole('cell', { name: 'Studio PC', exact: true }).waitFor();
    await page.getByText('Signed in as license key holder').waitFor();
    await expectAccessible(page, 'portal signed in by license key');

    // The vendor allows offline files: one for the bound machine, by its full machine ID, downloaded.
    await region.getByLabel(`Machine ID for license ${shopped.licenseKey}`).fill(studio);
    const [download] = await Promise.all([page.waitForEvent('download'), region.getByRole('button', { name: 'Download offline file' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.authforge$/);
    const file = await readFile(await download.path(), 'utf8');
    expect(file.length).toBeGreaterThan(100);
    await screenshot(page, 'portal-license-key');

    // Sign out; a link naming no known product falls back to email sign-in, and says so.
    await page.getByRole('button', { name: 'Sign out' }).click();
    // (A path under /portal is the portal too: Hosting rewrites /portal/** to portal.html.)
    await page.goto('/portal/licenses?product=app_doesnotexist000');
    await page.getByText(/No portal is open for the product this link names/).waitFor();
    await page.getByLabel('Email', { exact: true }).waitFor();
    await expectAccessible(page, 'portal with an unknown product');
    expect(errors).toEqual([]);
  }, 120_000);
});
