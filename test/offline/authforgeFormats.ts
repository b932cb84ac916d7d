/**
 * An independent implementation of AuthForge's offline formats (version 1), written from the
 * format text in docs/offline-formats.md with node:crypto only: it imports nothing from
 * functions/src, so the tests check our files against the format, not against our own code.
 *
 * - `verifyLicenseFile` does what an SDK's `verifyLicenseFile` does, in the SDK's order:
 *   armor, signature (against any trusted key), `v`, payload shape, `appId`, `expiresAt` in the
 *   future, the machine's HWID in `hwids` for bound files.
 * - `writeActivationRequest` writes a `.authforge-request` as an SDK does.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';

export type VerifyFailure = 'armor' | 'signature' | 'version' | 'payload' | 'app_mismatch' | 'expired' | 'hwid_mismatch';

export interface LicensePayload {
  v: number;
  typ: string;
  appId: string;
  licenseKey: string;
  jti: string;
  kid: string;
  issuedAt: string;
  expiresAt: string | null;
  hwid: { mode: 'bound'; hwids: string[] } | { mode: 'any' };
  label?: string;
  licenseExpiresAt?: string | null;
  licenseVariables?: Record<string, unknown>;
  appVariables?: Record<string, unknown>;
}

export type VerifyResult = { ok: true; payload: LicensePayload; headers: Record<string, string> } | { ok: false; error: VerifyFailure };

interface Block {
  headers: Record<string, string>;
  body: string;
}

/** Finds `-----BEGIN AUTHFORGE <label>-----` … `-----END AUTHFORGE <label>-----` anywhere in the text. */
function block(text: string, label: string): Block | undefined {
  const pattern = new RegExp(`-----BEGIN AUTHFORGE ${label}-----([\\s\\S]*?)-----END AUTHFORGE ${label}-----`);
  const match = pattern.exec(text);
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  const bodyLines: string[] = [];
  let inHeaders = true;
  for (const raw of (match[1] ?? '').split('\n')) {
    const line = raw.trim();
    const header = inHeaders ? /^([A-Za-z-]+):\s*(.*)$/.exec(line) : null;
    if (header) {
      headers[header[1] ?? ''] = header[2] ?? '';
      continue;
    }
    if (line !== '') inHeaders = false;
    bodyLines.push(line);
  }
  return { headers, body: bodyLines.join('').replace(/\s/g, '') };
}

const cleanText = (text: string) => text.replace(/^\uFEFF/, '').split('\r\n').join('\n');

const rawPublicKey = (base64: string) =>
  createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(base64, 'base64').toString('base64url') }, format: 'jwk' });

const isInstant = (value: unknown) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6})?Z$/.test(value);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function payloadShapeOk(payload: Record<string, unknown>): boolean {
  if (payload.typ !== 'authforge-license') return false;
  for (const field of ['appId', 'licenseKey', 'jti', 'kid']) if (typeof payload[field] !== 'string' || payload[field] === '') return false;
  if (!isInstant(payload.issuedAt)) return false;
  if (!('expiresAt' in payload) || (payload.expiresAt !== null && !isInstant(payload.expiresAt))) return false;
  const hwid = payload.hwid;
  if (!isObject(hwid)) return false;
  if (hwid.mode === 'bound') {
    if (!Array.isArray(hwid.hwids) || hwid.hwids.length === 0 || !hwid.hwids.every((entry) => typeof entry === 'string')) return false;
  } else if (hwid.mode !== 'any') return false;
  if ('label' in payload && typeof payload.label !== 'string') return false;
  if ('licenseExpiresAt' in payload && payload.licenseExpiresAt !== null && typeof payload.licenseExpiresAt !== 'string') return false;
  if ('licenseVariables' in payload && !isObject(payload.licenseVariables)) return false;
  if ('appVariables' in payload && !isObject(payload.appVariables)) return false;
  return true;
}

