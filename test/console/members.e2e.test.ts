/**
 * Console members over real HTTP: Firebase ID tokens from the Auth emulator, verified by the
 * functions with firebase-admin; roles enforced by the server whatever a UI shows; invitations
 * accepted once, by the verified email they name; a removed member refused at the next request.
 */
import { randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { signUpUser } from '../support/auth.js';
import { testDb } from '../support/firestore.js';
import { adminSecret, call, type JsonResponse } from '../support/http.js';
import { expectStatus, expectV1Error, webhookTarget } from '../v1/v1Support.js';

type Role = 'owner' | 'admin' | 'support' | 'viewer';

interface SignedIn {
  uid: string;
  idToken: string;
  email: string;
}

const uniqueEmail = (who: string) => `${who}-${randomUUID().slice(0, 8)}@example.com`;

/** A v1 call with a console user's token, acting in `accountId` (no account header when undefined). */
function asUser(user: SignedIn, accountId: string | undefined, method: string, path: string, body?: unknown): Promise<JsonResponse> {
  const headers: Record<string, string> = { Authorization: `Bearer ${user.idToken}` };
  if (accountId !== undefined) headers['X-Keywarden-Account'] = accountId;
  return call('v1', { method, path, headers, body });
}

const asOperator = (method: string, path: string, body?: unknown) => call('v1', { method, path, headers: { 'X-Admin-Secret': adminSecret() }, body });

async function newUser(who: string, emailVerified = true): Promise<SignedIn> {
  const email = uniqueEmail(who);
  const { uid, idToken } = await signUpUser(email, `pw-${randomUUID()}`, { emailVerified });
  return { uid, idToken, email };
}

/** The operator makes an account and invites `owner`; the owner accepts. */
async function accountOwnedBy(owner: SignedIn): Promise<string> {
  const created = await asOperator('POST', '/accounts', { name: `Console ${randomUUID().slice(0, 6)}`, ownerEmail: owner.email });
  expectStatus(created, 201);
  const accountId = String((created.body.account as { accountId: string }).accountId);
  const invitationId = String((created.body.invitation as { invitationId: string }).invitationId);
  expectStatus(await asUser(owner, undefined, 'POST', `/me/invitations/${invitationId}/accept`), 200);
  return accountId;
}

/** `owner` invites a new user with `role`; the user accepts. */
async function teammate(owner: SignedIn, accountId: string, role: Role): Promise<SignedIn> {
  const user = await newUser(role);
  const invited = await asUser(owner, accountId, 'POST', `/accounts/${accountId}/invitations`, { email: user.email, role });
  expectStatus(invited, 201);
  expectStatus(await asUser(user, undefined, 'POST', `/me/invitations/${String(invited.body.invitationId)}/accept`), 200);
  return user;
}

/** A product and a license of the account, made by the operator through seed 004. */
async function productWithLicense(accountId: string): Promise<{ appId: string; licenseKey: string }> {
  const product = await call('createProduct', { body: { adminSecret: adminSecret(), accountId, name: `P ${randomUUID().slice(0, 6)}` } });
  expect(product.status, product.text).toBe(200);
  const appId = String((product.body.product as { productId: string }).productId);
  const license = await call('createLicense', { body: { adminSecret: adminSecret(), productId: appId } });
  expect(license.status, license.text).toBe(200);
  return { appId, licenseKey: String((license.body.licenses as Array<{ licenseKey: string }>)[0]?.licenseKey) };
}

describe('signing in and invitations', () => {
  it('the operator invites the first owner; they see the invitation in /me, accept it once, and then act in the account', async () => {
    const owner = await newUser('owner');
    const created = await asOperator('POST', '/accounts', { name: 'Acme Tools', ownerEmail: owner.email.toUpperCase() });
    expectStatus(created, 201);
    const accountId = String((created.body.account as { accountId: string }).accountId);
    const invitation = created.body.invitation as { invitationId: string; role: string; email: string; expiresAt: string };
    expect(invitation).toMatchObject({ role: 'owner', email: owner.email });
    expect(Date.parse(invitation.expiresAt) - Date.now()).toBeGreaterThan(6 * 86_400_000);

    const me = await asUser(owner, undefined, 'GET', '/me');
    expectStatus(me, 200);
    expect(me.body).toMatchObject({ uid: owner.uid, email: owner.email, memberships: [], invitations: [expect.objectContaining({ accountId, accountName: 'Acme Tools', role: 'owner' })] });

    // Before accepting, the token reaches nothing in the account.
    expectV1Error(await asUser(owner, accountId, 'GET', `/accounts/${accountId}/members`), 403, 'forbidden');

    const accepted = await asUser(owner, undefined, 'POST', `/me/invitations/${invitation.invitationId}/accept`);
    expectStatus(accepted, 200);
    expect(accepted.body).toMatchObject({ accountId, uid: owner.uid, role: 'owner' });
    expectV1Error(await asUser(owner, undefined, 'POST', `/me/invitations/${invitation.invitationId}/accept`), 404, 'not_found');

    const after = await asUser(owner, undefined, 'GET', '/me');
    expect(after.body).toMatchObject({ memberships: [{ accountId, accountName: 'Acme Tools', role: 'owner' }], invitations: [] });
    const team = await asUser(owner, accountId, 'GET', `/accounts/${accountId}/members`);
    expectStatus(team, 200);
    expect(team.body.members).toEqual([expect.objectContaining({ uid: owner.uid, email: owner.email, role: 'owner', addedBy: 'operator' })]);
  });

  it('an invitation is accepted only by a verified user of the email it names, and not after it expires', async () => {
    const owner = await newUser('owner');
    const accountId = await accountOwnedBy(owner);
    const email = uniqueEmail('invitee');
    const invited = await asUser(owner, accountId, 'POST', `/accounts/${accountId}/invitations`, { email, role: 'admin' });
    expectStatus(invited, 201);
    const invitationId = String(invited.body.invitationId);

    // Someone else, even verified, cannot take it.
    const stranger = await newUser('stranger');
    expectV1Error(await asUser(stranger, undefined, 'POST', `/me/invitations/${invitationId}/accept`), 404, 'not_found');
    // The right email, not verified: refused, and /me does not list it.
    const unverified = await signUpUser(email, `pw-${randomUUID()}`, { emailVerified: false });
    const unverifiedUser = { ...unverified, email };
    expect((await asUser(unverifiedUser, undefined, 'GET', '/me')).body.invitations).toEqual([]);
    expectV1Error(await asUser(unverifiedUser, undefined, 'POST', `/me/invitations/${invitationId}/accept`), 403, 'forbidden');

    // Expired: refused with 410.
    await testDb().collection('invitations').doc(invitationId).update({ expiresAt: Timestamp.fromMillis(Date.now() - 1000) });
    const late = await newUser('late');
    const lateInvite = await asUser(owner, accountId, 'POST', `/accounts/${accountId}/invitations`, { email: late.email, role: 'viewer' });
    await testDb().collection('invitations').doc(String(lateInvite.body.invitationId)).update({ expiresAt: Timestamp.fromMillis(Date.now() - 1000) });
    expectV1Error(await asUser(late, undefined, 'POST', `/me/invitations/${String(lateInvite.body.invitationId)}/accept`), 410, 'expired');
    expect((await testDb().collection('members').doc(`${accountId}~${late.uid}`).get()).exists).toBe(false);
  });

  it('bad tokens and bad account headers are refused in the v1 error shape', async () => {
    const owner = await newUser('owner');
    const accountId = await accountOwnedBy(owner);
    const forged = `${owner.idToken.split('.').slice(0, 1).join('')}.${Buffer.from(JSON.stringify({ sub: owner.uid, user_id: owner.uid })).toString('base64url')}.`;
    expectV1Error(await call('v1', { path: '/me', headers: { Authorization: `Bearer ${forged}` } }), 401, 'unauthorized');
    expectV1Error(await call('v1', { path: '/me' }), 401, 'unauthorized');
    expectV1Error(await asUser(owner, undefined, 'GET', `/accounts/${accountId}/members`), 400, 'bad_request');
    expectV1Error(await asUser(owner, 'not an id', 'GET', `/accounts/${accountId}/members`), 400, 'bad_request');
    // A member of one account naming another account in the header: not a member there.
    const other = await accountOwnedBy(await newUser('other'));
    expectV1Error(await asUser(owner, other, 'GET', `/accounts/${other}/members`), 403, 'forbidden');
    // Naming their own account in the header but another's in the path: that account's data stays closed.
    expectV1Error(await asUser(owner, accountId, 'GET', `/accounts/${other}/members`), 403, 'forbidden');
  });
});

describe('roles are enforced by the server', () => {
  it('viewer reads only; support manages licenses but sees no webhooks, security or keys; admin cannot manage members; owner can', async () => {
    const owner = await newUser('owner');
    const accountId = await accountOwnedBy(owner);
    const [admin, support, viewer] = [await teammate(owner, accountId, 'admin'), await teammate(owner, accountId, 'support'), await teammate(owner, accountId, 'viewer')];
    const { appId, licenseKey } = await productWithLicense(accountId);

    // Viewer: reads, and is refused every write.
    expectStatus(await asUser(viewer, accountId, 'GET', `/licenses/${licenseKey}`), 200);
    expectStatus(await asUser(viewer, accountId, 'GET', `/apps/${appId}/webhooks`), 200);
    // Simulating a check writes nothing: a viewer sees what the customer would see.
    const simulated = await asUser(viewer, accountId, 'POST', `/licenses/${licenseKey}/simulate`, { hwid: 'viewer-machine' });
    expectStatus(simulated, 200);
    expectV1Error(await asUser(viewer, accountId, 'PUT', `/licenses/${licenseKey}`, { action: 'revoke' }), 403, 'forbidden');
    expectV1Error(await asUser(viewer, accountId, 'POST', '/licenses', { appId, quantity: 1 }), 403, 'forbidden');
    expect((await asUser(viewer, accountId, 'GET', `/licenses/${licenseKey}`)).body.status).toBe('active');

    // Support: licenses yes; webhooks, security lists and signing-key rotation no, not even to read.
    expectStatus(await asUser(support, accountId, 'PUT', `/licenses/${licenseKey}`, { action: 'revoke', reason: 'support' }), 200);
    expectStatus(await asUser(support, accountId, 'PUT', `/licenses/${licenseKey}`, { action: 'activate' }), 200);
    expectStatus(await asUser(support, accountId, 'GET', `/licenses/${licenseKey}/logs`), 200);
    expectV1Error(await asUser(support, accountId, 'GET', `/apps/${appId}/webhooks`), 403, 'forbidden');
    expectV1Error(await asUser(support, accountId, 'GET', `/apps/${appId}/security`), 403, 'forbidden');
    expectV1Error(await asUser(support, accountId, 'POST', `/apps/${appId}/signing-keys`), 403, 'forbidden');
    expectV1Error(await asUser(support, accountId, 'POST', `/accounts/${accountId}/invitations`, { email: uniqueEmail('x'), role: 'viewer' }), 403, 'forbidden');

    // Admin: everything but members.
    const hook = await asUser(admin, accountId, 'POST', `/apps/${appId}/webhooks`, { url: webhookTarget('/console-admin') });
    expectStatus(hook, 201);
    expectV1Error(await asUser(admin, accountId, 'POST', `/accounts/${accountId}/invitations`, { email: uniqueEmail('y'), role: 'owner' }), 403, 'forbidden');
    expectV1Error(await asUser(admin, accountId, 'PUT', `/accounts/${accountId}/members/${viewer.uid}`, { role: 'admin' }), 403, 'forbidden');

    // Owner: changes a role; the member's next request carries the new role.
    expectStatus(await asUser(owner, accountId, 'PUT', `/accounts/${accountId}/members/${viewer.uid}`, { role: 'support' }), 200);
    expectStatus(await asUser(viewer, accountId, 'PUT', `/licenses/${licenseKey}`, { action: 'revoke' }), 200);
    // Nothing was written by the refused calls: one webhook, as the admin made it.
    expect((await asUser(owner, accountId, 'GET', `/apps/${appId}/webhooks`)).body.webhooks).toHaveLength(1);
  });

  it('removing a member ends their access at the next request; the last owner can be neither removed nor demoted', async () => {
    const owner = await newUser('owner');
    const accountId = await accountOwnedBy(owner);
    const admin = await teammate(owner, accountId, 'admin');
    expectStatus(await asUser(admin, accountId, 'GET', `/accounts/${accountId}/members`), 200);
    expectStatus(await asUser(owner, accountId, 'DELETE', `/accounts/${accountId}/members/${admin.uid}`), 200);
    expectV1Error(await asUser(admin, accountId, 'GET', `/accounts/${accountId}/members`), 403, 'forbidden');

    expectV1Error(await asUser(owner, accountId, 'PUT', `/accounts/${accountId}/members/${owner.uid}`, { role: 'admin' }), 409, 'conflict');
    expectV1Error(await asUser(owner, accountId, 'DELETE', `/accounts/${accountId}/members/${owner.uid}`), 409, 'conflict');
    expectV1Error(await asOperator('DELETE', `/accounts/${accountId}/members/${owner.uid}`), 409, 'conflict');
    expect((await asUser(owner, accountId, 'GET', `/accounts/${accountId}/members`)).body.members).toEqual([expect.objectContaining({ uid: owner.uid, role: 'owner' })]);
  });

  it('bad input to the members routes answers 400 and writes nothing', async () => {
    const owner = await newUser('owner');
    const accountId = await accountOwnedBy(owner);
    for (const body of [{ email: 'not-an-email', role: 'admin' }, { email: uniqueEmail('z'), role: 'superuser' }, { email: uniqueEmail('z') }, { email: 'a@b.co', role: 'admin', extra: 1 }]) {
      expectV1Error(await asUser(owner, accountId, 'POST', `/accounts/${accountId}/invitations`, body), 400, 'bad_request');
    }
    expectV1Error(await asUser(owner, accountId, 'PUT', `/accounts/${accountId}/members/${'x'.repeat(300)}`, { role: 'admin' }), 400, 'bad_request');
    expectV1Error(await asOperator('POST', '/accounts', { name: '', ownerEmail: 'x@example.com' }), 400, 'bad_request');
    expect((await asUser(owner, accountId, 'GET', `/accounts/${accountId}/members`)).body.invitations).toEqual([]);
  });
});

describe('under concurrency', () => {
  it('an invitation accepted by 10 concurrent requests makes one membership and answers 200 once', async () => {
    const owner = await newUser('owner');
    const accountId = await accountOwnedBy(owner);
    const user = await newUser('racer');
    const invited = await asUser(owner, accountId, 'POST', `/accounts/${accountId}/invitations`, { email: user.email, role: 'support' });
    const responses = await Promise.all(Array.from({ length: 10 }, () => asUser(user, undefined, 'POST', `/me/invitations/${String(invited.body.invitationId)}/accept`)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200), JSON.stringify(statuses)).toHaveLength(1);
    expect(statuses.every((status) => status === 200 || status === 404 || status === 503), JSON.stringify(statuses)).toBe(true);
    const members = await testDb().collection('members').where('accountId', '==', accountId).get();
    expect(members.docs.map((doc) => doc.data().role).sort()).toEqual(['owner', 'support']);
  });

  it('two owners removing each other at once leave the account with an owner', async () => {
    const first = await newUser('owner');
    const accountId = await accountOwnedBy(first);
    const second = await teammate(first, accountId, 'owner');
    for (let round = 0; round < 3; round += 1) {
      const [a, b] = await Promise.all([
        asUser(first, accountId, 'DELETE', `/accounts/${accountId}/members/${second.uid}`),
        asUser(second, accountId, 'DELETE', `/accounts/${accountId}/members/${first.uid}`),
      ]);
      const owners = (await testDb().collection('members').where('accountId', '==', accountId).get()).docs.filter((doc) => doc.data().role === 'owner');
      expect(owners.length, `${a.status} ${a.text} / ${b.status} ${b.text}`).toBeGreaterThanOrEqual(1);
      expect([a.status, b.status].filter((status) => status === 200).length).toBeLessThanOrEqual(1);
      expect([a.status, b.status].every((status) => [200, 403, 404, 409, 503].includes(status))).toBe(true);
      // Put the removed owner back for the next round.
      const remaining = owners[0]?.data().uid === first.uid ? first : second;
      const removed = remaining === first ? second : first;
      if ([a.status, b.status].includes(200)) {
        const again = await asUser(remaining, accountId, 'POST', `/accounts/${accountId}/invitations`, { email: removed.email, role: 'owner' });
        expectStatus(again, 201);
        expectStatus(await asUser(removed, undefined, 'POST', `/me/invitations/${String(again.body.invitationId)}/accept`), 200);
      }
    }
  });
});

describe('console settings', () => {
  it('the sign-in methods are public, from KEYWARDEN_CONSOLE_SIGN_IN (functions/.env: email link and Google)', async () => {
    const settings = await call('v1', { path: '/console/settings' });
    expectStatus(settings, 200);
    expect(settings.body).toEqual({ signInProviders: ['emailLink', 'google'] });
    expectV1Error(await call('v1', { method: 'POST', path: '/console/settings', body: {} }), 405, 'method_not_allowed');
  });
});
