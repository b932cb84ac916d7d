/**
 * The customer portal's credentials: buyer tokens and one-time code hashes, both keyed with
 * keys derived from the KEK (crypto/envelope.ts derivedKey), so neither a database export nor
 * a token seen in transit lets anyone mint a token or test a stored code offline.
 *
 * A buyer token is `kwp_<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`: stateless (nothing
 * is read to check it), good for one hour. The `kwp_` prefix keeps it apart from a Firebase ID
 * token (a JWT) and an API key (`af_live_`) in the same Authorization header.
 */
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const portalTokenPrefix = 'kwp_';

/** What a buyer token proves: possession of an email (a code mailed to it) or of one license key. */
export const buyerClaims = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('email'), email: z.string().min(3).max(320), iat: z.number().int(), exp: z.number().int() }),
  z.object({ kind: z.literal('licenseKey'), licenseKey: z.string().min(1).max(64), iat: z.number().int(), exp: z.number().int() }),
]);
export type BuyerClaims = z.infer<typeof buyerClaims>;

const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body, 'utf8').digest();

export function issueBuyerToken(key: Buffer, claims: BuyerClaims): string {
  const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${portalTokenPrefix}${body}.${mac(key, body).toString('base64url')}`;
}

/** The claims of an authentic token, or undefined (forged, malformed). Expiry is the caller's decision. */
export function readBuyerToken(key: Buffer, token: string): BuyerClaims | undefined {
  if (!token.startsWith(portalTokenPrefix) || token.length > 2048) return undefined;
  const [body, signature, extra] = token.slice(portalTokenPrefix.length).split('.');
  if (!body || !signature || extra !== undefined) return undefined;
  const expected = mac(key, body);
  const presented = Buffer.from(signature, 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
  try {
    const parsed = buyerClaims.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A uniformly random code of `digits` decimal digits (leading zeros kept). */
export function newSignInCode(digits: number): string {
  return String(randomInt(10 ** digits)).padStart(digits, '0');
}

/** A fresh per-code salt (base64url). */
export const newCodeSalt = (): string => randomBytes(16).toString('base64url');

/** HMAC-SHA256(key, salt ‖ code): what is stored of a code (hex). */
export function codeHash(key: Buffer, salt: string, code: string): string {
  return createHmac('sha256', key).update(`${salt}:${code}`, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented code with a stored hash. */
export function codeMatches(key: Buffer, salt: string, code: string, storedHash: string): boolean {
  const presented = Buffer.from(codeHash(key, salt, code), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
