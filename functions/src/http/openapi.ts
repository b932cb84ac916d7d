import { z } from 'zod';
import type { HttpMethod } from './endpoint.js';

/** One documented operation: the same schemas validate the request at run time. */
export interface OperationSpec {
  method: HttpMethod;
  /** Router pattern, `:param` style. */
  path: string;
  summary: string;
  tag: string;
  /** The `:param` segments' schemas, by name (a segment without one is documented as a string). */
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  response: z.ZodType;
  status: number;
  errors: number[];
  /** Public operations need no API key. */
  public?: boolean;
  /** `portal`: the customer portal's buyer token (kwp_…) instead of an API key. */
  auth?: 'portal';
}

const errorDescriptions: Record<number, string> = {
  400: 'bad_request: invalid or missing parameters',
  401: 'unauthorized: missing or invalid API key',
  402: 'no_credits: insufficient credits',
  403: 'forbidden: the app does not belong to your account',
  404: 'not_found: resource not found',
  405: 'method not allowed',
  409: 'conflict: resource already exists or limit reached',
  410: 'revoked or expired: the license can no longer be used',
  413: 'payload too large',
  415: 'unsupported media type',
  429: 'rate_limited: retry after the Retry-After header',
};

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;

/** Strips the per-schema `$schema` key: OpenAPI 3.1 documents use the dialect set at the top. */
function schemaObject(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = jsonSchema(schema, io);
  return rest;
}

function pathParamSchema(operation: OperationSpec, name: string): Record<string, unknown> {
  const schema = operation.params?.shape[name] as z.ZodType | undefined;
  return schema ? schemaObject(schema, 'input') : { type: 'string' };
}

/** Builds an OpenAPI 3.1 document from the operation specs and their zod schemas. */
export function openApiDocument(options: { title: string; version: string; serverUrl: string; errorSchema: z.ZodType }, operations: OperationSpec[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const path = operation.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const pathParams = [...operation.path.matchAll(/:([A-Za-z]+)/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: pathParamSchema(operation, match[1] ?? ''),
    }));
    const queryParams = operation.query
      ? Object.entries(operation.query.shape).map(([name, schema]) => ({
          name,
          in: 'query',
          required: !(schema as z.ZodType).safeParse(undefined).success,
          schema: schemaObject(schema as z.ZodType, 'input'),
        }))
      : [];
    const responses: Record<string, unknown> = {
      [String(operation.status)]: {
        description: 'Success',
        content: { 'application/json': { schema: schemaObject(operation.response, 'output') } },
      },
    };
    for (const status of operation.errors) {
      responses[String(status)] = {
        description: errorDescriptions[status] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const method = operation.method.toLowerCase();
    paths[path] ??= {};
    paths[path][method] = {
      operationId: `${method}${path.replace(/[{}]/g, '').replace(/\/(\w)/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}`,
      summary: operation.summary,
      tags: [operation.tag],
      ...(operation.public ? { security: [] } : operation.auth === 'portal' ? { security: [{ portalToken: [] }] } : {}),
      parameters: [...pathParams, ...queryParams],
      ...(operation.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: schemaObject(operation.body, 'input') } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: options.title, version: options.version },
    servers: [{ url: options.serverUrl }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (af_live_…), or a console user\'s Firebase ID token with the account in the X-Keywarden-Account header',
        },
        portalToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'A customer portal buyer token (kwp_…) from POST /portal/sign-in or /portal/sign-in/license-key, good for one hour',
        },
      },
      schemas: { Error: schemaObject(options.errorSchema, 'output') },
    },
    paths,
  };
}
