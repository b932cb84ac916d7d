import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Request } from 'firebase-functions/v2/https';
import type { Response } from 'express';
import { limits, requestDeadlineMs, retryAfterSeconds } from '../config/constants.js';
import { trustedProxyHops } from '../config/settings.js';
import { isTransientFirestoreError } from '../data/errors.js';
import { bodyParseFailure } from './bodyParserGuard.js';
import { ApiError } from '../domain/errors.js';
import { errorHttpStatus, renderError, type ErrorShape } from './errorShapes.js';
import type { RequestLogger } from '../domain/logger.js';
import { requestLogger } from './logger.js';
import { assertSafeJson } from './validation.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestContext {
  req: Request;
  requestId: string;
  log: RequestLogger;
  method: HttpMethod;
  /** The JSON body as an object ({} when the body is empty). */
  body: Record<string, unknown>;
  /** Query parameters; repeated or nested parameters arrive as arrays/objects and fail validation. */
  query: Record<string, unknown>;
  /** The raw request bytes (for signature checks). */
  rawBody: Buffer;
  ip: string;
  header(name: string): string | undefined;
}

export interface EndpointResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Send `body` (a string) as is with this media type instead of JSON (file downloads). */
  contentType?: string;
}

export interface EndpointOptions {
  /** Name used in logs. */
  name: string;
  methods: readonly HttpMethod[];
  errorShape: ErrorShape | ((ctx: { path: string }) => ErrorShape);
  maxBodyBytes?: number;
  /** Accept any content type and leave the body unparsed (signed webhooks). */
  rawBody?: boolean;
}

const corsAllowedHeaders = 'Content-Type, Authorization, X-API-Key, X-Keywarden-Account, X-Request-Id, X-Webhook-Secret, Stripe-Signature';

function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A connection without a remote address is a local IPC (Unix socket) connection: the Firebase
 * Functions emulator hands requests to its workers that way and adds no X-Forwarded-For, while
 * Google's front end always sets X-Forwarded-For in production. Such a caller is on this host.
 */
const localIpcAddress = '127.0.0.1';

/** `::ffff:a.b.c.d` is the IPv4 address a.b.c.d. */
const unmapped = (address: string) => (address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address);

/** Loopback or unspecified: an address no proxy in front of the functions can have seen a client come from. */
const isLoopbackAddress = (address: string) => address.startsWith('127.') || address === '::1' || address === '0.0.0.0' || address === '::';

/**
 * The caller's IP. X-Forwarded-For's leftmost entries are whatever the client sent; the
 * entries Google's front end appends are at the right. Trust only the entry `trustedProxyHops`
 * from the right (KEYWARDEN_TRUSTED_PROXY_HOPS, default 1), so a forged header cannot slip
 * past IP lists or per-IP rate limits. With 2 hops or more that entry is written by the proxy
 * in front, or by a caller that reached the front end directly (README: close direct ingress):
 * it counts only if it is an IP address and not a loopback one, otherwise the next entry to its
 * right does (one a trusted hop appended). "On this host" (loopback, which the throttles
 * skip) comes from the socket only, never from the header.
 */
function clientIp(req: Request): string {
  const hops = trustedProxyHops();
  const forwarded = (req.headers['x-forwarded-for'] === undefined ? [] : [req.headers['x-forwarded-for']].flat())
    .flatMap((value) => value.split(','))
    .map((entry) => unmapped(entry.trim()))
    .filter(Boolean);
  const trusted = forwarded.slice(Math.max(0, forwarded.length - hops)).find((entry) => isIP(entry) !== 0 && !isLoopbackAddress(entry));
  return trusted ?? unmapped(req.socket.remoteAddress || localIpcAddress);
}

