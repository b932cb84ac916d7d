/**
 * Developer REST API (`v1`, seeds 001–003) request and response shapes. These schemas validate
 * requests and generate the OpenAPI document, so the two cannot drift.
 */
import { z } from 'zod';
import { limits } from '../config/constants.js';
import { eventType } from '../data/events.js';
import { durationDays, expirationBasis, expirationStrategy, policyInputFields, renewalBasis } from '../data/policies.js';
import { variablesSchema } from '../data/shared.js';
import { meterDeclarations } from '../data/meters.js';
import { refusedWebhookHost } from '../services/webhooks/webhookTargets.js';
import { pageCursor, resourceId } from './common.js';
import { isoDateTime, licenseGrantsInput, licenseStatusFilter } from './licenses.js';

export const v1CreateLicensesBody = z.strictObject({
  appId: resourceId.describe('The application to issue licenses for'),
  quantity: z.number().int().min(1).max(limits.maxLicensesPerCreate).default(1).describe('Number of licenses to create (1–100, default 1)'),
  expiresAt: isoDateTime.nullable().optional().describe('ISO 8601 expiration date, or null for lifetime'),
  maxHwidSlots: z.number().int().min(limits.minHwidSlots).max(limits.maxHwidSlots).default(1).describe('Max devices per license (1–16, default 1)'),
  unlimitedHwidSlots: z.boolean().default(false).describe('Shared unlimited-seat keys: no seat enforcement, never hwid_mismatch'),
  label: z.string().max(limits.maxLabelLength).optional().describe('Optional label for your records (max 128 chars)'),
  email: z.email().max(320).optional(),
  variantId: resourceId.optional(),
  variables: variablesSchema.optional(),
  ...policyInputFields,
  durationDays: durationDays.optional().describe('Days the license runs from its expirationBasis, when expiresAt is not given (default: the variant\'s)'),
  entitlements: licenseGrantsInput.optional(),
  meters: meterDeclarations.optional().describe("Usage meters by name ({limit, period: none|month}), added to (and by name replacing) the variant's"),
});

export const v1ListLicensesQuery = z.strictObject({
  appId: resourceId.describe('The application to list licenses for'),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Results per page (1–200, default 50)'),
  cursor: pageCursor.describe('Pagination cursor from a previous response'),
  status: licenseStatusFilter.optional().describe('active, expired or revoked'),
  variantId: resourceId.optional().describe('Only licenses made from this variant'),
  expiresBefore: isoDateTime.optional().describe('Only licenses whose expiry is before this instant (lifetime licenses never match); sorted by expiry'),
  q: z
    .string()
    .trim()
    .min(1)
    .max(limits.maxHwidLength)
    .optional()
    .describe('Search: a license key prefix, an exact email, a bound HWID, a label or an order id (exact); not combined with the other filters'),
});

export const v1PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: pageCursor,
});

export const v1UpdateLicenseBody = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('revoke'), reason: z.string().max(500).optional() }),
  z.strictObject({ action: z.literal('activate') }),
  z
    .strictObject({
      action: z.literal('extend'),
      expiresAt: isoDateTime.optional().describe('New ISO 8601 expiration date'),
      durationDays: durationDays.optional().describe("Extend by this many days, from where the license's renewalBasis says (1–36500)"),
    })
    .refine((body) => (body.expiresAt === undefined) !== (body.durationDays === undefined), { message: 'give exactly one of expiresAt or durationDays' }),
  z.strictObject({ action: z.literal('reset-hwid') }),
]);

export const v1VariablesBody = z.strictObject({ variables: variablesSchema });

export const webhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(limits.maxWebhookUrlLength)
  .refine((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      // Not a URL at all: z.url() has already reported it (zod runs refinements after failed checks).
      return true;
    }
    // The same rule the delivery applies to the addresses the host resolves to (webhookTargets.ts).
    return !url.username && !url.password && refusedWebhookHost(url.hostname) === undefined;
  }, 'webhook URLs may not carry credentials or target link-local metadata or (outside the local stack) private addresses');

export const v1CreateWebhookBody = z.strictObject({
  url: webhookUrl,
  events: z.array(eventType).max(20).default([]).describe('Event types to deliver; empty for all'),
  description: z.string().max(500).optional(),
  active: z.boolean().default(true),
});

export const v1UpdateWebhookBody = z.strictObject({
  url: webhookUrl.optional(),
  events: z.array(eventType).max(20).optional(),
  description: z.string().max(500).nullable().optional(),
  active: z.boolean().optional(),
  rotateSecret: z.boolean().optional(),
});

export const v1SecuritySettingsBody = z.strictObject({
  validatesPerLicensePerMinute: z.number().int().min(1).max(100_000).optional(),
  validatesPerIpPerMinute: z.number().int().min(1).max(1_000_000).optional(),
  maxIpsPerDay: z.number().int().min(1).max(limits.maxIpsPerDay).nullable().optional(),
});

