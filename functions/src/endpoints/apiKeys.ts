import { createApiKeyInput, listApiKeysInput, revokeApiKeyInput } from '../schemas/apiKeys.js';
import * as apiKeys from '../services/admin/apiKeys.js';
import { adminChange, adminRead } from './adminFunction.js';

export const createApiKey = adminChange('createApiKey', createApiKeyInput, async (principal, input) => ({
  ...(await apiKeys.createApiKey(principal, input)),
  message: 'Store this API key now: it is shown only once.',
}));
export const listApiKeys = adminRead('listApiKeys', listApiKeysInput, apiKeys.listApiKeys);
export const revokeApiKey = adminChange('revokeApiKey', revokeApiKeyInput, async (principal, input) => ({
  apiKey: await apiKeys.revokeApiKey(principal, input),
}));
