import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { resourceId } from '../schemas/common.js';

/** What a session token carries. `exp` and `iat` are unix seconds. */
export const sessionClaims = z.object({
  sid: z.string(),
  /** Checked before any lookup: the app id is read from the token before its MAC can be. */
  app: resourceId,
  lic: z.string(),
  hwid: z.string(),
  iat: z.number().int(),
  /** When it was issued, in ms (a reset ends the sessions issued before it, to the ms); absent in older tokens. */
  iatMs: z.number().int().optional(),
  /** When the validate (or activate) that opened the session was, in ms: refreshes keep it (absolute lifetime); absent in older tokens. */
  openedMs: z.number().int().optional(),
  /** The license's session epoch when it was issued (licenseRules.sessionEnded); absent in older tokens. */
  ep: z.number().int().min(0).optional(),
  exp: z.number().int(),
});
export type SessionClaims = z.infer<typeof sessionClaims>;

function mac(secret: string, body: string): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'base64url')).update(body, 'utf8').digest();
}

/** `<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`, keyed with the app's session secret. */
export function issueSessionToken(secret: string, claims: SessionClaims): string {
  const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

/** Reads the claims without trusting them (to find the app whose secret verifies them). */
export function peekSessionClaims(token: string): SessionClaims | undefined {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined || token.length > 2048) return undefined;
  try {
    const parsed = sessionClaims.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** True when the MAC matches (constant time). Expiry is the caller's decision. */
export function sessionTokenAuthentic(secret: string, token: string): boolean {
  const [body, signature] = token.split('.');
  if (!body || !signature) return false;
  const expected = mac(secret, body);
  const presented = Buffer.from(signature, 'base64url');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
