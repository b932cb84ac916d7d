import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { EndpointResult, HttpMethod, RequestContext } from '../../../functions/src/http/endpoint.js';
import { operations, Router, type RoutedOperation } from '../../../functions/src/http/router.js';
import { apiErrorOf, apiErrorOfAsync } from '../apiErrors.js';

/** The router reads only the method of the request context. */
const ctx = (method: HttpMethod) => ({ method }) as RequestContext;

interface Seen {
  route: string;
  params: Record<string, string>;
  extra: string;
}

function router(): Router<string> {
  const answer = (route: string) => async (_ctx: RequestContext, params: Record<string, string>, extra: string): Promise<EndpointResult> => ({
    body: { route, params, extra } satisfies Seen,
  });
  return new Router<string>()
    .on('GET', '/apps', answer('listApps'))
    .on('POST', '/apps', answer('createApp'))
    .on('GET', '/apps/:appId/licenses/:key', answer('getLicense'))
    .on('DELETE', '/apps/:appId/licenses/:key', answer('deleteLicense'))
    .on('GET', '/apps/:appId/licenses/export', answer('exportLicenses'))
    .on('GET', '/', answer('root'));
}

async function handled(method: HttpMethod, path: string): Promise<Seen> {
  return (await router().handle(ctx(method), path, 'extra!')).body as Seen;
}

const refused = (method: HttpMethod, path: string) => apiErrorOfAsync(() => router().handle(ctx(method), path, 'extra!'));

describe('Router', () => {
  it('lists its routes in declaration order', () => {
    expect(router().list().slice(0, 3)).toEqual([
      { method: 'GET', pattern: '/apps' },
      { method: 'POST', pattern: '/apps' },
      { method: 'GET', pattern: '/apps/:appId/licenses/:key' },
    ]);
    expect(router().list()).toHaveLength(6);
  });

  it('routes by method and path, passing the context and the extra argument', async () => {
    expect(await handled('GET', '/apps')).toEqual({ route: 'listApps', params: {}, extra: 'extra!' });
    expect((await handled('POST', '/apps')).route).toBe('createApp');
    const seen: RequestContext[] = [];
    const single = new Router<null>().on('PATCH', '/x', async (context) => {
      seen.push(context);
      return { body: null };
    });
    const context = ctx('PATCH');
    await single.handle(context, '/x', null);
    expect(seen).toEqual([context]);
    expect(seen[0]).toBe(context);
  });

  it('captures and URL-decodes path parameters', async () => {
    expect(await handled('GET', '/apps/app_1/licenses/A3K9%20BFWX')).toEqual({
      route: 'getLicense',
      params: { appId: 'app_1', key: 'A3K9 BFWX' },
      extra: 'extra!',
    });
    expect((await handled('DELETE', '/apps/app_1/licenses/k%2Fslash')).params).toEqual({ appId: 'app_1', key: 'k/slash' });
  });

  it('takes the first declared route that matches', async () => {
    expect(await handled('GET', '/apps/app_1/licenses/export')).toMatchObject({ route: 'getLicense', params: { key: 'export' } });
  });

  it('ignores empty segments (leading, trailing and doubled slashes)', async () => {
    expect((await handled('GET', 'apps')).route).toBe('listApps');
    expect((await handled('GET', '/apps/')).route).toBe('listApps');
    expect((await handled('GET', '//apps//app_1/licenses/K/')).params).toEqual({ appId: 'app_1', key: 'K' });
    expect((await handled('GET', '')).route).toBe('root');
    expect((await handled('GET', '/')).route).toBe('root');
  });

  it('answers 404 not_found for an unknown path', async () => {
    for (const path of ['/nope', '/apps/app_1', '/apps/app_1/licenses', '/apps/app_1/licenses/K/extra', '/APPS', '/app']) {
      const error = await refused('GET', path);
      expect(error.code).toBe('not_found');
      expect(error.status).toBe(404);
      expect(error.message).toBe(`No route GET ${path}`);
    }
  });

  it('answers 404 when a parameter is not valid percent-encoding', async () => {
    const error = await refused('GET', '/apps/%E0%A4%A/licenses/K');
    expect(error.code).toBe('not_found');
  });

  it('answers 405 with the allowed methods for a known path and another method', async () => {
    const error = await refused('DELETE', '/apps');
    expect(error.code).toBe('method_not_allowed');
    expect(error.status).toBe(405);
    expect(error.message).toBe('Method DELETE not allowed here; use GET, POST');
    expect(error.allow).toBe('GET, POST');
    expect((await refused('PUT', '/apps/a/licenses/b')).allow).toBe('GET, DELETE');
    expect((await refused('PUT', '/apps/a/licenses/export')).allow).toBe('GET, DELETE');
  });

  it('assertMethodServed: 405 for a served path and another method; nothing for a served method or an unknown path', () => {
    const r = router();
    const error = apiErrorOf(() => r.assertMethodServed('PATCH', '/apps/a/licenses/export'));
    expect(error).toMatchObject({ code: 'method_not_allowed', status: 405, allow: 'GET, DELETE', message: 'Method PATCH not allowed here; use GET, DELETE' });
    expect(() => r.assertMethodServed('DELETE', '/apps/a/licenses/b')).not.toThrow();
    expect(() => r.assertMethodServed('GET', '/nowhere')).not.toThrow();
  });

  it('lists the methods served at a path in declaration order, none for a path no route matches', () => {
    const r = router();
    expect(r.methodsAt('/apps')).toEqual(['GET', 'POST']);
    expect(r.methodsAt('//apps/a/licenses/b/')).toEqual(['GET', 'DELETE']);
    // "export" is also a :key: three routes match, two of them GET, which is listed once.
    expect(r.methodsAt('/apps/a/licenses/export')).toEqual(['GET', 'DELETE']);
    expect(r.methodsAt('/')).toEqual(['GET']);
    expect(r.methodsAt('/apps/a')).toEqual([]);
    expect(new Router<null>().methodsAt('/apps')).toEqual([]);
  });

  it('says whether any route matches a path, whatever the method', () => {
    const r = router();
    expect(r.matches('/apps')).toBe(true);
    expect(r.matches('/apps/a/licenses/b')).toBe(true);
    expect(r.matches('/apps/a/licenses/b/')).toBe(true);
    expect(r.matches('/apps/a')).toBe(false);
    expect(r.matches('/apps/%E0%A4%A/licenses/b')).toBe(false);
    expect(new Router<null>().matches('/')).toBe(false);
  });
});

