import { z } from 'zod';
import { ApiError } from '../domain/errors.js';
import type { EndpointResult, HttpMethod, RequestContext } from './endpoint.js';
import type { OperationSpec } from './openapi.js';
import { describeIssues, parseInput } from './validation.js';

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

  /** The methods some route serves at the path, each once, in declaration order (empty when no route matches it). */
  methodsAt(path: string): HttpMethod[] {
    const parts = path.split('/').filter(Boolean);
    return [...new Set(this.routes.filter((route) => matchSegments(route.segments, parts) !== undefined).map((route) => route.method))];
  }

  /** 405 with the methods the path serves, when it serves some but not this one (checked before any credential). */
  assertMethodServed(method: string, path: string): void {
    const allowed = this.methodsAt(path);
    if (allowed.length > 0 && !allowed.includes(method as HttpMethod)) {
      throw new ApiError('method_not_allowed', `Method ${method} not allowed here; use ${allowed.join(', ')}`, { allow: allowed.join(', ') });
    }
  }

  /** True when some route matches the path, whatever its method. */
  matches(path: string): boolean {
    const parts = path.split('/').filter(Boolean);
    return this.routes.some((route) => matchSegments(route.segments, parts) !== undefined);
  }

  async handle(ctx: RequestContext, path: string, extra: T): Promise<EndpointResult> {
    const parts = path.split('/').filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== ctx.method) continue;
      const params = matchSegments(route.segments, parts);
      if (params) return route.handler(ctx, params, extra);
    }
    this.assertMethodServed(ctx.method, path);
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

type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

/** A request as its operation declares it: path parameters, query and body parsed by its schemas. */
export interface OperationRequest<P, Q, B, T> {
  ctx: RequestContext;
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  /** What the function hands every route (the v1 function: the authenticated principal). */
  extra: T;
}

/** One documented operation and what it does with the request its schemas accept. */
export interface Operation<P extends z.ZodObject | undefined, Q extends z.ZodObject | undefined, B extends z.ZodType | undefined, T>
  extends OperationSpec {
  params?: P;
  query?: Q;
  body?: B;
  /** Some clients drop a DELETE's body: its fields may come in the query string instead. */
  bodyInQuery?: boolean;
  run: (request: OperationRequest<P, Q, B, T>) => Promise<EndpointResult>;
}

/** An operation ready for `Router.on`: its documentation and a handler that parses before it runs. */
export interface RoutedOperation<T> extends OperationSpec {
  handler: RouteHandler<T>;
}

/** `licenseKey` → "license key": how a path parameter is named in a 400's message. */
const spoken = (name: string) => name.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`);

/** Path parameters, checked in declaration order; a 400 names the first bad one ("Invalid app id: …"). */
function parsePathParams<P extends z.ZodObject>(schema: P, raw: Record<string, string>): z.infer<P> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const name = String(result.error.issues[0]?.path[0] ?? 'path');
  const issues = result.error.issues.filter((issue) => issue.path[0] === name).map((issue) => ({ ...issue, path: issue.path.slice(1) }));
  throw new ApiError('bad_request', `Invalid ${spoken(name)}: ${describeIssues(new z.ZodError(issues))}`);
}

function parseDeclared<S extends z.ZodType | undefined>(schema: S | undefined, parse: (schema: z.ZodType) => unknown): Parsed<S> {
  return (schema ? parse(schema) : undefined) as Parsed<S>;
}

/**
 * Declares operations whose routes receive `T`: the handler parses the path parameters, then
 * the query, then the body with the schemas the operation declares (the same ones its OpenAPI
 * entry is generated from) and hands `run` typed values; invalid input answers 400.
 */
export const operations =
  <T>() =>
  <P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
    operation: Operation<P, Q, B, T>,
  ): RoutedOperation<T> => {
    const { run, bodyInQuery, ...spec } = operation;
    return {
      ...spec,
      handler: (ctx, rawParams, extra) => {
        const params = parseDeclared<P>(operation.params, (schema) => parsePathParams(schema as z.ZodObject, rawParams));
        const query = parseDeclared<Q>(operation.query, (schema) => parseInput(schema, ctx.query, 'query'));
        const body = parseDeclared<B>(operation.body, (schema) => parseInput(schema, bodyInQuery ? { ...ctx.query, ...ctx.body } : ctx.body));
        return run({ ctx, params, query, body, extra });
      },
    };
  };
