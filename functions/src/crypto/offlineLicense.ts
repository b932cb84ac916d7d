/**
 * `.authforge` offline license files (version 1), as AuthForge's SDKs read them
 * (`loginFromFile`, `verifyLicenseFile`): an armored base64 JSON payload and an armored
 * Ed25519 signature over the UTF-8 bytes of the unwrapped base64 payload string, the same
 * contract as `/auth/validate`'s signed answers. See docs/offline-formats.md.
 */
import type { Variables } from '../data/shared.js';
import { armorBlock, isoMillis } from './armor.js';

export const offlineLicenseLabel = 'LICENSE';
export const offlineSignatureLabel = 'SIGNATURE';
export const offlineLicenseType = 'authforge-license';
export const offlineLicenseMediaType = 'application/x-authforge-license';

export type OfflineHwidBinding = { mode: 'bound'; hwids: string[] } | { mode: 'any' };

/** What the file grants. Instants are Dates here and written with milliseconds and `Z`. */
export interface OfflineLicenseGrant {
  appId: string;
  licenseKey: string;
  jti: string;
  kid: string;
  issuedAt: Date;
  /** null: lifetime (only for a license that never expires). */
  expiresAt: Date | null;
  hwid: OfflineHwidBinding;
  label?: string | undefined;
  licenseExpiresAt?: Date | null | undefined;
  licenseVariables?: Variables | undefined;
  appVariables?: Variables | undefined;
  /** The policy at minting (README, Expiration strategies and grace): what the client enforces offline. */
  policy?: OfflinePolicy | undefined;
}

/** The license's expiry policy as the file carries it; instants as Dates, null when none. */
export interface OfflinePolicy {
  licenseState: 'active' | 'grace' | 'expired';
  graceEndsAt: Date | null;
  expirationStrategy: string;
  /** The entitlement codes at minting, sorted, and the add-ons' ends (code → instant) (README, Entitlements). */
  entitlements?: readonly string[] | undefined;
  entitlementsExpireAt?: Readonly<Record<string, Date>> | undefined;
}

/**
 * The payload JSON in the documented field order; `expiresAt` is always present (null for
 * lifetime). An optional field left undefined is absent: JSON.stringify skips undefined values.
 */
export function offlineLicensePayloadJson(grant: OfflineLicenseGrant): string {
  return JSON.stringify({
    v: 1,
    typ: offlineLicenseType,
    appId: grant.appId,
    licenseKey: grant.licenseKey,
    jti: grant.jti,
    kid: grant.kid,
    issuedAt: isoMillis(grant.issuedAt),
    expiresAt: grant.expiresAt ? isoMillis(grant.expiresAt) : null,
    hwid: grant.hwid.mode === 'bound' ? { mode: 'bound', hwids: grant.hwid.hwids } : { mode: 'any' },
    label: grant.label,
    ...(grant.licenseExpiresAt !== undefined ? { licenseExpiresAt: grant.licenseExpiresAt ? isoMillis(grant.licenseExpiresAt) : null } : {}),
    licenseVariables: grant.licenseVariables,
    appVariables: grant.appVariables,
    ...(grant.policy !== undefined
      ? {
          licenseState: grant.policy.licenseState,
          graceEndsAt: grant.policy.graceEndsAt ? isoMillis(grant.policy.graceEndsAt) : null,
          expirationStrategy: grant.policy.expirationStrategy,
          entitlements: grant.policy.entitlements,
          ...(grant.policy.entitlementsExpireAt !== undefined
            ? { entitlementsExpireAt: Object.fromEntries(Object.entries(grant.policy.entitlementsExpireAt).map(([code, at]) => [code, isoMillis(at)])) }
            : {}),
        }
      : {}),
  });
}

/**
 * The armored file: informational headers, the payload, and its signature. `sign` returns the
 * standard base64 Ed25519 signature over the UTF-8 bytes of the string it is given; the
 * caller chooses the key (services/admin/signingKeys.ts), so key handling stays in one place.
 */
export function formatOfflineLicense(grant: OfflineLicenseGrant, sign: (message: string) => string): string {
  const payload = Buffer.from(offlineLicensePayloadJson(grant), 'utf8').toString('base64');
  const headers: Array<[string, string]> = [
    ['Version', '1'],
    ['App-Id', grant.appId],
    ['License', grant.licenseKey],
    ['Key-Id', grant.kid],
    ['Expires-At', grant.expiresAt ? isoMillis(grant.expiresAt) : 'never'],
  ];
  const lines = [...armorBlock(offlineLicenseLabel, headers, payload), ...armorBlock(offlineSignatureLabel, [], sign(payload))];
  return `${lines.join('\n')}\n`;
}

/** A download name a customer recognises: `<licenseKey>.authforge`. */
export const offlineLicenseFileName = (licenseKey: string) => `${licenseKey}.authforge`;
