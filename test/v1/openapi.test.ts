/**
 * GET /v1/openapi.json: public, a valid OpenAPI 3.1 document, covering exactly the routes the
 * `v1` function serves, and generated from the same zod schemas that validate requests.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonResponse } from '../support/http.js';
import { createV1License, expectStatus, expectV1Error, routeId, tenant, unknownAppId, unknownLicenseKey, v1, v1Routes, type RouteSpec } from './v1Support.js';

type JsonObject = Record<string, unknown>;

interface Operation {
  operationId: string;
  summary: string;
  security?: unknown[];
  parameters: Array<{ name: string; in: string; required: boolean; schema: JsonObject }>;
  requestBody?: { required: boolean; content: { 'application/json': { schema: JsonObject } } };
  responses: Record<string, { description: string; content?: { 'application/json': { schema: JsonObject } } }>;
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  servers: Array<{ url: string }>;
  security: unknown[];
  components: { securitySchemes: Record<string, JsonObject>; schemas: Record<string, JsonObject> };
  paths: Record<string, Record<string, Operation>>;
}

const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;

let response: JsonResponse;
let doc: OpenApiDocument;

function operation(method: string, path: string): Operation {
  const found = doc.paths[path]?.[method.toLowerCase()];
  if (!found) throw new Error(`${method} ${path} is not documented`);
  return found;
}

/** Every documented operation as [METHOD, path]. */
function documentedOperations(): Array<[string, string]> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    methods.filter((method) => item[method]).map((method): [string, string] => [method.toUpperCase(), path]),
  );
}

/** A documented path with a plausible value in each {parameter}. */
const concrete = (path: string) =>
  path.replace('{licenseKey}', unknownLicenseKey()).replace('{appId}', unknownAppId()).replace(/\{(\w+)\}/g, (_, name: string) => `${name.slice(0, 2)}_placeholder0001`);

const properties = (schema: JsonObject | undefined) => (schema?.properties ?? {}) as Record<string, JsonObject>;
const successSchema = (op: Operation, status: string) => op.responses[status]?.content?.['application/json'].schema;

beforeAll(async () => {
  // Public: no API key.
  response = await v1(undefined, 'GET', '/openapi.json');
  doc = response.body as unknown as OpenApiDocument;
});