describe('operations', () => {
  const appId = z.string().regex(/^app_/);
  const licenseKey = z.string().min(3);
  const pathSchema = z.object({ appId, licenseKey });
  const querySchema = z.object({ limit: z.coerce.number().int().max(10) });
  const bodySchema = z.object({ note: z.string(), tag: z.string().optional() });
  const spec = {
    method: 'POST' as const,
    path: '/apps/:appId/licenses/:licenseKey',
    summary: 'Note a license',
    tag: 'Licenses',
    response: z.object({}),
    status: 200,
    errors: [400],
  };
  const request = (query: Record<string, unknown>, body: Record<string, unknown>) => ({ method: 'POST', query, body }) as RequestContext;
  // Declared in beforeEach, not while collecting: a describe body that throws fails no test by
  // name, and Stryker would count the mutant that made it throw as surviving.
  let declared: ReturnType<typeof operations<string>>;
  let echo: RoutedOperation<string>;
  beforeEach(() => {
    declared = operations<string>();
    echo = declared({
      ...spec,
      params: pathSchema,
      query: querySchema,
      body: bodySchema,
      run: async (parsed) => ({ body: parsed }),
    });
  });
  const goodParams = { appId: 'app_1', licenseKey: 'KEY' };

  it('keeps the operation’s documentation and drops run and bodyInQuery', () => {
    const routed = declared({ ...spec, bodyInQuery: true, run: async () => ({ body: null }) });
    expect(routed).toMatchObject({ method: 'POST', path: spec.path, summary: 'Note a license', tag: 'Licenses', status: 200, errors: [400] });
    expect(routed.response).toBe(spec.response);
    expect(Object.keys(routed).sort()).toEqual(['errors', 'handler', 'method', 'path', 'response', 'status', 'summary', 'tag']);
    expect(Object.keys(echo).sort()).toEqual(['body', 'errors', 'handler', 'method', 'params', 'path', 'query', 'response', 'status', 'summary', 'tag']);
  });

  it('hands run the parsed params, query and body, the context and the extra value', async () => {
    const ctx = request({ limit: '7' }, { note: 'hi', extra: 1 });
    const result = (await echo.handler(ctx, goodParams, 'principal')).body as Record<string, unknown>;
    expect(result).toEqual({ ctx, params: goodParams, query: { limit: 7 }, body: { note: 'hi' }, extra: 'principal' });
    expect(result.ctx).toBe(ctx);
  });

  it('hands undefined for what the operation does not declare', async () => {
    const bare = declared({ ...spec, run: async (parsed) => ({ body: parsed }) });
    const result = (await bare.handler(request({ limit: 'x' }, { note: 1 }), { appId: 'bad' }, 'p')).body as Record<string, unknown>;
    expect(result.params).toBeUndefined();
    expect(result.query).toBeUndefined();
    expect(result.body).toBeUndefined();
  });

  it('answers 400 naming the first bad path parameter in words', async () => {
    const error = await apiErrorOfAsync(() => echo.handler(request({ limit: '1' }, { note: 'n' }), { appId: 'nope', licenseKey: 'K' }, 'p'));
    expect(error.code).toBe('bad_request');
    expect(error.message).toBe(`Invalid app id: ${appId.safeParse('nope').error?.issues[0]?.message}`);
    const second = await apiErrorOfAsync(() => echo.handler(request({ limit: '1' }, { note: 'n' }), { appId: 'app_1', licenseKey: 'K' }, 'p'));
    expect(second.message).toBe(`Invalid license key: ${licenseKey.safeParse('K').error?.issues[0]?.message}`);
  });

  it('lists every issue of the bad parameter, and only of that one', async () => {
    const strict = z.object({ keyId: z.string().min(5).regex(/^k/), other: z.string().min(5) });
    const op = declared({ ...spec, params: strict, run: async () => ({ body: null }) });
    const error = await apiErrorOfAsync(() => op.handler(request({}, {}), { keyId: 'x', other: 'y' }, 'p'));
    const issues = strict.shape.keyId.safeParse('x').error?.issues.map((issue) => issue.message) ?? [];
    expect(issues).toHaveLength(2);
    expect(error.message).toBe(`Invalid key id: ${issues.join('; ')}`);
  });

  it('says "path" when the failing check is on the parameters as a whole', async () => {
    const whole = z.object({ a: z.string() }).refine(() => false, 'never');
    const op = declared({ ...spec, params: whole, run: async () => ({ body: null }) });
    expect((await apiErrorOfAsync(() => op.handler(request({}, {}), { a: 'x' }, 'p'))).message).toBe('Invalid path: ');
  });

  it('parses the path, then the query, then the body', async () => {
    const badAll = request({ limit: 'many' }, { note: 5 });
    expect((await apiErrorOfAsync(() => echo.handler(badAll, { appId: 'x', licenseKey: 'KEY' }, 'p'))).message).toMatch(/^Invalid app id: /);
    expect((await apiErrorOfAsync(() => echo.handler(badAll, goodParams, 'p'))).message).toMatch(/^Invalid query: limit: /);
    expect((await apiErrorOfAsync(() => echo.handler(request({ limit: '1' }, { note: 5 }), goodParams, 'p'))).message).toMatch(/^Invalid request: note: /);
  });

  it('reads body fields from the query string when bodyInQuery is set, the body winning', async () => {
    const op = declared({ ...spec, body: bodySchema, bodyInQuery: true, run: async ({ body }) => ({ body }) });
    expect((await op.handler(request({ note: 'from query', tag: 'q' }, { tag: 'b' }), {}, 'p')).body).toEqual({ note: 'from query', tag: 'b' });
    expect((await echo.handler(request({ limit: '1', note: 'from query' }, { note: 'body' }), goodParams, 'p')).body).toMatchObject({ body: { note: 'body' } });
    const error = await apiErrorOfAsync(() => echo.handler(request({ limit: '1', note: 'from query' }, {}), goodParams, 'p'));
    expect(error.message).toMatch(/^Invalid request: note: /);
  });
});
