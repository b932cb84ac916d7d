/** The SDK protocol's signed answer: the payload and the app's Ed25519 signature over it (docs/design.md, door 1). */
import { signUtf8 } from '../../crypto/signing.js';
import type { AppDocument } from '../../data/apps.js';
import { ApiError } from '../../domain/errors.js';

export interface SignedAnswer {
  status: 'ok';
  payload: string;
  signature: string;
  keyId: string;
}

/** `payload` is base64 of the JSON; `signature` is Ed25519 over the payload string's bytes. */
export function signAnswer(app: AppDocument, body: Record<string, unknown>): SignedAnswer {
  const key = app.signingKeys.find((candidate) => candidate.keyId === app.activeSigningKeyId);
  if (!key) throw new ApiError('system_error', 'The app has no active signing key');
  const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64');
  return { status: 'ok', payload, signature: signUtf8(key, payload), keyId: key.keyId };
}