/** Reads the body into a plain object, or throws the documented 4xx. */
function readJsonBody(req: Request, options: EndpointOptions): { body: Record<string, unknown>; rawBody: Buffer } {
  const maxBytes = options.maxBodyBytes ?? limits.maxBodyBytes;
  const failure = bodyParseFailure(req);
  if (failure) {
    if (failure.status === 413) throw new ApiError('payload_too_large', `Request body exceeds ${maxBytes} bytes`);
    if (failure.type === 'entity.too.deep') throw new ApiError('bad_request', `JSON nested deeper than ${limits.maxJsonDepth} levels`);
    if (failure.type === 'encoding.unsupported' || failure.type === 'charset.unsupported') {
      throw new ApiError('unsupported_media_type', 'Unsupported body encoding or charset');
    }
    throw new ApiError('bad_request', 'Request body is not valid JSON');
  }
  const rawBody = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0);
  if (rawBody.length > maxBytes) throw new ApiError('payload_too_large', `Request body exceeds ${maxBytes} bytes`);
  if (options.rawBody) return { body: {}, rawBody };
  if (rawBody.length === 0 || rawBody.toString('utf8').trim() === '') return { body: {}, rawBody };
  if (!isJsonContentType(firstHeader(req.headers['content-type']))) {
    throw new ApiError('unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json');
  }
  const parsed: unknown = req.body;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Buffer.isBuffer(parsed)) {
    throw new ApiError('bad_request', 'Request body must be a JSON object');
  }
  assertSafeJson(parsed, limits.maxJsonDepth);
  return { body: parsed as Record<string, unknown>, rawBody };
}

/**
 * The handler's answer, or 503 once the request deadline passes. A handler still waiting then
 * is waiting on Firestore (its client retries through an outage); whatever it does later is
 * not answered, and a transaction that commits late commits whole or not at all.
 */
async function withinDeadline<T>(work: Promise<T>, log: RequestLogger): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      log.warn('request deadline exceeded', { deadlineMs: requestDeadlineMs });
      reject(new ApiError('server_error', 'Temporarily unavailable; retry after the Retry-After delay', { retryAfterSeconds: retryAfterSeconds.unavailable }));
    }, requestDeadlineMs);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Wraps a handler with the plumbing every function shares: request id, CORS, method check,
 * body limits and parsing, hostile-input checks, and one error model rendered in the
 * surface's documented shape. Unexpected errors are logged and answered 500 without details.
 */
export function httpEndpoint(options: EndpointOptions, handler: (ctx: RequestContext) => Promise<EndpointResult>) {
  const allowMethods = [...options.methods, 'OPTIONS'].join(', ');
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = randomUUID();
    const log = requestLogger(requestId, options.name);
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Methods', allowMethods);
    res.setHeader('Access-Control-Allow-Headers', corsAllowedHeaders);
    res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After');
    res.setHeader('Cache-Control', 'no-store');
    const shape = typeof options.errorShape === 'function' ? options.errorShape({ path: req.path }) : options.errorShape;

    const sendError = (error: ApiError) => {
      if (res.headersSent) return;
      if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(error.retryAfterSeconds)));
      if (error.status === 405) res.setHeader('Allow', error.allow ?? allowMethods);
      res.status(errorHttpStatus(shape, error)).json(renderError(shape, error, requestId));
    };

    try {
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Max-Age', '600');
        res.status(204).end();
        return;
      }
      const method = req.method.toUpperCase() as HttpMethod;
      if (!options.methods.includes(method)) {
        throw new ApiError('method_not_allowed', `Method ${req.method} not allowed; use ${options.methods.join(' or ')}`);
      }
      const { body, rawBody } = readJsonBody(req, options);
      const query = (req.query ?? {}) as Record<string, unknown>;
      assertSafeJson(query, 4);
      const ctx: RequestContext = {
        req,
        requestId,
        log,
        method,
        body,
        query,
        rawBody,
        ip: clientIp(req),
        header: (name) => firstHeader(req.headers[name.toLowerCase()]),
      };
      const result = await withinDeadline(handler(ctx), ctx.log);
      for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
      if (result.contentType !== undefined && typeof result.body === 'string') res.status(result.status ?? 200).type(result.contentType).send(result.body);
      else res.status(result.status ?? 200).json(result.body);
    } catch (error) {
      if (error instanceof ApiError) {
        if (error.status >= 500) log.error(error.message, { code: error.code });
        else log.info('request rejected', { code: error.code, status: error.status, reason: error.message });
        sendError(error);
        return;
      }
      if (isTransientFirestoreError(error)) {
        // Contention or an outage: Firestore committed nothing of the failed call (a commit is
        // atomic), so the caller can safely retry.
        log.warn('datastore unavailable', { error: error instanceof Error ? error.message : String(error) });
        sendError(new ApiError('server_error', 'Temporarily unavailable; retry after the Retry-After delay', { retryAfterSeconds: retryAfterSeconds.unavailable }));
        return;
      }
      log.error('unexpected error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      sendError(new ApiError('system_error', 'Internal error; quote the request id when reporting it'));
    }
  };
}
