/**
 * POST /auth/usage (the SDK door, README Usage meters): usage counted from a bound device with
 * the app secret or a session, a signed answer carrying what was asked and the meter's reading,
 * a repeated idempotencyKey counting once (new nonce, same answer), 409 meter_exhausted past the
 * limit counting nothing, an unbound device or undeclared meter refused, a replayed nonce refused.
 */
import { describe, expect, it } from 'vitest';
import { uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { expectSdkError, expectSession, expectSignedOk, sdkValidate } from '../licensing/sdkSupport.js';
import { createV1License, expectStatus, tenant, v1 } from '../v1/v1Support.js';

const usage = (body: Record<string, unknown>) => call('auth', { path: '/usage', body });

describe('SDK /auth/usage', () => {
  it('counts from a bound device, signed; a repeated key counts once; past the limit 409 meter_exhausted', async () => {
    const t = await tenant();
    const licenseKey = await createV1License(t.account.apiKey, t.appId, { meters: { api_calls: { limit: 5 } } });
    const hwid = uniqueHwid();
    const session = await expectSession(t.app, await sdkValidate(t.app, licenseKey, hwid));
    const withSecret = { appId: t.appId, appSecret: t.app.appSecret, licenseKey, hwid, meter: 'api_calls' };

    const first = await expectSignedOk(t.app, await usage({ ...withSecret, amount: 2, idempotencyKey: 'k1', nonce: uniqueNonce() }));
    expect(first).toMatchObject({ answers: 'usage', appId: t.appId, licenseKey, hwid, meter: 'api_calls', amount: 2, idempotencyKey: 'k1', used: 2, limit: 5, remaining: 3, resetsAt: null });
    // The same key again (a retry with a fresh nonce): the same count, nothing more.
    const repeat = await expectSignedOk(t.app, await usage({ ...withSecret, amount: 2, idempotencyKey: 'k1', nonce: uniqueNonce() }));
    expect(repeat).toMatchObject({ used: 2, remaining: 3 });
    // With the session token.
    const bySession = await expectSignedOk(t.app, await usage({ appId: t.appId, sessionToken: session.sessionToken, hwid, meter: 'api_calls', amount: 3, idempotencyKey: 'k2', nonce: uniqueNonce() }));
    expect(bySession).toMatchObject({ used: 5, remaining: 0 });
    const refused = await usage({ ...withSecret, amount: 1, idempotencyKey: 'k3', nonce: uniqueNonce() });
    expectSdkError(refused, 409, 'meter_exhausted');
    const meters = await v1(t.account.apiKey, 'GET', `/licenses/${licenseKey}/meters`);
    expectStatus(meters, 200);
    expect(meters.body.meters).toEqual([{ name: 'api_calls', period: 'none', used: 5, limit: 5, remaining: 0, resetsAt: null }]);

    // Another device, an undeclared meter, a replayed nonce: refused.
    expectSdkError(await usage({ ...withSecret, hwid: uniqueHwid(), amount: 1, idempotencyKey: 'k4', nonce: uniqueNonce() }), 403, 'hwid_mismatch');
    const nonce = uniqueNonce();
    const other = await v1(t.account.apiKey, 'PUT', `/licenses/${licenseKey}/meters`, { body: { meters: { api_calls: { limit: 5 }, exports: { limit: 2 } } } });
    expectStatus(other, 200);
    await expectSignedOk(t.app, await usage({ ...withSecret, meter: 'exports', amount: 1, idempotencyKey: 'k5', nonce }));
    expectSdkError(await usage({ ...withSecret, meter: 'exports', amount: 1, idempotencyKey: 'k6', nonce }), 401, 'replay_detected');
    expect((await usage({ ...withSecret, meter: 'nope', amount: 1, idempotencyKey: 'k7', nonce: uniqueNonce() })).status).toBe(404);
    expectSdkError(await usage({ ...withSecret, amount: 0, idempotencyKey: 'k8', nonce: uniqueNonce() }), 400, 'bad_request');
  });
});
