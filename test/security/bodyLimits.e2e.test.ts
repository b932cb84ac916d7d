/**
 * Issue 11, item 1: work before authentication is bounded. Oversized and deep bodies sent over
 * real HTTP to the production-shaped host (functions-framework's own body parser, wrapped by
 * http/bodyParserGuard.ts) are refused before they are parsed, and the host's memory stays
 * bounded (its RSS, read with ps, grows by far less than the bodies sent).
 */
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { functionUrl } from '../support/http.js';

const MiB = 1024 * 1024;

function hostRssBytes(): number {
  const pid = inject('functionsHostPid');
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) * 1024;
}

interface Answer {
  status: number;
  body: string;
}

/** POSTs `total` bytes produced by `chunk` (with or without Content-Length) and reads the answer. */
function send(name: string, total: number, chunk: Buffer, withLength: boolean): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const url = new URL(functionUrl(name));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (withLength) headers['content-length'] = String(total);
    let sent = 0;
    const req = request(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => (body += part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timed out')));
    // The server may answer and close before every byte is written: that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    const pump = () => {
      while (sent < total) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('bodies are refused before they are parsed', () => {
  beforeAll(async () => {
    // Load each door's code once, so the measurements below see the bodies, not a first load.
    for (const name of ['createLicense', 'auth', 'v1', 'paymentWebhook', 'stripeWebhook']) await send(name, 2 * MiB, Buffer.alloc(MiB, 0x20), true);
  });

  it('a 32 MiB body with Content-Length answers 413 in the door shape; the host does not buffer it', async () => {
    const before = hostRssBytes();
    // Three at once: held bodies would add 96 MiB; other files' requests share the host and move
    // its memory by a few tens of MiB, hence the 48 MiB bound.
    const answers = await Promise.all(Array.from({ length: 3 }, () => send('createLicense', 32 * MiB, Buffer.alloc(MiB, 0x20), true)));
    for (const answer of answers) {
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ success: false, code: 'payload_too_large' });
    }
    expect(hostRssBytes() - before).toBeLessThan(48 * MiB);
  });

  it('a 32 MiB chunked body (no Content-Length) of nested arrays answers 413 without being held', async () => {
    const before = hostRssBytes();
    const answers = await Promise.all(Array.from({ length: 3 }, () => send('auth', 32 * MiB, Buffer.alloc(MiB, '['), false)));
    for (const answer of answers) expect(answer.status).toBe(413);
    expect(hostRssBytes() - before).toBeLessThan(48 * MiB);
  });

  it('a deep body within the size limit answers 400 before JSON.parse, at every door', async () => {
    const deep = Buffer.from(`${'['.repeat(60_000)}${']'.repeat(60_000)}`);
    const before = hostRssBytes();
    for (const name of ['auth', 'createLicense', 'v1', 'paymentWebhook']) {
      const answer = await send(name, deep.length, deep, true);
      expect(answer.status, `${name}: ${answer.body}`).toBe(400);
    }
    // 1 MiB of `[` (the largest body any function reads) is refused by the raw-byte scan too.
    const answer = await send('stripeWebhook', MiB - 1, Buffer.alloc(MiB, '['), true);
    expect(answer.status).toBe(400);
    expect(hostRssBytes() - before).toBeLessThan(24 * MiB);
  });

  it('nesting deeper than 16 but within the raw bound answers 400 after parsing; a shallow body passes the guard', async () => {
    const nested = `{"productId":${'['.repeat(20)}${']'.repeat(20)}}`;
    const deep = await send('createLicense', Buffer.byteLength(nested), Buffer.from(nested), true);
    expect(deep.status).toBe(400);
    expect(deep.body).toMatch(/nested deeper than 16/);
    // Brackets inside strings are not nesting.
    const quoted = JSON.stringify({ productId: '['.repeat(5_000) });
    const shallow = await send('createLicense', Buffer.byteLength(quoted), Buffer.from(quoted), true);
    expect(shallow.status).toBe(401);
  });
});
