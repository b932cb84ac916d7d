import type { z } from 'zod';
import { authenticate } from '../services/access/authentication.js';
import { adminFunctionRole, assertRole } from '../services/access/keyRoles.js';
import type { Principal } from '../services/access/principal.js';
import { throttledAuthentication } from '../services/access/credentialGuesses.js';
import { principalBucket, takeApiKeyRateLimit } from '../services/access/apiKeyRateLimit.js';
import { presentedCredentials, withoutCredentials } from './credentials.js';
import { httpEndpoint, type HttpMethod, type RequestContext } from './endpoint.js';
import { parseInput } from './validation.js';

export interface AdminEndpointOptions<S extends z.ZodType> {
  name: string;
  methods: readonly HttpMethod[];
  input: S;
  /** The deployed ADMIN_SECRET, read at request time (secrets are only bound then). */
  operatorSecret: () => string | undefined;
}

/** What an admin function does once the caller is authenticated and the input parsed. */
export type AdminRun<S extends z.ZodType> = (principal: Principal, input: z.infer<S>, ctx: RequestContext) => Promise<Record<string, unknown>>;

/**
 * A seed 004 admin function: authenticate (admin secret or API key), take a token from the
 * key's rate-limit bucket (shared with v1), validate the parameters
 * (query and body together, credentials removed), call the service, answer `{success:true,…}`.
 * Errors use the `{success:false, error}` shape.
 */
export function adminEndpoint<S extends z.ZodType>(
  options: AdminEndpointOptions<S>,
  run: AdminRun<S>,
) {
  return httpEndpoint({ name: options.name, methods: options.methods, errorShape: 'success' }, async (ctx) => {
    const principal = await throttledAuthentication(ctx.ip, ctx.log, () => authenticate(presentedCredentials(ctx), options.operatorSecret()));
    assertRole(principal, adminFunctionRole(options.name));
    // The key's one bucket, shared with v1: every door a key opens counts against it. The
    // operator's own calls (the local stack's fixtures, scripts) are not limited here.
    if (principal.kind === 'account') takeApiKeyRateLimit(principalBucket(principal));
    const params = { ...withoutCredentials(ctx.query), ...withoutCredentials(ctx.body) };
    const input = parseInput(options.input, params);
    const result = await run(principal, input, ctx);
    return { status: 200, body: { success: true, ...result } };
  });
}
