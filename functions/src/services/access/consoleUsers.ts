/**
 * Console users: people signed in with Firebase Authentication (the Auth emulator locally,
 * where FIREBASE_AUTH_EMULATOR_HOST makes firebase-admin accept its tokens). A verified ID
 * token says who the user is; a `members` document says what they may do in one account.
 */
import { getAuth, type Auth } from 'firebase-admin/auth';
import { memberId, membersCollection, type MemberRole } from '../../data/members.js';
import { firebaseApp } from '../../data/firestore.js';
import { ApiError, badRequest, forbidden, unauthorized } from '../../domain/errors.js';
import { resourceId } from '../../schemas/common.js';
import type { KeyRole, Principal } from './principal.js';

export interface SignedInUser {
  uid: string;
  /** Lower-cased; null for a user without an email (phone, anonymous). */
  email: string | null;
  emailVerified: boolean;
}

let auth: Auth | undefined;
const firebaseAuth = () => (auth ??= getAuth(firebaseApp()));

/** A Firebase ID token is a JWT: three base64url parts (the emulator's has an empty signature). */
export const looksLikeIdToken = (value: string): boolean => /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/.test(value) && value.length <= 8192;

/** Errors that mean "this token is no good" (401); anything else (fetching Google's keys failed) is an outage. */
const refusedTokenCodes = /^auth\/(id-token-expired|id-token-revoked|argument-error|invalid-id-token|user-disabled|user-not-found|invalid-argument)$/;

export async function verifySignedInUser(idToken: string): Promise<SignedInUser> {
  if (!looksLikeIdToken(idToken)) throw unauthorized('Invalid sign-in token');
  try {
    const decoded = await firebaseAuth().verifyIdToken(idToken);
    return { uid: decoded.uid, email: decoded.email ? decoded.email.toLowerCase() : null, emailVerified: decoded.email_verified === true };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && !refusedTokenCodes.test(code)) {
      throw new ApiError('server_error', 'Sign-in could not be checked right now; try again', { retryAfterSeconds: 5 });
    }
    throw unauthorized('Invalid or expired sign-in token: sign in again');
  }
}

/** The API key role a member's role amounts to; support and viewer are narrowed further per route (keyRoles.ts). */
export const memberKeyRole: Readonly<Record<MemberRole, KeyRole>> = { owner: 'admin', admin: 'admin', support: 'licenses', viewer: 'read' };

/**
 * A console request: a verified ID token plus the account it acts in (X-Keywarden-Account).
 * One document read: the member document, so a removed member is refused at the next request.
 */
export async function authenticateMember(idToken: string, accountId: string | undefined): Promise<Principal> {
  const user = await verifySignedInUser(idToken);
  if (accountId === undefined) throw badRequest('Send the account you act in as the X-Keywarden-Account header');
  if (!resourceId.safeParse(accountId).success) throw badRequest('X-Keywarden-Account is not a valid account id');
  const member = (await membersCollection().doc(memberId(accountId, user.uid)).get()).data();
  if (!member) throw forbidden('You are not a member of this account');
  return {
    kind: 'account',
    accountId,
    keyId: `member:${user.uid}`,
    role: memberKeyRole[member.role],
    member: { uid: user.uid, email: member.email, role: member.role },
  };
}
