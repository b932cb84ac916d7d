/**
 * What each API key role and console member role may do: the role order (read < licenses <
 * admin), the admin functions and /v1 routes below `admin`, and what support may never reach.
 */
import { describe, expect, it } from 'vitest';
import type { MemberRole } from '../../../../functions/src/data/members.js';
import type { KeyRole, Principal } from '../../../../functions/src/services/access/principal.js';
import {
  adminFunctionRole,
  apiKeyRoles,
  assertMemberMayCall,
  assertRole,
  v1RouteRole,
} from '../../../../functions/src/services/access/keyRoles.js';
import { apiErrorOf } from '../../apiErrors.js';

const operator: Principal = { kind: 'operator' };
const apiKey = (role: KeyRole): Principal => ({ kind: 'account', accountId: 'acc-1', keyId: 'key-1', role });
const member = (memberRole: MemberRole, role: KeyRole): Principal => ({
  kind: 'account',
  accountId: 'acc-1',
  keyId: 'member:uid-1',
  role,
  member: { uid: 'uid-1', email: 'someone@example.com', role: memberRole },
});

describe('assertRole', () => {
  it('the key roles are admin, licenses and read', () => {
    expect(apiKeyRoles).toEqual(['admin', 'licenses', 'read']);
  });

  it('a key may do what its role or any role below it may: read < licenses < admin', () => {
    const allowed: [KeyRole, KeyRole][] = [
      ['read', 'read'],
      ['licenses', 'read'],
      ['licenses', 'licenses'],
      ['admin', 'read'],
      ['admin', 'licenses'],
      ['admin', 'admin'],
    ];
    for (const [role, needed] of allowed) expect(() => assertRole(apiKey(role), needed), `${role} doing ${needed}`).not.toThrow();
  });

  it('a key below the needed role is refused 403, naming its role and the one needed', () => {
    const refused: [KeyRole, KeyRole][] = [
      ['read', 'licenses'],
      ['read', 'admin'],
      ['licenses', 'admin'],
    ];
    for (const [role, needed] of refused) {
      const error = apiErrorOf(() => assertRole(apiKey(role), needed));
      expect(error.code).toBe('forbidden');
      expect(error.status).toBe(403);
      expect(error.message).toBe(`This API key's role (${role}) cannot do this; it needs a key with the ${needed} role`);
    }
  });

  it('the operator may do everything', () => {
    for (const needed of ['read', 'licenses', 'admin'] as const) expect(() => assertRole(operator, needed)).not.toThrow();
  });

  it('a console member is held to the key role it amounts to, and the refusal names the member role', () => {
    expect(() => assertRole(member('support', 'licenses'), 'licenses')).not.toThrow();
    const error = apiErrorOf(() => assertRole(member('viewer', 'read'), 'licenses'));
    expect(error.code).toBe('forbidden');
    expect(error.message).toBe('Your role in this account (viewer) cannot do this');
  });
});

describe('adminFunctionRole', () => {
  it('the seed 004 functions that only read need read', () => {
    for (const name of ['listProducts', 'listVariants', 'getLicense', 'listLicenses', 'getCredits', 'listDiscountCodes', 'listOfflineLicenses', 'parseActivationRequest']) {
      expect(adminFunctionRole(name), name).toBe('read');
    }
  });

  it('the functions that issue or change licenses need licenses', () => {
    for (const name of ['createLicense', 'updateLicense', 'revokeLicense', 'reinstateLicense', 'resolveLicense', 'resetActivations', 'redeemTrialCode', 'mintOfflineLicense']) {
      expect(adminFunctionRole(name), name).toBe('licenses');
    }
  });

  it('every other function needs admin, an unknown name included', () => {
    for (const name of ['createProduct', 'deleteProduct', 'createApiKey', 'setWebhook', 'noSuchFunction', '']) {
      expect(adminFunctionRole(name), name).toBe('admin');
    }
  });
});

