/**
 * Offline licensing: minting signed `.authforge` files for machines that never reach the
 * server, listing what was minted (a file cannot be revoked), and reading the activation
 * requests customers send. Formats: crypto/offlineLicense.ts, crypto/activationRequest.ts.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { readActivationRequest, type ActivationRequestPayload } from '../../crypto/activationRequest.js';
import { normalizeLicenseKey } from '../../crypto/licenseKeys.js';
import { formatOfflineLicense, offlineLicenseFileName, type OfflineHwidBinding } from '../../crypto/offlineLicense.js';
import { randomId } from '../../crypto/random.js';
import type { AppDocument } from '../../data/apps.js';
import { db } from '../../data/firestore.js';
import type { LicenseDocument } from '../../data/licenses.js';
import { offlineFilesCollection, type OfflineFileDocument } from '../../data/offlineFiles.js';
import { readPage } from '../../data/pagination.js';
import { isoDate } from '../../data/shared.js';
import { ApiError, badRequest, type ErrorCode } from '../../domain/errors.js';
import type {
  ActivationRequestResponse,
  MintedOfflineFileResponse,
  MintOfflineFileFields,
  OfflineFilesPageResponse,
} from '../../schemas/offlineFiles.js';
import { loadOwnedApp, loadOwnedLicense } from '../access/ownership.js';
import { takeCredit } from './credits.js';
import { expiryStanding, graceEnd } from '../licensing/licenseExpiry.js';
import { effectiveEntitlements, entitlementEnds } from '../licensing/entitlements.js';
import { describePrincipal, type Principal } from '../access/principal.js';
import { activeSigner } from './signingKeys.js';
import { recordEvent } from '../licensing/licenseChanges.js';
import { activationRequestView, machineFacts, offlineFileView } from '../../views/offlineFiles.js';

const failureCodes: Record<'license_file' | 'truncated' | 'checksum_mismatch' | 'invalid', ErrorCode> = {
  license_file: 'activation_request_is_license_file',
  truncated: 'activation_request_truncated',
  checksum_mismatch: 'activation_request_checksum_mismatch',
  invalid: 'invalid_activation_request',
};

/** Reads a pasted activation request or throws the 400 that says what is wrong with it. */
export function assertActivationRequest(text: string): { request: ActivationRequestPayload; checksum: string } {
  const reading = readActivationRequest(text);
  if (!reading.ok) throw new ApiError(failureCodes[reading.reason], reading.detail);
  return { request: reading.request, checksum: reading.checksum };
}

function assertRequestForApp(request: ActivationRequestPayload, appId: string): void {
  if (request.appId !== appId) {
    throw new ApiError('activation_request_mismatch', `The activation request is for app "${request.appId}", not "${appId}"`);
  }
}

/** Shows what a customer's activation request says, after checking it belongs to this app. */
export async function parseActivationRequest(principal: Principal, appId: string, text: string): Promise<ActivationRequestResponse> {
  await loadOwnedApp(principal, appId);
  const { request, checksum } = assertActivationRequest(text);
  assertRequestForApp(request, appId);
  return activationRequestView(request, checksum);
}

/**
 * The last instant the license may be used offline: its expiry, or the end of its grace period
 * (restrict, revoke); none for maintain and allow, which keep working past expiry.
 */
function usableUntil(license: LicenseDocument): Timestamp | null {
  if (license.expirationStrategy === 'maintain' || license.expirationStrategy === 'allow') return null;
  return graceEnd(license) ?? license.expiresAt;
}

/**
 * The file's expiry: required unless the license works forever, in the future, and never past
 * the license's own end (its expiry, or its grace): a file outliving its license could not be taken back.
 */
function fileExpiry(license: LicenseDocument, requested: string | null | undefined, now: Timestamp): Timestamp | null {
  const at = requested ? Timestamp.fromDate(new Date(requested)) : null;
  const end = usableUntil(license);
  if (!at) {
    if (end) {
      throw badRequest(`expiresAt is required: the license ends at ${isoDate(end)}, so a lifetime file cannot be minted for it`);
    }
    return null;
  }
  if (at.toMillis() <= now.toMillis()) throw badRequest('expiresAt must be in the future');
  if (end && at.toMillis() > end.toMillis()) {
    throw badRequest(`expiresAt may not be later than the license's own end (${isoDate(end)}, its expiry or the end of its grace period)`);
  }
  return at;
}

function binding(fields: MintOfflineFileFields, request: ActivationRequestPayload | undefined): OfflineHwidBinding {
  if (request) return { mode: 'bound', hwids: [request.hwid] };
  if (fields.hwids) return { mode: 'bound', hwids: [...new Set(fields.hwids)] };
  return { mode: 'any' };
}

