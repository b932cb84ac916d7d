import type { ApiError, ErrorCode } from '../domain/errors.js';

/**
 * The error shapes the seeds document, one per surface:
 * - `valid`:   seed 004 verify/validate      {valid:false, error:"<message>", code}
 * - `success`: seed 004 activate/admin/...   {success:false, error:"<message>", code}
 * - `rest`:    seeds 001/002 (/v1)           {error:"<code>", message}
 * - `sdk`:     AuthForge SDK protocol        {status:"failed", error:"<code>", message}
 *              (node/1.4+ SDKs take a failed heartbeat as a verdict only with status "failed")
 * `code` is an addition to seed 004's shape so scripts can branch without parsing prose.
 */
export type ErrorShape = 'valid' | 'success' | 'rest' | 'sdk';

export function renderError(shape: ErrorShape, error: ApiError, requestId: string): Record<string, unknown> {
  // An error's details are extra fields: they never replace the shape's own.
  const details = error.details ?? {};
  switch (shape) {
    case 'valid':
      return { ...details, valid: false, error: error.message, code: error.code, requestId };
    case 'success':
      return { ...details, success: false, error: error.message, code: error.code, requestId };
    case 'rest':
      return { ...details, error: error.code, message: error.message, requestId };
    case 'sdk':
      return { ...details, status: 'failed', error: sdkErrorCode(error), message: error.message, requestId };
  }
}

/** The SDK protocol knows a closed set of codes; anything else is reported as the nearest one. */
const sdkCodes = new Set<ErrorCode>([
  'bad_request', 'malformed_request', 'invalid_app', 'invalid_key', 'session_expired', 'replay_detected',
  'blocked', 'app_disabled', 'hwid_mismatch', 'revoke_requires_session', 'expired', 'revoked',
  'rate_limited', 'no_credits', 'system_error', 'server_error',
  // An addition (README, Entitlements): not definitive for the SDKs, which treat a code they do
  // not know as transient; granting the entitlement makes the next validate succeed.
  'entitlements_missing',
  // README, Usage meters: /auth/usage past the limit (409), not definitive either.
  'meter_exhausted',
]);

function sdkErrorCode(error: ApiError): ErrorCode {
  if (sdkCodes.has(error.code)) return error.code;
  if (error.code === 'unauthorized') return 'invalid_app';
  return error.status >= 500 ? 'system_error' : 'malformed_request';
}

/** seed 004: licence states that stop a client are 403, an unknown key is 404. */
const seed004Status: Partial<Record<ErrorCode, number>> = {
  revoked: 403,
  expired: 403,
  hwid_mismatch: 403,
  blocked: 403,
  app_disabled: 403,
  invalid_key: 404,
};

/** The HTTP status of an error on a given surface (most codes have one status everywhere). */
export function errorHttpStatus(shape: ErrorShape, error: ApiError): number {
  if (shape === 'sdk' && error.code === 'no_credits') return 429;
  if (shape === 'valid' || shape === 'success') return seed004Status[error.code] ?? error.status;
  return error.status;
}
