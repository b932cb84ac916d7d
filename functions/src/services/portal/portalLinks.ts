/**
 * Seat refusals that point to the customer portal: when every seat is taken (`hwid_mismatch` at
 * the SDK door, seed 004 activate's machine limit), a product whose portal is on adds
 * `portalUrl` = `<KEYWARDEN_PORTAL_URL>/portal?product=<appId>` to the refusal (an extra field:
 * the SDKs ignore fields they do not know). No link when the param is empty.
 */
import { portalBaseUrl } from '../../config/settings.js';
import type { AppDocument } from '../../data/apps.js';
import { ApiError } from '../../domain/errors.js';

export function portalUrlOf(appId: string, app: AppDocument): string | undefined {
  const base = portalBaseUrl();
  if (!base || app.portal.signIn === 'off') return undefined;
  return `${base}/portal?product=${encodeURIComponent(appId)}`;
}

/** The same refusal with `portalUrl` when it is a seat refusal and the product's portal is on; anything else unchanged. */
export function pointingToPortal(error: unknown, appId: string, app: AppDocument): unknown {
  if (!(error instanceof ApiError) || error.code !== 'hwid_mismatch' || error.violation !== 'device_limit') return error;
  const portalUrl = portalUrlOf(appId, app);
  if (!portalUrl) return error;
  return new ApiError(error.code, error.message, {
    status: error.status,
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    ...(error.violation !== undefined ? { violation: error.violation } : {}),
    unknownLicense: error.unknownLicense,
    ...(error.allow !== undefined ? { allow: error.allow } : {}),
    details: { ...error.details, portalUrl },
  });
}
