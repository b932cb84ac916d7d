/** The keys the customer portal signs tokens and hashes codes with, derived from the KEK (never stored). */
import { keyEncryptionKey } from '../../config/secrets.js';
import { derivedKey } from '../../crypto/envelope.js';

let cached: { source: string; token: Buffer; code: Buffer } | undefined;

function keys() {
  const source = keyEncryptionKey.value();
  if (cached?.source !== source) cached = { source, token: derivedKey(source, 'portal buyer token'), code: derivedKey(source, 'portal sign-in code') };
  return cached;
}

export const buyerTokenKey = (): Buffer => keys().token;
export const signInCodeKey = (): Buffer => keys().code;
