/** Products (apps): settings, variables, signing keys, secrets, variants, overview. */
import { api, ok } from './client';
import type { AnswerOf, BodyOf, Variables } from './types';

export type App = AnswerOf<'/apps/{appId}', 'get'>;
export type Variant = AnswerOf<'/apps/{appId}/variants', 'get'>['variants'][number];
export type CreateApp = BodyOf<'/apps', 'post'>;
export type UpdateApp = BodyOf<'/apps/{appId}', 'put'>;
export type CreateVariant = BodyOf<'/apps/{appId}/variants', 'post'>;
export type UpdateVariant = BodyOf<'/apps/{appId}/variants/{variantId}', 'put'>;
export type Overview = AnswerOf<'/apps/{appId}/overview', 'get'>;

const app = (appId: string) => ({ params: { path: { appId } } });

export const apps = {
  list: (accountId: string | null) => ok(api.GET('/apps', { params: { query: { limit: 100, ...(accountId ? { accountId } : {}) } } })),
  get: (appId: string) => ok(api.GET('/apps/{appId}', app(appId))),
  create: (body: CreateApp) => ok(api.POST('/apps', { body })),
  update: (appId: string, body: UpdateApp) => ok(api.PUT('/apps/{appId}', { ...app(appId), body })),
  overview: (appId: string) => ok(api.GET('/apps/{appId}/overview', app(appId))),
  rotateAppSecret: (appId: string) => ok(api.POST('/apps/{appId}/app-secret', app(appId))),
  rotatePaymentSecret: (appId: string) => ok(api.POST('/apps/{appId}/payment-secret', app(appId))),
  rotateSessionSecret: (appId: string) => ok(api.POST('/apps/{appId}/session-secret', app(appId))),
  variables: (appId: string) => ok(api.GET('/apps/{appId}/variables', app(appId))),
  setVariables: (appId: string, variables: Variables) => ok(api.PUT('/apps/{appId}/variables', { ...app(appId), body: { variables } })),
  signingKeys: (appId: string) => ok(api.GET('/apps/{appId}/signing-keys', app(appId))),
  rotateSigningKey: (appId: string) => ok(api.POST('/apps/{appId}/signing-keys', app(appId))),
  withdrawSigningKey: (appId: string, keyId: string) =>
    ok(api.DELETE('/apps/{appId}/signing-keys/{keyId}', { params: { path: { appId, keyId } } })),
  variants: (appId: string) => ok(api.GET('/apps/{appId}/variants', { params: { path: { appId }, query: { limit: 100 } } })),
  createVariant: (appId: string, body: CreateVariant) => ok(api.POST('/apps/{appId}/variants', { ...app(appId), body })),
  updateVariant: (appId: string, variantId: string, body: UpdateVariant) =>
    ok(api.PUT('/apps/{appId}/variants/{variantId}', { params: { path: { appId, variantId } }, body })),
  parseActivationRequest: (appId: string, activationRequest: string) =>
    ok(api.POST('/apps/{appId}/activation-requests/parse', { ...app(appId), body: { activationRequest } })),
};