describe('v1RouteRole', () => {
  it('every GET needs read, whatever it reads', () => {
    for (const path of ['/licenses/L1', '/apps/a1/webhooks', '/accounts/acc-1/api-keys']) expect(v1RouteRole('GET', path), path).toBe('read');
  });

  it('POSTing an activation request to parse only reads; any other method or path around it does not', () => {
    expect(v1RouteRole('POST', '/apps/app-123/activation-requests/parse')).toBe('read');
    expect(v1RouteRole('PUT', '/apps/app-123/activation-requests/parse')).toBe('admin');
    expect(v1RouteRole('POST', '/apps/app-123/activation-requests/parse/again')).toBe('admin');
    expect(v1RouteRole('POST', '/v0/apps/app-123/activation-requests/parse')).toBe('admin');
    expect(v1RouteRole('POST', '/apps/app/123/activation-requests/parse')).toBe('admin');
    expect(v1RouteRole('POST', '/apps//activation-requests/parse')).toBe('admin');
    expect(v1RouteRole('POST', '/apps/app-123/activation-requests')).toBe('admin');
  });

  it('POSTing a simulation of a license only reads; any other method or path around it changes licenses', () => {
    expect(v1RouteRole('POST', '/licenses/LIC-42/simulate')).toBe('read');
    expect(v1RouteRole('PATCH', '/licenses/LIC-42/simulate')).toBe('licenses');
    expect(v1RouteRole('POST', '/licenses/LIC-42/simulate/now')).toBe('licenses');
    expect(v1RouteRole('POST', '/licenses/LIC/42/simulate')).toBe('licenses');
    expect(v1RouteRole('POST', '/licenses//simulate')).toBe('licenses');
    expect(v1RouteRole('POST', '/apps/a1/licenses/LIC-42/simulate')).toBe('admin');
  });

  it('changing licenses needs licenses; changing anything else (an app, its variables, security, webhooks) needs admin', () => {
    expect(v1RouteRole('POST', '/licenses')).toBe('licenses');
    expect(v1RouteRole('DELETE', '/licenses/LIC-42/variables/tier')).toBe('licenses');
    expect(v1RouteRole('POST', '/apps/a1/licenses')).toBe('admin');
    expect(v1RouteRole('PUT', '/apps/a1/variables/tier')).toBe('admin');
    expect(v1RouteRole('DELETE', '/apps/a1/webhooks/w1')).toBe('admin');
  });
});

describe('assertMemberMayCall', () => {
  const beyondSupport = [
    '/apps/a1/webhooks',
    '/apps/a1/webhooks/w1',
    '/apps/a1/security',
    '/apps/a1/security/ip-list',
    '/apps/a1/client-bans',
    '/apps/a1/client-bans/b1',
    '/apps/a1/app-secret',
    '/apps/a1/payment-secret',
    '/apps/a1/session-secret',
    '/apps/a1/session-secret/rotate',
    '/accounts/acc-1/api-keys',
    '/accounts/acc-1/api-keys/k1',
  ];
  const withinSupport = [
    '/licenses/LIC-42',
    '/apps/a1',
    '/apps/a1/licenses',
    '/apps/a1/webhooks-guide',
    '/apps/a1/security2',
    '/apps/a1/app-secrets',
    '/apps/a1/webhook',
    '/apps/a/b/webhooks',
    '/apps//webhooks',
    '/v0/apps/a1/webhooks',
    '/accounts/acc-1/api-keys-report',
    '/accounts/acc/1/api-keys',
    '/accounts//api-keys',
    '/v0/accounts/acc-1/api-keys',
    '/accounts/acc-1',
  ];

  it('support cannot reach secrets, API keys, webhooks or security lists, not even to read', () => {
    for (const path of beyondSupport) {
      const error = apiErrorOf(() => assertMemberMayCall(member('support', 'licenses'), path));
      expect(error.code, path).toBe('forbidden');
      expect(error.message).toBe('The support role cannot reach secrets, API keys, webhooks or security lists');
    }
  });

  it('support reaches everything else', () => {
    for (const path of withinSupport) expect(() => assertMemberMayCall(member('support', 'licenses'), path), path).not.toThrow();
  });

  it('the other member roles, API keys and the operator are not held to the support list', () => {
    for (const path of beyondSupport) {
      for (const role of ['owner', 'admin', 'viewer'] as const) expect(() => assertMemberMayCall(member(role, 'read'), path), `${role} ${path}`).not.toThrow();
      expect(() => assertMemberMayCall(apiKey('licenses'), path), path).not.toThrow();
      expect(() => assertMemberMayCall(operator, path), path).not.toThrow();
    }
  });
});
