/** seed 004 style admin functions for offline licensing (the v1 routes call the same services). */
import { onRequest } from 'firebase-functions/v2/https';
import { adminEndpoint } from '../http/adminEndpoint.js';
import { listOfflineLicensesInput, mintOfflineLicenseInput, parseActivationRequestInput } from '../schemas/offlineFiles.js';
import { requireAppId } from '../services/licenses.js';
import * as offlineFiles from '../services/offlineFiles.js';
import { adminFunctionOptions, operatorSecret } from './options.js';

export const mintOfflineLicense = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'mintOfflineLicense', methods: ['POST'], input: mintOfflineLicenseInput, operatorSecret }, async (principal, input, ctx) => {
    const { licenseKey, ...fields } = input;
    const minted = await offlineFiles.mintOfflineFile(principal, licenseKey, fields);
    ctx.log.info('offline license file minted', { licenseKey, jti: minted.offlineFile.jti, keyId: minted.offlineFile.keyId });
    return minted;
  }),
);

export const listOfflineLicenses = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'listOfflineLicenses', methods: ['GET', 'POST'], input: listOfflineLicensesInput, operatorSecret }, (principal, input) =>
    offlineFiles.listOfflineFiles(principal, input.licenseKey, input),
  ),
);

export const parseActivationRequest = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'parseActivationRequest', methods: ['POST'], input: parseActivationRequestInput, operatorSecret }, (principal, input) =>
    offlineFiles.parseActivationRequest(principal, requireAppId(input), input.activationRequest),
  ),
);
