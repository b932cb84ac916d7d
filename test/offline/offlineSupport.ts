/** Helpers for the offline-licensing end-to-end tests (v1 routes, real HTTP). */
import { expectStatus, v1 } from '../v1/v1Support.js';

export interface OfflineFileView {
  jti: string;
  appId: string;
  licenseKey: string;
  keyId: string;
  hwid: { mode: 'bound'; hwids: string[] } | { mode: 'any' };
  issuedAt: string;
  expiresAt: string | null;
  mintedBy: string;
  activationRequest: { hwid: string; createdAt: string; machineName: string | null; os: string | null; sdk: string | null } | null;
  creditCharged: boolean;
}

export interface Minted {
  offlineFile: OfflineFileView;
  fileName: string;
  file: string;
}

export interface KeySet {
  appId: string;
  activeKeyId: string;
  publicKeys: string[];
  keys: Array<{ keyId: string; algorithm: string; publicKey: string; active: boolean; createdAt: string | null; retiredAt: string | null }>;
}

export const mintRequest = (apiKey: string, licenseKey: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  v1(apiKey, 'POST', `/licenses/${licenseKey}/offline-files`, { body, headers });

/** POST /v1/licenses/:key/offline-files, asserting 201. */
export async function mint(apiKey: string, licenseKey: string, body: Record<string, unknown>): Promise<Minted> {
  const response = await mintRequest(apiKey, licenseKey, body);
  expectStatus(response, 201);
  return response.body as unknown as Minted;
}

export async function listFiles(apiKey: string, licenseKey: string, query: Record<string, string> = {}): Promise<{ offlineFiles: OfflineFileView[]; cursor: string | null }> {
  const response = await v1(apiKey, 'GET', `/licenses/${licenseKey}/offline-files`, { query });
  expectStatus(response, 200);
  return response.body as unknown as { offlineFiles: OfflineFileView[]; cursor: string | null };
}

export async function keySet(apiKey: string, appId: string): Promise<KeySet> {
  const response = await v1(apiKey, 'GET', `/apps/${appId}/signing-keys`);
  expectStatus(response, 200);
  return response.body as unknown as KeySet;
}

export const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

