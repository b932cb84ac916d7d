import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { z } from 'zod';
import type { licenseResponse } from '../../functions/src/schemas/v1.js';
import { adminSecret, call } from './http.js';

export interface Account {
  accountId: string;
  apiKey: string;
  keyId: string;
}

export interface Product {
  productId: string;
  appSecret: string;
  publicKeys: Array<{ keyId: string; publicKey: string; active: boolean }>;
}

/** A fresh account with its first API key, made by the operator over HTTP. */
export async function createAccount(): Promise<Account> {
  const response = await call('createApiKey', { body: { adminSecret: adminSecret(), accountName: `acct-${randomUUID()}` } });
  expect(response.status, response.text).toBe(200);
  return { accountId: String(response.body.accountId), apiKey: String(response.body.apiKey), keyId: String(response.body.keyId) };
}

/** A product (app) of the account, with its one-time app secret. */
export async function createProduct(account: Account, fields: Record<string, unknown> = {}): Promise<Product> {
  const response = await call('createProduct', {
    headers: { 'X-API-Key': account.apiKey },
    body: { name: `Product ${randomUUID().slice(0, 8)}`, ...fields },
  });
  expect(response.status, response.text).toBe(200);
  const product = response.body.product as { productId: string; publicKeys: Product['publicKeys'] };
  return { productId: product.productId, appSecret: String(response.body.appSecret), publicKeys: product.publicKeys };
}

/** Licenses of a product (seed 002 fields). Returns their keys. */
export async function createLicenses(account: Account, productId: string, fields: Record<string, unknown> = {}): Promise<string[]> {
  const response = await call('createLicense', { headers: { 'X-API-Key': account.apiKey }, body: { productId, ...fields } });
  expect(response.status, response.text).toBe(200);
  return (response.body.licenses as Array<{ licenseKey: string }>).map((license) => license.licenseKey);
}

/** Operator: switch an account to metered credits and set its balance to `amount` more. */
export async function grantCredits(accountId: string, amount: number): Promise<void> {
  const response = await call('grantCredits', { body: { adminSecret: adminSecret(), accountId, amount, unlimited: false } });
  expect(response.status, response.text).toBe(200);
}

export const uniqueHwid = () => `hwid-${randomUUID()}`;
export const uniqueNonce = () => `nonce-${randomUUID()}`;

/** A license as the API answers it: the same zod schema documents it in OpenAPI. */
export type LicenseView = z.infer<typeof licenseResponse>;
