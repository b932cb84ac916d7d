import type { z } from 'zod';
import type { ClientContext } from '../services/client/callers.js';
import { assertNoClientCredentialsInUrl } from './credentials.js';
import { httpEndpoint, type HttpMethod } from './endpoint.js';
import { parseInput } from './validation.js';

/**
 * A seed 004 client function: no credentials (the key is one, taken from the body only, never
 * the URL), validated input, and the `{valid:…}` (verify, validate) or `{success:…}` (activate,
 * deactivate, heartbeat) shape.
 */
export function clientEndpoint<S extends z.ZodType>(
  options: { name: string; shape: 'valid' | 'success'; input: S; methods?: readonly HttpMethod[] },
  run: (input: z.infer<S>, ctx: ClientContext) => Promise<Record<string, unknown>>,
) {
  return httpEndpoint({ name: options.name, methods: options.methods ?? ['POST'], errorShape: options.shape }, async (ctx) => {
    assertNoClientCredentialsInUrl(ctx.query);
    const input = parseInput(options.input, { ...ctx.query, ...ctx.body });
    const result = await run(input, { ip: ctx.ip, requestId: ctx.requestId, log: ctx.log });
    return { body: { [options.shape]: true, ...result } };
  });
}
