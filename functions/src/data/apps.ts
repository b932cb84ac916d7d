import { z } from 'zod';
import { collections, limits, portal } from '../config/constants.js';
import { countingWrites, schemaConverter, WriteCounter } from './converter.js';
import { db } from './firestore.js';
import { timestamp, variablesSchema } from './shared.js';
import { storedCatalogue } from './entitlements.js';

export const signingKeyDocument = z.object({
  keyId: z.string(),
  /** Raw Ed25519 public key, base64url (JWK x). */
  publicKey: z.string(),
  /** The raw private key (JWK d), sealed with the KEK by crypto/signing.ts; never in clear. */
  privateKey: z.string(),
  createdAt: timestamp,
  retiredAt: timestamp.nullable(),
});
export type SigningKeyDocument = z.infer<typeof signingKeyDocument>;

/** Size limits are enforced where entries are added (limits.maxSecurityListEntries), not on read. */
export const securityLists = z.object({
  hwidBlacklist: z.array(z.string()),
  ipBlacklist: z.array(z.string()),
  hwidWhitelist: z.array(z.string()),
  ipWhitelist: z.array(z.string()),
});
export type SecurityLists = z.infer<typeof securityLists>;

export const appSettings = z.object({
  validatesPerLicensePerMinute: z.number().int().min(1).max(100_000),
  validatesPerIpPerMinute: z.number().int().min(1).max(1_000_000),
  /** Capped (limits.maxIpsPerDay) because the day's IPs are kept on the license document; larger stored values read as the cap. */
  maxIpsPerDay: z.number().int().min(1).transform((value) => Math.min(value, limits.maxIpsPerDay)).nullable(),
});
export type AppSettings = z.infer<typeof appSettings>;

/**
 * Client bans confirmed by the vendor (a client report, SDK selfban, confirmed with v1 POST
 * /apps/:appId/client-bans), kept apart from the vendor's lists: at most limits.maxClientBans
 * each. The client doors refuse them like blacklist entries; the vendor removes them as
 * blacklist entries. A license's own reported bans are on the license (licenses.clientBans).
 */
export const clientBans = z.object({ hwids: z.array(z.string()), ips: z.array(z.string()) });
export type ClientBans = z.infer<typeof clientBans>;

/**
 * A client report awaiting the vendor (SDK selfban with blacklistHwid or blacklistIp): it bans
 * nothing app-wide until confirmed. At most limits.maxPendingClientBans per app, oldest dropped.
 */
export const pendingClientBan = z.object({
  type: z.enum(['hwid', 'ip']),
  value: z.string(),
  /** The license whose client reported it (and on which it is banned already). */
  licenseKey: z.string(),
  reportedAt: timestamp,
});
export type PendingClientBan = z.infer<typeof pendingClientBan>;

/** How buyers sign in to the customer portal for this product; `off` hides it. */
export const portalSignIns = ['email', 'licenseKey', 'off'] as const;
export type PortalSignIn = (typeof portalSignIns)[number];

/** A link the portal shows (support page, logo): https only, so no script or data URL reaches a page. */
export const portalLink = z
  .url({ protocol: /^https$/ })
  .max(limits.maxWebhookUrlLength)
  .refine((value) => !/[\s"'<>]/.test(value), 'no spaces, quotes or angle brackets');

/** The customer portal's settings for one product (services/portal). */
export const portalSettings = z.object({
  signIn: z.enum(portalSignIns).default('email'),
  supportUrl: portalLink.nullable().default(null),
  logoUrl: portalLink.nullable().default(null),
  /** Buyers may download offline license files for their bound devices. */
  offlineFiles: z.boolean().default(false),
  selfServiceReleases: z
    .object({
      /** Device releases per license in any 30 days; 0: buyers cannot release devices. */
      perLicensePer30Days: z.number().int().min(0).max(portal.maxReleasesPerWindow).default(portal.defaultReleasesPerWindow),
      /** Hours between two releases of one license. */
      cooldownHours: z.number().int().min(0).max(portal.maxCooldownHours).default(0),
    })
    .default({ perLicensePer30Days: portal.defaultReleasesPerWindow, cooldownHours: 0 }),
});
export type PortalSettings = z.infer<typeof portalSettings>;
export const defaultPortalSettings: PortalSettings = portalSettings.parse({});

/** apps/{appId}: seed 004's product. Everything validate needs is in this one document. */
export const appDocument = z.object({
  accountId: z.string(),
  name: z.string(),
  slug: z.string(),
  description: z.string().nullable(),
  disabled: z.boolean(),
  appSecretHash: z.string(),
  /** HMAC key for session tokens (32 bytes, base64url), sealed with the KEK. */
  sessionSecret: z.string(),
  /** The session secret before the last rotation, still accepted until `validUntil` (a short overlap). */
  previousSessionSecret: z.object({ secret: z.string(), validUntil: timestamp }).nullable().default(null),
  /** SHA-256 of the app's payment webhook secret (paymentWebhook's x-webhook-secret); null until one is issued. */
  paymentSecretHash: z.string().nullable().default(null),
  signingKeys: z.array(signingKeyDocument).min(1),
  activeSigningKeyId: z.string(),
  /** Copied from the account (grantCredits keeps it in step) so validate needs no account read. */
  creditsUnlimited: z.boolean(),
  variables: variablesSchema,
  settings: appSettings,
  security: securityLists,
  clientBans: clientBans.default({ hwids: [], ips: [] }),
  pendingClientBans: z.array(pendingClientBan).max(limits.maxPendingClientBans).default([]),
  /** Written before the portal existed: read as its defaults. */
  portal: portalSettings.default(defaultPortalSettings),
  /** The product's entitlement codes (data/entitlements.ts), at most 200: what variants and licenses may grant. */
  entitlements: storedCatalogue,
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type AppDocument = z.infer<typeof appDocument>;

/** Writes of app (and webhook) documents made by this instance: the client app cache drops its copies when it moves. */
export const appWrites = new WriteCounter();

export const appsCollection = () => db().collection(collections.apps).withConverter(countingWrites(schemaConverter(appDocument), appWrites));

export const productSlugDocument = z.object({ appId: z.string(), accountId: z.string() });
export const productSlugsCollection = () =>
  db().collection(collections.productSlugs).withConverter(schemaConverter(productSlugDocument));
export const productSlugId = (accountId: string, slug: string) => `${accountId}~${slug}`;
