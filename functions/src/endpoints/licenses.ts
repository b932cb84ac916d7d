import { getCreditsInput, grantCreditsInput } from '../schemas/licenses.js';
import { createLicenseInput, licenseKeyInput, listLicensesInput, revokeLicenseInput, updateLicenseInput } from '../schemas/licenses.js';
import * as credits from '../services/admin/credits.js';
import * as licenses from '../services/admin/licenses.js';
import { adminChange, adminRead } from './adminFunction.js';

// A lambda: createLicenses' third parameter is the license source, not the request context.
export const createLicense = adminChange('createLicense', createLicenseInput, (principal, input) => licenses.createLicenses(principal, input));
export const getLicense = adminRead('getLicense', licenseKeyInput, (principal, input) => licenses.getLicense(principal, input.licenseKey));
export const listLicenses = adminRead('listLicenses', listLicensesInput, licenses.listLicenses);
export const updateLicense = adminChange('updateLicense', updateLicenseInput, licenses.updateLicense);
export const revokeLicense = adminChange('revokeLicense', revokeLicenseInput, licenses.revokeLicense);
export const reinstateLicense = adminChange('reinstateLicense', licenseKeyInput, (principal, input) => licenses.reinstateLicense(principal, input.licenseKey));
export const resolveLicense = adminChange('resolveLicense', licenseKeyInput, (principal, input) => licenses.resolveLicense(principal, input.licenseKey));
export const resetActivations = adminChange('resetActivations', licenseKeyInput, (principal, input) => licenses.resetActivations(principal, input.licenseKey));
export const grantCredits = adminChange('grantCredits', grantCreditsInput, credits.grantCredits);
export const getCredits = adminRead('getCredits', getCreditsInput, credits.getCredits);
