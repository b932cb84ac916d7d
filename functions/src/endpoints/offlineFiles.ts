/** seed 004 style admin functions for offline licensing (the v1 routes call the same services). */
import { listOfflineLicensesInput, mintOfflineLicenseInput, parseActivationRequestInput } from '../schemas/offlineFiles.js';
import * as offlineFiles from '../services/admin/offlineFiles.js';
import { adminChange, adminRead } from './adminFunction.js';

export const mintOfflineLicense = adminChange('mintOfflineLicense', mintOfflineLicenseInput, async (principal, input, ctx) => {
  const { licenseKey, ...fields } = input;
  const minted = await offlineFiles.mintOfflineFile(principal, licenseKey, fields);
  // The file's id names it (and, in offlineFiles, its license): no log line holds a license key.
  ctx.log.info('offline license file minted', { jti: minted.offlineFile.jti, keyId: minted.offlineFile.keyId });
  return minted;
});

export const listOfflineLicenses = adminRead('listOfflineLicenses', listOfflineLicensesInput, (principal, input) =>
  offlineFiles.listOfflineFiles(principal, input.licenseKey, input),
);

export const parseActivationRequest = adminChange('parseActivationRequest', parseActivationRequestInput, (principal, input) =>
  offlineFiles.parseActivationRequest(principal, input.appId, input.activationRequest),
);
