import * as logger from 'firebase-functions/logger';
import type { RequestLogger } from '../domain/logger.js';

/** Structured logger whose every line carries the request id. */
export function requestLogger(requestId: string, endpoint: string): RequestLogger {
  return {
    info: (message, data) => logger.info(message, { requestId, endpoint, ...data }),
    warn: (message, data) => logger.warn(message, { requestId, endpoint, ...data }),
    error: (message, data) => logger.error(message, { requestId, endpoint, ...data }),
  };
}