export const securityListEntryBody = z
  .strictObject({
    type: z.enum(['hwid', 'ip']).describe('hwid, or ip (an address or a CIDR range)'),
    value: z.string().trim().min(1).max(limits.maxHwidLength),
  });

/* ---------- responses ---------- */

export const entitlementGrantResponse = z.object({ code: z.string(), expiresAt: z.string().nullable() });

export const licenseResponse = z.object({
  licenseKey: z.string(),
  appId: z.string(),
  productId: z.string(),
  variantId: z.string().nullable(),
  status: z.enum(['active', 'revoked', 'expired']),
  label: z.string().nullable(),
  email: z.string().nullable(),
  expiresAt: z.string().nullable(),
  maxHwidSlots: z.number().int(),
  unlimitedHwidSlots: z.boolean(),
  floating: z.boolean(),
  hwidList: z.array(z.string()),
  /** The devices holding a seat; machine name and OS as the app said them when it activated (seed 004 activate), else null. */
  devices: z.array(
    z.object({
      hwid: z.string(),
      boundAt: z.string().nullable(),
      lastSeenAt: z.string().nullable(),
      ip: z.string().nullable(),
      machineName: z.string().nullable(),
      os: z.string().nullable(),
    }),
  ),
  hwidCount: z.number().int(),
  /** Where the license came from: the Stripe ids of its purchase (stripeCustomerId, stripeSubscriptionId, …) or the payment order; null when made by hand. */
  source: z.record(z.string(), z.string()).nullable(),
  flagged: z.boolean(),
  variables: variablesSchema,
  licenseState: z.enum(['active', 'grace', 'expired']).describe('What a client is told now: active; grace (past expiresAt, within the grace period); expired (only for maintain and allow, which still answer ok)'),
  graceEndsAt: z.string().nullable().describe('expiresAt + gracePeriodDays for a restrict or revoke license with a grace period; else null'),
  expirationStrategy,
  gracePeriodDays: z.number().int(),
  expirationBasis,
  durationDays: z.number().int().nullable().describe('The days a firstActivation or firstValidation clock runs (expiresAt is null until it starts); null for a license dated at creation'),
  renewalBasis,
  entitlements: z.array(z.string()).describe("The entitlement codes the license holds now: its variant's and its own, minus add-ons past their expiresAt; sorted"),
  entitlementsExpireAt: z.record(z.string(), z.string()).describe('The add-ons among entitlements: code → the ISO instant it ends'),
  variantEntitlements: z.array(z.string()).describe('The codes its variant granted (copied at creation)'),
  meters: z.record(z.string(), z.object({ limit: z.number().int(), period: z.enum(['none', 'month']) })).describe('Usage meters the license declares, by name (its counts: GET /licenses/:licenseKey/meters)'),
  entitlementGrants: z.array(entitlementGrantResponse).describe("The license's own grants; an add-on ends at its expiresAt"),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

export const errorResponse = z.object({
  error: z.string().describe('Machine-readable code: bad_request, unauthorized, no_credits, forbidden, not_found, conflict, rate_limited'),
  message: z.string(),
});

export const logEntryResponse = z.object({
  appId: z.string(),
  licenseKey: z.string().nullable(),
  hwid: z.string().nullable(),
  ip: z.string(),
  action: z.string(),
  result: z.string(),
  timestamp: z.string().nullable(),
});

export const webhookResponse = z.object({
  webhookId: z.string(),
  appId: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.string()),
  active: z.boolean(),
  disabledReason: z.string().nullable(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

/** A webhook delivery as v1 shows it (views/webhooks.ts builds it). */
export const deliveryResponse = z.object({
  deliveryId: z.string(),
  eventId: z.string(),
  webhookId: z.string(),
  event: z.string(),
  status: z.enum(['pending', 'delivering', 'delivered', 'failed', 'cancelled']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string().nullable(),
});
export const deliveryDetailResponse = z.object({
  delivery: deliveryResponse,
  body: z.string(),
  attempts: z.array(
    z.object({
      attempt: z.number().int(),
      at: z.string().nullable(),
      url: z.string(),
      statusCode: z.number().int().nullable(),
      durationMs: z.number(),
      responseSnippet: z.string().nullable(),
      error: z.string().nullable(),
    }),
  ),
});
export const securityResponse = z.object({
  appId: z.string(),
  settings: z.object({
    validatesPerLicensePerMinute: z.number().int(),
    validatesPerIpPerMinute: z.number().int(),
    maxIpsPerDay: z.number().int().nullable(),
  }),
  blacklist: z.object({ hwids: z.array(z.string()), ips: z.array(z.string()) }),
  whitelist: z.object({ hwids: z.array(z.string()), ips: z.array(z.string()) }),
  /** Bans reported by the app's clients (SDK selfban), apart from the blacklist; removed like blacklist entries. */
  clientBans: z.object({ hwids: z.array(z.string()), ips: z.array(z.string()) }),
});
