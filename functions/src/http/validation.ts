import { z } from 'zod';
import { ApiError } from '../domain/errors.js';

/** Turns zod issues into one short sentence a developer can act on. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Parses input with a schema; invalid input becomes a 400 with the reasons. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ApiError('bad_request', `Invalid ${what}: ${describeIssues(result.error)}`);
  }
  return result.data;
}

/** Keys that could poison an object's prototype if a consumer merged them. */
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

/** Rejects hostile JSON: prototype keys anywhere, or nesting deeper than maxDepth. */
export function assertSafeJson(value: unknown, maxDepth: number, depth = 0): void {
  if (depth > maxDepth) throw new ApiError('bad_request', `JSON nested deeper than ${maxDepth} levels`);
  if (Array.isArray(value)) {
    for (const item of value) assertSafeJson(item, maxDepth, depth + 1);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      if (forbiddenKeys.has(key)) throw new ApiError('bad_request', `Forbidden key "${key}" in request body`);
      assertSafeJson((value as Record<string, unknown>)[key], maxDepth, depth + 1);
    }
  }
}
