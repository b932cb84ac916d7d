/**
 * v1 routes for what the operator console manages beyond licenses (apps, variants, API keys,
 * credits, discount and trial codes, client bans, device release, simulate, overview): request
 * and response shapes. As in schemas/v1.ts, the same schemas validate requests and generate the
 * OpenAPI document, and each view is typed by its response schema.
 */
import { z } from 'zod';
import { variablesSchema } from '../data/shared.js';
import { apiKeyView } from './apiKeys.js';
import { createApiKeyInput } from './apiKeys.js';
import { discountCode, updateDiscountCodeInput } from './commerce.js';
import { pageCursor, resourceId } from './common.js';
import { createProductInput, createVariantInput, updateProductInput, updateVariantInput } from './products.js';
import { hwid } from './licenses.js';
import { portalSettingsResponse } from './portal.js';
import { publishedKeyResponse } from './signingKeys.js';
import { expirationBasis, expirationStrategy, renewalBasis } from '../data/policies.js';

/* ---------- requests ---------- */

export const v1PageOnlyQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Results per page (1–200, default 50)'),
  cursor: pageCursor.describe('Pagination cursor from a previous response'),
});

export const v1ListAppsQuery = v1PageOnlyQuery.extend({
  accountId: resourceId.optional().describe("The account whose apps to list (an API key's own by default; required for the operator)"),
});

/** seed 004 createProduct's fields. */
export const v1CreateAppBody = createProductInput;

/** seed 004 updateProduct's fields, without the secret rotations (each has its own route). */
export const v1UpdateAppBody = updateProductInput.omit({
  productId: true,
  rotateSigningKey: true,
  rotateAppSecret: true,
  rotateSessionSecret: true,
  rotatePaymentSecret: true,
});

export const v1CreateVariantBody = createVariantInput.omit({ productId: true });
export const v1UpdateVariantBody = updateVariantInput.omit({ variantId: true });

export const v1CreateApiKeyBody = z.strictObject({ name: createApiKeyInput.shape.name, role: createApiKeyInput.shape.role });

export const v1DiscountCodesQuery = z.strictObject({ appId: resourceId.optional().describe("Only this app's codes") });
export const v1UpdateDiscountCodeBody = updateDiscountCodeInput.omit({ accountId: true, code: true });
export const discountCodeParam = discountCode;

export const v1ClientBanBody = z.strictObject({
  type: z.enum(['hwid', 'ip']).describe('hwid, or ip'),
  value: z.string().trim().min(1).max(256),
});

export const v1SimulateBody = z.strictObject({
  hwid: hwid.describe('The machine to simulate the check for'),
  ip: z.union([z.ipv4(), z.ipv6()]).optional().describe('The caller IP; without it the IP lists and client IP bans are not evaluated'),
  door: z
    .enum(['sdk', 'activate', 'validate'])
    .default('sdk')
    .describe('sdk: SDK /auth/validate; activate: seed 004 activate; validate: seed 004 validate of a session on this machine'),
});

/* ---------- responses ---------- */

