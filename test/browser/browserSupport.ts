/**
 * Browser tests: Playwright drives Debian's Chromium (`apt-get install chromium`; Playwright's
 * own browser download cannot be reached here) against the console that Hosting serves in the
 * test stack. Every page is checked with axe-core; main pages are saved as screenshots.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { repoRoot } from '../../scripts/lib/localStack.js';
import { signUpUser } from '../support/auth.js';
import { adminSecret, call, type JsonResponse } from '../support/http.js';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const screenshotDir = join(repoRoot, 'docs', 'screenshots');

/** Actions and assertions wait at most this long: a stuck page fails its test instead of hanging. */
const actionTimeoutMs = 15_000;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage'], timeout: 60_000 });
}

/** A signed-out browser context on the test stack's Hosting site; page errors fail the test. */
export async function freshPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL: inject('hostingUrl'), viewport: { width: 1280, height: 860 } });
  context.setDefaultTimeout(actionTimeoutMs);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

/** axe-core on the page as it is now: no serious or critical violation. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(
    bad.map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 3).join(', ')}`),
    `axe on ${where}`,
  ).toEqual([]);
}

/** Saves docs/screenshots/<name>.png (the README shows them). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  // No focus ring from the heading the console focuses after a navigation.
  await page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: false });
}

// ---------------------------------------------------------------- console users and their accounts

export interface ConsoleUser {
  email: string;
  password: string;
  uid: string;
  idToken: string;
}

/** A verified email/password user of the test stack's Auth emulator (not yet a member of anything). */
export async function consoleUser(who: string): Promise<ConsoleUser> {
  const email = `${who}-${randomUUID().slice(0, 8)}@example.com`;
  const password = `pw-${randomUUID()}`;
  const { uid, idToken } = await signUpUser(email, password, { emailVerified: true });
  return { email, password, uid, idToken };
}

/** A v1 call with a console user's ID token, acting in `accountId` (no account header when undefined). */
export function asUser(user: ConsoleUser, accountId: string | undefined, method: string, path: string, body?: unknown): Promise<JsonResponse> {
  const headers: Record<string, string> = { Authorization: `Bearer ${user.idToken}` };
  if (accountId !== undefined) headers['X-Keywarden-Account'] = accountId;
  return call('v1', { method, path, headers, ...(body === undefined ? {} : { body }) });
}

/** The operator (X-Admin-Secret) makes an account and invites its first owner by email (not accepted). */
export async function operatorInvitesOwner(ownerEmail: string): Promise<{ accountId: string; accountName: string; invitationId: string }> {
  const accountName = `Browser ${randomUUID().slice(0, 6)}`;
  const created = await call('v1', { method: 'POST', path: '/accounts', headers: { 'X-Admin-Secret': adminSecret() }, body: { name: accountName, ownerEmail } });
  expect(created.status, created.text).toBe(201);
  return {
    accountId: String((created.body.account as { accountId: string }).accountId),
    accountName,
    invitationId: String((created.body.invitation as { invitationId: string }).invitationId),
  };
}

/** An account owned by `owner` (invitation accepted over the API), for journeys that do not test the acceptance. */
export async function ownedAccount(owner: ConsoleUser): Promise<string> {
  const { accountId, invitationId } = await operatorInvitesOwner(owner.email);
  const accepted = await asUser(owner, undefined, 'POST', `/me/invitations/${invitationId}/accept`);
  expect(accepted.status, accepted.text).toBe(200);
  return accountId;
}

/** `owner` invites a new user with `role` (the invitation is left for the user to accept in the console). */
export async function invitedTeammate(owner: ConsoleUser, accountId: string, role: 'admin' | 'support' | 'viewer'): Promise<ConsoleUser> {
  const user = await consoleUser(role);
  const invited = await asUser(owner, accountId, 'POST', `/accounts/${accountId}/invitations`, { email: user.email, role });
  expect(invited.status, invited.text).toBe(201);
  return user;
}

