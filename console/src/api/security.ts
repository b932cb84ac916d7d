/** Security lists, limits and client bans of a product. */
import { api, ok } from './client';
import type { paths } from './v1';

export type ListEntry = paths['/apps/{appId}/security/blacklist']['post']['requestBody']['content']['application/json'];
export type SecuritySettings = paths['/apps/{appId}/security']['put']['requestBody']['content']['application/json'];
const app = (appId: string) => ({ params: { path: { appId } } });

export const security = {
  get: (appId: string) => ok(api.GET('/apps/{appId}/security', app(appId))),
  update: (appId: string, body: SecuritySettings) => ok(api.PUT('/apps/{appId}/security', { ...app(appId), body })),
  add: (appId: string, list: 'blacklist' | 'whitelist', entry: ListEntry) =>
    list === 'blacklist'
      ? ok(api.POST('/apps/{appId}/security/blacklist', { ...app(appId), body: entry }))
      : ok(api.POST('/apps/{appId}/security/whitelist', { ...app(appId), body: entry })),
  // The entry travels as the DELETE's JSON body (the server also reads it from the query).
  remove: (appId: string, list: 'blacklist' | 'whitelist', entry: ListEntry) =>
    list === 'blacklist'
      ? ok(api.DELETE('/apps/{appId}/security/blacklist', { ...app(appId), body: entry }))
      : ok(api.DELETE('/apps/{appId}/security/whitelist', { ...app(appId), body: entry })),
  clientBans: (appId: string) => ok(api.GET('/apps/{appId}/client-bans', app(appId))),
  liftClientBan: (appId: string, entry: ListEntry) => ok(api.DELETE('/apps/{appId}/client-bans', { ...app(appId), body: entry })),
};
