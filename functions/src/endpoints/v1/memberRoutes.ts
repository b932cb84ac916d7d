/**
 * Console members (v1): who belongs to an account and with which role, invitations, and the
 * signed-in user's own view (`/me`, authenticated by the Firebase ID token alone).
 */
import { z } from 'zod';
import { operations, type RoutedOperation } from '../../http/router.js';
import { accountPath } from './paths.js';
import {
  changeMemberRoleBody,
  createAccountBody,
  createAccountResponse,
  firebaseUid,
  invitationPath,
  invitationResponse,
  inviteMemberBody,
  meResponse,
  memberResponse,
  membersPageResponse,
} from '../../schemas/members.js';
import type { SignedInUser } from '../../services/access/consoleUsers.js';
import type { Principal } from '../../services/access/principal.js';
import * as members from '../../services/admin/members.js';

const route = operations<Principal>();
const userRoute = operations<SignedInUser>();

const memberPath = accountPath.extend({ uid: firebaseUid });
const accountInvitationPath = accountPath.extend(invitationPath.shape);

export const memberRoutes: RoutedOperation<Principal>[] = [
  route({
    method: 'POST', path: '/accounts', tag: 'Members', summary: 'Operator: create an account and invite its first owner', body: createAccountBody,
    response: createAccountResponse, status: 201, errors: [400, 401, 403, 429],
    run: async ({ body, extra: principal }) => ({ status: 201, body: await members.createAccountWithOwner(principal, body) }),
  }),
  route({
    method: 'GET', path: '/accounts/:accountId/members', tag: 'Members', summary: "The account's console members and pending invitations",
    params: accountPath, response: membersPageResponse, status: 200, errors: [401, 403, 429],
    run: async ({ params, extra: principal }) => ({ body: await members.listMembers(principal, params.accountId) }),
  }),
  route({
    method: 'POST', path: '/accounts/:accountId/invitations', tag: 'Members', summary: 'Invite someone by email (owners and the operator); replaces a pending invitation to the same email',
    params: accountPath, body: inviteMemberBody, response: invitationResponse, status: 201, errors: [400, 401, 403, 404, 409, 429],
    run: async ({ params, body, extra: principal }) => ({ status: 201, body: await members.inviteMember(principal, params.accountId, body) }),
  }),
  route({
    method: 'DELETE', path: '/accounts/:accountId/invitations/:invitationId', tag: 'Members', summary: 'Withdraw a pending invitation',
    params: accountInvitationPath, response: z.object({ deleted: z.literal(true), invitationId: z.string() }), status: 200, errors: [400, 401, 403, 404, 429],
    run: async ({ params, extra: principal }) => ({ body: await members.withdrawInvitation(principal, params.accountId, params.invitationId) }),
  }),
  route({
    method: 'PUT', path: '/accounts/:accountId/members/:uid', tag: 'Members', summary: "Change a member's role (the last owner stays owner)",
    params: memberPath, body: changeMemberRoleBody, response: memberResponse, status: 200, errors: [400, 401, 403, 404, 409, 429],
    run: async ({ params, body, extra: principal }) => ({ body: await members.changeMemberRole(principal, params.accountId, params.uid, body.role) }),
  }),
  route({
    method: 'DELETE', path: '/accounts/:accountId/members/:uid', tag: 'Members', summary: 'Remove a member: their next request is refused',
    params: memberPath, response: z.object({ deleted: z.literal(true), uid: z.string() }), status: 200, errors: [400, 401, 403, 404, 409, 429],
    run: async ({ params, extra: principal }) => ({ body: await members.removeMember(principal, params.accountId, params.uid) }),
  }),
];

/** Routes of the signed-in user themself: the Firebase ID token is enough, no account is named. */
export const signedInUserRoutes: RoutedOperation<SignedInUser>[] = [
  userRoute({
    method: 'GET', path: '/me', tag: 'Members', summary: 'The signed-in console user: accounts and pending invitations',
    response: meResponse, status: 200, errors: [401, 429],
    run: async ({ extra: user }) => ({ body: await members.describeSignedInUser(user) }),
  }),
  userRoute({
    method: 'POST', path: '/me/invitations/:invitationId/accept', tag: 'Members', summary: 'Accept an invitation sent to your verified email',
    params: invitationPath, response: memberResponse, status: 200, errors: [400, 401, 403, 404, 410, 429],
    run: async ({ params, extra: user }) => ({ body: await members.acceptInvitation(user, params.invitationId) }),
  }),
];