/** A product of the account made over v1 with the owner's token; its app secret as the API showed it once. */
export async function productOf(owner: ConsoleUser, accountId: string, name = `Product ${randomUUID().slice(0, 6)}`): Promise<{ appId: string; appSecret: string; name: string }> {
  const created = await asUser(owner, accountId, 'POST', '/apps', { name, accountId });
  expect(created.status, created.text).toBe(201);
  return { appId: String((created.body.app as { appId: string }).appId), appSecret: String(created.body.appSecret), name };
}

/** Licenses of a product made over v1 with the owner's token; returns their keys. */
export async function licensesOf(owner: ConsoleUser, accountId: string, appId: string, fields: Record<string, unknown> = {}): Promise<string[]> {
  const created = await asUser(owner, accountId, 'POST', '/licenses', { appId, quantity: 1, ...fields });
  expect(created.status, created.text).toBe(201);
  return (created.body.licenses as Array<{ licenseKey: string }>).map((license) => license.licenseKey);
}

/**
 * Signs in through the console's own sign-in page as a user would: opens `path` signed out,
 * lands on /signin, types the email and password, accepts the pending invitation when one is
 * shown, and continues to `path`.
 */
export async function signInThroughConsole(page: Page, user: ConsoleUser, options: { path?: string; acceptInvitationTo?: string } = {}): Promise<void> {
  const path = options.path ?? '/';
  await page.goto(path);
  await page.waitForURL((url) => url.pathname === '/signin');
  await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Sign in to Keywarden' }).isVisible()).toBe(true);
  await page.getByLabel('Email', { exact: true }).fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  if (options.acceptInvitationTo) {
    await page.getByRole('button', { name: `Accept invitation to ${options.acceptInvitationTo}` }).click();
  }
  await page.getByRole('link', { name: 'Continue to the console' }).click();
  await page.waitForURL((url) => url.pathname === path.split('?')[0]);
  await page.locator('#page-title').waitFor({ timeout: 20_000 });
}

/** Every dialog (alert, confirm, prompt) the page opens, dismissed; the XSS test expects none. */
export function recordDialogs(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return dialogs;
}

/** Accepts every confirm() the page opens (release all, rotate, delete). */
export function acceptConfirms(page: Page): void {
  page.on('dialog', (dialog) => void dialog.accept());
}

/** The page's h1 (every console page has exactly one, focused after navigation). */
export function pageTitle(page: Page) {
  return page.locator('#page-title');
}

/** The console's Firebase ID token as the browser holds it (session storage), for calling the API directly. */
export async function browserIdToken(page: Page): Promise<string> {
  const token = await page.evaluate(() => {
    for (let i = 0; i < sessionStorage.length; i++) {
      const key = sessionStorage.key(i) ?? '';
      if (!key.startsWith('firebase:authUser:')) continue;
      const stored = JSON.parse(sessionStorage.getItem(key) ?? '{}') as { stsTokenManager?: { accessToken?: string } };
      return stored.stsTokenManager?.accessToken ?? null;
    }
    return null;
  });
  if (!token) throw new Error('no Firebase ID token in the console session');
  return token;
}

/** Closes a context's pages and the context (afterEach / the end of a journey). */
export async function closeContext(context: BrowserContext | undefined): Promise<void> {
  await context?.close().catch(() => undefined);
}

/** Waits until the page's h1 reads `title`; on failure says where the page is and what it shows. */
export async function expectTitle(page: Page, title: string, timeoutMs = 20_000): Promise<void> {
  try {
    await page.locator('#page-title', { hasText: title }).filter({ hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).waitFor({ timeout: timeoutMs });
  } catch (error) {
    const shown = await page.locator('body').innerText({ timeout: 2_000 }).catch(() => '(no body)');
    throw new Error(`page title never read "${title}" at ${page.url()}; the page shows:\n${shown.slice(0, 1500)}`, { cause: error });
  }
}

/** expect.poll with a bound fit for a loaded 2-core machine (vitest's default is 1 s). */
export function poll<T>(read: () => T | Promise<T>, options: { timeout?: number } = {}) {
  return expect.poll(read, { timeout: options.timeout ?? 20_000, interval: 100 });
}