describe('GET /v1/openapi.json', () => {
  it('is served without an API key, as JSON', () => {
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as JsonObject);
    expect(result.errors ?? [], JSON.stringify(result.errors ?? null).slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toMatch(/\S/);
    expect(doc.servers).toEqual([{ url: '/v1' }]);

    // The validator does check: a broken copy fails.
    const broken = JSON.parse(JSON.stringify(doc)) as OpenApiDocument;
    (broken.paths['/licenses'] as unknown as JsonObject).post = { responses: 'none' };
    expect((await new Validator().validate(broken as unknown as JsonObject)).valid).toBe(false);
  });

  it('documents every route these tests exercise, each once, with unique operation ids', () => {
    const documented = documentedOperations().map(([method, path]) => `${method} ${path}`);
    expect(documented).toEqual(expect.arrayContaining([...v1Routes.map(routeId), 'GET /openapi.json']));
    expect(new Set(documented).size).toBe(documented.length);
    const operationIds = documentedOperations().map(([method, path]) => operation(method, path).operationId);
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it('every documented operation is served: without a key each answers 401, not 404 or 405', async () => {
    for (const [method, path] of documentedOperations()) {
      // The public operations (this document, the console's sign-in settings, the portal's sign-in) need no credential.
      if (operation(method, path).security?.length === 0) continue;
      const served = await v1(undefined, method, concrete(path), method === 'GET' || method === 'DELETE' ? {} : { body: {} });
      expectV1Error(served, 401, 'unauthorized');
    }
  });

  it('the router serves nothing undocumented: other methods on documented paths answer 405 with the documented Allow', async () => {
    const { account } = await tenant();
    for (const [path, item] of Object.entries(doc.paths)) {
      if (path === '/openapi.json') continue;
      const allowed = methods.filter((method) => item[method]).map((method) => method.toUpperCase());
      for (const method of ['GET', 'POST', 'PUT', 'DELETE'].filter((candidate) => !allowed.includes(candidate))) {
        const refused = await v1(account.apiKey, method, concrete(path), method === 'GET' || method === 'DELETE' ? {} : { body: {} });
        expectV1Error(refused, 405, 'method_not_allowed');
        expect((refused.headers.get('allow') ?? '').split(/,\s*/).sort(), `${method} ${path}`).toEqual([...allowed].sort());
      }
    }
    for (const path of ['/license', '/licenses/A/B/C', '/apps/x/nope', '/apps/x/webhooks/y/z', '/openapi.yaml']) {
      expectV1Error(await v1(account.apiKey, 'GET', path), 404, 'not_found');
    }
  });

  it('declares Bearer auth for every operation but itself, and the documented statuses', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(operation('GET', '/openapi.json').security).toEqual([]);
    for (const route of v1Routes) {
      const op = operation(route.method, route.path);
      expect(op.security, routeId(route)).toBeUndefined();
      expect(Object.keys(op.responses), routeId(route)).toEqual(expect.arrayContaining(['401', '403', '429']));
      for (const [status, answer] of Object.entries(op.responses)) {
        if (Number(status) >= 400) expect(answer.content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
    expect(Object.keys(operation('POST', '/licenses').responses).sort()).toEqual(['201', '400', '401', '402', '403', '404', '429']);
    expect(operation('POST', '/apps/{appId}/webhooks').responses).toHaveProperty('409');
    expect(operation('POST', '/apps/{appId}/webhooks/{webhookId}/test').responses).toHaveProperty('202');
    const error = doc.components.schemas.Error;
    expect(Object.keys(properties(error)).sort()).toEqual(['error', 'message']);
    expect(error?.required).toEqual(expect.arrayContaining(['error', 'message']));
  });

  it('POST /licenses carries the zod limits: quantity 1–100, maxHwidSlots 1–16, label ≤128, appId required', () => {
    const schema = operation('POST', '/licenses').requestBody?.content['application/json'].schema;
    const fields = properties(schema);
    expect(fields.quantity).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 1 });
    expect(fields.maxHwidSlots).toMatchObject({ type: 'integer', minimum: 1, maximum: 16, default: 1 });
    expect(fields.label).toMatchObject({ type: 'string', maxLength: 128 });
    expect(fields.unlimitedHwidSlots).toMatchObject({ type: 'boolean', default: false });
    expect(JSON.stringify(fields.expiresAt)).toContain('"null"');
    expect(schema?.required).toEqual(['appId']);
    expect(schema?.additionalProperties).toBe(false);
  });

  it('GET /licenses documents appId (required), limit 1–200 (default 50) and cursor', () => {
    const parameters = operation('GET', '/licenses').parameters;
    const byName = Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter]));
    expect(byName.appId).toMatchObject({ in: 'query', required: true });
    expect(byName.limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } });
    expect(byName.cursor).toMatchObject({ in: 'query', required: false });
    const logs = operation('GET', '/licenses/{licenseKey}/logs').parameters.map((parameter) => `${parameter.in}:${parameter.name}`);
    expect(logs.sort()).toEqual(['path:licenseKey', 'query:cursor', 'query:limit']);
  });

  it('PUT /licenses/{licenseKey} documents the four actions, extend taking expiresAt or durationDays', () => {
    const schema = operation('PUT', '/licenses/{licenseKey}').requestBody?.content['application/json'].schema;
    const variants = (schema?.oneOf ?? schema?.anyOf) as JsonObject[] | undefined;
    expect(variants).toHaveLength(4);
    const byAction = Object.fromEntries((variants ?? []).map((variant) => [String(properties(variant).action?.const), variant]));
    expect(Object.keys(byAction).sort()).toEqual(['activate', 'extend', 'reset-hwid', 'revoke']);
    expect(byAction.extend?.required).toEqual(expect.arrayContaining(['action']));
    // Exactly one of the two (README, License policies: Renewals); the schema's refinement checks it.
    expect(Object.keys(properties(byAction.extend ?? {})).sort()).toEqual(['action', 'durationDays', 'expiresAt']);
  });

  it('documents the same fields the API answers with', async () => {
    const { account, appId } = await tenant();
    const key = await createV1License(account.apiKey, appId);
    const checks: Array<[RouteSpec, string, string, JsonResponse]> = [
      [{ method: 'GET', path: '/licenses/{licenseKey}' }, '200', 'license', await v1(account.apiKey, 'GET', `/licenses/${key}`)],
      [{ method: 'GET', path: '/licenses' }, '200', 'list', await v1(account.apiKey, 'GET', '/licenses', { query: { appId } })],
      [{ method: 'GET', path: '/licenses/{licenseKey}/logs' }, '200', 'logs', await v1(account.apiKey, 'GET', `/licenses/${key}/logs`)],
      [{ method: 'GET', path: '/apps/{appId}/security' }, '200', 'security', await v1(account.apiKey, 'GET', `/apps/${appId}/security`)],
      [
        { method: 'POST', path: '/apps/{appId}/webhooks' },
        '201',
        'webhook',
        await v1(account.apiKey, 'POST', `/apps/${appId}/webhooks`, { body: { url: 'http://127.0.0.1:9/openapi-check' } }),
      ],
      [{ method: 'DELETE', path: '/licenses/{licenseKey}' }, '200', 'delete', await v1(account.apiKey, 'DELETE', `/licenses/${key}`)],
    ];
    for (const [route, status, label, answer] of checks) {
      expectStatus(answer, Number(status));
      const documented = Object.keys(properties(successSchema(operation(route.method, route.path), status))).sort();
      expect(documented.length, label).toBeGreaterThan(0);
      expect(Object.keys(answer.body).filter((name) => documented.includes(name)).sort(), label).toEqual(documented);
    }
    const license = checks[0]?.[3].body ?? {};
    const documentedLicense = Object.keys(properties(successSchema(operation('GET', '/licenses/{licenseKey}'), '200'))).sort();
    expect(Object.keys(license).sort()).toEqual(documentedLicense);
  });

  it('answers 405 to other methods on the document', async () => {
    const posted = await v1(undefined, 'POST', '/openapi.json', { body: {} });
    expectV1Error(posted, 405, 'method_not_allowed');
    expect(posted.headers.get('allow')).toBe('GET');
  });
});