/**
 * Mints a signed `.authforge` file for a license: checked (owned, neither revoked nor expired,
 * expiry within the license's, an activation request for this app and license), charged one
 * credit on a metered account, and recorded with its `license.offline_file_minted` event, all
 * in one transaction so a file is never returned without its record, its event and its credit.
 */
export async function mintOfflineFile(principal: Principal, licenseKey: string, fields: MintOfflineFileFields): Promise<MintedOfflineFileResponse> {
  const fromRequest = fields.activationRequest !== undefined ? assertActivationRequest(fields.activationRequest).request : undefined;
  if (fromRequest?.licenseKey !== undefined && normalizeLicenseKey(fromRequest.licenseKey) !== licenseKey) {
    throw new ApiError('activation_request_mismatch', 'The activation request names another license key');
  }
  const now = Timestamp.now();
  const jti = randomId('olf', 24);
  const hwid = binding(fields, fromRequest);
  return db().runTransaction(async (transaction) => {
    // Reads before writes: the license, its app, then the credit.
    const license = await loadOwnedLicense(principal, licenseKey, transaction);
    const app: AppDocument = await loadOwnedApp(principal, license.appId, transaction);
    if (license.revoked) throw new ApiError('revoked', 'This license has been revoked; no offline file can be minted for it');
    // The same standing the client doors decide by: grace, maintain and allow may be minted for.
    const standing = expiryStanding(license, now);
    if (!standing.usable) throw new ApiError('expired', 'This license has expired; no offline file can be minted for it');
    if (fromRequest) assertRequestForApp(fromRequest, license.appId);
    const expiresAt = fileExpiry(license, fields.expiresAt, now);
    const spendCredit = app.creditsUnlimited ? undefined : await takeCredit(transaction, license.accountId);

    const signer = activeSigner(app);
    const file = formatOfflineLicense(
      {
        appId: license.appId,
        licenseKey,
        jti,
        kid: signer.keyId,
        issuedAt: now.toDate(),
        expiresAt: expiresAt?.toDate() ?? null,
        hwid,
        ...(license.label !== null ? { label: license.label } : {}),
        licenseExpiresAt: license.expiresAt?.toDate() ?? null,
        licenseVariables: license.variables,
        appVariables: app.variables,
        policy: {
          licenseState: standing.state,
          graceEndsAt: standing.graceEndsAt?.toDate() ?? null,
          expirationStrategy: license.expirationStrategy,
          entitlements: effectiveEntitlements(license, now),
          entitlementsExpireAt: Object.fromEntries(Object.entries(entitlementEnds(license, now)).map(([code, at]) => [code, new Date(at)])),
        },
      },
      signer.sign,
    );
    const record: OfflineFileDocument = {
      appId: license.appId,
      accountId: license.accountId,
      licenseKey,
      keyId: signer.keyId,
      hwidMode: hwid.mode,
      hwids: hwid.mode === 'bound' ? hwid.hwids : [],
      issuedAt: now,
      expiresAt,
      mintedBy: describePrincipal(principal),
      activationRequest: fromRequest ? machineFacts(fromRequest) : null,
      creditCharged: spendCredit !== undefined,
    };
    spendCredit?.();
    transaction.create(offlineFilesCollection().doc(jti), record);
    recordEvent(transaction, 'license.offline_file_minted', { appId: license.appId, accountId: license.accountId, licenseKey }, {
      jti,
      keyId: signer.keyId,
      hwidMode: record.hwidMode,
      hwids: record.hwids,
      expiresAt: isoDate(expiresAt),
      mintedBy: record.mintedBy,
    }, now);
    return { offlineFile: offlineFileView(jti, record), fileName: offlineLicenseFileName(licenseKey), file };
  });
}

/** The files minted for a license, newest first, cursor-paginated. */
export async function listOfflineFiles(principal: Principal, licenseKey: string, page: { limit: number; cursor?: string | undefined }): Promise<OfflineFilesPageResponse> {
  const license = await loadOwnedLicense(principal, licenseKey);
  // Only the license's own app, as for auth logs: the key alone is not a tenant boundary.
  const query = offlineFilesCollection()
    .where('appId', '==', license.appId)
    .where('licenseKey', '==', licenseKey)
    .orderBy('issuedAt', 'desc')
    .orderBy('__name__', 'desc');
  const result = await readPage(query, page, (doc) => [doc.data().issuedAt, doc.id], 2);
  return { offlineFiles: result.items.map((doc) => offlineFileView(doc.id, doc.data())), cursor: result.cursor };
}
