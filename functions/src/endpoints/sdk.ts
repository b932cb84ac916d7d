import { onRequest } from 'firebase-functions/v2/https';
import { ApiError } from '../domain/errors.js';
import { assertNoClientCredentialsInUrl } from '../http/credentials.js';
import { httpEndpoint } from '../http/endpoint.js';
import { parseInput } from '../http/validation.js';
import { sdkHeartbeatInput, sdkSelfbanInput, sdkUsageInput, sdkValidateInput } from '../schemas/client.js';
import * as sdk from '../services/client/sdkProtocol.js';
import { clientFunctionOptions } from './options.js';

/** docs/design.md door 1: POST /auth/validate, /auth/heartbeat, /auth/selfban, /auth/usage (AuthForge SDK wire format). */
export const auth = onRequest(
  clientFunctionOptions,
  httpEndpoint({ name: 'auth', methods: ['POST'], errorShape: 'sdk' }, async (ctx) => {
    assertNoClientCredentialsInUrl(ctx.query);
    const client = { ip: ctx.ip, requestId: ctx.requestId, log: ctx.log };
    const route = ctx.req.path.replace(/\/+$/, '') || '/';
    switch (route) {
      case '/validate':
        return { body: await sdk.sdkValidate(parseInput(sdkValidateInput, ctx.body), client) };
      case '/heartbeat':
        return { body: await sdk.sdkHeartbeat(parseInput(sdkHeartbeatInput, ctx.body), client) };
      case '/selfban':
        return { body: await sdk.sdkSelfban(parseInput(sdkSelfbanInput, ctx.body), client) };
      case '/usage':
        return { body: await sdk.sdkUsage(parseInput(sdkUsageInput, ctx.body), client) };
      default:
        throw new ApiError('malformed_request', `Unknown route ${route}; use /validate, /heartbeat, /selfban or /usage`, { status: 404 });
    }
  }),
);