export const appResponse = z.object({
  productId: z.string(),
  appId: z.string(),
  accountId: z.string(),
  name: z.string(),
  slug: z.string(),
  description: z.string().nullable(),
  status: z.enum(['active', 'disabled']),
  variables: variablesSchema,
  settings: z.object({
    validatesPerLicensePerMinute: z.number().int(),
    validatesPerIpPerMinute: z.number().int(),
    maxIpsPerDay: z.number().int().nullable(),
  }),
  /** The customer portal's settings (README, Customer portal). */
  portal: portalSettingsResponse,
  activeSigningKeyId: z.string(),
  publicKeys: z.array(publishedKeyResponse),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

export const variantResponse = z.object({
  variantId: z.string(),
  productId: z.string(),
  name: z.string(),
  maxHwidSlots: z.number().int(),
  unlimitedHwidSlots: z.boolean(),
  durationDays: z.number().int().nullable(),
  floating: z.boolean(),
  heartbeatTimeoutSeconds: z.number().int(),
  variables: variablesSchema,
  /** The policy its licenses start with (README, Policies). */
  expirationStrategy,
  gracePeriodDays: z.number().int(),
  expirationBasis,
  renewalBasis,
  /** Entitlement codes its licenses are granted (README, Entitlements). */
  entitlements: z.array(z.string()),
  /** Usage meters its licenses declare (README, Usage meters). */
  meters: z.record(z.string(), z.object({ limit: z.number().int(), period: z.enum(['none', 'month']) })),
  status: z.enum(['active', 'disabled']),
  createdAt: z.string().nullable(),
});

export const apiKeyResponse = apiKeyView;
export const createdApiKeyResponse = apiKeyView.extend({ apiKey: z.string().describe('The key itself: shown once, stored only as its hash') });

export const creditsResponse = z.object({ accountId: z.string(), unlimited: z.boolean(), balance: z.number().int() });

export const discountCodeResponse = z.object({
  code: z.string(),
  productId: z.string(),
  kind: z.enum(['discount', 'trial']),
  percentOff: z.number().nullable(),
  amountOff: z.number().nullable(),
  currency: z.string().nullable(),
  trialDays: z.number().int().nullable(),
  variantId: z.string().nullable(),
  maxHwidSlots: z.number().int(),
  maxRedemptions: z.number().int().nullable(),
  redemptions: z.number().int(),
  expiresAt: z.string().nullable(),
  active: z.boolean(),
  createdAt: z.string().nullable(),
});

export const clientBansResponse = z.object({
  appId: z.string(),
  /** Bans reported by the app's clients (SDK selfban); the vendor's own lists are at /apps/:appId/security. */
  clientBans: z.object({ hwids: z.array(z.string()), ips: z.array(z.string()) }),
  /** Client reports awaiting the vendor (banned on their license only until confirmed with POST), oldest first; at most 500, oldest dropped. */
  pending: z.array(z.object({ type: z.enum(['hwid', 'ip']), value: z.string(), licenseKey: z.string(), reportedAt: z.string() })),
});

export const simulateResponse = z.object({
  licenseKey: z.string(),
  door: z.enum(['sdk', 'activate', 'validate']),
  /** What the client would be told now. */
  status: z.enum(['ok', 'failed']),
  httpStatus: z.number().int(),
  error: z.string().nullable().describe("The error code as that door names it; null when admitted"),
  message: z.string(),
  /** Which rule decided: admitted, app_disabled, blacklist, whitelist, client_ban, license_revoked, license_expired, seat_limit, activation_limit, device_not_activated, no_credits, … */
  rule: z.string(),
  /** Admitted and the machine would take a new seat. */
  wouldBindDevice: z.boolean(),
  /** False when no IP was given: IP lists and client IP bans were not evaluated. */
  ipChecked: z.boolean(),
  /** What a real call also checks that a simulation cannot: the app secret or session token, the nonce, the rate limits. */
  notSimulated: z.array(z.string()),
});

export const appOverviewResponse = z.object({
  appId: z.string(),
  generatedAt: z.string(),
  licenses: z.object({
    active: z.number().int(),
    expired: z.number().int(),
    revoked: z.number().int(),
    expiringNext30Days: z.number().int().describe('Active licenses whose expiry falls within the next 30 days'),
  }),
  validationsPerDay: z
    .array(z.object({ date: z.string().describe('UTC day, YYYY-MM-DD'), count: z.number().int() }))
    .describe('Successful license checks (SDK validate, seed 004 verify, activate and validate) per UTC day, the last 30 days, oldest first'),
  failedChecksByCode: z.array(z.object({ code: z.string(), count: z.number().int() })).describe('Refused client calls in the last 30 days, by error code'),
  credits: creditsResponse,
});
