/**
 * Offline license files and activation requests: request and response shapes for the v1
 * routes and the seed 004 style admin functions (one definition each; OpenAPI is generated
 * from these).
 */
import { z } from 'zod';
import { limits } from '../config/constants.js';
import { appAlias, pageCursor, pageLimit, resolvingAppAlias } from './common.js';
import { hwid, isoDateTime, licenseKey } from './licenses.js';

/** An armored `.authforge-request` is well under 2 KB; this bounds what is read before parsing. */
export const maxActivationRequestChars = 8 * 1024;

export const activationRequestText = z
  .string()
  .min(1)
  .max(maxActivationRequestChars)
  .describe('The armored .authforge-request text, as the customer sent it (CRLF, BOM, re-wrapping and surrounding text accepted)');

const mintFields = {
  hwids: z.array(hwid).min(1).max(limits.maxHwidSlots).optional().describe('Bind the file to these HWIDs (1–16)'),
  anyHwid: z.literal(true).optional().describe('A file that works on any machine'),
  activationRequest: activationRequestText.optional(),
  expiresAt: isoDateTime
    .nullable()
    .optional()
    .describe('When the file stops working (ISO 8601). Required unless the license is lifetime; never past the license expiry; null or absent: lifetime'),
};

type MintFields = { hwids?: string[] | undefined; anyHwid?: true | undefined; activationRequest?: string | undefined };

/** Exactly one way of naming the machine(s). */
function oneBinding(input: MintFields, ctx: z.RefinementCtx): void {
  const given = [input.hwids !== undefined, input.anyHwid !== undefined, input.activationRequest !== undefined].filter(Boolean).length;
  if (given !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of hwids, anyHwid or activationRequest' });
}

export const v1MintOfflineFileBody = z.strictObject(mintFields).superRefine(oneBinding);
export type MintOfflineFileFields = z.infer<typeof v1MintOfflineFileBody>;

export const mintOfflineLicenseInput = z.strictObject({ licenseKey, ...mintFields }).superRefine(oneBinding);
export type MintOfflineLicenseInput = z.infer<typeof mintOfflineLicenseInput>;

export const listOfflineLicensesInput = z.strictObject({ licenseKey, limit: pageLimit, cursor: pageCursor });

export const v1OfflineFilesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(limits.maxPageSize).default(limits.defaultPageSize),
  cursor: pageCursor,
});

export const v1ParseActivationRequestBody = z.strictObject({ activationRequest: activationRequestText });

export const parseActivationRequestInput = z.strictObject({ ...appAlias, activationRequest: activationRequestText }).transform(resolvingAppAlias);
export type ParseActivationRequestInput = z.infer<typeof parseActivationRequestInput>;

/* ---------- responses ---------- */

export const offlineFileResponse = z.object({
  jti: z.string(),
  appId: z.string(),
  licenseKey: z.string(),
  keyId: z.string(),
  hwid: z.discriminatedUnion('mode', [z.object({ mode: z.literal('bound'), hwids: z.array(z.string()) }), z.object({ mode: z.literal('any') })]),
  issuedAt: z.string().nullable(),
  /** null: lifetime. */
  expiresAt: z.string().nullable(),
  mintedBy: z.string(),
  activationRequest: z
    .object({ hwid: z.string(), createdAt: z.string(), machineName: z.string().nullable(), os: z.string().nullable(), sdk: z.string().nullable() })
    .nullable(),
  creditCharged: z.boolean(),
});
export type OfflineFileResponse = z.infer<typeof offlineFileResponse>;

export const mintedOfflineFileResponse = z.object({
  offlineFile: offlineFileResponse,
  fileName: z.string(),
  /** The armored `.authforge` text to hand to the customer. */
  file: z.string(),
});
export type MintedOfflineFileResponse = z.infer<typeof mintedOfflineFileResponse>;

export const offlineFilesPageResponse = z.object({ offlineFiles: z.array(offlineFileResponse), cursor: z.string().nullable() });
export type OfflineFilesPageResponse = z.infer<typeof offlineFilesPageResponse>;

export const activationRequestResponse = z.object({
  activationRequest: z.object({
    appId: z.string(),
    hwid: z.string(),
    createdAt: z.string(),
    machineName: z.string().nullable(),
    os: z.string().nullable(),
    sdk: z.string().nullable(),
    licenseKey: z.string().nullable(),
    checksum: z.string(),
  }),
});
export type ActivationRequestResponse = z.infer<typeof activationRequestResponse>;
