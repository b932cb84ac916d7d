/**
 * The offline format helpers without a server: our activation-request reader against requests
 * written by the independent SDK-side writer, and our license-file writer against the
 * independent verifier (both in ./authforgeFormats.ts, node:crypto only).
 */
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { activationRequestChecksum, formatActivationRequest, readActivationRequest } from '../../../functions/src/crypto/activationRequest.js';
import { formatOfflineLicense, type OfflineLicenseGrant } from '../../../functions/src/crypto/offlineLicense.js';
import { rewrap, verifyLicenseFile, writeActivationRequest } from '../../offline/authforgeFormats.js';

const example = { appId: 'test-app', hwid: 'testhwid', createdAt: '2026-09-11T12:00:00.000Z' };

describe('activation requests', () => {
  it('the worked example gives Checksum: c64d10a2fe4d54f7, written by us and by the independent writer alike', () => {
    const independent = writeActivationRequest(example);
    expect(independent.checksum).toBe('c64d10a2fe4d54f7');
    expect(activationRequestChecksum(independent.payload)).toBe('c64d10a2fe4d54f7');
    const ours = formatActivationRequest({ v: 1, typ: 'authforge-activation-request', ...example });
    expect(ours).toBe(independent.text);
    expect(ours).toContain('\nChecksum: c64d10a2fe4d54f7\n');
  });

  it('reads a request with every optional field, CRLF, a BOM, re-wrapping and text around the armor', () => {
    const fields = { ...example, machineName: 'LAB-PC-07', os: 'windows 11', sdk: 'node/1.4.2', licenseKey: 'ABCD-EFGH-JKLM-NPQR' };
    const { text, checksum } = writeActivationRequest(fields);
    for (const variant of [
      text,
      `\uFEFF${text.replace(/\n/g, '\r\n')}`,
      rewrap(text, 19),
      `Hello support, my request is below.\n\n  ${text.split('\n').join('\n  ')}\nThanks, Ana`,
    ]) {
      const reading = readActivationRequest(variant);
      expect(reading, variant).toMatchObject({ ok: true, checksum, request: { v: 1, typ: 'authforge-activation-request', ...fields } });
    }
  });

  it('tells apart a wrong checksum, a truncated body, a license file and anything else', () => {
    const { text } = writeActivationRequest(example);
    const wrongChecksum = text.replace('c64d10a2fe4d54f7', '0000000000000000');
    expect(readActivationRequest(wrongChecksum)).toMatchObject({ ok: false, reason: 'checksum_mismatch' });
    expect(readActivationRequest(text.slice(0, text.length - 60))).toMatchObject({ ok: false, reason: 'truncated' });
    const lines = text.split('\n');
    const shortened = [...lines.slice(0, 5), (lines[5] ?? '').slice(0, 30), ...lines.slice(-3)].join('\n');
    expect(readActivationRequest(shortened)).toMatchObject({ ok: false, reason: 'truncated' });
    const license = '-----BEGIN AUTHFORGE LICENSE-----\nVersion: 1\n\nAAAA\n-----END AUTHFORGE LICENSE-----\n';
    expect(readActivationRequest(license)).toMatchObject({ ok: false, reason: 'license_file' });
    expect(readActivationRequest('just some words')).toMatchObject({ ok: false, reason: 'invalid' });
    const tooLong = writeActivationRequest({ ...example, hwid: 'h'.repeat(257) }).text;
    expect(readActivationRequest(tooLong)).toMatchObject({ ok: false, reason: 'invalid' });
    const wrongType = writeActivationRequest(example).text;
    expect(readActivationRequest(wrongType.replace('Version: 1', 'Version: 2'))).toMatchObject({ ok: false, reason: 'invalid' });
  });
});

describe('license files', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicRaw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url').toString('base64');
  const signer = (message: string) => sign(null, Buffer.from(message, 'utf8'), createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }))).toString('base64');
  const grant = (overrides: Partial<OfflineLicenseGrant> = {}): OfflineLicenseGrant => ({
    appId: 'app_test',
    licenseKey: 'ABCD-EFGH-JKLM-NPQR',
    jti: 'olf_1',
    kid: 'sk_1',
    issuedAt: new Date(Date.now() - 1000),
    expiresAt: new Date(Date.now() + 86_400_000),
    hwid: { mode: 'bound', hwids: ['machine-1', 'machine-2'] },
    ...overrides,
  });

  it('writes the documented layout: headers, a blank line, 64-column base64, the signature block', () => {
    const expiresAt = new Date(Date.now() + 86_400_000);
    const text = formatOfflineLicense(grant({ expiresAt, licenseVariables: { plan: 'pro'.repeat(40) } }), signer);
    const lines = text.split('\n');
    expect(lines.slice(0, 7)).toEqual([
      '-----BEGIN AUTHFORGE LICENSE-----',
      'Version: 1',
      'App-Id: app_test',
      'License: ABCD-EFGH-JKLM-NPQR',
      'Key-Id: sk_1',
      `Expires-At: ${expiresAt.toISOString()}`,
      '',
    ]);
    expect(text.endsWith('-----END AUTHFORGE SIGNATURE-----\n')).toBe(true);
    expect(text).not.toContain('\r');
    for (const line of lines.filter((candidate) => /^[A-Za-z0-9+/=]+$/.test(candidate))) expect(line.length).toBeLessThanOrEqual(64);
    expect(lines.filter((line) => line.length === 64).length).toBeGreaterThan(2);
    expect(formatOfflineLicense(grant({ expiresAt: null }), signer)).toContain('\nExpires-At: never\n');
  });

  it('verifies with the independent verifier; instants carry milliseconds and Z; expiresAt null is present for lifetime', () => {
    const result = verifyLicenseFile(formatOfflineLicense(grant({ expiresAt: null, label: 'lab' }), signer), { trustedKeys: [publicRaw], appId: 'app_test', hwid: 'machine-2' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.payload.expiresAt).toBeNull();
    expect(Object.keys(result.payload).slice(0, 9)).toEqual(['v', 'typ', 'appId', 'licenseKey', 'jti', 'kid', 'issuedAt', 'expiresAt', 'hwid']);
    expect(result.payload.issuedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(result.payload.label).toBe('lab');
  });

  it('an any-HWID file opens on any machine; a bound one only on its HWIDs', () => {
    const any = formatOfflineLicense(grant({ hwid: { mode: 'any' } }), signer);
    expect(verifyLicenseFile(any, { trustedKeys: [publicRaw], appId: 'app_test', hwid: 'whatever' }).ok).toBe(true);
    const bound = formatOfflineLicense(grant(), signer);
    expect(verifyLicenseFile(bound, { trustedKeys: [publicRaw], appId: 'app_test', hwid: 'machine-3' })).toEqual({ ok: false, error: 'hwid_mismatch' });
  });
});
