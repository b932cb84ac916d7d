/**
 * v1 routes for what belongs to an account: API keys, credits, discount and trial codes. The
 * account in the path is checked first: an API key reaches only its own account (403 forbidden
 * otherwise); the operator may name any. Role: GET needs `read` (listing API keys: `admin`,
 * which the service checks), everything else `admin`.
 */
import { z } from 'zod';
import { operations, type RoutedOperation } from '../../http/router.js';
import { createDiscountCodeInput } from '../../schemas/commerce.js';
import { resourceId } from '../../schemas/common.js';
import { accountPath } from './paths.js';
import {
  apiKeyResponse,
  createdApiKeyResponse,
  creditsResponse,
  discountCodeParam,
  discountCodeResponse,
  v1CreateApiKeyBody,
  v1DiscountCodesQuery,
  v1PageOnlyQuery,
  v1UpdateDiscountCodeBody,
} from '../../schemas/console.js';
import type { Principal } from '../../services/access/principal.js';
import * as apiKeys from '../../services/admin/apiKeys.js';
import * as credits from '../../services/admin/credits.js';
import * as discountCodes from '../../services/commerce/discountCodes.js';

const route = operations<Principal>();
type V1Route = RoutedOperation<Principal>;

const apiKeyPath = accountPath.extend({ apiKeyId: resourceId });
const codePath = accountPath.extend({ code: discountCodeParam });

export const accountRoutes: V1Route[] = [
  route({
    method: 'GET', path: '/accounts/:accountId/api-keys', tag: 'API keys', summary: "The account's API keys, newest first (never the keys themselves; admin keys only)",
    params: accountPath, query: v1PageOnlyQuery, response: z.object({ apiKeys: z.array(apiKeyResponse), cursor: z.string().nullable() }), status: 200,
    errors: [400, 401, 403, 404, 429],
    run: async ({ params, query, extra: principal }) => ({ body: await apiKeys.listApiKeys(principal, { accountId: params.accountId, ...query }) }),
  }),
  route({
    method: 'POST', path: '/accounts/:accountId/api-keys', tag: 'API keys', summary: 'Create an API key (shown once, stored as its hash)', params: accountPath,
    body: v1CreateApiKeyBody, response: createdApiKeyResponse, status: 201, errors: [400, 401, 403, 404, 409, 429],
    run: async ({ params, body, extra: principal }) => ({ status: 201, body: await apiKeys.createApiKey(principal, { ...body, accountId: params.accountId }) }),
  }),
  route({
    method: 'DELETE', path: '/accounts/:accountId/api-keys/:apiKeyId', tag: 'API keys', summary: 'Revoke an API key (takes effect on its next request)',
    params: apiKeyPath, response: apiKeyResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await apiKeys.revokeAccountApiKey(principal, params.accountId, { keyId: params.apiKeyId }) }),
  }),
  route({
    method: 'GET', path: '/accounts/:accountId/credits', tag: 'Credits', summary: "The account's credit balance (or unlimited)", params: accountPath,
    response: creditsResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await credits.getCredits(principal, { accountId: params.accountId }) }),
  }),
  route({
    method: 'GET', path: '/accounts/:accountId/discount-codes', tag: 'Discount codes', summary: "The account's discount and trial codes (one app's with appId)",
    params: accountPath, query: v1DiscountCodesQuery, response: z.object({ discountCodes: z.array(discountCodeResponse) }), status: 200,
    errors: [400, 401, 403, 404, 429],
    run: async ({ params, query, extra: principal }) => ({
      body: await discountCodes.listDiscountCodes(principal, { accountId: params.accountId, productId: query.appId }),
    }),
  }),
  route({
    method: 'POST', path: '/accounts/:accountId/discount-codes', tag: 'Discount codes', summary: 'Create a discount or trial code for one of the account’s apps (productId)',
    params: accountPath, body: createDiscountCodeInput, response: z.object({ discountCode: discountCodeResponse }), status: 201,
    errors: [400, 401, 403, 404, 409, 429],
    run: async ({ params, body, extra: principal }) => ({ status: 201, body: await discountCodes.createAccountDiscountCode(principal, params.accountId, body) }),
  }),
  route({
    method: 'PUT', path: '/accounts/:accountId/discount-codes/:code', tag: 'Discount codes', summary: 'Update a code (active, limits, expiry, amounts)',
    params: codePath, body: v1UpdateDiscountCodeBody, response: z.object({ discountCode: discountCodeResponse }), status: 200,
    errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => ({
      body: await discountCodes.updateDiscountCode(principal, { ...body, accountId: params.accountId, code: params.code }),
    }),
  }),
  route({
    method: 'DELETE', path: '/accounts/:accountId/discount-codes/:code', tag: 'Discount codes', summary: 'Delete a code', params: codePath,
    response: z.object({ deleted: z.literal(true), code: z.string() }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({
      body: (await discountCodes.deleteDiscountCode(principal, { accountId: params.accountId, code: params.code })) as { deleted: true; code: string },
    }),
  }),
];
