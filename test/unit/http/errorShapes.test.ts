import { describe, expect, it } from 'vitest';
import { errorHttpStatus, renderError, type ErrorShape } from '../../../functions/src/http/errorShapes.js';
import { ApiError, errorStatus, type ErrorCode } from '../../../functions/src/domain/errors.js';

const error = (code: ErrorCode, status?: number) => new ApiError(code, `message for ${code}`, status === undefined ? {} : { status });

describe('renderError', () => {
  it('renders seed 004 verify/validate as {valid:false, error, code, requestId}', () => {
    expect(renderError('valid', error('revoked'), 'req-1')).toEqual({ valid: false, error: 'message for revoked', code: 'revoked', requestId: 'req-1' });
  });

  it('renders seed 004 activate/admin as {success:false, error, code, requestId}', () => {
    expect(renderError('success', error('invalid_key'), 'req-2')).toEqual({ success: false, error: 'message for invalid_key', code: 'invalid_key', requestId: 'req-2' });
  });

  it('renders /v1 as {error:<code>, message, requestId}', () => {
    expect(renderError('rest', error('not_found'), 'req-3')).toEqual({ error: 'not_found', message: 'message for not_found', requestId: 'req-3' });
  });

  it('renders the SDK protocol as {status:"failed", error:<code>, message, requestId}', () => {
    expect(renderError('sdk', error('hwid_mismatch'), 'req-4')).toEqual({ status: 'failed', error: 'hwid_mismatch', message: 'message for hwid_mismatch', requestId: 'req-4' });
  });

  const sdkCodes: ErrorCode[] = [
    'bad_request', 'malformed_request', 'invalid_app', 'invalid_key', 'session_expired', 'replay_detected',
    'blocked', 'app_disabled', 'hwid_mismatch', 'revoke_requires_session', 'expired', 'revoked',
    'rate_limited', 'no_credits', 'system_error', 'server_error',
    // README, Entitlements: an addition to the set, transient for the SDKs (they do not know it).
    'entitlements_missing',
    // README, Usage meters: /auth/usage past the limit, transient for the SDKs too.
    'meter_exhausted',
  ];

  it.each(sdkCodes)('keeps the SDK code %s', (code) => {
    expect(renderError('sdk', error(code), 'r').error).toBe(code);
  });

  it('reports unauthorized to the SDK as invalid_app', () => {
    expect(renderError('sdk', error('unauthorized'), 'r').error).toBe('invalid_app');
  });

  it('maps every other code to malformed_request below 500 and system_error from 500', () => {
    const others = (Object.keys(errorStatus) as ErrorCode[]).filter((code) => !sdkCodes.includes(code) && code !== 'unauthorized');
    expect(others).toContain('forbidden');
    for (const code of others) {
      expect(renderError('sdk', error(code), 'r').error).toBe(errorStatus[code] >= 500 ? 'system_error' : 'malformed_request');
    }
    expect(renderError('sdk', error('conflict', 499), 'r').error).toBe('malformed_request');
    expect(renderError('sdk', error('conflict', 500), 'r').error).toBe('system_error');
    expect(renderError('sdk', error('not_found', 503), 'r').error).toBe('system_error');
  });

  it("adds an error's details beside each shape's own fields, which they never replace", () => {
    const withDetails = new ApiError('hwid_mismatch', 'All seats are taken', { details: { portalUrl: 'https://example.test/portal', valid: 'overridden?', missing: ['PRO'] } });
    expect(renderError('valid', withDetails, 'r')).toEqual({ portalUrl: 'https://example.test/portal', missing: ['PRO'], valid: false, error: 'All seats are taken', code: 'hwid_mismatch', requestId: 'r' });
    expect(renderError('sdk', withDetails, 'r')).toEqual({ portalUrl: 'https://example.test/portal', valid: 'overridden?', missing: ['PRO'], status: 'failed', error: 'hwid_mismatch', message: 'All seats are taken', requestId: 'r' });
    expect(renderError('rest', withDetails, 'r')).toMatchObject({ portalUrl: 'https://example.test/portal', error: 'hwid_mismatch' });
  });

  it('never changes the code on the other surfaces', () => {
    for (const shape of ['valid', 'success'] as const) expect(renderError(shape, error('unauthorized'), 'r').code).toBe('unauthorized');
    expect(renderError('rest', error('unauthorized'), 'r').error).toBe('unauthorized');
  });
});

describe('errorHttpStatus', () => {
  it.each([
    ['revoked', 403],
    ['expired', 403],
    ['hwid_mismatch', 403],
    ['blocked', 403],
    ['app_disabled', 403],
    ['invalid_key', 404],
  ] as const)('answers seed 004 %s with %i on the valid and success surfaces', (code, status) => {
    expect(errorHttpStatus('valid', error(code))).toBe(status);
    expect(errorHttpStatus('success', error(code))).toBe(status);
  });

  it('keeps the code status elsewhere on seed 004', () => {
    expect(errorHttpStatus('valid', error('rate_limited'))).toBe(429);
    expect(errorHttpStatus('success', error('no_credits'))).toBe(402);
    expect(errorHttpStatus('valid', error('bad_request', 422))).toBe(422);
  });

  it('keeps the code status on /v1 and the SDK', () => {
    for (const shape of ['rest', 'sdk'] as ErrorShape[]) {
      expect(errorHttpStatus(shape, error('revoked'))).toBe(410);
      expect(errorHttpStatus(shape, error('invalid_key'))).toBe(401);
      expect(errorHttpStatus(shape, error('server_error'))).toBe(503);
    }
    expect(errorHttpStatus('rest', error('no_credits'))).toBe(402);
  });

  it('answers no_credits with 429 on the SDK surface only', () => {
    expect(errorHttpStatus('sdk', error('no_credits'))).toBe(429);
    expect(errorHttpStatus('sdk', error('rate_limited'))).toBe(429);
    expect(errorHttpStatus('sdk', error('bad_request'))).toBe(400);
  });
});
