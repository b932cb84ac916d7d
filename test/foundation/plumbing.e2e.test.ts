import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminSecret, call, functionUrl } from '../support/http.js';
import { testDb } from '../support/firestore.js';

async function accountsNamed(name: string): Promise<number> {
  return (await testDb().collection('accounts').where('name', '==', name).get()).size;
}

/** Every rejection must be JSON in seed 004's `{success:false, error, code}` shape, without internals. */
function expectCleanRejection(response: { status: number; body: Record<string, unknown>; text: string; headers: Headers }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body).toMatchObject({ success: false, code });
  expect(typeof response.body.error).toBe('string');
  expect(response.text).not.toMatch(/\bat [\w.<>]+ \(|SyntaxError|<html|<pre/i);
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
}

describe('request plumbing (real HTTP through the Functions emulator)', () => {
  it('answers malformed JSON with 400, not 500, and writes nothing', async () => {
    const name = `acct-${randomUUID()}`;
    const response = await call('createApiKey', {
      rawBody: `{"adminSecret": "${adminSecret()}", "accountName": "${name}",`,
      headers: { 'content-type': 'application/json' },
    });
    expectCleanRejection(response, 400, 'bad_request');
    expect(await accountsNamed(name)).toBe(0);
  });

  it('answers wrong types with 400 naming the field', async () => {
    const response = await call('createApiKey', { body: { adminSecret: adminSecret(), accountName: 42 } });
    expectCleanRejection(response, 400, 'bad_request');
    expect(response.body.error).toContain('accountName');
  });

  it('answers missing fields with 400', async () => {
    const response = await call('revokeApiKey', { body: { adminSecret: adminSecret() } });
    expectCleanRejection(response, 400, 'bad_request');
    expect(response.body.error).toContain('keyId');
  });

  it('answers unknown fields with 400 instead of ignoring a typo', async () => {
    const response = await call('createApiKey', { body: { adminSecret: adminSecret(), acountName: 'typo' } });
    expectCleanRejection(response, 400, 'bad_request');
  });

  it('answers an oversized body with 413 and writes nothing', async () => {
    const name = `acct-${randomUUID()}`;
    const response = await call('createApiKey', {
      body: { adminSecret: adminSecret(), accountName: name, padding: 'x'.repeat(200 * 1024) },
    });
    expectCleanRejection(response, 413, 'payload_too_large');
    expect(await accountsNamed(name)).toBe(0);
  });

  it('answers an unknown content type with 415', async () => {
    const response = await call('createApiKey', {
      rawBody: `adminSecret=${adminSecret()}&accountName=x`,
      headers: { 'content-type': 'text/plain' },
    });
    expectCleanRejection(response, 415, 'unsupported_media_type');
    const form = await call('createApiKey', {
      rawBody: `accountName=x`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectCleanRejection(form, 415, 'unsupported_media_type');
  });

  it('answers __proto__ keys with 400 and writes nothing', async () => {
    const name = `acct-${randomUUID()}`;
    const response = await call('createApiKey', {
      rawBody: `{"adminSecret": "${adminSecret()}", "accountName": "${name}", "__proto__": {"polluted": true}}`,
      headers: { 'content-type': 'application/json' },
    });
    expectCleanRejection(response, 400, 'bad_request');
    expect(await accountsNamed(name)).toBe(0);
    const nested = await call('createApiKey', {
      rawBody: `{"adminSecret": "${adminSecret()}", "name": {"constructor": {"prototype": {"x": 1}}}}`,
      headers: { 'content-type': 'application/json' },
    });
    expectCleanRejection(nested, 400, 'bad_request');
  });

  it('answers a JSON array, a JSON string and deep nesting with 400', async () => {
    for (const rawBody of ['[1,2,3]', '"just a string"', `{"a":${'['.repeat(40)}${']'.repeat(40)}}`]) {
      const response = await call('createApiKey', { rawBody, headers: { 'content-type': 'application/json' } });
      expectCleanRejection(response, 400, 'bad_request');
    }
  });

  it('answers repeated or nested credential parameters with 400', async () => {
    const url = `${functionUrl('listApiKeys')}?apiKey=a&apiKey=b`;
    const response = await fetch(url);
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ success: false, code: 'bad_request' });
  });

  it('answers a wrong method with 405 and an Allow header', async () => {
    const response = await call('createApiKey', { method: 'GET' });
    expectCleanRejection(response, 405, 'method_not_allowed');
    expect(response.headers.get('allow')).toContain('POST');
  });

  it('answers a CORS preflight as a browser needs', async () => {
    const response = await fetch(functionUrl('listApiKeys'), {
      method: 'OPTIONS',
      headers: { Origin: 'https://vendor.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-api-key, content-type' },
    });
    expect(response.status).toBe(204);
    // The README promises '*': any origin, no credentials (keys travel in headers, not cookies).
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('access-control-allow-headers')).toMatch(/X-API-Key/i);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });

  it('puts a request id on every response, success or failure', async () => {
    const ok = await call('createApiKey', { body: { adminSecret: adminSecret(), accountName: `acct-${randomUUID()}` } });
    const bad = await call('createApiKey', { body: { adminSecret: 'wrong' } });
    const ids = [ok.headers.get('x-request-id'), bad.headers.get('x-request-id')];
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('survives hostile credentials: huge, non-ASCII and wrongly typed', async () => {
    expectCleanRejection(await call('listApiKeys', { body: { adminSecret: 'x'.repeat(50_000) } }), 401, 'unauthorized');
    expectCleanRejection(await call('listApiKeys', { body: { apiKey: 'af_live_☃☃☃' } }), 401, 'unauthorized');
    expectCleanRejection(await call('listApiKeys', { body: { apiKey: { $gt: '' } } }), 400, 'bad_request');
    expectCleanRejection(await call('listApiKeys', { body: { adminSecret: ['a', 'b'] } }), 400, 'bad_request');
  });
});
