/**
 * The Functions runtime (the emulator's and Google's functions-framework) parses request
 * bodies with body-parser before our handler runs, with a 1,024 MB limit and no depth bound:
 * unauthenticated work we could not refuse. This module, loaded first by index.ts, wraps the
 * host's body-parser factories so that, before anything is parsed:
 * - the limit is ours (limits.maxParsedBodyBytes, whatever the host asked for): a
 *   Content-Length above it is refused before a byte is read, and a body without one stops
 *   being buffered once it passes the limit (raw-body);
 * - JSON nesting is counted on the raw bytes (limits.maxRawJsonDepth) before JSON.parse runs;
 * - a failure is recorded on the request and handed to our handler, which answers in the
 *   documented JSON shape (the host would answer an HTML page).
 * The host's `verify` still runs first, so req.rawBody keeps the exact bytes (Stripe-Signature).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { limits } from '../config/constants.js';

type Next = (error?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
type ParserFactory = (options?: unknown) => Middleware;
type Verify = (req: IncomingMessage, res: ServerResponse, body: Buffer, encoding: string) => void;

export interface BodyParseFailure {
  status: number;
  type: string;
}

const failureKey = Symbol.for('keywarden.bodyParseFailure');
const wrappedKey = Symbol.for('keywarden.bodyParserWrapped');

export function bodyParseFailure(req: IncomingMessage): BodyParseFailure | undefined {
  return (req as IncomingMessage & { [failureKey]?: BodyParseFailure })[failureKey];
}

function describeFailure(error: unknown): BodyParseFailure {
  const record = (typeof error === 'object' && error !== null ? error : {}) as { status?: unknown; type?: unknown };
  const status = typeof record.status === 'number' && record.status >= 400 && record.status < 500 ? record.status : 400;
  const type = typeof record.type === 'string' ? record.type : 'entity.parse.failed';
  return { status, type };
}

const openBracket = 0x5b;
const closeBracket = 0x5d;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const quote = 0x22;
const backslash = 0x5c;

/**
 * The deepest nesting of arrays and objects in JSON text, counted on the raw bytes without
 * parsing (brackets inside strings do not count). Stops as soon as `limit` is passed.
 */
export function jsonNestingExceeds(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i];
    if (inString) {
      if (byte === backslash) i += 1;
      else if (byte === quote) inString = false;
    } else if (byte === quote) {
      inString = true;
    } else if (byte === openBracket || byte === openBrace) {
      depth += 1;
      if (depth > limit) return true;
    } else if (byte === closeBracket || byte === closeBrace) {
      depth -= 1;
    }
  }
  return false;
}

class TooDeepError extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
}

/** The host's options with our limit, and a verify that also counts JSON nesting (JSON parsers only). */
function guardedOptions(name: string, options: unknown): Record<string, unknown> {
  const given = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
  const hostVerify = typeof given.verify === 'function' ? (given.verify as Verify) : undefined;
  const verify: Verify = (req, res, body, encoding) => {
    hostVerify?.(req, res, body, encoding);
    if (name === 'json' && jsonNestingExceeds(body, limits.maxRawJsonDepth)) {
      throw new TooDeepError(`JSON nested deeper than ${limits.maxRawJsonDepth} levels`);
    }
  };
  return { ...given, limit: limits.maxParsedBodyBytes, verify };
}

function wrapFactory(name: string, factory: ParserFactory): ParserFactory {
  return (options?: unknown) => {
    const middleware = factory(guardedOptions(name, options));
    return (req, res, next) => {
      middleware(req, res, (error?: unknown) => {
        if (error === undefined || error === null) return next();
        (req as IncomingMessage & { [failureKey]?: BodyParseFailure })[failureKey] = describeFailure(error);
        next();
      });
    };
  };
}

function guardModule(exportsObject: unknown): void {
  if (typeof exportsObject !== 'function' && (typeof exportsObject !== 'object' || exportsObject === null)) return;
  const target = exportsObject as Record<string | symbol, unknown>;
  if (target[wrappedKey]) return;
  for (const name of ['json', 'text', 'urlencoded', 'raw']) {
    const factory = target[name];
    if (typeof factory !== 'function') continue;
    Object.defineProperty(target, name, {
      configurable: true,
      enumerable: true,
      writable: true,
      value: wrapFactory(name, factory as ParserFactory),
    });
  }
  Object.defineProperty(target, wrappedKey, { value: true });
}

/** Wraps every body-parser module already loaded in this process. */
export function guardBodyParsers(): void {
  // Only meaningful inside a CommonJS Functions runtime; tests load sources as ES modules.
  if (typeof require === 'undefined') return;
  for (const [path, cached] of Object.entries(require.cache)) {
    if (cached && /[\\/]body-parser[\\/]index\.js$/.test(path)) guardModule(cached.exports);
  }
}

guardBodyParsers();
