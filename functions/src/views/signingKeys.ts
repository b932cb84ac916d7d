/** An app's published signing keys, as the SDKs' `publicKey` lists and the vendor see them. */
import { publicKeyBase64 } from '../crypto/signing.js';
import type { AppDocument, SigningKeyDocument } from '../data/apps.js';
import { isoDate } from '../data/shared.js';
import type { SigningKeySetResponse } from '../schemas/signingKeys.js';

/** The published keys, the active one first, then retired ones newest first. */
export function publishedSigningKeys(app: AppDocument): SigningKeyDocument[] {
  const active = app.signingKeys.filter((key) => key.keyId === app.activeSigningKeyId);
  const retired = app.signingKeys.filter((key) => key.keyId !== app.activeSigningKeyId).reverse();
  return [...active, ...retired];
}

export function publishedKeyView(app: AppDocument, key: SigningKeyDocument) {
  return {
    keyId: key.keyId,
    algorithm: 'Ed25519' as const,
    publicKey: publicKeyBase64(key),
    active: key.keyId === app.activeSigningKeyId,
    createdAt: isoDate(key.createdAt),
    retiredAt: isoDate(key.retiredAt),
  };
}

/** What a vendor pastes into an SDK's `publicKey` list: every published key, the current first. */
export function signingKeySetView(appId: string, app: AppDocument): SigningKeySetResponse {
  const keys = publishedSigningKeys(app).map((key) => publishedKeyView(app, key));
  return { appId, activeKeyId: app.activeSigningKeyId, publicKeys: keys.map((key) => key.publicKey), keys };
}
