/**
 * `.authforge-request` activation requests (docs/offline-formats.md): the worked example byte
 * for byte, the SDKs' field limits exactly at and one past each bound, and every reason (with
 * the message a customer or support agent reads) the reader gives for a text it cannot use.
 * Requests are built here with node:crypto, independently of the module's writer.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  activationRequestChecksum,
  activationRequestJson,
  activationRequestLabel,
  activationRequestLimits,
  activationRequestType,
  formatActivationRequest,
  readActivationRequest,
  type ActivationRequestPayload,
} from '../../../functions/src/crypto/activationRequest.js';

const example = { v: 1, typ: 'authforge-activation-request', appId: 'test-app', hwid: 'testhwid', createdAt: '2026-09-11T12:00:00.000Z' } as const;
const examplePayload = 'eyJ2IjoxLCJ0eXAiOiJhdXRoZm9yZ2UtYWN0aXZhdGlvbi1yZXF1ZXN0IiwiYXBwSWQiOiJ0ZXN0LWFwcCIsImh3aWQiOiJ0ZXN0aHdpZCIsImNyZWF0ZWRBdCI6IjIwMjYtMDktMTFUMTI6MDA6MDAuMDAwWiJ9';
/** The worked example of docs/offline-formats.md, as an SDK writes it. */
const exampleText = [
  '-----BEGIN AUTHFORGE ACTIVATION REQUEST-----',
  'Version: 1',
  'App-Id: test-app',
  'Checksum: c64d10a2fe4d54f7',
  '',
  'eyJ2IjoxLCJ0eXAiOiJhdXRoZm9yZ2UtYWN0aXZhdGlvbi1yZXF1ZXN0IiwiYXBw',
  'SWQiOiJ0ZXN0LWFwcCIsImh3aWQiOiJ0ZXN0aHdpZCIsImNyZWF0ZWRBdCI6IjIw',
  'MjYtMDktMTFUMTI6MDA6MDAuMDAwWiJ9',
  '-----END AUTHFORGE ACTIVATION REQUEST-----',
  '',
].join('\n');

const sha256Prefix = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 16);

/** An armored request around any base64 body; the checksum is right unless one is given. */
function requestText(base64: string, headers: Array<[string, string]> = [['Version', '1'], ['Checksum', sha256Prefix(base64)]]): string {
  return ['-----BEGIN AUTHFORGE ACTIVATION REQUEST-----', ...headers.map(([name, value]) => `${name}: ${value}`), '', base64, '-----END AUTHFORGE ACTIVATION REQUEST-----'].join('\n');
}
const jsonBase64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
const requestOf = (value: unknown) => requestText(jsonBase64(value));

describe('writing', () => {
  it('formats the worked example exactly, Checksum: c64d10a2fe4d54f7', () => {
    expect(formatActivationRequest(example)).toBe(exampleText);
    expect(activationRequestChecksum(examplePayload)).toBe('c64d10a2fe4d54f7');
  });

  it('writes compact JSON: the required fields, then machineName, os, sdk, licenseKey when present', () => {
    const full: ActivationRequestPayload = { ...example, licenseKey: 'K', sdk: 'node/1.4.2', os: 'linux', machineName: 'PC' };
    expect(activationRequestJson(full)).toBe(
      '{"v":1,"typ":"authforge-activation-request","appId":"test-app","hwid":"testhwid","createdAt":"2026-09-11T12:00:00.000Z","machineName":"PC","os":"linux","sdk":"node/1.4.2","licenseKey":"K"}',
    );
    expect(activationRequestJson({ ...example, os: 'linux' })).toBe(
      '{"v":1,"typ":"authforge-activation-request","appId":"test-app","hwid":"testhwid","createdAt":"2026-09-11T12:00:00.000Z","os":"linux"}',
    );
  });

  it('names the format as the SDKs do', () => {
    expect([activationRequestLabel, activationRequestType]).toEqual(['ACTIVATION REQUEST', 'authforge-activation-request']);
    expect(activationRequestLimits).toEqual({ appId: 64, hwid: 256, machineName: 128, os: 64, sdk: 64, licenseKey: 64 });
  });
});

