/**
 * The stored shapes the unit files decide over, built in one place: a license document with every
 * field at its new-license value, a bound device, an app as stored and the rules of one with none,
 * instants; and the KEK a file's tests seal with.
 */
import { createPublicKey, verify } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, beforeAll } from 'vitest';
import { appDocument, type AppDocument } from '../../functions/src/data/apps.js';
import type { DeviceDocument, LicenseDocument } from '../../functions/src/data/licenses.js';
import type { AppRules } from '../../functions/src/services/client/clientDecision.js';

export const at = (iso: string) => Timestamp.fromDate(new Date(iso));
export const plus = (time: Timestamp, ms: number) => Timestamp.fromMillis(time.toMillis() + ms);

/** An enabled app with no lists, no bans and no daily IP limit. */
export const openApp: AppRules = { disabled: false, security: { hwidBlacklist: [], ipBlacklist: [], hwidWhitelist: [], ipWhitelist: [] }, clientBans: { hwids: [], ips: [] }, maxIpsPerDay: null };

/**
 * A license as createLicense stores it at `created` (one seat, no expiry, restrict on expiry, the
 * clock started at creation), with `fields` over it.
 */
export function storedLicense(created: Timestamp, fields: Partial<LicenseDocument> = {}): LicenseDocument {
  return {
    appId: 'app_1', accountId: 'acc_1', variantId: null, label: null, email: null, maxHwidSlots: 1, unlimitedHwidSlots: false,
    floating: false, heartbeatTimeoutSeconds: 300, expiresAt: null, expiresSort: created, revoked: false, revokedAt: null,
    revokeReason: null, expiryNotified: false, devices: [], variables: {}, violations: [], flagged: false,
    ipDay: { day: '', ips: [] }, heartbeatCount: 0, sessionsValidAfter: null, sessionEpoch: 0, sessionsValidFromEpoch: 0,
    clientBans: { hwids: [], ips: [] }, endedSessions: [], activationAttempts: [], deactivations: [], portalReleases: [],
    source: null, createdAt: created, updatedAt: created,
    expirationStrategy: 'restrict', gracePeriodDays: 0, expirationBasis: 'creation', renewalBasis: 'fromExpiry', durationDays: null, clockStartedAt: created,
    variantEntitlements: [], entitlements: [],
    ...fields,
  };
}

/** A device bound at `boundAt`, last seen at `lastSeenAt` (the binding itself by default). */
export const boundDevice = (hwid: string, boundAt: Timestamp, lastSeenAt = boundAt, fields: Partial<DeviceDocument> = {}): DeviceDocument => ({
  hwid, boundAt, lastSeenAt, ip: null, machineName: null, os: null, ...fields,
});

/** An app as stored at `created` (through its schema, so later fields take their defaults), with `fields` over it. */
export function storedApp(created: Timestamp, fields: Partial<AppDocument> = {}): AppDocument {
  return appDocument.parse({
    accountId: 'acc_1', name: 'App', slug: 'app', description: null, disabled: false, appSecretHash: 'hash', sessionSecret: 'unused',
    signingKeys: [{ keyId: 'sk_1', publicKey: 'unused', privateKey: 'unused', createdAt: created, retiredAt: null }], activeSigningKeyId: 'sk_1',
    creditsUnlimited: false, variables: {}, settings: { validatesPerLicensePerMinute: 60, validatesPerIpPerMinute: 60, maxIpsPerDay: null },
    security: { hwidBlacklist: [], ipBlacklist: [], hwidWhitelist: [], ipWhitelist: [] }, createdAt: created, updatedAt: created,
    ...fields,
  });
}

/** KEYWARDEN_KEK is `kek` for the calling file's tests; whatever it was comes back after them. */
export function useTestKek(kek: string): void {
  let before: string | undefined;
  beforeAll(() => {
    before = process.env.KEYWARDEN_KEK;
    process.env.KEYWARDEN_KEK = kek;
  });
  afterAll(() => {
    if (before === undefined) delete process.env.KEYWARDEN_KEK;
    else process.env.KEYWARDEN_KEK = before;
  });
}

/** What an SDK checks: Ed25519 over the message's UTF-8 bytes, with the published public key (base64url x). */
export const ed25519Verifies = (publicKey: string, message: string, signatureBase64: string) =>
  verify(null, Buffer.from(message, 'utf8'), createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' }), Buffer.from(signatureBase64, 'base64'));
