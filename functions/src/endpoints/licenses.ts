import { onRequest } from 'firebase-functions/v2/https';
import { adminEndpoint } from '../http/adminEndpoint.js';
import { getCreditsInput, grantCreditsInput } from '../schemas/licenses.js';
import { createLicenseInput, licenseKeyInput, listLicensesInput, revokeLicenseInput, updateLicenseInput } from '../schemas/licenses.js';
import * as credits from '../services/credits.js';
import * as licenses from '../services/licenses.js';
import { adminFunctionOptions, operatorSecret } from './options.js';

export const createLicense = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'createLicense', methods: ['POST'], input: createLicenseInput, operatorSecret }, (principal, input) =>
    licenses.createLicenses(principal, input),
  ),
);
export const getLicense = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'getLicense', methods: ['GET', 'POST'], input: licenseKeyInput, operatorSecret }, (principal, input) =>
    licenses.getLicense(principal, input.licenseKey),
  ),
);
export const listLicenses = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'listLicenses', methods: ['GET', 'POST'], input: listLicensesInput, operatorSecret }, licenses.listLicenses),
);
export const updateLicense = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'updateLicense', methods: ['POST'], input: updateLicenseInput, operatorSecret }, licenses.updateLicense),
);
export const revokeLicense = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'revokeLicense', methods: ['POST'], input: revokeLicenseInput, operatorSecret }, licenses.revokeLicense),
);
export const reinstateLicense = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'reinstateLicense', methods: ['POST'], input: licenseKeyInput, operatorSecret }, (principal, input) =>
    licenses.reinstateLicense(principal, input.licenseKey),
  ),
);
export const resolveLicense = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'resolveLicense', methods: ['POST'], input: licenseKeyInput, operatorSecret }, (principal, input) =>
    licenses.resolveLicense(principal, input.licenseKey),
  ),
);
export const resetActivations = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'resetActivations', methods: ['POST'], input: licenseKeyInput, operatorSecret }, (principal, input) =>
    licenses.resetActivations(principal, input.licenseKey),
  ),
);
export const grantCredits = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'grantCredits', methods: ['POST'], input: grantCreditsInput, operatorSecret }, credits.grantCredits),
);
export const getCredits = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'getCredits', methods: ['GET', 'POST'], input: getCreditsInput, operatorSecret }, credits.getCredits),
);
