import { createProductInput, createVariantInput, listProductsInput, listVariantsInput, updateProductInput, updateVariantInput } from '../schemas/products.js';
import * as products from '../services/admin/products.js';
import { adminChange, adminRead } from './adminFunction.js';

export const createProduct = adminChange('createProduct', createProductInput, async (principal, input) => ({
  ...(await products.createProduct(principal, input)),
  message: 'Store the appSecret now: it is shown only once.',
}));
export const listProducts = adminRead('listProducts', listProductsInput, products.listProducts);
export const updateProduct = adminChange('updateProduct', updateProductInput, products.updateProduct);
export const createVariant = adminChange('createVariant', createVariantInput, products.createVariant);
export const updateVariant = adminChange('updateVariant', updateVariantInput, products.updateVariant);
export const listVariants = adminRead('listVariants', listVariantsInput, products.listVariants);
