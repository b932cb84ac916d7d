import { ApiError } from './errors.js';
import type { EndpointResult, HttpMethod, RequestContext } from './endpoint.js';

export type RouteHandler<T> = (ctx: RequestContext, params: Record<string, string>, extra: T) => Promise<EndpointResult>;

interface Route<T> {
  method: HttpMethod;
  pattern: string;
  segments: string[];
  handler: RouteHandler<T>;
}

/**
 * A small path router for functions that serve a REST surface (`v1`). Unknown paths answer
 * 404 `not_found`; a known path with another method answers 405 with the allowed methods.
 */
export class Router<T> {
  private readonly routes: Route<T>[] = [];

  on(method: HttpMethod, pattern: string, handler: RouteHandler<T>): this {
    this.routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** Every route's method and pattern, for documentation. */
  list(): Array<{ method: HttpMethod; pattern: string }> {
    return this.routes.map(({ method, pattern }) => ({ method, pattern }));
  }

  /** True when some route matches the path, whatever its method. */
  matches(path: string): boolean {
    const parts = path.split('/').filter(Boolean);
    return this.routes.some((route) => matchSegments(route.segments, parts) !== undefined);
  }

  async handle(ctx: RequestContext, path: string, extra: T): Promise<EndpointResult> {
    const parts = path.split('/').filter(Boolean);
    const allowed: HttpMethod[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === ctx.method) return route.handler(ctx, params, extra);
      allowed.push(route.method);
    }
    if (allowed.length > 0) {
      throw new ApiError('method_not_allowed', `Method ${ctx.method} not allowed here; use ${allowed.join(', ')}`, {
        details: { allow: allowed.join(', ') },
      });
    }
    throw new ApiError('not_found', `No route ${ctx.method} ${path}`);
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const expected = pattern[i] ?? '';
    const actual = parts[i] ?? '';
    if (expected.startsWith(':')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
      params[expected.slice(1)] = decoded;
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}
