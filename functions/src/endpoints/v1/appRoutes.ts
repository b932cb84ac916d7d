/**
 * v1 routes for apps (seed 004's products) and their variants, client bans and overview. Thin:
 * parse (the declared schemas), call the admin services, answer. Role per route: GET needs
 * `read`, everything else `admin` (services/access/keyRoles.ts v1RouteRole).
 */
import { z } from 'zod';
import { operations, type RoutedOperation } from '../../http/router.js';
import { resourceId } from '../../schemas/common.js';
import { appPath } from './paths.js';
import {
  appOverviewResponse,
  appResponse,
  clientBansResponse,
  v1ClientBanBody,
  v1CreateAppBody,
  v1CreateVariantBody,
  v1ListAppsQuery,
  v1PageOnlyQuery,
  v1UpdateAppBody,
  v1UpdateVariantBody,
  variantResponse,
} from '../../schemas/console.js';
import type { Principal } from '../../services/access/principal.js';
import { appOverview } from '../../services/admin/overview.js';
import * as products from '../../services/admin/products.js';
import * as appSecurity from '../../services/admin/securitySettings.js';
import * as entitlements from '../../services/admin/entitlements.js';
import { entitlementCode } from '../../data/entitlements.js';
import { entitlementResponse, v1DefineEntitlementBody } from '../../schemas/entitlements.js';

const route = operations<Principal>();
type V1Route = RoutedOperation<Principal>;

const variantPath = appPath.extend({ variantId: resourceId });
const entitlementPath = appPath.extend({ code: entitlementCode });

