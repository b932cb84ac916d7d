import { randomInt } from 'node:crypto';

export const base62Alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A uniformly random string over an alphabet, drawn from the CSPRNG without modulo bias. */
export function randomString(length: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A random identifier with a readable type prefix, e.g. `acc_5Xk…`. */
export function randomId(prefix: string, length = 20): string {
  return `${prefix}_${randomString(length, base62Alphabet)}`;
}
