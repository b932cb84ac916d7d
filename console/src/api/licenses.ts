/** Licenses: the paged list with filters, one license and everything done to it. */
import { api, ok } from './client';
import type { paths } from './v1';
import type { AnswerOf, Variables } from './types';

export type License = paths['/licenses/{licenseKey}']['get']['responses'][200]['content']['application/json'];
export type LicenseStatus = License['status'];
export type CreateLicenses = paths['/licenses']['post']['requestBody']['content']['application/json'];
export type LicenseAction = paths['/licenses/{licenseKey}']['put']['requestBody']['content']['application/json'];
export type MintOfflineFile = paths['/licenses/{licenseKey}/offline-files']['post']['requestBody']['content']['application/json'];

type ListQuery = paths['/licenses']['get']['parameters']['query'];
/** The list's filters and search (server-side: every page is filtered by the API, not here). */
export type LicenseFilters = Pick<ListQuery, 'status' | 'variantId' | 'expiresBefore' | 'q'>;
export type Simulation = AnswerOf<'/licenses/{licenseKey}/simulate', 'post'>;
export type LogEntry = AnswerOf<'/licenses/{licenseKey}/logs', 'get'>['logs'][number];

const license = (licenseKey: string) => ({ params: { path: { licenseKey } } });

export const licenses = {
  list(appId: string, filters: LicenseFilters, page: { limit: number; cursor?: string }) {
    const query: ListQuery = { appId, limit: page.limit, ...(page.cursor ? { cursor: page.cursor } : {}), ...filters };
    return ok(api.GET('/licenses', { params: { query } }));
  },
  create: (body: CreateLicenses) => ok(api.POST('/licenses', { body })),
  get: (licenseKey: string) => ok(api.GET('/licenses/{licenseKey}', license(licenseKey))),
  act: (licenseKey: string, body: LicenseAction) => ok(api.PUT('/licenses/{licenseKey}', { ...license(licenseKey), body })),
  remove: (licenseKey: string) => ok(api.DELETE('/licenses/{licenseKey}', license(licenseKey))),
  logs: (licenseKey: string, page: { limit: number; cursor?: string }) =>
    ok(api.GET('/licenses/{licenseKey}/logs', { params: { path: { licenseKey }, query: { limit: page.limit, ...(page.cursor ? { cursor: page.cursor } : {}) } } })),
  variables: (licenseKey: string) => ok(api.GET('/licenses/{licenseKey}/variables', license(licenseKey))),
  setVariables: (licenseKey: string, variables: Variables) => ok(api.PUT('/licenses/{licenseKey}/variables', { ...license(licenseKey), body: { variables } })),
  offlineFiles: (licenseKey: string) => ok(api.GET('/licenses/{licenseKey}/offline-files', { params: { path: { licenseKey }, query: { limit: 50 } } })),
  mintOfflineFile: (licenseKey: string, body: MintOfflineFile) => ok(api.POST('/licenses/{licenseKey}/offline-files', { ...license(licenseKey), body })),
  releaseDevice: (licenseKey: string, hwid: string) => ok(api.DELETE('/licenses/{licenseKey}/devices/{hwid}', { params: { path: { licenseKey, hwid } } })),
  simulate: (licenseKey: string, hwid: string, ip?: string) =>
    ok(api.POST('/licenses/{licenseKey}/simulate', { ...license(licenseKey), body: { hwid, ...(ip ? { ip } : {}) } })),
};
