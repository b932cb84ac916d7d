/** Console members and invitations: request bodies and answers (v1 /me and /accounts/:accountId/members). */
import { z } from 'zod';
import { memberRoles } from '../data/members.js';
import { displayName, storedId } from './common.js';

export const memberRole = z.enum(memberRoles).describe('owner: everything, members, keys; admin: everything but members; support: licenses, devices, logs, offline files; viewer: read only');

/** A Firebase Authentication uid (at most 128 characters, no slash). */
export const firebaseUid = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'not a valid user id');

export const memberResponse = z.object({
  accountId: z.string(),
  uid: z.string(),
  email: z.string(),
  role: memberRole,
  addedBy: z.string(),
  createdAt: z.string(),
});
export type MemberResponse = z.infer<typeof memberResponse>;

export const invitationResponse = z.object({
  invitationId: z.string(),
  accountId: z.string(),
  email: z.string(),
  role: memberRole,
  invitedBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type InvitationResponse = z.infer<typeof invitationResponse>;

export const membershipResponse = z.object({ accountId: z.string(), accountName: z.string(), role: memberRole });

export const meResponse = z.object({
  uid: z.string(),
  email: z.string().nullable(),
  emailVerified: z.boolean(),
  memberships: z.array(membershipResponse),
  invitations: z.array(invitationResponse.extend({ accountName: z.string() })),
});

export const membersPageResponse = z.object({ members: z.array(memberResponse), invitations: z.array(invitationResponse) });

export const inviteMemberBody = z.strictObject({ email: z.email().max(320), role: memberRole });
export const changeMemberRoleBody = z.strictObject({ role: memberRole });
export const createAccountBody = z.strictObject({
  name: displayName,
  email: z.email().max(320).optional().describe("The account's contact email"),
  ownerEmail: z.email().max(320).describe('Invited as the first owner: they accept by signing in to the console with this (verified) email'),
});
export const createAccountResponse = z.object({ account: z.object({ accountId: z.string(), name: z.string() }), invitation: invitationResponse });

export const invitationPath = z.object({ invitationId: storedId });
