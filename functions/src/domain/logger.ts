/**
 * The logger contract the rules write to: structured lines, each carrying the request id (the
 * HTTP layer's implementation is http/logger.ts). Rules depend on this, not on the adapter.
 */
export interface RequestLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}
