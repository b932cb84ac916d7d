/**
 * v1 routes of the customer portal (`/portal/…`, OpenAPI tag `Portal`): the portal page calls
 * them, and a vendor's app may too (to offer "release this machine" in-app). Two kinds: public
 * routes (the product's portal face, sign-in), limited per caller IP; and the signed-in
 * buyer's routes, authenticated by `Authorization: Bearer <portal token>` alone (no cookie, so
 * no CSRF to guard against). Thin: parse (the declared schemas), call services/portal, answer.
 */
import { z } from 'zod';
import { portal } from '../../config/constants.js';
import { offlineLicenseMediaType } from '../../crypto/offlineLicense.js';
import type { BuyerClaims } from '../../crypto/portalTokens.js';
import { ApiError } from '../../domain/errors.js';
import type { RequestContext } from '../../http/endpoint.js';
import { operations, type RoutedOperation } from '../../http/router.js';
import { mintedOfflineFileResponse } from '../../schemas/offlineFiles.js';
import {
  buyerDevicePath,
  buyerLicensePath,
  buyerLicenseResponse,
  buyerLicensesResponse,
  buyerOfflineFileBody,
  codeSentResponse,
  emailSessionResponse,
  licenseKeySessionResponse,
  licenseKeySignInBody,
  portalProductPath,
  portalProductResponse,
  requestCodeBody,
  signInBody,
} from '../../schemas/portal.js';
import { throttledAuthentication } from '../../services/access/credentialGuesses.js';
import { TokenBuckets } from '../../services/access/rateLimiter.js';
import * as buyerLicenses from '../../services/portal/buyerLicenses.js';
import * as buyerSignIn from '../../services/portal/buyerSignIn.js';

const publicRoute = operations<null>();
const buyerRoute = operations<BuyerClaims>();

/** Per caller IP, in this instance's memory (no Firestore write per request). */
const codeRequestBuckets = new TokenBuckets(portal.codeRequestsPerIpBurst, portal.codeRequestsPerIpPerSecond);
const signInBuckets = new TokenBuckets(portal.signInsPerIpBurst, portal.signInsPerIpPerSecond);

/** The local stack's own callers (tests, the browser suite through Hosting) are not limited per IP; production callers never come from loopback. */
const onThisHost = (ip: string) => ip === '127.0.0.1' || ip === '::1';

function takeIpPlace(buckets: TokenBuckets, ip: string, what: string): void {
  if (onThisHost(ip)) return;
  const taken = buckets.take(ip);
  if (!taken.allowed) throw new ApiError('rate_limited', `Too many ${what} from this address; retry later`, { retryAfterSeconds: taken.retryAfterSeconds });
}

/** `Accept: application/x-authforge-license` asks for the file itself rather than JSON. */
const wantsLicenseFile = (ctx: RequestContext) => (ctx.header('accept') ?? '').toLowerCase().includes(offlineLicenseMediaType);

export const portalPublicRoutes: RoutedOperation<null>[] = [
  publicRoute({
    method: 'GET', path: '/portal/products/:appId', tag: 'Portal', public: true,
    summary: "A product's customer portal: its name, how buyers sign in, support and logo links (404 when its portal is off)",
    params: portalProductPath, response: portalProductResponse, status: 200, errors: [400, 404, 429],
    run: async ({ ctx, params }) => {
      takeIpPlace(signInBuckets, ctx.ip, 'portal requests');
      return { body: await buyerLicenses.portalProduct(params.appId) };
    },
  }),
  publicRoute({
    method: 'POST', path: '/portal/sign-in/code', tag: 'Portal', public: true,
    summary: 'Mail a one-time sign-in code (6 digits, 15 minutes, single use) to the email licenses were sold to; the same answer whether or not it has any',
    body: requestCodeBody, response: codeSentResponse, status: 202, errors: [400, 429],
    run: async ({ ctx, body }) => {
      takeIpPlace(codeRequestBuckets, ctx.ip, 'sign-in code requests');
      return { status: 202, body: await buyerSignIn.requestSignInCode(body, ctx.log) };
    },
  }),
  publicRoute({
    method: 'POST', path: '/portal/sign-in', tag: 'Portal', public: true,
    summary: 'Sign in with the mailed code: a buyer token for one hour (5 wrong codes void the code)',
    body: signInBody, response: emailSessionResponse, status: 200, errors: [400, 401, 429],
    run: async ({ ctx, body }) => {
      takeIpPlace(signInBuckets, ctx.ip, 'sign-in attempts');
      return { body: await throttledAuthentication(ctx.ip, ctx.log, () => buyerSignIn.signInWithCode(body)) };
    },
  }),
  publicRoute({
    method: 'POST', path: '/portal/sign-in/license-key', tag: 'Portal', public: true,
    summary: "Sign in with a license key, for products whose portal signs in that way: a buyer token for that license, for one hour",
    body: licenseKeySignInBody, response: licenseKeySessionResponse, status: 200, errors: [400, 401, 429],
    run: async ({ ctx, body }) => {
      takeIpPlace(signInBuckets, ctx.ip, 'sign-in attempts');
      return { body: await throttledAuthentication(ctx.ip, ctx.log, () => buyerSignIn.signInWithLicenseKey(body.licenseKey)) };
    },
  }),
];

export const buyerRoutes: RoutedOperation<BuyerClaims>[] = [
  buyerRoute({
    method: 'GET', path: '/portal/licenses', tag: 'Portal', auth: 'portal',
    summary: "The signed-in buyer's licenses (every one sold to the email, on products whose portal signs in by email; or the one license key) with devices and releases left",
    response: buyerLicensesResponse, status: 200, errors: [401, 429],
    run: async ({ extra: buyer }) => ({ body: await buyerLicenses.listBuyerLicenses(buyer) }),
  }),
  buyerRoute({
    method: 'DELETE', path: '/portal/licenses/:licenseKey/devices/:deviceId', tag: 'Portal', auth: 'portal',
    summary: "Release one of the license's devices: its seat is freed and its sessions end (as seed 004 deactivate), within the product's selfServiceReleases (429 with the date past it)",
    params: buyerDevicePath, response: z.object({ license: buyerLicenseResponse }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ ctx, params, extra: buyer }) => ({ body: await buyerLicenses.releaseBuyerDevice(buyer, params.licenseKey, params.deviceId, ctx.ip) }),
  }),
  buyerRoute({
    method: 'POST', path: '/portal/licenses/:licenseKey/offline-files', tag: 'Portal', auth: 'portal',
    summary: 'Download a signed .authforge offline license file for one of the license\'s devices, where the product allows it (Accept: application/x-authforge-license for the file itself)',
    params: buyerLicensePath, body: buyerOfflineFileBody, response: mintedOfflineFileResponse, status: 201, errors: [400, 401, 402, 403, 404, 410, 429],
    run: async ({ ctx, params, body, extra: buyer }) => {
      const minted = await buyerLicenses.mintBuyerOfflineFile(buyer, params.licenseKey, body.hwid);
      ctx.log.info('offline license file minted by a buyer', { jti: minted.offlineFile.jti });
      if (!wantsLicenseFile(ctx)) return { status: 201, body: minted };
      return {
        status: 201,
        body: minted.file,
        contentType: offlineLicenseMediaType,
        headers: { 'Content-Disposition': `attachment; filename="${minted.fileName}"`, 'X-Offline-File-Jti': minted.offlineFile.jti },
      };
    },
  }),
];
