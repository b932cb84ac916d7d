import { describe, expect, it } from 'vitest';
import type { EndpointResult, HttpMethod, RequestContext } from '../../../functions/src/http/endpoint.js';
import { ApiError } from '../../../functions/src/http/errors.js';
import { Router } from '../../../functions/src/http/router.js';

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

async function refused(method: HttpMethod, path: string): Promise<ApiError> {
  try {
    await router().handle(ctx(method), path, 'extra!');
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error(`${method} ${path} was routed`);
}

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
    expect(error.details).toEqual({ allow: 'GET, POST' });
    expect((await refused('PUT', '/apps/a/licenses/b')).details).toEqual({ allow: 'GET, DELETE' });
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
