/** Helpers for the offline-licensing end-to-end tests (v1 routes, real HTTP). */
import {
  mintedOfflineFileResponse,
  offlineFilesPageResponse,
  type MintedOfflineFileResponse,
  type OfflineFileResponse,
} from '../../functions/src/schemas/offlineFiles.js';
import { signingKeySetResponse, type SigningKeySetResponse } from '../../functions/src/schemas/signingKeys.js';
import { expectStatus, v1 } from '../v1/v1Support.js';

/** The shapes v1 documents and sends (the same zod schemas generate its OpenAPI document). */
export type OfflineFileView = OfflineFileResponse;
export type Minted = MintedOfflineFileResponse;
export type KeySet = SigningKeySetResponse;

export const mintRequest = (apiKey: string, licenseKey: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  v1(apiKey, 'POST', `/licenses/${licenseKey}/offline-files`, { body, headers });

/** POST /v1/licenses/:key/offline-files, asserting 201. */
export async function mint(apiKey: string, licenseKey: string, body: Record<string, unknown>): Promise<Minted> {
  const response = await mintRequest(apiKey, licenseKey, body);
  expectStatus(response, 201);
  return mintedOfflineFileResponse.parse(response.body);
}

export async function listFiles(apiKey: string, licenseKey: string, query: Record<string, string> = {}): Promise<{ offlineFiles: OfflineFileView[]; cursor: string | null }> {
  const response = await v1(apiKey, 'GET', `/licenses/${licenseKey}/offline-files`, { query });
  expectStatus(response, 200);
  return offlineFilesPageResponse.parse(response.body);
}

export async function keySet(apiKey: string, appId: string): Promise<KeySet> {
  const response = await v1(apiKey, 'GET', `/apps/${appId}/signing-keys`);
  expectStatus(response, 200);
  return signingKeySetResponse.parse(response.body);
}

export const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