describe('reading a usable request', () => {
  it('reads the worked example: the payload and its checksum', () => {
    expect(readActivationRequest(exampleText)).toEqual({ ok: true, request: example, checksum: 'c64d10a2fe4d54f7' });
  });

  it('reads a Checksum header written in upper case, answering it in lower case', () => {
    const text = exampleText.replace('c64d10a2fe4d54f7', 'C64D10A2FE4D54F7');
    expect(readActivationRequest(text)).toEqual({ ok: true, request: example, checksum: 'c64d10a2fe4d54f7' });
  });

  it('reads a request without a Version header', () => {
    expect(readActivationRequest(exampleText.replace('Version: 1\n', ''))).toEqual({ ok: true, request: example, checksum: 'c64d10a2fe4d54f7' });
  });

  it('reads CRLF line ends and a BOM', () => {
    expect(readActivationRequest(`\uFEFF${exampleText.replace(/\n/g, '\r\n')}`)).toMatchObject({ ok: true, request: example });
  });

  it('accepts every field at its exact limit', () => {
    const atLimits = {
      ...example,
      appId: 'a'.repeat(64),
      hwid: 'h'.repeat(256),
      createdAt: 'c'.repeat(64),
      machineName: 'm'.repeat(128),
      os: 'o'.repeat(64),
      sdk: 's'.repeat(64),
      licenseKey: 'k'.repeat(64),
    };
    expect(readActivationRequest(requestOf(atLimits))).toMatchObject({ ok: true, request: atLimits });
  });

  it('accepts one-character fields', () => {
    const shortest = { ...example, appId: 'a', hwid: 'h', createdAt: 'c', machineName: 'm', os: 'o', sdk: 's', licenseKey: 'k' };
    expect(readActivationRequest(requestOf(shortest))).toMatchObject({ ok: true, request: shortest });
  });
});

describe('refusing a field', () => {
  it.each([
    ['appId', 64],
    ['hwid', 256],
    ['createdAt', 64],
    ['machineName', 128],
    ['os', 64],
    ['sdk', 64],
    ['licenseKey', 64],
  ])('%s one character past its limit of %i, naming the field', (field, limit) => {
    expect(readActivationRequest(requestOf({ ...example, [field]: 'x'.repeat(limit + 1) }))).toEqual({
      ok: false,
      reason: 'invalid',
      detail: `Invalid activation request payload: ${field}: Too big: expected string to have <=${limit} characters`,
    });
  });

  it.each(['appId', 'hwid', 'createdAt', 'machineName', 'os', 'sdk', 'licenseKey'])('an empty %s', (field) => {
    expect(readActivationRequest(requestOf({ ...example, [field]: '' }))).toEqual({
      ok: false,
      reason: 'invalid',
      detail: `Invalid activation request payload: ${field}: Too small: expected string to have >=1 characters`,
    });
  });

  it('a missing hwid, another version and another type', () => {
    expect(readActivationRequest(requestOf({ ...example, hwid: undefined }))).toMatchObject({ ok: false, reason: 'invalid', detail: expect.stringMatching(/^Invalid activation request payload: hwid: /) });
    expect(readActivationRequest(requestOf({ ...example, v: 2 }))).toEqual({ ok: false, reason: 'invalid', detail: 'Invalid activation request payload: v: Invalid input: expected 1' });
    expect(readActivationRequest(requestOf({ ...example, typ: 'authforge-license' }))).toMatchObject({ ok: false, reason: 'invalid', detail: expect.stringMatching(/^Invalid activation request payload: typ: /) });
  });

  it('a payload that is JSON but not an object is named "payload"', () => {
    expect(readActivationRequest(requestText(jsonBase64(5)))).toEqual({
      ok: false,
      reason: 'invalid',
      detail: 'Invalid activation request payload: payload: Invalid input: expected object, received number',
    });
  });
});

