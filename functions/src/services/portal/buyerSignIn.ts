/**
 * How a buyer signs in to the customer portal: a one-time code mailed to the email a license
 * was sold to, or (for products that choose it) the license key alone. Either way the answer is
 * a short-lived, stateless buyer token (crypto/portalTokens.ts).
 *
 * No enumeration: a code request answers `{sent: true}` whether or not the email has licenses,
 * and does the same Firestore work either way (the license lookup, and the email's code
 * document read and written in a transaction, which also counts the per-email limit); only
 * the code and its mail are added when the email has licenses on a product whose portal
 * signs in by email.
 */
import { Timestamp, type DocumentSnapshot } from 'firebase-admin/firestore';
import { portal } from '../../config/constants.js';
import { licenseKeyPattern } from '../../crypto/licenseKeys.js';
import { codeHash, codeMatches, issueBuyerToken, newCodeSalt, newSignInCode, readBuyerToken, type BuyerClaims } from '../../crypto/portalTokens.js';
import { appsCollection, type AppDocument } from '../../data/apps.js';
import { db } from '../../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';
import { mailsCollection, portalCodeRef, portalExpireAt, type PortalCodeDocument } from '../../data/portal.js';
import { ApiError, unauthorized } from '../../domain/errors.js';
import type { RequestLogger } from '../../domain/logger.js';
import { signInCodeMail } from './codeMail.js';
import { buyerTokenKey, signInCodeKey } from './portalKeys.js';

const hourMs = 3_600_000;

/** The licenses sold to an email (lower-cased): by `emailLower`, and by `email` for licenses last written before it existed. */
export async function licensesOfEmail(email: string): Promise<Map<string, LicenseDocument>> {
  const [byLower, byExact] = await Promise.all([
    licensesCollection().where('emailLower', '==', email).limit(portal.maxLicensesPerEmail).get(),
    licensesCollection().where('email', '==', email).limit(portal.maxLicensesPerEmail).get(),
  ]);
  const found = new Map<string, LicenseDocument>();
  for (const doc of [...byLower.docs, ...byExact.docs]) found.set(doc.id, doc.data());
  return found;
}

/** The apps of a set of licenses, each read once. */
export async function appsOf(appIds: Iterable<string>): Promise<Map<string, AppDocument>> {
  const refs = [...new Set(appIds)].map((appId) => appsCollection().doc(appId));
  const apps = new Map<string, AppDocument>();
  if (refs.length === 0) return apps;
  // getAll reads through each reference's converter; its typing loses the document type.
  const snapshots = (await db().getAll(...refs)) as Array<DocumentSnapshot<AppDocument>>;
  for (const snapshot of snapshots) {
    const app = snapshot.data();
    if (app) apps.set(snapshot.id, app);
  }
  return apps;
}

/** The name the mail carries: the product the buyer asked from, else the one product their licenses are for. */
function mailProductName(appId: string | undefined, eligibleAppIds: Set<string>, apps: Map<string, AppDocument>): string | null {
  if (appId !== undefined && eligibleAppIds.has(appId)) return apps.get(appId)?.name ?? null;
  if (eligibleAppIds.size === 1) return apps.get([...eligibleAppIds][0] ?? '')?.name ?? null;
  return null;
}

const emptyCodeDocument = (now: Timestamp): PortalCodeDocument => ({
  codeHash: null,
  salt: null,
  codeExpiresAt: null,
  attempts: 0,
  requests: [],
  updatedAt: now,
  expireAt: portalExpireAt(now),
});

/**
 * Asks for a sign-in code. Per email: at most `codeRequestsPerEmailPerHour` requests an hour,
 * counted on its code document in the transaction (known email or not, so the limit says
 * nothing either). A new code replaces the previous one.
 */
