import { api, ok } from './client';

export const me = {
  get: () => ok(api.GET('/me')),
  acceptInvitation: (invitationId: string) => ok(api.POST('/me/invitations/{invitationId}/accept', { params: { path: { invitationId } } })),
};
