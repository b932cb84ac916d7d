/**
 * The SDK's signed answer (functions/src/services/client/signedAnswers.ts): `payload` is standard
 * base64 of the body's JSON in UTF-8, `signature` is Ed25519 over the payload string by the app's
 * active key, `keyId` names that key; an app without its active key answers 500 system_error.
 */
import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair, type SigningKeyPair } from '../../../../functions/src/crypto/signing.js';
import { signAnswer } from '../../../../functions/src/services/client/signedAnswers.js';
import { apiErrorOf } from '../../apiErrors.js';
import { at, ed25519Verifies, storedApp, useTestKek } from '../../fixtures.js';

const kek = 'signed-answers-unit-test-kek-0123456789abcdef';
useTestKek(kek);

const created = at('2027-01-01T00:00:00Z');

/** An app as stored with these signing keys, `active` the one it signs with. */
const appSigningWith = (keys: SigningKeyPair[], active: string) =>
  storedApp(created, { signingKeys: keys.map((key) => ({ ...key, createdAt: created, retiredAt: null })), activeSigningKeyId: active });

const verifiesWith = (key: SigningKeyPair, payload: string, signature: string) => ed25519Verifies(key.publicKey, payload, signature);

describe('signAnswer', () => {
  it('signs the body\'s JSON, in standard base64 of its UTF-8 bytes, with the active key, and names that key', () => {
    const retired = generateSigningKeyPair();
    const active = generateSigningKeyPair();
    // Non-ASCII text, and characters whose base64 holds '+' and '/' (base64url would differ).
    const body = { valid: true, hwid: 'dev-1', note: 'Café ~~~ ???', expiresAt: null, nonce: 'n-1' };
    const answer = signAnswer(appSigningWith([retired, active], active.keyId), body);
    expect(answer.status).toBe('ok');
    expect(answer.keyId).toBe(active.keyId);
    expect(answer.payload).toBe(Buffer.from(JSON.stringify(body), 'utf8').toString('base64'));
    expect(answer.payload).toMatch(/[+/]/);
    expect(JSON.parse(Buffer.from(answer.payload, 'base64').toString('utf8'))).toEqual(body);
    expect(verifiesWith(active, answer.payload, answer.signature)).toBe(true);
    expect(verifiesWith(retired, answer.payload, answer.signature)).toBe(false);
    expect(Object.keys(answer)).toEqual(['status', 'payload', 'signature', 'keyId']);
  });

  it('signs with whichever key is active, the first one too', () => {
    const first = generateSigningKeyPair();
    const second = generateSigningKeyPair();
    const answer = signAnswer(appSigningWith([first, second], first.keyId), { valid: true });
    expect(answer.keyId).toBe(first.keyId);
    expect(verifiesWith(first, answer.payload, answer.signature)).toBe(true);
  });

  it('answers 500 system_error when the app\'s active key is not among its keys', () => {
    const app = appSigningWith([generateSigningKeyPair()], 'sk_gone');
    expect(apiErrorOf(() => signAnswer(app, { valid: true }))).toMatchObject({ code: 'system_error', message: 'The app has no active signing key' });
  });
});