export async function requestSignInCode(input: { email: string; appId?: string | undefined }, log: RequestLogger): Promise<{ sent: true }> {
  const { email } = input;
  const now = Timestamp.now();
  const licenses = await licensesOfEmail(email);
  const apps = await appsOf([...licenses.values()].map((license) => license.appId));
  const eligibleAppIds = new Set([...licenses.values()].map((license) => license.appId).filter((appId) => apps.get(appId)?.portal.signIn === 'email'));
  const ref = portalCodeRef(email);
  const sent = await db().runTransaction(async (transaction) => {
    const current = (await transaction.get(ref)).data() ?? emptyCodeDocument(now);
    const requests = current.requests.filter((at) => now.toMillis() - at.toMillis() < hourMs);
    if (requests.length >= portal.codeRequestsPerEmailPerHour) {
      const oldest = Math.min(...requests.map((at) => at.toMillis()));
      throw new ApiError('rate_limited', `At most ${portal.codeRequestsPerEmailPerHour} codes an hour for one email; try again later`, {
        retryAfterSeconds: Math.max(1, Math.ceil((oldest + hourMs - now.toMillis()) / 1000)),
      });
    }
    const next: PortalCodeDocument = { ...current, requests: [...requests, now], updatedAt: now, expireAt: portalExpireAt(now) };
    if (eligibleAppIds.size === 0) {
      transaction.set(ref, next);
      return false;
    }
    const code = newSignInCode(portal.codeDigits);
    const salt = newCodeSalt();
    transaction.set(ref, {
      ...next,
      codeHash: codeHash(signInCodeKey(), salt, code),
      salt,
      codeExpiresAt: Timestamp.fromMillis(now.toMillis() + portal.codeTtlSeconds * 1000),
      attempts: 0,
    });
    transaction.create(mailsCollection().doc(), signInCodeMail(email, code, mailProductName(input.appId, eligibleAppIds, apps), now));
    return true;
  });
  // A log line for operations, without the email itself.
  log.info('portal sign-in code requested', { mailed: sent, products: eligibleAppIds.size });
  return { sent: true };
}

export interface BuyerSession {
  token: string;
  expiresAt: string;
}

/** Who a token names: an email or a license key. */
type BuyerSubject = { kind: 'email'; email: string } | { kind: 'licenseKey'; licenseKey: string };

function buyerSession(subject: BuyerSubject, now: Timestamp): BuyerSession {
  const iat = now.seconds;
  const exp = iat + portal.tokenTtlSeconds;
  return { token: issueBuyerToken(buyerTokenKey(), { ...subject, iat, exp }), expiresAt: new Date(exp * 1000).toISOString() };
}

/** A refusal decided in the transaction that also wrote something (a counted wrong try): thrown once it commits. */
class CommittedRefusal {
  constructor(readonly error: ApiError) {}
}

const badCode = () => unauthorized('Invalid or expired code: check the latest mail, or ask for a new code');

/**
 * Signs in with the mailed code: single use, valid `codeTtlSeconds`; each wrong try is
 * counted on the code document, and the `maxCodeAttempts`-th voids it (a new code is needed).
 */
export async function signInWithCode(input: { email: string; code: string }): Promise<BuyerSession & { email: string }> {
  const now = Timestamp.now();
  const ref = portalCodeRef(input.email);
  const outcome = await db().runTransaction(async (transaction) => {
    const current = (await transaction.get(ref)).data();
    if (!current?.codeHash || !current.salt || !current.codeExpiresAt || current.codeExpiresAt.toMillis() <= now.toMillis()) throw badCode();
    const spent = { ...current, codeHash: null, salt: null, codeExpiresAt: null, attempts: 0, updatedAt: now };
    if (codeMatches(signInCodeKey(), current.salt, input.code, current.codeHash)) {
      transaction.set(ref, spent);
      return 'signed-in' as const;
    }
    const attempts = current.attempts + 1;
    if (attempts >= portal.maxCodeAttempts) {
      transaction.set(ref, spent);
      return new CommittedRefusal(unauthorized(`Wrong code ${portal.maxCodeAttempts} times: this code no longer works; ask for a new one`));
    }
    transaction.set(ref, { ...current, attempts, updatedAt: now });
    return new CommittedRefusal(badCode());
  });
  if (outcome instanceof CommittedRefusal) throw outcome.error;
  return { ...buyerSession({ kind: 'email', email: input.email }, now), email: input.email };
}

/**
 * Signs in with a license key, for a product whose portal signs in that way. An unknown key and
 * a product that signs in by email (or has no portal) get the same 401.
 */
export async function signInWithLicenseKey(licenseKey: string): Promise<BuyerSession & { licenseKey: string }> {
  const refused = () => unauthorized('Unknown license key, or this product does not offer sign-in with its license key');
  if (!licenseKeyPattern.test(licenseKey)) throw refused();
  const now = Timestamp.now();
  const license = (await licensesCollection().doc(licenseKey).get()).data();
  const app = license ? (await appsCollection().doc(license.appId).get()).data() : undefined;
  if (!license || app?.portal.signIn !== 'licenseKey') throw refused();
  return { ...buyerSession({ kind: 'licenseKey', licenseKey }, now), licenseKey };
}

/** The buyer a Bearer token names: 401 when it is missing, forged or over. */
export function verifyBuyerToken(token: string | undefined, nowSeconds = Math.floor(Date.now() / 1000)): BuyerClaims {
  const claims = token ? readBuyerToken(buyerTokenKey(), token) : undefined;
  if (!claims) throw unauthorized('Sign in to the portal first (Authorization: Bearer <portal token>)');
  if (claims.exp <= nowSeconds) throw unauthorized('Your portal session has ended: sign in again');
  return claims;
}
