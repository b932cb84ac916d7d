/**
 * Console members and invitations. The operator invites an account's first owner; owners invite,
 * re-role and remove teammates. An invitation is accepted by the signed-in user whose verified
 * email it names, once, before it expires. An account always keeps at least one owner.
 */
import { Timestamp, type Transaction } from 'firebase-admin/firestore';
import { limits, retention } from '../../config/constants.js';
import { sha256Hex } from '../../crypto/hashing.js';
import { randomId } from '../../crypto/random.js';
import { accountsCollection } from '../../data/accounts.js';
import { db } from '../../data/firestore.js';
import {
  invitationsCollection,
  memberId,
  membersCollection,
  type InvitationDocument,
  type MemberDocument,
  type MemberRole,
} from '../../data/members.js';
import { ApiError, conflict, forbidden, notFound } from '../../domain/errors.js';
import type { InvitationResponse, MemberResponse } from '../../schemas/members.js';
import { invitationView, memberView } from '../../views/members.js';
import type { SignedInUser } from '../access/consoleUsers.js';
import { assertAccountAccess, describePrincipal, type Principal } from '../access/principal.js';

const invitationId = (accountId: string, email: string) => `${accountId}~${sha256Hex(email.toLowerCase())}`;

/** Only the operator and the account's owners manage its members (not admins, not API keys). */
function assertManagesMembers(principal: Principal, accountId: string): void {
  assertAccountAccess(principal, accountId);
  if (principal.kind === 'account' && principal.member?.role !== 'owner') {
    throw forbidden('Only an owner of the account can manage its members');
  }
}

/** Every member of an account and its pending invitations, read in the transaction (bounded by the cap). */
async function accountTeam(transaction: Transaction, accountId: string) {
  const [members, invitations] = await Promise.all([
    transaction.get(membersCollection().where('accountId', '==', accountId).limit(limits.maxMembersPerAccount + 1)),
    transaction.get(invitationsCollection().where('accountId', '==', accountId).limit(limits.maxMembersPerAccount + 1)),
  ]);
  return { members: members.docs.map((doc) => doc.data()), invitations: invitations.docs };
}

/** The operator makes an account and invites its first owner in one atomic write. */
export async function createAccountWithOwner(principal: Principal, input: { name: string; email?: string | undefined; ownerEmail: string }) {
  if (principal.kind !== 'operator') throw forbidden('Only the operator can create accounts');
  const accountId = randomId('acc');
  const now = Timestamp.now();
  const invitation = newInvitation(accountId, input.ownerEmail, 'owner', describePrincipal(principal), now);
  const batch = db().batch();
  batch.create(accountsCollection().doc(accountId), { name: input.name, email: input.email ?? null, creditsUnlimited: true, activeApiKeys: 0, createdAt: now });
  batch.create(invitationsCollection().doc(invitation.id), invitation.document);
  await batch.commit();
  return { account: { accountId, name: input.name }, invitation: invitationView(invitation.id, invitation.document) };
}

function newInvitation(accountId: string, email: string, role: MemberRole, invitedBy: string, now: Timestamp) {
  const expiresAt = Timestamp.fromMillis(now.toMillis() + retention.invitationDays * 86_400_000);
  const document: InvitationDocument = { accountId, email: email.toLowerCase(), role, invitedBy, createdAt: now, expiresAt, expireAt: expiresAt };
  return { id: invitationId(accountId, email), document };
}

/** Invites (or re-invites, replacing the pending invitation) an email to the account. */
export async function inviteMember(principal: Principal, accountId: string, input: { email: string; role: MemberRole }): Promise<InvitationResponse> {
  assertManagesMembers(principal, accountId);
  const now = Timestamp.now();
  const invitation = newInvitation(accountId, input.email, input.role, describePrincipal(principal), now);
  await db().runTransaction(async (transaction) => {
    const account = await transaction.get(accountsCollection().doc(accountId));
    if (!account.exists) throw notFound('Account not found');
    const team = await accountTeam(transaction, accountId);
    if (team.members.some((member) => member.email === invitation.document.email)) throw conflict(`${invitation.document.email} is already a member`);
    const pendingElsewhere = team.invitations.filter((doc) => doc.id !== invitation.id).length;
    if (team.members.length + pendingElsewhere >= limits.maxMembersPerAccount) {
      throw conflict(`An account has at most ${limits.maxMembersPerAccount} members and pending invitations`);
    }
    transaction.set(invitationsCollection().doc(invitation.id), invitation.document);
  });
  return invitationView(invitation.id, invitation.document);
}

export async function withdrawInvitation(principal: Principal, accountId: string, id: string) {
  assertManagesMembers(principal, accountId);
  const ref = invitationsCollection().doc(id);
  await db().runTransaction(async (transaction) => {
    const invitation = (await transaction.get(ref)).data();
    if (!invitation || invitation.accountId !== accountId) throw notFound('Invitation not found');
    transaction.delete(ref);
  });
  return { deleted: true as const, invitationId: id };
}

