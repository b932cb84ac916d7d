import { onRequest } from 'firebase-functions/v2/https';
import { adminEndpoint } from '../http/adminEndpoint.js';
import { createProductInput, createVariantInput, listProductsInput, listVariantsInput, updateProductInput, updateVariantInput } from '../schemas/products.js';
import * as products from '../services/products.js';
import { adminFunctionOptions, operatorSecret } from './options.js';

export const createProduct = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'createProduct', methods: ['POST'], input: createProductInput, operatorSecret }, async (principal, input) => ({
    ...(await products.createProduct(principal, input)),
    message: 'Store the appSecret now: it is shown only once.',
  })),
);
export const listProducts = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'listProducts', methods: ['GET', 'POST'], input: listProductsInput, operatorSecret }, products.listProducts),
);
export const updateProduct = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'updateProduct', methods: ['POST'], input: updateProductInput, operatorSecret }, products.updateProduct),
);
export const createVariant = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'createVariant', methods: ['POST'], input: createVariantInput, operatorSecret }, products.createVariant),
);
export const updateVariant = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'updateVariant', methods: ['POST'], input: updateVariantInput, operatorSecret }, products.updateVariant),
);
export const listVariants = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'listVariants', methods: ['GET', 'POST'], input: listVariantsInput, operatorSecret }, products.listVariants),
);
