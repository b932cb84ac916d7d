/**
 * Developer REST API (seeds 001–003): function `v1`, `Authorization: Bearer af_live_…`,
 * `{error, message}` errors, cursor pagination. Every route is declared once with its zod
 * schemas; the same declarations validate requests and generate GET /v1/openapi.json.
 */
import { onRequest } from 'firebase-functions/v2/https';
import { z } from 'zod';
import { throttledAuthentication } from '../services/access/credentialGuesses.js';
import { presentedCredentials, withoutCredentials } from '../http/credentials.js';
import { httpEndpoint, type RequestContext } from '../http/endpoint.js';
import { ApiError } from '../domain/errors.js';
import { openApiDocument, type OperationSpec } from '../http/openapi.js';
import { principalBucket, takeApiKeyRateLimit as takeRateLimit } from '../services/access/apiKeyRateLimit.js';
import { operations, Router, type RoutedOperation } from '../http/router.js';
import { externalId, resourceId, storedId } from '../schemas/common.js';
import {
  errorResponse,
  licenseResponse,
  logEntryResponse,
  securityListEntryBody,
  securityResponse,
  v1CreateLicensesBody,
  v1CreateWebhookBody,
  v1ListLicensesQuery,
  v1PageQuery,
  v1SecuritySettingsBody,
  v1UpdateLicenseBody,
  v1UpdateWebhookBody,
  v1VariablesBody,
  webhookResponse,
  deliveryResponse,
  deliveryDetailResponse,
} from '../schemas/v1.js';
import { variablesSchema } from '../data/shared.js';
import { offlineLicenseMediaType } from '../crypto/offlineLicense.js';
import {
  activationRequestResponse,
  mintedOfflineFileResponse,
  offlineFilesPageResponse,
  v1MintOfflineFileBody,
  v1OfflineFilesQuery,
  v1ParseActivationRequestBody,
} from '../schemas/offlineFiles.js';
import { signingKeySetResponse } from '../schemas/signingKeys.js';
import { authenticate } from '../services/access/authentication.js';
import { assertMemberMayCall, assertRole, v1RouteRole } from '../services/access/keyRoles.js';
import * as appSecurity from '../services/admin/securitySettings.js';
import * as authLogs from '../services/admin/authLogs.js';
import * as licenses from '../services/admin/licenses.js';
import * as offlineFiles from '../services/admin/offlineFiles.js';
import * as signingKeys from '../services/admin/signingKeys.js';
import type { Principal } from '../services/access/principal.js';
import * as variables from '../services/admin/variables.js';
import * as webhooks from '../services/webhooks/webhookConfig.js';
import * as deliveries from '../services/webhooks/webhookDispatch.js';
import { checkoutSessionLicenses } from '../services/commerce/stripeCommerce.js';
import { consoleSignIn, consoleSignInProviders } from '../config/settings.js';
import { developerApiFunctionOptions, operatorSecret } from './options.js';
import { accountRoutes } from './v1/accountRoutes.js';
import { appRoutes } from './v1/appRoutes.js';
import { licenseRoutes } from './v1/licenseRoutes.js';
import { memberRoutes, signedInUserRoutes } from './v1/memberRoutes.js';
import { appPath, licensePath } from './v1/paths.js';
import { verifySignedInUser, type SignedInUser } from '../services/access/consoleUsers.js';
import { buyerRoutes, portalPublicRoutes } from './v1/portalRoutes.js';
import { verifyBuyerToken } from '../services/portal/buyerSignIn.js';
import type { BuyerClaims } from '../crypto/portalTokens.js';

/** Every route receives the authenticated principal; its path parameters, query and body arrive parsed. */
const route = operations<Principal>();
type V1Route = RoutedOperation<Principal>;

/** Path parameters, each checked by its schema ("Invalid license key: …" names the bad one). */
const webhookPath = appPath.extend({ webhookId: resourceId });
const deliveryPath = webhookPath.extend({ deliveryId: storedId });
const signingKeyPath = appPath.extend({ keyId: z.string().min(1).max(64) });
const checkoutSessionPath = z.object({ sessionId: externalId });
/** `Accept: application/x-authforge-license` asks for the file itself rather than JSON. */
const wantsLicenseFile = (ctx: RequestContext) => (ctx.header('accept') ?? '').toLowerCase().includes(offlineLicenseMediaType);
const deleted = z.object({ deleted: z.literal(true) });
const deliveriesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });
const variablesResponse = z.object({ variables: variablesSchema });

