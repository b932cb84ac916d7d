import { onRequest } from 'firebase-functions/v2/https';
import { adminEndpoint } from '../http/adminEndpoint.js';
import { createApiKeyInput, listApiKeysInput, revokeApiKeyInput } from '../schemas/apiKeys.js';
import * as apiKeys from '../services/apiKeys.js';
import { adminFunctionOptions, operatorSecret } from './options.js';

export const createApiKey = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'createApiKey', methods: ['POST'], input: createApiKeyInput, operatorSecret }, async (principal, input) => {
    const created = await apiKeys.createApiKey(principal, input);
    return { ...created, message: 'Store this API key now: it is shown only once.' };
  }),
);

export const listApiKeys = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'listApiKeys', methods: ['GET', 'POST'], input: listApiKeysInput, operatorSecret }, (principal, input) =>
    apiKeys.listApiKeys(principal, input),
  ),
);

export const revokeApiKey = onRequest(
  adminFunctionOptions,
  adminEndpoint({ name: 'revokeApiKey', methods: ['POST'], input: revokeApiKeyInput, operatorSecret }, async (principal, input) => ({
    apiKey: await apiKeys.revokeApiKey(principal, input),
  })),
);
