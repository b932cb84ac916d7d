// Must load first: it makes the runtime's body parser hand malformed bodies to our handlers.
import './http/bodyParserGuard.js';
import { isLocalProject, optionalFeatures } from './config/settings.js';
import * as bench from './endpoints/benchFloor.js';
import * as payments from './endpoints/commerce.js';

export { createApiKey, listApiKeys, revokeApiKey } from './endpoints/apiKeys.js';
export { createProduct, listProducts, updateProduct, createVariant, updateVariant, listVariants } from './endpoints/products.js';
export {
  createLicense,
  getLicense,
  listLicenses,
  updateLicense,
  revokeLicense,
  reinstateLicense,
  resolveLicense,
  resetActivations,
  grantCredits,
  getCredits,
} from './endpoints/licenses.js';
export { verify, activate, validate, deactivate, heartbeat } from './endpoints/client.js';
export { mintOfflineLicense, listOfflineLicenses, parseActivationRequest } from './endpoints/offlineFiles.js';
export { auth } from './endpoints/sdk.js';
export { v1 } from './endpoints/v1.js';
export { deliverEvents, retryWebhookDeliveries, expireLicenses } from './endpoints/webhooks.js';
export {
  createDiscountCode,
  listDiscountCodes,
  updateDiscountCode,
  deleteDiscountCode,
  redeemTrialCode,
} from './endpoints/commerce.js';

/*
 * What is exported is what firebase-tools deploys (it lists this module's exports). Optional
 * features are exported only when on, so a deployment without them needs none of their
 * secrets (config/settings.ts). The benchmark's floor is never deployed: it exists only
 * where no real project is named (the emulators' demo- project, a plain load).
 */
export const stripeWebhook = optionalFeatures.stripe ? payments.stripeWebhook : undefined;
export const paymentWebhook = optionalFeatures.paymentWebhook ? payments.paymentWebhook : undefined;
export const benchFloor = isLocalProject ? bench.benchFloor : undefined;