const routes: V1Route[] = [
  ...appRoutes,
  ...accountRoutes,
  ...licenseRoutes,
  route({
    method: 'POST', path: '/licenses', tag: 'Licenses', summary: 'Create one or more licenses', body: v1CreateLicensesBody,
    response: z.object({ licenses: z.array(licenseResponse) }), status: 201, errors: [400, 401, 402, 403, 404, 429],
    run: async ({ body, extra: principal }) => {
      const created = await licenses.createLicenses(principal, body);
      return { status: 201, body: created };
    },
  }),
  route({
    method: 'GET', path: '/licenses', tag: 'Licenses', summary: 'List licenses for an app', query: v1ListLicensesQuery,
    response: z.object({ licenses: z.array(licenseResponse), cursor: z.string().nullable() }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ query, extra: principal }) => ({ body: await licenses.listLicenses(principal, query) }),
  }),
  route({
    method: 'GET', path: '/licenses/:licenseKey', tag: 'Licenses', summary: 'Get a single license', params: licensePath, response: licenseResponse,
    status: 200, errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: (await licenses.getLicense(principal, params.licenseKey)).license }),
  }),
  route({
    method: 'PUT', path: '/licenses/:licenseKey', tag: 'Licenses', summary: 'Revoke, activate, extend, or reset HWID', params: licensePath,
    body: v1UpdateLicenseBody, response: licenseResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params: { licenseKey: key }, body: input, extra: principal }) => {
      const result =
        input.action === 'revoke'
          ? await licenses.revokeLicense(principal, { licenseKey: key, reason: input.reason })
          : input.action === 'activate'
            ? await licenses.reinstateLicense(principal, key)
            : input.action === 'extend'
              ? await licenses.extendLicense(principal, key, input)
              : await licenses.resetActivations(principal, key);
      return { body: result.license };
    },
  }),
  route({
    method: 'DELETE', path: '/licenses/:licenseKey', tag: 'Licenses', summary: 'Permanently delete a license', params: licensePath,
    response: deleted.extend({ licenseKey: z.string() }), status: 200, errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await licenses.deleteLicense(principal, params.licenseKey) }),
  }),
  route({
    method: 'GET', path: '/checkout-sessions/:sessionId', tag: 'Licenses', summary: 'Licenses created by a Stripe Checkout Session (for a success page)',
    params: checkoutSessionPath,
    response: z.object({ checkoutSessionId: z.string(), email: z.string().nullable(), licenses: z.array(licenseResponse) }), status: 200,
    errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await checkoutSessionLicenses(principal, params.sessionId) }),
  }),
  route({
    method: 'GET', path: '/licenses/:licenseKey/logs', tag: 'Licenses', summary: 'Auth log of a license, newest first', params: licensePath,
    query: v1PageQuery, response: z.object({ logs: z.array(logEntryResponse), cursor: z.string().nullable() }), status: 200,
    errors: [400, 401, 403, 404, 429],
    run: async ({ params, query, extra: principal }) => ({ body: await authLogs.listLicenseLogs(principal, params.licenseKey, query) }),
  }),
  route({
    method: 'POST', path: '/licenses/:licenseKey/offline-files', tag: 'Offline licensing',
    summary: 'Mint a signed .authforge offline license file (1 credit on metered accounts; Accept: application/x-authforge-license downloads the file itself)',
    params: licensePath, body: v1MintOfflineFileBody, response: mintedOfflineFileResponse, status: 201, errors: [400, 401, 402, 403, 404, 410, 429],
    run: async ({ ctx, params, body, extra: principal }) => {
      const minted = await offlineFiles.mintOfflineFile(principal, params.licenseKey, body);
      // The file's id names it (and, in offlineFiles, its license): no log line holds a license key.
      ctx.log.info('offline license file minted', { jti: minted.offlineFile.jti, keyId: minted.offlineFile.keyId });
      if (!wantsLicenseFile(ctx)) return { status: 201, body: minted };
      return {
        status: 201,
        body: minted.file,
        contentType: offlineLicenseMediaType,
        headers: { 'Content-Disposition': `attachment; filename="${minted.fileName}"`, 'X-Offline-File-Jti': minted.offlineFile.jti },
      };
    },
  }),
  route({
    method: 'GET', path: '/licenses/:licenseKey/offline-files', tag: 'Offline licensing', summary: 'Offline files minted for a license, newest first',
    params: licensePath, query: v1OfflineFilesQuery, response: offlineFilesPageResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, query, extra: principal }) => ({ body: await offlineFiles.listOfflineFiles(principal, params.licenseKey, query) }),
  }),
  route({
    method: 'POST', path: '/apps/:appId/activation-requests/parse', tag: 'Offline licensing',
    summary: 'Check an .authforge-request activation request and show what it says', params: appPath, body: v1ParseActivationRequestBody,
    response: activationRequestResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => ({
      body: await offlineFiles.parseActivationRequest(principal, params.appId, body.activationRequest),
    }),
  }),
  route({
    method: 'GET', path: '/apps/:appId/signing-keys', tag: 'Signing keys', summary: "The app's published Ed25519 public keys, the active one first",
    params: appPath, response: signingKeySetResponse, status: 200, errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await signingKeys.getSigningKeySet(principal, params.appId) }),
  }),
  route({
    method: 'POST', path: '/apps/:appId/signing-keys', tag: 'Signing keys', summary: 'Rotate: a new active signing key; earlier keys stay published',
    params: appPath, response: signingKeySetResponse, status: 201, errors: [401, 403, 404, 409, 429],
    run: async ({ params, extra: principal }) => ({ status: 201, body: await signingKeys.rotateSigningKey(principal, params.appId) }),
  }),
  route({
    method: 'DELETE', path: '/apps/:appId/signing-keys/:keyId', tag: 'Signing keys', summary: 'Withdraw a retired signing key: no longer published, its private key deleted',
    params: signingKeyPath, response: signingKeySetResponse, status: 200, errors: [401, 403, 404, 409, 429],
    run: async ({ params, extra: principal }) => ({ body: await signingKeys.withdrawSigningKey(principal, params.appId, params.keyId) }),
  }),
  route({
    method: 'GET', path: '/apps/:appId/variables', tag: 'Variables', summary: 'Get app variables', params: appPath, response: variablesResponse,
    status: 200, errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await variables.getAppVariables(principal, params.appId) }),
  }),
  route({
    method: 'PUT', path: '/apps/:appId/variables', tag: 'Variables', summary: 'Set app variables', params: appPath, body: v1VariablesBody,
    response: variablesResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => ({ body: await variables.setAppVariables(principal, params.appId, body.variables) }),
  }),
  route({
    method: 'GET', path: '/licenses/:licenseKey/variables', tag: 'Variables', summary: 'Get license variables', params: licensePath,
    response: variablesResponse, status: 200, errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await variables.getLicenseVariables(principal, params.licenseKey) }),
  }),
  route({
    method: 'PUT', path: '/licenses/:licenseKey/variables', tag: 'Variables', summary: 'Set license variables', params: licensePath,
    body: v1VariablesBody, response: variablesResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => ({ body: await variables.setLicenseVariables(principal, params.licenseKey, body.variables) }),
  }),
  route({
    method: 'POST', path: '/apps/:appId/webhooks', tag: 'Webhooks', summary: 'Create a webhook (its signing secret is shown once)', params: appPath,
    body: v1CreateWebhookBody, response: z.object({ webhook: webhookResponse, secret: z.string() }), status: 201, errors: [400, 401, 403, 404, 409, 429],
    run: async ({ params, body, extra: principal }) => ({ status: 201, body: await webhooks.createWebhook(principal, params.appId, body) }),
  }),
  route({
    method: 'GET', path: '/apps/:appId/webhooks', tag: 'Webhooks', summary: 'List webhooks', params: appPath,
    response: z.object({ webhooks: z.array(webhookResponse) }), status: 200, errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await webhooks.listWebhooks(principal, params.appId) }),
  }),
  route({
    method: 'PUT', path: '/apps/:appId/webhooks/:webhookId', tag: 'Webhooks', summary: 'Update a webhook', params: webhookPath, body: v1UpdateWebhookBody,
    response: z.object({ webhook: webhookResponse, secret: z.string().optional() }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => ({ body: await webhooks.updateWebhook(principal, params.appId, params.webhookId, body) }),
  }),
  route({
    method: 'DELETE', path: '/apps/:appId/webhooks/:webhookId', tag: 'Webhooks', summary: 'Delete a webhook', params: webhookPath,
    response: deleted.extend({ webhookId: z.string() }), status: 200, errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await webhooks.deleteWebhook(principal, params.appId, params.webhookId) }),
  }),
  route({
    method: 'POST', path: '/apps/:appId/webhooks/:webhookId/test', tag: 'Webhooks', summary: 'Send a test event (test.ping)', params: webhookPath,
    response: z.object({ eventId: z.string(), event: z.literal('test.ping'), webhookId: z.string() }), status: 202, errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ status: 202, body: await webhooks.sendTestEvent(principal, params.appId, params.webhookId) }),
  }),
  route({
    method: 'GET', path: '/apps/:appId/webhooks/:webhookId/deliveries', tag: 'Webhooks', summary: 'Recent deliveries of a webhook, newest first',
    params: webhookPath, query: deliveriesQuery, response: z.object({ deliveries: z.array(deliveryResponse) }), status: 200,
    errors: [400, 401, 403, 404, 429],
    run: async ({ params, query, extra: principal }) => ({
      body: await deliveries.listDeliveries(principal, params.appId, params.webhookId, query.limit),
    }),
  }),
  route({
    method: 'GET', path: '/apps/:appId/webhooks/:webhookId/deliveries/:deliveryId', tag: 'Webhooks', summary: 'One delivery with every attempt',
    params: deliveryPath, response: deliveryDetailResponse, status: 200, errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({
      body: await deliveries.getDelivery(principal, params.appId, params.webhookId, params.deliveryId),
    }),
  }),
  route({
    method: 'POST', path: '/apps/:appId/webhooks/:webhookId/deliveries/:deliveryId/redeliver', tag: 'Webhooks', summary: 'Send one delivery again now',
    params: deliveryPath, response: deliveryDetailResponse, status: 200, errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({
      body: await deliveries.redeliver(principal, params.appId, params.webhookId, params.deliveryId),
    }),
  }),
  route({
    method: 'GET', path: '/apps/:appId/security', tag: 'Security', summary: 'Get security config', params: appPath, response: securityResponse,
    status: 200, errors: [401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await appSecurity.getSecurity(principal, params.appId) }),
  }),
  route({
    method: 'PUT', path: '/apps/:appId/security', tag: 'Security', summary: 'Update security config (rate limits, IPs per day)', params: appPath,
    body: v1SecuritySettingsBody, response: securityResponse, status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, body, extra: principal }) => ({ body: await appSecurity.updateSecuritySettings(principal, params.appId, body) }),
  }),
  ...(['blacklist', 'whitelist'] as const).flatMap((kind): V1Route[] => [
    route({
      method: 'POST', path: `/apps/:appId/security/${kind}`, tag: 'Security', summary: `Add an HWID, IP or CIDR range to the ${kind}`, params: appPath,
      body: securityListEntryBody, response: securityResponse, status: 200, errors: [400, 401, 403, 404, 409, 429],
      run: async ({ params, body, extra: principal }) => ({
        body: await appSecurity.addListEntry(principal, params.appId, kind, body.type, body.value),
      }),
    }),
    route({
      method: 'DELETE', path: `/apps/:appId/security/${kind}`, tag: 'Security', summary: `Remove an entry from the ${kind}`, params: appPath,
      body: securityListEntryBody, bodyInQuery: true, response: securityResponse, status: 200, errors: [400, 401, 403, 404, 429],
      run: async ({ params, body, extra: principal }) => ({
        body: await appSecurity.removeListEntry(principal, params.appId, kind, body.type, body.value),
      }),
    }),
  ]),
  ...memberRoutes,
];