export const appRoutes: V1Route[] = [
  route({
    method: 'GET', path: '/apps', tag: 'Apps', summary: "List an account's apps (an API key's own account by default), newest first", query: v1ListAppsQuery,
    response: z.object({ apps: z.array(appResponse), cursor: z.string().nullable() }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ query, extra: principal }) => {
      const { products: apps, cursor } = await products.listProducts(principal, query);
      return { body: { apps, cursor } };
    },
  }),
  route({
    method: 'POST', path: '/apps', tag: 'Apps', summary: 'Create an app (its app secret is shown once)', body: v1CreateAppBody,
    response: z.object({ app: appResponse, appSecret: z.string() }), status: 201, errors: [400, 401, 403, 404, 409, 429],
    run: async ({ body, extra: principal }) => {
      const { product, appSecret } = await products.createProduct(principal, body);
      return { status: 201, body: { app: product, appSecret } };
    },
  }),
  route({
    method: 'GET', path: '/apps/:appId', tag: 'Apps', summary: 'Get an app', params: appPath, response: appResponse, status: 200,
    errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await products.getProduct(principal, params.appId) }),
  }),
  route({
    method: 'PUT', path: '/apps/:appId', tag: 'Apps', summary: 'Update an app (name, slug, description, disabled, variables, settings)', params: appPath,
    body: v1UpdateAppBody, response: appResponse, status: 200, errors: [400, 401, 403, 404, 409, 429],
    run: async ({ params, body, extra: principal }) => ({ body: (await products.updateProduct(principal, { ...body, productId: params.appId })).product }),
  }),
  route({
    method: 'POST', path: '/apps/:appId/app-secret', tag: 'Apps', summary: 'Rotate the app secret: the new one is shown once, the old one stops working at once',
    params: appPath, response: z.object({ appSecret: z.string() }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => {
      const { appSecret } = await products.updateProduct(principal, { productId: params.appId, rotateAppSecret: true });
      return { body: { appSecret: appSecret ?? '' } };
    },
  }),
  route({
    method: 'POST', path: '/apps/:appId/payment-secret', tag: 'Apps', summary: "Issue the app's payment webhook secret (shown once; the previous one stops working)",
    params: appPath, response: z.object({ paymentSecret: z.string() }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => {
      const { paymentSecret } = await products.updateProduct(principal, { productId: params.appId, rotatePaymentSecret: true });
      return { body: { paymentSecret: paymentSecret ?? '' } };
    },
  }),
  route({
    method: 'POST', path: '/apps/:appId/session-secret', tag: 'Apps', summary: 'Rotate the session-token secret (tokens signed with the old one verify for a short overlap only)',
    params: appPath, response: z.object({ app: appResponse, rotated: z.literal(true) }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => {
      const { product } = await products.updateProduct(principal, { productId: params.appId, rotateSessionSecret: true });
      return { body: { app: product, rotated: true as const } };
    },
  }),
  route({
    method: 'GET', path: '/apps/:appId/variants', tag: 'Variants', summary: "An app's variants, oldest first", params: appPath, query: v1PageOnlyQuery,
    response: z.object({ variants: z.array(variantResponse), cursor: z.string().nullable() }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, query, extra: principal }) => ({ body: await products.listVariants(principal, { productId: params.appId, ...query }) }),
  }),
  route({
    method: 'POST', path: '/apps/:appId/variants', tag: 'Variants', summary: 'Create a variant (a license policy)', params: appPath, body: v1CreateVariantBody,
    response: z.object({ variant: variantResponse }), status: 201, errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => ({ status: 201, body: await products.createVariant(principal, { ...body, productId: params.appId }) }),
  }),
  route({
    method: 'PUT', path: '/apps/:appId/variants/:variantId', tag: 'Variants', summary: 'Update a variant', params: variantPath, body: v1UpdateVariantBody,
    response: z.object({ variant: variantResponse }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => {
      return { body: await products.updateVariantOf(principal, params.appId, { ...body, variantId: params.variantId }) };
    },
  }),
  route({
    method: 'POST', path: '/apps/:appId/entitlements', tag: 'Entitlements',
    summary: 'Define an entitlement code (at most 200 per app): variants and licenses grant it, clients require it', params: appPath,
    body: v1DefineEntitlementBody, response: z.object({ entitlement: entitlementResponse }), status: 201, errors: [400, 401, 403, 404, 409, 429],
    run: async ({ params, body, extra: principal }) => ({ status: 201, body: await entitlements.defineEntitlement(principal, params.appId, body) }),
  }),
  route({
    method: 'GET', path: '/apps/:appId/entitlements', tag: 'Entitlements', summary: "The app's entitlement codes, sorted", params: appPath,
    response: z.object({ entitlements: z.array(entitlementResponse) }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await entitlements.listEntitlements(principal, params.appId) }),
  }),
  route({
    method: 'DELETE', path: '/apps/:appId/entitlements/:code', tag: 'Entitlements',
    summary: 'Delete an entitlement code: it can no longer be granted (variants and licenses holding it keep it until changed)', params: entitlementPath,
    response: z.object({ deleted: z.literal(true), code: z.string() }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await entitlements.deleteEntitlement(principal, params.appId, params.code) }),
  }),
  route({
    method: 'GET', path: '/apps/:appId/client-bans', tag: 'Security', summary: "Bans reported by the app's clients (SDK selfban)", params: appPath,
    response: clientBansResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await appSecurity.getClientBans(principal, params.appId) }),
  }),
  route({
    method: 'POST', path: '/apps/:appId/client-bans', tag: 'Security',
    summary: 'Confirm a pending client report (SDK selfban): ban the HWID or IP app-wide', params: appPath,
    body: v1ClientBanBody, response: clientBansResponse, status: 200, errors: [400, 401, 403, 404, 409, 429],
    run: async ({ params, body, extra: principal }) => ({ body: await appSecurity.confirmClientBan(principal, params.appId, body.type, body.value) }),
  }),
  route({
    method: 'DELETE', path: '/apps/:appId/client-bans', tag: 'Security', summary: 'Lift one client ban (an HWID or an IP), or dismiss a pending report of it', params: appPath,
    body: v1ClientBanBody, bodyInQuery: true, response: clientBansResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => ({ body: await appSecurity.liftClientBan(principal, params.appId, body.type, body.value) }),
  }),
  route({
    method: 'GET', path: '/apps/:appId/overview', tag: 'Apps',
    summary: 'Licenses by status, expiring in 30 days, checks per day and refusals by code over 30 days, the credit balance', params: appPath,
    response: appOverviewResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await appOverview(principal, params.appId) }),
  }),
];
