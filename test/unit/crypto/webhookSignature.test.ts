import { createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhookSignature, webhookSignatureHeader } from '../../../functions/src/crypto/webhookSignature.js';

const secret = 'whsec_test';
const body = '{"id":"evt_1","event":"license.created"}';
const t = 1_700_000_000;
// Computed in each test, not at import: a module that throws while loading fails no test by
// name, and Stryker would count the mutant that made it throw as surviving.
let header = '';
let v1 = '';
beforeEach(() => {
  header = webhookSignatureHeader(secret, body, t);
  v1 = header.split(',v1=')[1] ?? '';
});

describe('webhookSignatureHeader', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>', () => {
    const mac = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
    expect(header).toBe(`t=${t},v1=${mac}`);
    expect(v1).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs the UTF-8 body', () => {
    const mac = createHmac('sha256', secret).update(Buffer.from(`${t}.é`, 'utf8')).digest('hex');
    expect(webhookSignatureHeader(secret, 'é', t)).toBe(`t=${t},v1=${mac}`);
  });

  it('changes with the secret, the body and the time', () => {
    expect(webhookSignatureHeader('other', body, t)).not.toBe(header);
    expect(webhookSignatureHeader(secret, `${body} `, t)).not.toBe(header);
    expect(webhookSignatureHeader(secret, body, t + 1).split(',v1=')[1]).not.toBe(v1);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts its own header at the signing time', () => {
    expect(verifyWebhookSignature(secret, body, header, 300, t * 1000)).toBe(true);
  });

  it('accepts exactly at the 300 s default tolerance, on both sides, and refuses 1 ms beyond', () => {
    expect(verifyWebhookSignature(secret, body, header, undefined, (t + 300) * 1000)).toBe(true);
    expect(verifyWebhookSignature(secret, body, header, undefined, (t + 300) * 1000 + 1)).toBe(false);
    expect(verifyWebhookSignature(secret, body, header, undefined, (t - 300) * 1000)).toBe(true);
    expect(verifyWebhookSignature(secret, body, header, undefined, (t - 300) * 1000 - 1)).toBe(false);
  });

  it('takes another tolerance', () => {
    expect(verifyWebhookSignature(secret, body, header, 10, (t + 10) * 1000)).toBe(true);
    expect(verifyWebhookSignature(secret, body, header, 10, (t + 11) * 1000)).toBe(false);
  });

  it('checks against the clock by default', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(verifyWebhookSignature(secret, body, webhookSignatureHeader(secret, body, now))).toBe(true);
    expect(verifyWebhookSignature(secret, body, webhookSignatureHeader(secret, body, now - 600))).toBe(false);
  });

  it('refuses another secret or another body', () => {
    expect(verifyWebhookSignature('other', body, header, 300, t * 1000)).toBe(false);
    expect(verifyWebhookSignature(secret, `${body} `, header, 300, t * 1000)).toBe(false);
  });

  it('refuses a timestamp moved to another signature', () => {
    const moved = `t=${t + 1},v1=${v1}`;
    expect(verifyWebhookSignature(secret, body, moved, 300, t * 1000)).toBe(false);
  });

  it('reads the parts in any order', () => {
    expect(verifyWebhookSignature(secret, body, `v1=${v1},t=${t}`, 300, t * 1000)).toBe(true);
  });

  it.each([
    ['no v1', () => `t=${t}`],
    ['an empty v1', () => `t=${t},v1=`],
    ['no t', () => `v1=${v1}`],
    ['a fractional t', () => `t=${t}.5,v1=${v1}`],
    ['a non-numeric t', () => `t=abc,v1=${v1}`],
    ['a truncated v1', () => `t=${t},v1=${v1.slice(0, 63)}`],
    ['a longer v1', () => `t=${t},v1=${v1}0`],
    ['an upper-case v1', () => `t=${t},v1=${v1.toUpperCase()}`],
    ['an empty header', () => ''],
  ])('refuses a header with %s, without throwing', (_label, badHeader) => {
    const bad = badHeader();
    expect(bad).not.toBe(header);
    expect(verifyWebhookSignature(secret, body, bad, 300, t * 1000)).toBe(false);
  });
});
