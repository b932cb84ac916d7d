// Must load first: it makes the runtime's body parser hand malformed bodies to our handlers.
import './http/bodyParserGuard.js';

export { createApiKey, listApiKeys, revokeApiKey } from './endpoints/apiKeys.js';
