/** What callers see of console members and invitations. */
import type { InvitationDocument, MemberDocument } from '../data/members.js';
import type { InvitationResponse, MemberResponse } from '../schemas/members.js';

export function memberView(member: MemberDocument): MemberResponse {
  return {
    accountId: member.accountId,
    uid: member.uid,
    email: member.email,
    role: member.role,
    addedBy: member.addedBy,
    createdAt: member.createdAt.toDate().toISOString(),
  };
}

export function invitationView(invitationId: string, invitation: InvitationDocument): InvitationResponse {
  return {
    invitationId,
    accountId: invitation.accountId,
    email: invitation.email,
    role: invitation.role,
    invitedBy: invitation.invitedBy,
    createdAt: invitation.createdAt.toDate().toISOString(),
    expiresAt: invitation.expiresAt.toDate().toISOString(),
  };
}
