/**
 * `.authforge-request` activation requests (version 1), as AuthForge's SDKs write them: an
 * unsigned armored JSON payload whose only integrity check is the `Checksum` header, the
 * first 16 lowercase hex characters of SHA-256 over the unwrapped base64 payload string.
 * See docs/offline-formats.md.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { armorBlock, isStandardBase64, normalizeArmoredText, readArmorBlock } from './armor.js';
import { offlineLicenseLabel } from './offlineLicense.js';

export const activationRequestLabel = 'ACTIVATION REQUEST';
export const activationRequestType = 'authforge-activation-request';

/** The SDKs' limits on each field, in characters. */
export const activationRequestLimits = { appId: 64, hwid: 256, machineName: 128, os: 64, sdk: 64, licenseKey: 64 } as const;

const text = (max: number) => z.string().min(1).max(max);

export const activationRequestPayload = z.object({
  v: z.literal(1),
  typ: z.literal(activationRequestType),
  appId: text(activationRequestLimits.appId),
  hwid: text(activationRequestLimits.hwid),
  createdAt: z.string().min(1).max(64),
  machineName: text(activationRequestLimits.machineName).optional(),
  os: text(activationRequestLimits.os).optional(),
  sdk: text(activationRequestLimits.sdk).optional(),
  licenseKey: text(activationRequestLimits.licenseKey).optional(),
});
export type ActivationRequestPayload = z.infer<typeof activationRequestPayload>;

export function activationRequestChecksum(payloadBase64: string): string {
  return createHash('sha256').update(payloadBase64, 'utf8').digest('hex').slice(0, 16);
}

/** Compact JSON in the SDKs' field order: the required fields, then the optional ones present. */
export function activationRequestJson(payload: ActivationRequestPayload): string {
  const { v, typ, appId, hwid, createdAt, machineName, os, sdk, licenseKey } = payload;
  return JSON.stringify({ v, typ, appId, hwid, createdAt, machineName, os, sdk, licenseKey });
}

/** Writes a request as an SDK does (used by tests and documentation examples). */
export function formatActivationRequest(payload: ActivationRequestPayload): string {
  const base64 = Buffer.from(activationRequestJson(payload), 'utf8').toString('base64');
  const headers: Array<[string, string]> = [
    ['Version', '1'],
    ['App-Id', payload.appId],
    ['Checksum', activationRequestChecksum(base64)],
  ];
  return `${armorBlock(activationRequestLabel, headers, base64).join('\n')}\n`;
}

/** Why a text is not a usable activation request; each reason has its own error code. */
export type ActivationRequestFailure =
  | { reason: 'license_file'; detail: string }
  | { reason: 'truncated'; detail: string }
  | { reason: 'checksum_mismatch'; detail: string }
  | { reason: 'invalid'; detail: string };

export type ActivationRequestReading = { ok: true; request: ActivationRequestPayload; checksum: string } | ({ ok: false } & ActivationRequestFailure);

function decodePayload(base64: string): { json: unknown } | undefined {
  if (!isStandardBase64(base64)) return undefined;
  try {
    return { json: JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

/**
 * Reads an activation request pasted by a customer or a support agent. Tells apart a license
 * file pasted instead, a body cut short (no END line, or a payload that no longer decodes
 * while its checksum fails), a checksum that does not match a readable payload, and anything
 * else malformed.
 */
export function readActivationRequest(input: string): ActivationRequestReading {
  const normalized = normalizeArmoredText(input);
  const block = readArmorBlock(normalized, activationRequestLabel);
  if (block.found === 'none') {
    if (readArmorBlock(normalized, offlineLicenseLabel).found !== 'none') {
      return { ok: false, reason: 'license_file', detail: 'This is a license file (.authforge), not an activation request (.authforge-request)' };
    }
    return { ok: false, reason: 'invalid', detail: 'No "-----BEGIN AUTHFORGE ACTIVATION REQUEST-----" line found' };
  }
  if (block.found === 'begin_only') {
    return { ok: false, reason: 'truncated', detail: 'The activation request ends before its "-----END AUTHFORGE ACTIVATION REQUEST-----" line' };
  }
  if (block.base64 === '') return { ok: false, reason: 'truncated', detail: 'The activation request has no payload' };
  const version = block.headers.get('version');
  if (version !== undefined && version !== '1') return { ok: false, reason: 'invalid', detail: `Unsupported activation request version ${version}` };
  const checksum = block.headers.get('checksum')?.toLowerCase();
  if (!checksum) return { ok: false, reason: 'invalid', detail: 'The activation request has no Checksum header' };
  const decoded = decodePayload(block.base64);
  if (activationRequestChecksum(block.base64) !== checksum) {
    return decoded
      ? { ok: false, reason: 'checksum_mismatch', detail: 'The activation request checksum does not match its payload (altered or mistyped)' }
      : { ok: false, reason: 'truncated', detail: 'The activation request payload is incomplete (its checksum does not match and it no longer decodes)' };
  }
  if (!decoded) return { ok: false, reason: 'invalid', detail: 'The activation request payload is not base64 JSON' };
  const parsed = activationRequestPayload.safeParse(decoded.json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: 'invalid', detail: `Invalid activation request payload: ${issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : 'unreadable'}` };
  }
  return { ok: true, request: parsed.data, checksum };
}
