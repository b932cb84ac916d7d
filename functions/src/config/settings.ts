/**
 * Every setting Keywarden reads from its environment, in one place; nothing else in
 * `functions/src` reads `process.env`. Three kinds:
 *
 * - deploy-time params (firebase-functions/params): values in `functions/.env` (committed
 *   defaults, so a non-interactive deploy never stops to ask) and `functions/.env.<project-id>`
 *   (a vendor's own); firebase-tools sets them in the deployed functions' environment. Read at
 *   request time through the functions below (a param's value is bound when an instance runs,
 *   not when the code is loaded for deployment). Region and warm instances, which the function
 *   options need, are params too: config/deployment.ts.
 * - switches read once when the code loads, because they decide what the module exports (the
 *   optional features) or what project it runs for.
 * - the local stack's switches, set only by `npm start`, the test harness and the benchmark;
 *   they are not params, so a deploy never lists or asks for them.
 */
import { defineInt, defineString } from 'firebase-functions/params';
import { limits } from './constants.js';

/* ---------- deploy-time params ---------- */

/**
 * Proxies in front of the functions that append to X-Forwarded-For: the client's address is the
 * entry this many places from the right. 1 (Google's front end) unless a load balancer or CDN
 * also appends.
 */
const trustedProxyHopsParam = defineInt('KEYWARDEN_TRUSTED_PROXY_HOPS', {
  default: 1,
  description: 'Proxies that append to X-Forwarded-For in front of the functions (1: Google front end only)',
});

/** Webhooks per app (AuthForge's limit is 5). */
const maxWebhooksPerAppParam = defineInt('KEYWARDEN_MAX_WEBHOOKS_PER_APP', {
  default: limits.maxWebhooksPerApp,
  description: 'Outbound webhook endpoints per app',
});

/**
 * Credentials accepted as query parameters (seed 004 allows `apiKey` and `adminSecret` there).
 * URLs are written to Cloud Run's request logs, so the admin secret is never accepted there
 * unless listed: apiKey (default), none, or apiKey,adminSecret.
 */
const queryCredentialsParam = defineString('KEYWARDEN_QUERY_CREDENTIALS', {
  default: 'apiKey',
  description: 'Credentials accepted in the query string: apiKey, none, or apiKey,adminSecret',
});

/**
 * How operators sign in to the console (Firebase Authentication providers, each enabled in the
 * Firebase console too): any of emailLink, google, password. The console offers only these.
 */
const consoleSignInParam = defineString('KEYWARDEN_CONSOLE_SIGN_IN', {
  default: 'emailLink,google',
  description: 'Console sign-in methods: a list of emailLink, google, password',
});

/**
 * The collection the customer portal writes its mails to, in the shape Firebase's Trigger Email
 * extension (firestore-send-email) reads: `{to, message: {subject, text, html}}`. Point the
 * extension at the same collection.
 */
const mailCollectionParam = defineString('KEYWARDEN_MAIL_COLLECTION', {
  default: 'mail',
  description: "Collection of outgoing mail documents (the Trigger Email extension's collection)",
});

/**
 * The Hosting site's address (e.g. https://licenses.example.com), without a trailing slash. When
 * set, a refusal because every seat is taken carries `portalUrl` = `<this>/portal?product=<appId>`
 * for a product whose portal is on; when empty, no portalUrl is sent.
 */
const portalUrlParam = defineString('KEYWARDEN_PORTAL_URL', {
  default: '',
  description: "The Hosting site's public URL, for portal links in seat refusals (empty: none)",
});

export const consoleSignInProviders = ['emailLink', 'google', 'password'] as const;
export type ConsoleSignInProvider = (typeof consoleSignInProviders)[number];

/** The configured console sign-in methods; unknown names are ignored (an empty list offers none). */
export function consoleSignIn(): ConsoleSignInProvider[] {
  const names = (consoleSignInParam.value() || 'emailLink,google').split(',').map((name) => name.trim());
  return consoleSignInProviders.filter((provider) => names.includes(provider));
}

/** A positive integer param; 0 (firebase-functions' value for an unset int) means the default. */
const positive = (value: number, fallback: number) => (Number.isInteger(value) && value > 0 ? value : fallback);

export const trustedProxyHops = (): number => positive(trustedProxyHopsParam.value(), 1);

/** A collection id: no `/`, not `.`/`..`, not `__x__`; anything else falls back to `mail`. */
export function mailCollection(): string {
  const name = (mailCollectionParam.value() || 'mail').trim();
  return /^[A-Za-z0-9_-]{1,100}$/.test(name) && !/^__.*__$/.test(name) ? name : 'mail';
}

