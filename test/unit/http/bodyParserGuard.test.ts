/**
 * The body-parser guard: the host's body-parser (the real one the functions host loads, served
 * here on a loopback server this file starts) parses with our limit and our JSON depth bound,
 * and each failure is recorded on the request for our handler instead of handed to the host.
 * Stand-in parser modules, registered in the module cache, pin how modules are found and wrapped.
 */
import { createServer, IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { createRequire, Module } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../../../functions/src/config/constants.js';
import { bodyParseFailure, guardBodyParsers, jsonNestingExceeds } from '../../../functions/src/http/bodyParserGuard.js';

type Next = (error?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
type ParserFactory = (options?: unknown) => Middleware;
type Verify = (req: IncomingMessage, res: ServerResponse, body: Buffer, encoding: string) => void;
type HostRequest = IncomingMessage & { rawBody?: Buffer; body?: unknown };
interface BodyParserModule {
  json: ParserFactory;
  text: ParserFactory;
  urlencoded: ParserFactory;
  raw: ParserFactory;
}

const requireHere = createRequire(import.meta.url);
const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('jsonNestingExceeds', () => {
  it('counts arrays and objects: exactly the limit passes, one level more does not', () => {
    expect(jsonNestingExceeds(bytes('[[[]]]'), 3)).toBe(false);
    expect(jsonNestingExceeds(bytes('[[[]]]'), 2)).toBe(true);
    expect(jsonNestingExceeds(bytes('{"a":{"b":{}}}'), 3)).toBe(false);
    expect(jsonNestingExceeds(bytes('{"a":{"b":{}}}'), 2)).toBe(true);
    expect(jsonNestingExceeds(bytes('[{"a":[{}]}]'), 3)).toBe(true);
    expect(jsonNestingExceeds(bytes(nested(32)), 32)).toBe(false);
    expect(jsonNestingExceeds(bytes(nested(33)), 32)).toBe(true);
  });

  it('a closed level no longer counts: siblings are as deep as one of them', () => {
    expect(jsonNestingExceeds(bytes('[[],[],{},{}]'), 2)).toBe(false);
    expect(jsonNestingExceeds(bytes('[1][2][3]'), 1)).toBe(false);
    expect(jsonNestingExceeds(bytes('{}{}{}'), 1)).toBe(false);
  });

  it('a body without nesting, or empty, passes even a limit of 0', () => {
    expect(jsonNestingExceeds(bytes(''), 0)).toBe(false);
    expect(jsonNestingExceeds(bytes('"text" 42 true'), 0)).toBe(false);
    expect(jsonNestingExceeds(bytes('[]'), 0)).toBe(true);
  });

  it('brackets inside strings do not count, and a string ends at its closing quote', () => {
    expect(jsonNestingExceeds(bytes('["[[[[", "{{{{", "]]]]"]'), 1)).toBe(false);
    expect(jsonNestingExceeds(bytes('["a", [[]]]'), 2)).toBe(true);
    expect(jsonNestingExceeds(bytes('{"k": "]]]]", "v": [[]]}'), 2)).toBe(true);
  });

  it('an escaped quote does not end a string; an escaped backslash before a quote does not keep it open', () => {
    expect(jsonNestingExceeds(bytes('["\\"[[[["]'), 1)).toBe(false);
    expect(jsonNestingExceeds(bytes('["\\\\", [[]]]'), 2)).toBe(true);
    expect(jsonNestingExceeds(bytes('["\\n[[", "\\\\\\"[["]'), 1)).toBe(false);
  });
});

/** A stand-in parser module: each factory records the options it is given; its middleware answers `outcome`. */
function standInParsers(outcome: () => unknown) {
  const handed: Record<string, unknown[]> = { json: [], text: [], urlencoded: [], raw: [] };
  const factory =
    (name: string): ParserFactory =>
    (options) => {
      handed[name]?.push(options);
      return (_req, _res, next) => next(outcome());
    };
  const parsers: Record<string, unknown> = { json: factory('json'), text: factory('text'), urlencoded: factory('urlencoded'), raw: factory('raw') };
  return { parsers, handed };
}

let cacheEntries = 0;

/** Registers `exportsObject` as a loaded module at `path` (a body-parser's by default) while guardBodyParsers runs. */
function guardAsLoaded(exportsObject: unknown, path = `/srv/unit-${(cacheEntries += 1)}/node_modules/body-parser/index.js`): void {
  const loaded = new Module(path);
  loaded.exports = exportsObject;
  loaded.loaded = true;
  requireHere.cache[path] = loaded;
  try {
    guardBodyParsers();
  } finally {
    delete requireHere.cache[path];
  }
}

function callWrapped(parsers: Record<string, unknown>, name: string, options?: unknown): { req: IncomingMessage; nextArguments: unknown[][] } {
  const factory = parsers[name];
  if (typeof factory !== 'function') throw new Error(`${name} is not a parser factory`);
  const req = new IncomingMessage(new Socket());
  const nextArguments: unknown[][] = [];
  (factory as ParserFactory)(options)(req, new ServerResponse(req), (...args: unknown[]) => void nextArguments.push(args));
  return { req, nextArguments };
}

/** What a wrapped parser records when the parser under it fails with `error`. */
function failureFor(error: unknown) {
  const { parsers } = standInParsers(() => error);
  guardAsLoaded(parsers);
  const { req, nextArguments } = callWrapped(parsers, 'json');
  expect(nextArguments).toEqual([[]]);
  return bodyParseFailure(req);
}

describe('wrapped parsers record failures instead of handing them on', () => {
  it('a parser that succeeds (next with nothing, undefined or null) records nothing and goes on', () => {
    for (const outcome of [undefined, null]) {
      const { parsers } = standInParsers(() => outcome);
      guardAsLoaded(parsers);
      const { req, nextArguments } = callWrapped(parsers, 'text');
      expect(nextArguments).toEqual([[]]);
      expect(bodyParseFailure(req)).toBeUndefined();
    }
  });

  it('a failure is recorded with its 4xx status and type, and the handler runs (next with no error)', () => {
    expect(failureFor({ status: 413, type: 'entity.too.large' })).toEqual({ status: 413, type: 'entity.too.large' });
    expect(failureFor({ status: 400, type: 'entity.parse.failed' })).toEqual({ status: 400, type: 'entity.parse.failed' });
    expect(failureFor({ status: 499, type: 'custom.late' })).toEqual({ status: 499, type: 'custom.late' });
  });

  it('a status outside 400–499 (or not a number) becomes 400; a missing or non-string type becomes entity.parse.failed', () => {
    expect(failureFor({ status: 399, type: 'too.low' })).toEqual({ status: 400, type: 'too.low' });
    expect(failureFor({ status: 500, type: 'server.side' })).toEqual({ status: 400, type: 'server.side' });
    expect(failureFor({ status: '413', type: 42 })).toEqual({ status: 400, type: 'entity.parse.failed' });
    expect(failureFor({})).toEqual({ status: 400, type: 'entity.parse.failed' });
  });

  it('a failure that is not an object is recorded as 400 entity.parse.failed, whatever it carries', () => {
    expect(failureFor('boom')).toEqual({ status: 400, type: 'entity.parse.failed' });
    expect(failureFor(Object.assign(() => undefined, { status: 413, type: 'entity.too.large' }))).toEqual({ status: 400, type: 'entity.parse.failed' });
  });

  it('the failure is kept under a registered symbol, so another copy of this module reads it too', () => {
    const { parsers } = standInParsers(() => ({ status: 415, type: 'charset.unsupported' }));
    guardAsLoaded(parsers);
    const { req } = callWrapped(parsers, 'urlencoded');
    expect(Reflect.get(req, Symbol.for('keywarden.bodyParseFailure'))).toEqual({ status: 415, type: 'charset.unsupported' });
  });
});

describe('the options a wrapped factory hands to the host parser', () => {
  const handedTo = (name: string, options?: unknown) => {
    const { parsers, handed } = standInParsers(() => undefined);
    guardAsLoaded(parsers);
    callWrapped(parsers, name, options);
    const [given] = handed[name] ?? [];
    if (typeof given !== 'object' || given === null) throw new Error('no options were handed on');
    return given as Record<string, unknown>;
  };
  const verifyOf = (options: Record<string, unknown>): Verify => {
    if (typeof options.verify !== 'function') throw new Error('no verify was handed on');
    return options.verify as Verify;
  };
  const verifyCall = (verify: Verify, body: Buffer) => {
    const req = new IncomingMessage(new Socket());
    return () => verify(req, new ServerResponse(req), body, 'utf-8');
  };

  it('our limit replaces the host limit, larger or smaller; the host options stay', () => {
    const given = handedTo('json', { limit: '1024mb', type: 'application/cloudevents+json', strict: false });
    expect(given).toMatchObject({ limit: limits.maxParsedBodyBytes, type: 'application/cloudevents+json', strict: false });
    expect(handedTo('raw', { limit: 10, type: '*/*' })).toMatchObject({ limit: limits.maxParsedBodyBytes, type: '*/*' });
    expect(limits.maxParsedBodyBytes).toBe(1024 * 1024);
  });

  it('a factory called without options, or with null, still gets our limit and verify', () => {
    for (const options of [undefined, null]) {
      const given = handedTo('json', options);
      expect(Object.keys(given).sort()).toEqual(['limit', 'verify']);
      expect(given.limit).toBe(limits.maxParsedBodyBytes);
      expect(() => verifyCall(verifyOf(given), bytes('{"a":[1]}'))()).not.toThrow();
    }
  });

  it('the host verify runs first, with the exact bytes; a verify that is not a function is ignored', () => {
    const seen: Buffer[] = [];
    const hostVerify: Verify = (_req, _res, body) => void seen.push(body);
    const given = handedTo('json', { verify: hostVerify });
    expect(given.verify).not.toBe(hostVerify);
    const deep = bytes(nested(limits.maxRawJsonDepth + 1));
    expect(verifyCall(verifyOf(given), deep)).toThrow();
    expect(seen).toEqual([deep]);
    expect(() => verifyCall(verifyOf(handedTo('json', { verify: 'not a function' })), bytes('{}'))()).not.toThrow();
  });

  it('JSON parsers refuse nesting past maxRawJsonDepth: 400 entity.too.deep; exactly the limit passes', () => {
    const verify = verifyOf(handedTo('json'));
    expect(limits.maxRawJsonDepth).toBe(32);
    expect(verifyCall(verify, bytes(nested(32)))).not.toThrow();
    expect(verifyCall(verify, bytes(nested(33)))).toThrow(expect.objectContaining({ status: 400, type: 'entity.too.deep', message: 'JSON nested deeper than 32 levels' }));
  });

  it('the other parsers (text, urlencoded, raw) do not count nesting', () => {
    for (const name of ['text', 'urlencoded', 'raw']) expect(verifyCall(verifyOf(handedTo(name)), bytes(nested(100))), name).not.toThrow();
  });
});

describe('guardBodyParsers: which modules, and how', () => {
  it('wraps json, text, urlencoded and raw of a body-parser module, whether its exports are an object or a function', () => {
    const { parsers } = standInParsers(() => undefined);
    const originals = { ...parsers };
    guardAsLoaded(parsers);
    const asFunction = Object.assign(() => undefined, standInParsers(() => undefined).parsers);
    const functionOriginals = { ...asFunction };
    guardAsLoaded(asFunction);
    for (const name of ['json', 'text', 'urlencoded', 'raw']) {
      expect(parsers[name], name).not.toBe(originals[name]);
      expect(Reflect.get(asFunction, name), name).not.toBe(Reflect.get(functionOriginals, name));
      // Still ordinary properties, as body-parser's own are.
      expect(Object.getOwnPropertyDescriptor(parsers, name), name).toMatchObject({ configurable: true, enumerable: true, writable: true });
    }
  });

  it('finds body-parser by its path, with either separator, and nothing else', () => {
    const wrapped = (path: string) => {
      const { parsers } = standInParsers(() => undefined);
      const original = parsers.json;
      guardAsLoaded(parsers, path);
      return parsers.json !== original;
    };
    expect(wrapped('/srv/app/node_modules/body-parser/index.js')).toBe(true);
    expect(wrapped('C:\\srv\\app\\node_modules\\body-parser\\index.js')).toBe(true);
    expect(wrapped('/srv/app/node_modules/body-parser/lib/types/json.js')).toBe(false);
    expect(wrapped('/srv/app/node_modules/my-body-parser/index.js')).toBe(false);
    expect(wrapped('/srv/app/node_modules/body-parser-extra/index.js')).toBe(false);
    expect(wrapped('/srv/app/node_modules/body-parser/index.json')).toBe(false);
    expect(wrapped('/srv/app/node_modules/body-parser/index_js')).toBe(false);
    expect(wrapped('/srv/app/node_modules/body-parser/other.js')).toBe(false);
  });

  it('leaves a module that is not an object or function alone, and skips an empty cache entry', () => {
    for (const exportsObject of [undefined, null, 'body-parser', 42]) expect(() => guardAsLoaded(exportsObject)).not.toThrow();
    const path = '/srv/empty/node_modules/body-parser/index.js';
    requireHere.cache[path] = undefined;
    try {
      expect(() => guardBodyParsers()).not.toThrow();
    } finally {
      delete requireHere.cache[path];
    }
  });

  it('only wraps factories that are functions, and adds none', () => {
    const json = standInParsers(() => undefined).parsers.json;
    const partial: Record<string, unknown> = { json, text: 'not a factory' };
    guardAsLoaded(partial);
    expect(partial.json).not.toBe(json);
    expect(partial.text).toBe('not a factory');
    expect(Object.keys(partial).sort()).toEqual(['json', 'text']);
  });

  it('wraps a module once, even when another copy of this code already marked it', () => {
    const { parsers } = standInParsers(() => undefined);
    guardAsLoaded(parsers);
    const once = parsers.json;
    guardAsLoaded(parsers);
    expect(parsers.json).toBe(once);
    const marked = standInParsers(() => undefined).parsers;
    Object.defineProperty(marked, Symbol.for('keywarden.bodyParserWrapped'), { value: true });
    const unwrapped = marked.json;
    guardAsLoaded(marked);
    expect(marked.json).toBe(unwrapped);
  });
});

describe('the real body-parser, guarded, on a loopback server', () => {
  let server: Server;
  let base = '';

  interface Answer {
    failure: { status: number; type: string } | null;
    body: unknown;
    rawBodyBytes: number | null;
    nextArguments: number;
  }

  beforeAll(async () => {
    const bodyParser = requireHere('body-parser') as BodyParserModule;
    guardBodyParsers();
    // The options functions-framework gives its parsers (1,024 MB, rawBody kept by verify);
    // x-verify-error makes the host verify fail with that JSON, to see its failures recorded.
    const hostVerify: Verify = (req, _res, body) => {
      (req as HostRequest).rawBody = body;
      const failure = req.headers['x-verify-error'];
      if (typeof failure === 'string') throw Object.assign(new Error('host verify refused'), JSON.parse(failure) as object);
    };
    const hostOptions = { limit: '1024mb', verify: hostVerify };
    const parsers: Record<string, Middleware> = {
      '/json': bodyParser.json(hostOptions),
      '/text': bodyParser.text(hostOptions),
      '/urlencoded': bodyParser.urlencoded({ ...hostOptions, extended: true }),
      '/raw': bodyParser.raw({ ...hostOptions, type: '*/*' }),
    };
    server = createServer((req, res) => {
      const parse = parsers[req.url ?? ''];
      if (!parse) return void res.writeHead(404).end();
      parse(req, res, (...args: unknown[]) => {
        const host = req as HostRequest;
        const answer: Answer = {
          failure: bodyParseFailure(req) ?? null,
          body: Buffer.isBuffer(host.body) ? host.body.toString('utf8') : (host.body ?? null),
          rawBodyBytes: host.rawBody?.length ?? null,
          nextArguments: args.length,
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const post = async (path: string, body: string, headers: Record<string, string>): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers, body });
    expect(response.status).toBe(200);
    return (await response.json()) as Answer;
  };
  const json = { 'content-type': 'application/json' };

  it('a good JSON body is parsed, and the host still keeps the exact bytes', async () => {
    const answer = await post('/json', '{"licenseKey":"ABCD","n":[1,2]}', json);
    expect(answer).toEqual({ failure: null, body: { licenseKey: 'ABCD', n: [1, 2] }, rawBodyBytes: 31, nextArguments: 0 });
  });

  it(`a body of exactly ${limits.maxParsedBodyBytes} bytes is parsed; one byte more is 413 entity.too.large, whatever the host allows`, async () => {
    const exactly = `["${'a'.repeat(limits.maxParsedBodyBytes - 4)}"]`;
    const atLimit = await post('/json', exactly, json);
    expect(atLimit.failure).toBeNull();
    expect(atLimit.rawBodyBytes).toBe(limits.maxParsedBodyBytes);
    const over = await post('/json', `${exactly} `, json);
    expect(over).toEqual({ failure: { status: 413, type: 'entity.too.large' }, body: null, rawBodyBytes: null, nextArguments: 0 });
  });

  it('malformed JSON is 400 entity.parse.failed; nesting past the limit is 400 entity.too.deep before JSON.parse', async () => {
    expect((await post('/json', '{"a":', json)).failure).toEqual({ status: 400, type: 'entity.parse.failed' });
    const deep = await post('/json', nested(limits.maxRawJsonDepth + 1), json);
    expect(deep).toMatchObject({ failure: { status: 400, type: 'entity.too.deep' }, body: null, rawBodyBytes: 2 * (limits.maxRawJsonDepth + 1) });
    expect((await post('/json', nested(limits.maxRawJsonDepth), json)).failure).toBeNull();
    expect((await post('/text', nested(100), { 'content-type': 'text/plain' })).body).toBe(nested(100));
  });

  it('an unsupported charset or content encoding is 415, for each of the four parsers', async () => {
    expect((await post('/json', '{}', { 'content-type': 'application/json; charset=klingon' })).failure).toEqual({ status: 415, type: 'charset.unsupported' });
    const cases: [string, string][] = [
      ['/json', 'application/json'],
      ['/text', 'text/plain'],
      ['/urlencoded', 'application/x-www-form-urlencoded'],
      ['/raw', 'application/octet-stream'],
    ];
    for (const [path, type] of cases) {
      const answer = await post(path, 'x', { 'content-type': type, 'content-encoding': 'x-unknown' });
      expect(answer.failure, path).toEqual({ status: 415, type: 'encoding.unsupported' });
      expect(answer.nextArguments, path).toBe(0);
    }
  });

  it("the host verify's own refusal is recorded with its status and type (403 entity.verify.failed without them)", async () => {
    const refusedWith = async (failure: object) => (await post('/raw', 'body', { 'content-type': 'application/octet-stream', 'x-verify-error': JSON.stringify(failure) })).failure;
    expect(await refusedWith({})).toEqual({ status: 403, type: 'entity.verify.failed' });
    expect(await refusedWith({ status: 422, type: 'host.rule' })).toEqual({ status: 422, type: 'host.rule' });
    expect(await refusedWith({ status: 503, type: 'host.down' })).toEqual({ status: 400, type: 'host.down' });
  });
});
