// Must load first: it makes the runtime's body parser hand malformed bodies to our handlers.
import './http/bodyParserGuard.js';

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
export { auth } from './endpoints/sdk.js';
export { benchFloor } from './endpoints/benchFloor.js';
export { v1 } from './endpoints/v1.js';
export { deliverEvents, retryWebhookDeliveries, expireLicenses } from './endpoints/webhooks.js';
export {
  stripeWebhook,
  paymentWebhook,
  createDiscountCode,
  listDiscountCodes,
  updateDiscountCode,
  deleteDiscountCode,
  redeemTrialCode,
} from './endpoints/commerce.js';
