/** What callers see of minted offline files and of a customer's activation request. */
import type { ActivationRequestPayload } from '../crypto/activationRequest.js';
import type { OfflineFileDocument } from '../data/offlineFiles.js';
import { isoDate } from '../data/shared.js';
import type { ActivationRequestResponse, OfflineFileResponse } from '../schemas/offlineFiles.js';

/** What a request says about the machine (kept with a file minted from it). */
export function machineFacts(request: ActivationRequestPayload): NonNullable<OfflineFileDocument['activationRequest']> {
  return { hwid: request.hwid, createdAt: request.createdAt, machineName: request.machineName ?? null, os: request.os ?? null, sdk: request.sdk ?? null };
}

export function activationRequestView(request: ActivationRequestPayload, checksum: string): ActivationRequestResponse {
  return { activationRequest: { appId: request.appId, ...machineFacts(request), licenseKey: request.licenseKey ?? null, checksum } };
}

export function offlineFileView(jti: string, file: OfflineFileDocument): OfflineFileResponse {
  return {
    jti,
    appId: file.appId,
    licenseKey: file.licenseKey,
    keyId: file.keyId,
    hwid: file.hwidMode === 'bound' ? { mode: 'bound', hwids: file.hwids } : { mode: 'any' },
    issuedAt: isoDate(file.issuedAt),
    expiresAt: isoDate(file.expiresAt),
    mintedBy: file.mintedBy,
    activationRequest: file.activationRequest,
    creditCharged: file.creditCharged,
  };
}