describe('telling apart what is not a usable request', () => {
  it('a license file pasted instead, whole or cut short', () => {
    const detail = 'This is a license file (.authforge), not an activation request (.authforge-request)';
    expect(readActivationRequest('-----BEGIN AUTHFORGE LICENSE-----\nVersion: 1\n\nAAAA\n-----END AUTHFORGE LICENSE-----\n')).toEqual({ ok: false, reason: 'license_file', detail });
    expect(readActivationRequest('-----BEGIN AUTHFORGE LICENSE-----\nVersion: 1\n\nAAAA')).toEqual({ ok: false, reason: 'license_file', detail });
  });

  it('text without the BEGIN line', () => {
    const detail = 'No "-----BEGIN AUTHFORGE ACTIVATION REQUEST-----" line found';
    expect(readActivationRequest('just some words')).toEqual({ ok: false, reason: 'invalid', detail });
    expect(readActivationRequest(exampleText.replace('-----BEGIN AUTHFORGE ACTIVATION REQUEST-----\n', ''))).toEqual({ ok: false, reason: 'invalid', detail });
  });

  it('a request cut before its END line', () => {
    expect(readActivationRequest(exampleText.slice(0, exampleText.indexOf('-----END')))).toEqual({
      ok: false,
      reason: 'truncated',
      detail: 'The activation request ends before its "-----END AUTHFORGE ACTIVATION REQUEST-----" line',
    });
  });

  it('a request with no payload', () => {
    expect(readActivationRequest(requestText('', [['Checksum', sha256Prefix('')]]))).toEqual({ ok: false, reason: 'truncated', detail: 'The activation request has no payload' });
  });

  it('a version other than 1', () => {
    expect(readActivationRequest(exampleText.replace('Version: 1', 'Version: 2'))).toEqual({ ok: false, reason: 'invalid', detail: 'Unsupported activation request version 2' });
    expect(readActivationRequest(exampleText.replace('Version: 1', 'Version: 1.0'))).toEqual({ ok: false, reason: 'invalid', detail: 'Unsupported activation request version 1.0' });
  });

  it('no Checksum header, or an empty one', () => {
    const detail = 'The activation request has no Checksum header';
    expect(readActivationRequest(exampleText.replace('Checksum: c64d10a2fe4d54f7\n', ''))).toEqual({ ok: false, reason: 'invalid', detail });
    expect(readActivationRequest(exampleText.replace('Checksum: c64d10a2fe4d54f7', 'Checksum:'))).toEqual({ ok: false, reason: 'invalid', detail });
  });

  it('a checksum that does not match a payload that still reads (altered or mistyped)', () => {
    expect(readActivationRequest(exampleText.replace('c64d10a2fe4d54f7', 'c64d10a2fe4d54f8'))).toEqual({
      ok: false,
      reason: 'checksum_mismatch',
      detail: 'The activation request checksum does not match its payload (altered or mistyped)',
    });
    const altered = exampleText.replace('MjYtMDktMTFUMTI6MDA6MDAuMDAwWiJ9', 'MjctMDktMTFUMTI6MDA6MDAuMDAwWiJ9');
    expect(readActivationRequest(altered)).toMatchObject({ ok: false, reason: 'checksum_mismatch' });
  });

  it('a payload cut short: its checksum fails and it no longer decodes', () => {
    expect(readActivationRequest(exampleText.replace('\nMjYtMDktMTFUMTI6MDA6MDAuMDAwWiJ9', ''))).toEqual({
      ok: false,
      reason: 'truncated',
      detail: 'The activation request payload is incomplete (its checksum does not match and it no longer decodes)',
    });
  });

  it('a payload with the right checksum that is not strict base64 JSON', () => {
    const detail = 'The activation request payload is not base64 JSON';
    // Unpadded `{}`: lenient decoders read it, the format requires padding.
    expect(readActivationRequest(requestText('e30'))).toEqual({ ok: false, reason: 'invalid', detail });
    expect(readActivationRequest(requestText(Buffer.from('not json', 'utf8').toString('base64')))).toEqual({ ok: false, reason: 'invalid', detail });
  });
});
