/**
 * `.authforge` license files (docs/offline-formats.md): the payload JSON byte for byte in the
 * documented field order (each optional field present only when given, `expiresAt` always),
 * the armored file line by line with what was signed, and the file an SDK's verifier (the
 * independent one in test/offline) accepts, signed with RFC 8032's TEST 1 key.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  formatOfflineLicense,
  offlineLicenseFileName,
  offlineLicenseLabel,
  offlineLicenseMediaType,
  offlineLicensePayloadJson,
  offlineLicenseType,
  offlineSignatureLabel,
  type OfflineLicenseGrant,
} from '../../../functions/src/crypto/offlineLicense.js';
import { verifyLicenseFile } from '../../offline/authforgeFormats.js';

/** RFC 8032 TEST 1: Ed25519 is deterministic, so the whole file is. */
const rfcKey = {
  d: Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex').toString('base64url'),
  x: Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex').toString('base64url'),
};
const trustedKey = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';
const rfcSign = (message: string) =>
  sign(null, Buffer.from(message, 'utf8'), createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', ...rfcKey }, format: 'jwk' })).toString('base64');

const issuedAt = new Date(Date.UTC(2026, 8, 11, 12, 0, 0));
const expiresAt = new Date(Date.UTC(2027, 0, 1));

const minimal: OfflineLicenseGrant = {
  appId: 'app_ABCDEFGH12',
  licenseKey: 'ABCD-EFGH-JKLM-NPQR',
  jti: 'olf_1',
  kid: 'sk_1',
  issuedAt,
  expiresAt: null,
  hwid: { mode: 'any' },
};

const head = '{"v":1,"typ":"authforge-license","appId":"app_ABCDEFGH12","licenseKey":"ABCD-EFGH-JKLM-NPQR","jti":"olf_1","kid":"sk_1","issuedAt":"2026-09-11T12:00:00.000Z"';

describe('offlineLicensePayloadJson', () => {
  it('writes the required fields in order, expiresAt null for a lifetime file, nothing optional', () => {
    expect(offlineLicensePayloadJson(minimal)).toBe(`${head},"expiresAt":null,"hwid":{"mode":"any"}}`);
  });

  it('writes a bound file with its HWIDs and an expiry with milliseconds and Z', () => {
    const json = offlineLicensePayloadJson({ ...minimal, expiresAt, hwid: { mode: 'bound', hwids: ['m-1', 'm-2'] } });
    expect(json).toBe(`${head},"expiresAt":"2027-01-01T00:00:00.000Z","hwid":{"mode":"bound","hwids":["m-1","m-2"]}}`);
  });

  it('writes every optional field, in the documented order, with the policy after appVariables', () => {
    const json = offlineLicensePayloadJson({
      ...minimal,
      expiresAt,
      label: 'lab',
      licenseExpiresAt: new Date(Date.UTC(2027, 5, 30, 23, 59, 59, 999)),
      licenseVariables: { seats: 5 },
      appVariables: { channel: 'stable' },
      policy: {
        licenseState: 'grace',
        graceEndsAt: new Date(Date.UTC(2027, 0, 8)),
        expirationStrategy: 'restrict',
        entitlements: ['export', 'pro'],
        entitlementsExpireAt: { export: new Date(Date.UTC(2026, 11, 31)) },
      },
    });
    expect(json).toBe(
      `${head},"expiresAt":"2027-01-01T00:00:00.000Z","hwid":{"mode":"any"},"label":"lab","licenseExpiresAt":"2027-06-30T23:59:59.999Z",` +
        '"licenseVariables":{"seats":5},"appVariables":{"channel":"stable"},"licenseState":"grace","graceEndsAt":"2027-01-08T00:00:00.000Z",' +
        '"expirationStrategy":"restrict","entitlements":["export","pro"],"entitlementsExpireAt":{"export":"2026-12-31T00:00:00.000Z"}}',
    );
  });

  it('writes a license that never expires as licenseExpiresAt null, and an empty label as ""', () => {
    expect(offlineLicensePayloadJson({ ...minimal, licenseExpiresAt: null, label: '' })).toBe(`${head},"expiresAt":null,"hwid":{"mode":"any"},"label":"","licenseExpiresAt":null}`);
  });

  it('writes the policy without grace end and without entitlements when it has none', () => {
    const json = offlineLicensePayloadJson({ ...minimal, policy: { licenseState: 'active', graceEndsAt: null, expirationStrategy: 'maintain' } });
    expect(json).toBe(`${head},"expiresAt":null,"hwid":{"mode":"any"},"licenseState":"active","graceEndsAt":null,"expirationStrategy":"maintain"}`);
  });

  it('writes empty entitlement lists as they are', () => {
    const json = offlineLicensePayloadJson({ ...minimal, policy: { licenseState: 'expired', graceEndsAt: null, expirationStrategy: 'allow', entitlements: [], entitlementsExpireAt: {} } });
    expect(json).toBe(`${head},"expiresAt":null,"hwid":{"mode":"any"},"licenseState":"expired","graceEndsAt":null,"expirationStrategy":"allow","entitlements":[],"entitlementsExpireAt":{}}`);
  });
});

describe('formatOfflineLicense', () => {
  const grant: OfflineLicenseGrant = { ...minimal, expiresAt, hwid: { mode: 'bound', hwids: ['machine-1'] }, licenseVariables: { plan: 'pro'.repeat(30) } };

  it('writes the headers, the payload wrapped at 64, and the signature of exactly the payload string', () => {
    const signed: string[] = [];
    const text = formatOfflineLicense(grant, (message) => {
      signed.push(message);
      return `${'S'.repeat(64)}SIG=`;
    });
    const payload = Buffer.from(offlineLicensePayloadJson(grant), 'utf8').toString('base64');
    expect(signed).toEqual([payload]);
    expect(text).toBe(
      [
        '-----BEGIN AUTHFORGE LICENSE-----',
        'Version: 1',
        'App-Id: app_ABCDEFGH12',
        'License: ABCD-EFGH-JKLM-NPQR',
        'Key-Id: sk_1',
        'Expires-At: 2027-01-01T00:00:00.000Z',
        '',
        ...(payload.match(/.{1,64}/g) ?? []),
        '-----END AUTHFORGE LICENSE-----',
        '-----BEGIN AUTHFORGE SIGNATURE-----',
        'S'.repeat(64),
        'SIG=',
        '-----END AUTHFORGE SIGNATURE-----',
        '',
      ].join('\n'),
    );
  });

  it('writes Expires-At: never for a lifetime file', () => {
    expect(formatOfflineLicense(minimal, () => 'c2ln')).toContain('\nKey-Id: sk_1\nExpires-At: never\n\n');
  });

  it('opens in an SDK verifier trusting the signing key, on a listed machine, before expiresAt', () => {
    const text = formatOfflineLicense(grant, rfcSign);
    const now = new Date(Date.UTC(2026, 11, 31));
    const reading = verifyLicenseFile(text, { trustedKeys: [trustedKey], appId: 'app_ABCDEFGH12', hwid: 'machine-1', now });
    expect(reading).toMatchObject({ ok: true, payload: { licenseKey: 'ABCD-EFGH-JKLM-NPQR', expiresAt: '2027-01-01T00:00:00.000Z' } });
    expect(verifyLicenseFile(text, { trustedKeys: [trustedKey], appId: 'app_ABCDEFGH12', hwid: 'machine-2', now })).toEqual({ ok: false, error: 'hwid_mismatch' });
    expect(verifyLicenseFile(text, { trustedKeys: [trustedKey], appId: 'app_ABCDEFGH12', hwid: 'machine-1', now: expiresAt })).toEqual({ ok: false, error: 'expired' });
  });
});

describe('the download', () => {
  it('is named <licenseKey>.authforge and sent as application/x-authforge-license', () => {
    expect(offlineLicenseFileName('ABCD-EFGH-JKLM-NPQR')).toBe('ABCD-EFGH-JKLM-NPQR.authforge');
    expect(offlineLicenseMediaType).toBe('application/x-authforge-license');
  });

  it('uses the LICENSE and SIGNATURE labels and the authforge-license payload type', () => {
    expect([offlineLicenseLabel, offlineSignatureLabel, offlineLicenseType]).toEqual(['LICENSE', 'SIGNATURE', 'authforge-license']);
  });
});