/** An SDK's offline check: `trustedKeys` are standard base64 raw Ed25519 public keys. */
export function verifyLicenseFile(text: string, options: { trustedKeys: string[]; appId: string; hwid: string; now?: Date }): VerifyResult {
  const clean = cleanText(text);
  const license = block(clean, 'LICENSE');
  const signature = block(clean, 'SIGNATURE');
  if (!license || !signature || license.body === '' || signature.body === '') return { ok: false, error: 'armor' };
  const signatureBytes = Buffer.from(signature.body, 'base64');
  if (signatureBytes.length !== 64) return { ok: false, error: 'armor' };
  const message = Buffer.from(license.body, 'utf8');
  const trusted = options.trustedKeys.some((key) => verify(null, message, rawPublicKey(key), signatureBytes));
  if (!trusted) return { ok: false, error: 'signature' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(license.body, 'base64').toString('utf8'));
  } catch {
    return { ok: false, error: 'payload' };
  }
  if (!isObject(parsed)) return { ok: false, error: 'payload' };
  if (parsed.v !== 1) return { ok: false, error: 'version' };
  if (!payloadShapeOk(parsed)) return { ok: false, error: 'payload' };
  const payload = parsed as unknown as LicensePayload;
  if (payload.appId !== options.appId) return { ok: false, error: 'app_mismatch' };
  const now = (options.now ?? new Date()).getTime();
  if (payload.expiresAt !== null && Date.parse(payload.expiresAt) <= now) return { ok: false, error: 'expired' };
  if (payload.hwid.mode === 'bound' && !payload.hwid.hwids.includes(options.hwid)) return { ok: false, error: 'hwid_mismatch' };
  return { ok: true, payload, headers: license.headers };
}

/** The raw pieces, for tampering tests: the unwrapped base64 payload and signature. */
export function licenseFileParts(text: string): { payload: string; signature: string; headers: Record<string, string> } {
  const clean = cleanText(text);
  const license = block(clean, 'LICENSE');
  const signature = block(clean, 'SIGNATURE');
  if (!license || !signature) throw new Error('not a license file');
  return { payload: license.body, signature: signature.body, headers: license.headers };
}

/** Builds a license file from pieces (to re-assemble a tampered payload with the original signature). */
export function assembleLicenseFile(payload: string, signature: string, headers: Record<string, string>): string {
  const wrap = (value: string) => value.match(/.{1,64}/g)?.join('\n') ?? '';
  const headerLines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join('\n');
  return [
    '-----BEGIN AUTHFORGE LICENSE-----',
    headerLines,
    '',
    wrap(payload),
    '-----END AUTHFORGE LICENSE-----',
    '-----BEGIN AUTHFORGE SIGNATURE-----',
    wrap(signature),
    '-----END AUTHFORGE SIGNATURE-----',
    '',
  ].join('\n');
}

export interface ActivationRequestFields {
  appId: string;
  hwid: string;
  createdAt: string;
  machineName?: string;
  os?: string;
  sdk?: string;
  licenseKey?: string;
}

/** A `.authforge-request` as an SDK writes it: compact JSON in the documented order, checksum of the base64. */
export function writeActivationRequest(fields: ActivationRequestFields): { text: string; checksum: string; payload: string } {
  const ordered: Record<string, unknown> = { v: 1, typ: 'authforge-activation-request', appId: fields.appId, hwid: fields.hwid, createdAt: fields.createdAt };
  for (const optional of ['machineName', 'os', 'sdk', 'licenseKey'] as const) if (fields[optional] !== undefined) ordered[optional] = fields[optional];
  const payload = Buffer.from(JSON.stringify(ordered), 'utf8').toString('base64');
  const checksum = createHash('sha256').update(payload).digest('hex').substring(0, 16);
  const text = [
    '-----BEGIN AUTHFORGE ACTIVATION REQUEST-----',
    'Version: 1',
    `App-Id: ${fields.appId}`,
    `Checksum: ${checksum}`,
    '',
    ...(payload.match(/.{1,64}/g) ?? []),
    '-----END AUTHFORGE ACTIVATION REQUEST-----',
    '',
  ].join('\n');
  return { text, checksum, payload };
}

/** Re-wraps every base64 line at another width, as a mail client might. */
export function rewrap(text: string, width: number): string {
  const out: string[] = [];
  let pending = '';
  const flush = () => {
    for (let at = 0; at < pending.length; at += width) out.push(pending.slice(at, at + width));
    pending = '';
  };
  for (const line of text.split('\n')) {
    if (/^[A-Za-z0-9+/=]+$/.test(line) && !line.startsWith('-----')) pending += line;
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join('\n');
}