export async function listMembers(principal: Principal, accountId: string): Promise<{ members: MemberResponse[]; invitations: InvitationResponse[] }> {
  assertAccountAccess(principal, accountId);
  const now = Timestamp.now();
  const [members, invitations] = await Promise.all([
    membersCollection().where('accountId', '==', accountId).limit(limits.maxMembersPerAccount).get(),
    invitationsCollection().where('accountId', '==', accountId).limit(limits.maxMembersPerAccount).get(),
  ]);
  return {
    members: members.docs.map((doc) => memberView(doc.data())),
    invitations: invitations.docs.filter((doc) => doc.data().expiresAt.toMillis() > now.toMillis()).map((doc) => invitationView(doc.id, doc.data())),
  };
}

/** Changes a member's role or removes them; the account's last owner can be neither demoted nor removed. */
async function changeMember(principal: Principal, accountId: string, uid: string, role: MemberRole | null): Promise<MemberDocument | null> {
  assertManagesMembers(principal, accountId);
  const ref = membersCollection().doc(memberId(accountId, uid));
  return db().runTransaction(async (transaction) => {
    const team = await accountTeam(transaction, accountId);
    const member = team.members.find((candidate) => candidate.uid === uid);
    if (!member) throw notFound('Member not found');
    const ownersLeft = team.members.filter((candidate) => candidate.role === 'owner' && (candidate.uid !== uid || role === 'owner')).length;
    if (ownersLeft === 0) throw conflict('An account keeps at least one owner: make someone else owner first');
    if (role === null) {
      transaction.delete(ref);
      return null;
    }
    const updated: MemberDocument = { ...member, role, updatedAt: Timestamp.now() };
    transaction.set(ref, updated);
    return updated;
  });
}

export async function changeMemberRole(principal: Principal, accountId: string, uid: string, role: MemberRole): Promise<MemberResponse> {
  const updated = await changeMember(principal, accountId, uid, role);
  if (!updated) throw notFound('Member not found');
  return memberView(updated);
}

export async function removeMember(principal: Principal, accountId: string, uid: string) {
  await changeMember(principal, accountId, uid, null);
  return { deleted: true as const, uid };
}

/** Who the signed-in user is, the accounts they belong to and the invitations waiting for their verified email. */
export async function describeSignedInUser(user: SignedInUser) {
  const now = Timestamp.now();
  const [memberships, invitations] = await Promise.all([
    membersCollection().where('uid', '==', user.uid).limit(limits.maxMembersPerAccount).get(),
    user.email && user.emailVerified
      ? invitationsCollection().where('email', '==', user.email).limit(limits.maxMembersPerAccount).get()
      : Promise.resolve(undefined),
  ]);
  const pending = (invitations?.docs ?? []).filter((doc) => doc.data().expiresAt.toMillis() > now.toMillis());
  const accountIds = [...new Set([...memberships.docs.map((doc) => doc.data().accountId), ...pending.map((doc) => doc.data().accountId)])];
  const accounts = accountIds.length > 0 ? await db().getAll(...accountIds.map((id) => accountsCollection().doc(id))) : [];
  const accountName = (id: string) => accounts.find((snapshot) => snapshot.id === id)?.data()?.name ?? id;
  return {
    uid: user.uid,
    email: user.email,
    emailVerified: user.emailVerified,
    memberships: memberships.docs.map((doc) => ({ accountId: doc.data().accountId, accountName: accountName(doc.data().accountId), role: doc.data().role })),
    invitations: pending.map((doc) => ({ ...invitationView(doc.id, doc.data()), accountName: accountName(doc.data().accountId) })),
  };
}

/** Accepts an invitation addressed to the user's verified email: once, before it expires. */
export async function acceptInvitation(user: SignedInUser, id: string): Promise<MemberResponse> {
  if (!user.email || !user.emailVerified) throw forbidden('Verify your email address first: invitations go to verified emails only');
  const ref = invitationsCollection().doc(id);
  return db().runTransaction(async (transaction) => {
    const invitation = (await transaction.get(ref)).data();
    if (!invitation || invitation.email !== user.email) throw notFound('No such invitation for your email address');
    const now = Timestamp.now();
    if (invitation.expiresAt.toMillis() <= now.toMillis()) throw new ApiError('expired', 'This invitation has expired: ask for a new one');
    const memberRef = membersCollection().doc(memberId(invitation.accountId, user.uid));
    const existing = (await transaction.get(memberRef)).data();
    const member: MemberDocument = {
      accountId: invitation.accountId,
      uid: user.uid,
      email: user.email ?? invitation.email,
      role: invitation.role,
      addedBy: invitation.invitedBy,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    transaction.set(memberRef, member);
    transaction.delete(ref);
    return memberView(member);
  });
}