const router = new Router<Principal>();
for (const { method, path, handler } of routes) router.on(method, path, handler);
const signedInUserRouter = new Router<SignedInUser>();
for (const { method, path, handler } of signedInUserRoutes) signedInUserRouter.on(method, path, handler);
/** The customer portal: public routes (sign-in, the product's face) and the signed-in buyer's. */
const portalPublicRouter = new Router<null>();
for (const { method, path, handler } of portalPublicRoutes) portalPublicRouter.on(method, path, handler);
const buyerRouter = new Router<BuyerClaims>();
for (const { method, path, handler } of buyerRoutes) buyerRouter.on(method, path, handler);

let cachedDocument: ReturnType<typeof openApiDocument> | undefined;
const consoleSettingsResponse = z.object({
  signInProviders: z.array(z.enum(consoleSignInProviders)).describe('The sign-in methods the console offers (KEYWARDEN_CONSOLE_SIGN_IN)'),
});
const consoleSettingsRoute: OperationSpec = {
  method: 'GET', path: '/console/settings', tag: 'Meta', summary: "The console's public settings (sign-in methods)", response: consoleSettingsResponse,
  status: 200, errors: [], public: true,
};
const openApiRoute: OperationSpec = {
  method: 'GET', path: '/openapi.json', tag: 'Meta', summary: 'This OpenAPI 3.1 document', response: z.record(z.string(), z.unknown()),
  status: 200, errors: [], public: true,
};

