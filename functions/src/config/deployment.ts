import { defineInt, defineString } from 'firebase-functions/params';

/**
 * Where and how Keywarden deploys. The values of these params come from `functions/.env`
 * (committed defaults) and `functions/.env.<project-id>` (a vendor's own), which
 * firebase-tools reads at deploy time and the emulator reads locally. See README,
 * "Deploy to production".
 */

/**
 * Region of every function. Keep it next to the Firestore database (firebase.json
 * `firestore.location`): nam5 pairs with us-central1, eur3 with europe-west1. The local
 * stack serves `/demo-keywarden/us-central1/<function>`, the default.
 */
export const functionsRegion = defineString('LOCATION', {
  default: 'us-central1',
  description: 'Cloud Functions region (keep it in the same continent as the Firestore location in firebase.json)',
});

/**
 * Warm instances kept for each SDK and client function (the shipped apps' path). 0 by
 * default: an idle deployment costs nothing, and the first request after idle pays a cold
 * start that the SDKs retry as a transient error. `npm run deploy:check` prints what a
 * value costs per month.
 */
export const clientMinInstances = defineInt('CLIENT_MIN_INSTANCES', {
  default: 0,
  description: 'Warm instances per SDK/client function (each is billed while idle)',
});

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
 */
export const optionalFeatures = {
  /** `stripeWebhook`, bound to STRIPE_WEBHOOK_SECRET. */
  stripe: onOff('KEYWARDEN_STRIPE'),
  /** `paymentWebhook` (seed 004's generic payment webhook), bound to PAYMENT_WEBHOOK_SECRET. */
  paymentWebhook: onOff('KEYWARDEN_PAYMENT_WEBHOOK'),
} as const;

/**
 * Credentials accepted as query parameters (seed 004 allows `apiKey` and `adminSecret` there).
 * URLs are written to Cloud Run's request logs, so the admin secret is never accepted there
 * unless listed: KEYWARDEN_QUERY_CREDENTIALS=apiKey (default), none, or apiKey,adminSecret.
 */
export function queryCredentials(): ReadonlyArray<'apiKey' | 'adminSecret'> {
  const raw = (process.env.KEYWARDEN_QUERY_CREDENTIALS ?? 'apiKey').trim();
  if (raw === '' || raw === 'none') return [];
  const names = raw.split(',').map((name) => name.trim());
  const known = names.filter((name): name is 'apiKey' | 'adminSecret' => name === 'apiKey' || name === 'adminSecret');
  if (known.length !== names.length) {
    throw new Error(`KEYWARDEN_QUERY_CREDENTIALS must be "none" or a list of apiKey, adminSecret; not "${raw}"`);
  }
  return known;
}
