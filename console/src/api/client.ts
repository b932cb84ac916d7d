/**
 * The one API client, generated from the backend's OpenAPI document (openapi-fetch over the
 * openapi-typescript declarations in v1.d.ts). Only the query modules beside this file call it.
 * Every call carries the operator's Firebase ID token and the selected account; every refusal
 * becomes an ApiFailure with the request id.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './v1';
import { apiFailure } from './errors';
import { idToken } from '../auth/firebase';
import { selectedAccountId } from '../app/session';

const authenticate: Middleware = {
  async onRequest({ request }) {
    const token = await idToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    const accountId = selectedAccountId();
    if (accountId) request.headers.set('X-Keywarden-Account', accountId);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '/v1' });
api.use(authenticate);

/** Unwraps an openapi-fetch result: the data, or a thrown ApiFailure. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined) throw apiFailure(response, error);
  return data;
}