/** The OpenAPI 3.1 document of the v1 surface, generated from the route declarations. */
export function v1OpenApiDocument() {
  cachedDocument ??= openApiDocument(
    { title: 'Keywarden Developer API', version: '1.0.0', serverUrl: '/v1', errorSchema: errorResponse },
    [...routes, ...signedInUserRoutes, ...portalPublicRoutes, ...buyerRoutes, consoleSettingsRoute, openApiRoute],
  );
  return cachedDocument;
}

export const v1 = onRequest(
  developerApiFunctionOptions,
  httpEndpoint({ name: 'v1', methods: ['GET', 'POST', 'PUT', 'DELETE'], errorShape: 'rest' }, async (ctx) => {
    // Served at <functions base>/v1/…; a /v1 prefix is also accepted (e.g. behind a Hosting rewrite).
    const path = ctx.req.path.replace(/^\/v1(?=\/|$)/, '') || '/';
    if (path === '/openapi.json') {
      if (ctx.method !== 'GET') throw new ApiError('method_not_allowed', 'Use GET', { allow: 'GET' });
      return { body: v1OpenApiDocument() };
    }
    if (path === '/console/settings') {
      if (ctx.method !== 'GET') throw new ApiError('method_not_allowed', 'Use GET', { allow: 'GET' });
      return { body: consoleSettingsResponse.parse({ signInProviders: consoleSignIn() }) };
    }
    if (portalPublicRouter.matches(path)) {
      portalPublicRouter.assertMethodServed(ctx.method, path);
      return portalPublicRouter.handle(ctx, path, null);
    }
    if (buyerRouter.matches(path)) {
      // Refused before the token is checked, as every other router does.
      buyerRouter.assertMethodServed(ctx.method, path);
      const bearer = ctx.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
      const buyer = await throttledAuthentication(ctx.ip, ctx.log, async () => verifyBuyerToken(bearer));
      takeRateLimit(`buyer:${buyer.kind === 'email' ? buyer.email : buyer.licenseKey}`);
      return buyerRouter.handle(ctx, path, buyer);
    }
    if (signedInUserRouter.matches(path)) {
      // A method the path does not serve is refused before the token is checked, as the key routes refuse it.
      signedInUserRouter.assertMethodServed(ctx.method, path);
      const user = await throttledAuthentication(ctx.ip, ctx.log, () => verifySignedInUser(presentedCredentials(ctx).idToken ?? ''));
      takeRateLimit(`user:${user.uid}`);
      return signedInUserRouter.handle({ ...ctx, body: withoutCredentials(ctx.body), query: withoutCredentials(ctx.query) }, path, user);
    }
    if (!router.matches(path)) throw new ApiError('not_found', `No route ${ctx.method} ${path}`);
    const principal = await throttledAuthentication(ctx.ip, ctx.log, () => authenticate(presentedCredentials(ctx), operatorSecret()));
    assertRole(principal, v1RouteRole(ctx.method, path));
    assertMemberMayCall(principal, path);
    takeRateLimit(principalBucket(principal));
    // Credentials may also travel as apiKey/adminSecret fields: they are not request parameters.
    return router.handle({ ...ctx, body: withoutCredentials(ctx.body), query: withoutCredentials(ctx.query) }, path, principal);
  }),
);

