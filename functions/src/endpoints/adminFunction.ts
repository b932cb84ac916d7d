import type { z } from 'zod';
import { onRequest } from 'firebase-functions/v2/https';
import { adminEndpoint, type AdminRun } from '../http/adminEndpoint.js';
import type { HttpMethod } from '../http/endpoint.js';
import { adminFunctionOptions, operatorSecret } from './options.js';

/**
 * Declares one seed 004 admin function: the admin deployment options, the operator secret,
 * authentication, the role the function's name needs, and the `{success:…}` shape. `name` must
 * be the name it is exported under (the role and the logs use it).
 */
function adminFunction<S extends z.ZodType>(name: string, methods: readonly HttpMethod[], input: S, run: AdminRun<S>) {
  return onRequest(adminFunctionOptions, adminEndpoint({ name, methods, input, operatorSecret }, run));
}

/** An admin function that changes something: POST only. */
export const adminChange = <S extends z.ZodType>(name: string, input: S, run: AdminRun<S>) => adminFunction(name, ['POST'], input, run);

/** An admin function that only reads: GET (parameters in the query) or POST. */
export const adminRead = <S extends z.ZodType>(name: string, input: S, run: AdminRun<S>) => adminFunction(name, ['GET', 'POST'], input, run);
