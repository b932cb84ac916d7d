/**
 * The portal's query layer: the same generated client as the console (openapi-fetch over the
 * openapi-typescript declarations of /v1/openapi.json), its own instance carrying the buyer's
 * token instead of a Firebase ID token. Only this file calls it.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../api/v1';
import type { AnswerOf } from '../api/types';
import { apiFailure } from '../api/errors';
import { bearerToken, signOut } from './session';

export type Product = AnswerOf<'/portal/products/{appId}', 'get'>;
export type SignInMode = Product['signIn'];
export type BuyerLicense = AnswerOf<'/portal/licenses', 'get'>['licenses'][number];
export type Device = BuyerLicense['devices'][number];

const sessionTokens: Middleware = {
  onRequest({ request }) {
    const token = bearerToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    // A refused token (expired, or signed out elsewhere) ends the session here too.
    if (response.status === 401 && request.headers.has('Authorization')) signOut('Your session ended. Sign in again to continue.');
    return response;
  },
};

const api = createClient<paths>({ baseUrl: '/v1' });
api.use(sessionTokens);

async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) throw apiFailure(response, error);
  return data;
}

const onLicense = (licenseKey: string) => ({ params: { path: { licenseKey } } });

export const portal = {
  product: (appId: string) => ok(api.GET('/portal/products/{appId}', { params: { path: { appId } } })),
  requestCode: (email: string, appId: string | null) => ok(api.POST('/portal/sign-in/code', { body: { email, ...(appId ? { appId } : {}) } })),
  signIn: (email: string, code: string) => ok(api.POST('/portal/sign-in', { body: { email, code } })),
  signInWithLicenseKey: (licenseKey: string) => ok(api.POST('/portal/sign-in/license-key', { body: { licenseKey } })),
  licenses: () => ok(api.GET('/portal/licenses')),
  releaseDevice: (licenseKey: string, deviceId: string) =>
    ok(api.DELETE('/portal/licenses/{licenseKey}/devices/{deviceId}', { params: { path: { licenseKey, deviceId } } })),
  offlineFile: (licenseKey: string, hwid: string) => ok(api.POST('/portal/licenses/{licenseKey}/offline-files', { ...onLicense(licenseKey), body: { hwid } })),
};
