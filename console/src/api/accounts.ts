/** What belongs to the account rather than one product: API keys, credits, codes, members. */
import { api, ok } from './client';
import type { AnswerOf, BodyOf, Role } from './types';

export type ApiKey = AnswerOf<'/accounts/{accountId}/api-keys', 'get'>['apiKeys'][number];
export type ApiKeyRole = ApiKey['role'];
export type DiscountCode = AnswerOf<'/accounts/{accountId}/discount-codes', 'get'>['discountCodes'][number];
export type CreateCode = BodyOf<'/accounts/{accountId}/discount-codes', 'post'>;

const account = (accountId: string) => ({ params: { path: { accountId } } });

export const apiKeys = {
  list: (accountId: string) => ok(api.GET('/accounts/{accountId}/api-keys', { params: { path: { accountId }, query: { limit: 100 } } })),
  create: (accountId: string, name: string, role: ApiKeyRole) => ok(api.POST('/accounts/{accountId}/api-keys', { ...account(accountId), body: { name, role } })),
  revoke: (accountId: string, apiKeyId: string) => ok(api.DELETE('/accounts/{accountId}/api-keys/{apiKeyId}', { params: { path: { accountId, apiKeyId } } })),
};

export const credits = {
  get: (accountId: string) => ok(api.GET('/accounts/{accountId}/credits', account(accountId))),
};

export const codes = {
  list: (accountId: string) => ok(api.GET('/accounts/{accountId}/discount-codes', account(accountId))),
  create: (accountId: string, body: CreateCode) => ok(api.POST('/accounts/{accountId}/discount-codes', { ...account(accountId), body })),
  setActive: (accountId: string, code: string, active: boolean) =>
    ok(api.PUT('/accounts/{accountId}/discount-codes/{code}', { params: { path: { accountId, code } }, body: { active } })),
  remove: (accountId: string, code: string) => ok(api.DELETE('/accounts/{accountId}/discount-codes/{code}', { params: { path: { accountId, code } } })),
};

export const members = {
  list: (accountId: string) => ok(api.GET('/accounts/{accountId}/members', account(accountId))),
  invite: (accountId: string, email: string, role: Role) => ok(api.POST('/accounts/{accountId}/invitations', { ...account(accountId), body: { email, role } })),
  cancelInvitation: (accountId: string, invitationId: string) =>
    ok(api.DELETE('/accounts/{accountId}/invitations/{invitationId}', { params: { path: { accountId, invitationId } } })),
  changeRole: (accountId: string, uid: string, role: Role) => ok(api.PUT('/accounts/{accountId}/members/{uid}', { params: { path: { accountId, uid } }, body: { role } })),
  remove: (accountId: string, uid: string) => ok(api.DELETE('/accounts/{accountId}/members/{uid}', { params: { path: { accountId, uid } } })),
};
