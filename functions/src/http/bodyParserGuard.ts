/**
 * The Functions runtime (the emulator's and Google's functions-framework) parses request
 * bodies with body-parser before our handler runs. On malformed JSON or an oversized body it
 * would answer with an HTML page (with a stack trace outside production) that no client can
 * read. This module, loaded first by index.ts, wraps the host's body-parser factories so a
 * parse failure is recorded on the request and handed to our handler, which answers in the
 * documented JSON shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

type Next = (error?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
type ParserFactory = (options?: unknown) => Middleware;

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

function wrapFactory(factory: ParserFactory): ParserFactory {
  return (options?: unknown) => {
    const middleware = factory(options);
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
      value: wrapFactory(factory as ParserFactory),
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
