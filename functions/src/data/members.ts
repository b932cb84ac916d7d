import { z } from 'zod';
import { collections } from '../config/constants.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp } from './shared.js';

/** A console user's role in an account (services/access/memberRoles.ts says what each may do). */
export const memberRoles = ['owner', 'admin', 'support', 'viewer'] as const;
export type MemberRole = (typeof memberRoles)[number];

/** members/{accountId}~{uid}: read once per console request, so removing it ends access at the next one. */
export const memberDocument = z.object({
  accountId: z.string(),
  /** The Firebase Authentication user id. */
  uid: z.string(),
  email: z.string().max(320),
  role: z.enum(memberRoles),
  addedBy: z.string(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type MemberDocument = z.infer<typeof memberDocument>;

export const memberId = (accountId: string, uid: string) => `${accountId}~${uid}`;

export const membersCollection = () => db().collection(collections.members).withConverter(schemaConverter(memberDocument));

/** invitations/{accountId}~{sha256(email)}: inviting the same email again replaces the pending invitation. */
export const invitationDocument = z.object({
  accountId: z.string(),
  /** Lower-cased; only a signed-in user whose verified email is this one may accept. */
  email: z.string().max(320),
  role: z.enum(memberRoles),
  invitedBy: z.string(),
  createdAt: timestamp,
  expiresAt: timestamp,
  /** TTL field: the policy deletes the invitation once it can no longer be accepted. */
  expireAt: timestamp,
});
export type InvitationDocument = z.infer<typeof invitationDocument>;

export const invitationsCollection = () => db().collection(collections.invitations).withConverter(schemaConverter(invitationDocument));
