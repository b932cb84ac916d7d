/**
 * Session tokens (`<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`): the exact format, the
 * claims a reader accepts before any lookup, the 2048-character cap, and the MAC check that
 * refuses any other secret, body or signature without throwing.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issueSessionToken, peekSessionClaims, sessionTokenAuthentic, type SessionClaims } from '../../../functions/src/crypto/sessionTokens.js';

/** The app's session secret is stored base64url; the MAC key is its decoded bytes. */
const secretBytes = Buffer.from('session-secret-of-app-1', 'utf8');
const secret = secretBytes.toString('base64url');

const claims: SessionClaims = {
  sid: 'ses_1',
  app: 'app_ABCDEFGH12',
  lic: 'ABCD-EFGH-JKLM-NPQR',
  hwid: 'machine-é',
  iat: 1_800_000_000,
  iatMs: 1_800_000_000_123,
  openedMs: 1_799_999_000_000,
  ep: 2,
  exp: 1_800_000_900,
};

const bodyOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const macOf = (body: string, key: Buffer = secretBytes) => createHmac('sha256', key).update(body, 'utf8').digest('base64url');

describe('issueSessionToken', () => {
  it('is base64url of the JSON claims, a dot, base64url of HMAC-SHA256 keyed with the decoded secret', () => {
    const body = bodyOf(claims);
    expect(issueSessionToken(secret, claims)).toBe(`${body}.${macOf(body)}`);
  });

  it('differs with another secret', () => {
    const other = Buffer.from('another-secret', 'utf8');
    const body = bodyOf(claims);
    expect(issueSessionToken(other.toString('base64url'), claims)).toBe(`${body}.${macOf(body, other)}`);
  });
});

describe('peekSessionClaims', () => {
  it('reads back every claim of an issued token, without checking its MAC', () => {
    expect(peekSessionClaims(issueSessionToken(secret, claims))).toEqual(claims);
    expect(peekSessionClaims(`${bodyOf(claims)}.not-the-mac`)).toEqual(claims);
  });

  it('reads an older token without iatMs, openedMs and ep', () => {
    const older = { sid: 's', app: 'app_ABCDEFGH12', lic: 'L', hwid: 'h', iat: 1, exp: 2 };
    expect(peekSessionClaims(`${bodyOf(older)}.x`)).toEqual(older);
  });

  it('accepts epoch 0 and refuses a negative epoch', () => {
    expect(peekSessionClaims(`${bodyOf({ ...claims, ep: 0 })}.x`)).toEqual({ ...claims, ep: 0 });
    expect(peekSessionClaims(`${bodyOf({ ...claims, ep: -1 })}.x`)).toBeUndefined();
  });

  it('drops fields it does not know', () => {
    expect(peekSessionClaims(`${bodyOf({ ...claims, admin: true })}.x`)).toEqual(claims);
  });

  it.each([
    ['an app id that is not one of ours', { ...claims, app: 'app/../x' }],
    ['a fractional iat', { ...claims, iat: 1.5 }],
    ['a fractional exp', { ...claims, exp: 1.5 }],
    ['a string exp', { ...claims, exp: '1800000900' }],
    ['a fractional iatMs', { ...claims, iatMs: 1.5 }],
    ['a fractional openedMs', { ...claims, openedMs: 1.5 }],
    ['no sid', { ...claims, sid: undefined }],
    ['no license', { ...claims, lic: undefined }],
    ['a numeric hwid', { ...claims, hwid: 7 }],
    ['no exp', { ...claims, exp: undefined }],
    ['an array', [claims]],
  ])('refuses claims with %s', (_label, value) => {
    expect(peekSessionClaims(`${bodyOf(value)}.x`)).toBeUndefined();
  });

  it('refuses a body that is not base64url JSON, without throwing', () => {
    expect(peekSessionClaims(`${Buffer.from('{"sid":', 'utf8').toString('base64url')}.x`)).toBeUndefined();
    expect(peekSessionClaims('!!!.x')).toBeUndefined();
  });

  it('refuses a token without two non-empty parts', () => {
    const body = bodyOf(claims);
    expect(peekSessionClaims(body)).toBeUndefined();
    expect(peekSessionClaims(`${body}.`)).toBeUndefined();
    expect(peekSessionClaims(`.${macOf(body)}`)).toBeUndefined();
    expect(peekSessionClaims(`${body}.x.y`)).toBeUndefined();
    expect(peekSessionClaims(`${body}.x.`)).toBeUndefined();
    expect(peekSessionClaims('')).toBeUndefined();
  });

  it('reads a token of exactly 2048 characters and refuses one of 2049', () => {
    const body = bodyOf(claims);
    const exactly = `${body}.${'x'.repeat(2048 - body.length - 1)}`;
    expect(exactly).toHaveLength(2048);
    expect(peekSessionClaims(exactly)).toEqual(claims);
    expect(peekSessionClaims(`${exactly}x`)).toBeUndefined();
  });
});

describe('sessionTokenAuthentic', () => {
  it('accepts a token issued with the same secret', () => {
    expect(sessionTokenAuthentic(secret, issueSessionToken(secret, claims))).toBe(true);
  });

  it('accepts a MAC computed independently over the body', () => {
    const body = bodyOf({ anything: 1 });
    expect(sessionTokenAuthentic(secret, `${body}.${macOf(body)}`)).toBe(true);
  });

  it('refuses another secret, an altered body and an altered signature', () => {
    const body = bodyOf(claims);
    const signature = macOf(body);
    expect(sessionTokenAuthentic(Buffer.from('other', 'utf8').toString('base64url'), `${body}.${signature}`)).toBe(false);
    expect(sessionTokenAuthentic(secret, `${bodyOf({ ...claims, exp: claims.exp + 1 })}.${signature}`)).toBe(false);
    const altered = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BA' : 'AA'}`;
    expect(sessionTokenAuthentic(secret, `${body}.${altered}`)).toBe(false);
  });

  it('refuses a signature of another length without throwing', () => {
    const token = issueSessionToken(secret, claims);
    expect(sessionTokenAuthentic(secret, token.slice(0, -1))).toBe(false);
    expect(sessionTokenAuthentic(secret, `${token}AAAA`)).toBe(false);
  });

  it('refuses an empty body even with the MAC of the empty string, an empty signature and no dot', () => {
    expect(sessionTokenAuthentic(secret, `.${macOf('')}`)).toBe(false);
    expect(sessionTokenAuthentic(secret, `${bodyOf(claims)}.`)).toBe(false);
    expect(sessionTokenAuthentic(secret, bodyOf(claims))).toBe(false);
    expect(sessionTokenAuthentic(secret, '')).toBe(false);
  });
});
