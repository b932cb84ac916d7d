/**
 * v1 routes the console adds to licenses: release one device, and simulate a check. Releasing
 * needs the `licenses` role (a change under /licenses); simulating writes nothing.
 */
import { renderError, errorHttpStatus, type ErrorShape } from '../../http/errorShapes.js';
import { operations, type RoutedOperation } from '../../http/router.js';
import { hwid } from '../../schemas/licenses.js';
import { licensePath } from './paths.js';
import { simulateResponse, v1SimulateBody } from '../../schemas/console.js';
import { licenseResponse } from '../../schemas/v1.js';
import type { Principal } from '../../services/access/principal.js';
import * as licenses from '../../services/admin/licenses.js';
import { simulateCheck, type SimulatedDoor } from '../../services/client/checkSimulation.js';
import { setLicenseEntitlements } from '../../services/admin/entitlements.js';
import { v1LicenseEntitlementsBody } from '../../schemas/entitlements.js';
import { meterName } from '../../data/meters.js';
import { licenseMetersResponse, meterReadingResponse, v1LicenseMetersBody, v1MeterDecrementBody, v1MeterIncrementBody } from '../../schemas/meters.js';
import * as meters from '../../services/admin/meters.js';

const route = operations<Principal>();
type V1Route = RoutedOperation<Principal>;

const devicePath = licensePath.extend({ hwid });
const meterPath = licensePath.extend({ meter: meterName });

/** How each simulated door renders its answers (http/errorShapes.ts). */
const doorShapes: Record<SimulatedDoor, ErrorShape> = { sdk: 'sdk', activate: 'success', validate: 'valid' };

export const licenseRoutes: V1Route[] = [
  route({
    method: 'GET', path: '/licenses/:licenseKey/meters', tag: 'Usage meters',
    summary: "A license's usage meters: each one's limit, period and this period's used, remaining and resetsAt", params: licensePath,
    response: licenseMetersResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await meters.listMeters(principal, params.licenseKey) }),
  }),
  route({
    method: 'PUT', path: '/licenses/:licenseKey/meters', tag: 'Usage meters',
    summary: "Replace a license's meter declarations ({name: {limit, period}}); the counts stay. Event license.updated (reason meters_changed)",
    params: licensePath, body: v1LicenseMetersBody, response: licenseMetersResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => ({ body: await meters.setLicenseMeters(principal, params.licenseKey, body.meters) }),
  }),
  route({
    method: 'POST', path: '/licenses/:licenseKey/meters/:meter/increments', tag: 'Usage meters',
    summary: 'Count usage: amount 1..1000 under an idempotencyKey (a repeat counts nothing and answers the same); past the limit 409 meter_exhausted, nothing counted. Event license.meter_threshold at 80 % and 100 %',
    params: meterPath, body: v1MeterIncrementBody, response: meterReadingResponse, status: 200, errors: [400, 401, 403, 404, 409, 429],
    run: async ({ params, body, extra: principal }) => ({ body: await meters.incrementMeter(principal, params.licenseKey, params.meter, body) }),
  }),
  route({
    method: 'POST', path: '/licenses/:licenseKey/meters/:meter/decrements', tag: 'Usage meters',
    summary: "Take amount off this period's count (never below 0): a refund of usage, vendor only", params: meterPath,
    body: v1MeterDecrementBody, response: meterReadingResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => ({ body: await meters.decrementMeter(principal, params.licenseKey, params.meter, body.amount) }),
  }),
  route({
    method: 'POST', path: '/licenses/:licenseKey/meters/:meter/reset', tag: 'Usage meters',
    summary: "This period's count back to 0 (a refill), vendor only", params: meterPath,
    response: meterReadingResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await meters.resetMeter(principal, params.licenseKey, params.meter) }),
  }),
  route({
    method: 'PUT', path: '/licenses/:licenseKey/entitlements', tag: 'Entitlements',
    summary: "Replace a license's own entitlement grants (codes, or {code, expiresAt} add-ons); its variant's codes stay. Event license.entitlements_changed",
    params: licensePath, body: v1LicenseEntitlementsBody, response: licenseResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => ({ body: (await setLicenseEntitlements(principal, params.licenseKey, body.entitlements)).license }),
  }),
  route({
    method: 'DELETE', path: '/licenses/:licenseKey/devices/:hwid', tag: 'Licenses',
    summary: "Release one device: its seat is freed and its sessions end (as seed 004 deactivate); reset-hwid releases all", params: devicePath,
    response: licenseResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: (await licenses.releaseLicenseDevice(principal, params.licenseKey, params.hwid)).license }),
  }),
  route({
    method: 'POST', path: '/licenses/:licenseKey/simulate', tag: 'Licenses',
    summary: 'Simulate a check: the answer a client on this machine would get now, and the rule that decided it (writes nothing)', params: licensePath,
    body: v1SimulateBody, response: simulateResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ ctx, params, body, extra: principal }) => {
      const check = await simulateCheck(principal, params.licenseKey, body);
      const shape = doorShapes[check.door];
      const refusal = check.error ? renderError(shape, check.error, ctx.requestId) : undefined;
      return {
        body: {
          licenseKey: check.licenseKey,
          door: check.door,
          status: check.error ? ('failed' as const) : ('ok' as const),
          httpStatus: check.error ? errorHttpStatus(shape, check.error) : 200,
          // The code as the door names it (the SDK's closed set maps the others to the nearest).
          error: check.error ? String(refusal?.code ?? refusal?.error ?? check.error.code) : null,
          message: check.message,
          rule: check.rule,
          wouldBindDevice: check.wouldBindDevice,
          ipChecked: check.ipChecked,
          notSimulated: [check.door === 'validate' ? 'the session token' : 'the app secret', ...(check.door === 'sdk' ? ['the nonce'] : []), 'rate limits'],
        },
      };
    },
  }),
];
