/**
 * One error model for every door. A service throws an ApiError with a machine code;
 * each door renders it in its own documented shape (see http/errorShapes.ts).
 */
export const errorStatus = {
  bad_request: 400,
  malformed_request: 400,
  /** Activation requests (.authforge-request): which way a pasted request is unusable. */
  invalid_activation_request: 400,
  activation_request_truncated: 400,
  activation_request_checksum_mismatch: 400,
  activation_request_is_license_file: 400,
  activation_request_mismatch: 400,
  unauthorized: 401,
  invalid_app: 401,
  invalid_key: 401,
  session_expired: 401,
  replay_detected: 401,
  no_credits: 402,
  forbidden: 403,
  blocked: 403,
  app_disabled: 403,
  hwid_mismatch: 403,
  revoke_requires_session: 403,
  /** A client's requireEntitlements names codes the license lacks (README, Entitlements). */
  entitlements_missing: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  /** A usage meter has less left than the increment asks for (README, Usage meters): nothing was counted. */
  meter_exhausted: 409,
  expired: 410,
  revoked: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  system_error: 500,
  server_error: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** What a refused client call did wrong, recorded on the license (auditTrail.ts). */
export const violationTypes = ['device_limit', 'blocked_hwid', 'blocked_ip', 'replayed_nonce', 'too_many_ips'] as const;
export type Violation = (typeof violationTypes)[number];

export interface ApiErrorOptions {
  status?: number;
  retryAfterSeconds?: number;
  /** The violation this refusal stands for: the audit trail records it on the license. */
  violation?: Violation;
  /** The refusal names no license of the app: logged, never stored. */
  unknownLicense?: boolean;
  /** 405: the methods the path allows (the Allow header). */
  allow?: string;
  /**
   * Extra fields of the error body, after the door's own (a seat refusal's `portalUrl`, a
   * release refusal's `retryAfterSeconds`): clients ignore fields they do not know.
   */
  details?: Readonly<Record<string, ErrorDetail>>;
}

/** An error body's extra field: a value, or a list (entitlements_missing's `missing` codes). */
export type ErrorDetail = string | number | readonly string[];

export class ApiError extends Error {
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  readonly violation: Violation | undefined;
  readonly unknownLicense: boolean;
  readonly allow: string | undefined;
  readonly details: Readonly<Record<string, ErrorDetail>> | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = options.status ?? errorStatus[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.violation = options.violation;
    this.unknownLicense = options.unknownLicense ?? false;
    this.allow = options.allow;
    this.details = options.details;
  }
}

export const badRequest = (message: string) => new ApiError('bad_request', message);
export const unauthorized = (message = 'Missing or invalid credentials') => new ApiError('unauthorized', message);
export const forbidden = (message = 'This resource belongs to another account') => new ApiError('forbidden', message);
export const notFound = (message = 'Resource not found') => new ApiError('not_found', message);
export const conflict = (message: string) => new ApiError('conflict', message);