/** The portal's base URL without a trailing slash, or '' (no portalUrl in refusals). */
export function portalBaseUrl(): string {
  const raw = (portalUrlParam.value() || '').trim().replace(/\/+$/, '');
  return /^https?:\/\/[^\s/]+/.test(raw) ? raw : '';
}

export const maxWebhooksPerApp = (): number => positive(maxWebhooksPerAppParam.value(), limits.maxWebhooksPerApp);

export function queryCredentials(): ReadonlyArray<'apiKey' | 'adminSecret'> {
  const raw = (queryCredentialsParam.value() || 'apiKey').trim();
  if (raw === '' || raw === 'none') return [];
  const names = raw.split(',').map((name) => name.trim());
  const known = names.filter((name): name is 'apiKey' | 'adminSecret' => name === 'apiKey' || name === 'adminSecret');
  if (known.length !== names.length) {
    throw new Error(`KEYWARDEN_QUERY_CREDENTIALS must be "none" or a list of apiKey, adminSecret; not "${raw}"`);
  }
  return known;
}

/* ---------- read once, when the code loads ---------- */

function projectId(): string | undefined {
  const named = process.env.GCLOUD_PROJECT || process.env.GOOGLE_CLOUD_PROJECT;
  if (named) return named;
  try {
    const config = JSON.parse(process.env.FIREBASE_CONFIG ?? '') as { projectId?: unknown };
    return typeof config.projectId === 'string' && config.projectId ? config.projectId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when the code runs for no real Firebase project: a plain load (tests, tools) or an
 * emulator's `demo-` project. firebase-tools names the real project when it discovers the
 * functions at deploy time, and Cloud Run runs them with the same name.
 */
export const isLocalProject = ((id) => !id || id.startsWith('demo-'))(projectId());

function onOff(name: string): boolean {
  const raw = process.env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return isLocalProject;
  if (['on', 'true', '1', 'yes'].includes(raw)) return true;
  if (['off', 'false', '0', 'no'].includes(raw)) return false;
  throw new Error(`${name} must be "on" or "off", not "${raw}" (functions/.env or functions/.env.<project-id>)`);
}

/**
 * Optional features. Each binds a secret that must exist in Secret Manager before a deploy
 * that includes it, so in a real project each is off unless the vendor turns it on in
 * `functions/.env.<project-id>`; locally (emulators, tests) each is on unless turned off.
 * Not params: a declared param would make every deploy ask for it, and these must be known
 * when the module loads (they decide its exports).
 */
export const optionalFeatures = {
  /** `stripeWebhook`, bound to STRIPE_WEBHOOK_SECRET. */
  stripe: onOff('KEYWARDEN_STRIPE'),
  /** `paymentWebhook` (seed 004's generic payment webhook), bound to PAYMENT_WEBHOOK_SECRET. */
  paymentWebhook: onOff('KEYWARDEN_PAYMENT_WEBHOOK'),
} as const;

/**
 * The value of a secret bound to the running function by name (config/secrets.ts, optional
 * features), or '' where the function runs without it.
 */
export const boundSecretValue = (name: string): string => process.env[name] ?? '';

/* ---------- the local stack's switches ---------- */

/**
 * Private webhook targets and plain http, allowed only where the functions run beside the
 * receiver: the Functions emulator (FUNCTIONS_EMULATOR), the local stack and tests
 * (KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS=1). Read on each call: tests switch it.
 */
export const privateWebhookTargetsAllowed = (): boolean =>
  process.env.FUNCTIONS_EMULATOR === 'true' || process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS === '1';

/** The benchmark's floor answers only where `npm run bench` set KEYWARDEN_BENCH_FLOOR=1. */
export const benchFloorEnabled = (): boolean => process.env.KEYWARDEN_BENCH_FLOOR === '1';

/**
 * The client doors' per-product bucket as `<burst>,<perSecond>` (KEYWARDEN_LOCAL_APP_BUCKET),
 * set only by tests that start a host of their own to watch that bucket empty without thousands
 * of calls; otherwise undefined (config/constants.ts clientDoorLimits).
 */
export function localAppBucket(): { burst: number; perSecond: number } | undefined {
  const [burst, perSecond] = (process.env.KEYWARDEN_LOCAL_APP_BUCKET ?? '').split(',').map(Number);
  return burst && perSecond && burst > 0 && perSecond > 0 ? { burst, perSecond } : undefined;
}
