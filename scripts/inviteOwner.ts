/**
 * `npm run invite -- <email> [--account "Name" | --account-id acc_…] [--role owner] [--url <v1 base>]`
 * The operator (ADMIN_SECRET) invites a console user: by default it creates an account and
 * invites its first owner. Against the local stack (the default URL) it also makes the user in
 * the Auth emulator with a verified email and a fresh password, and prints how to sign in.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ensureAdminSecret, projectId } from './lib/localStack.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    account: { type: 'string' },
    'account-id': { type: 'string' },
    role: { type: 'string', default: 'owner' },
    url: { type: 'string', default: process.env.KEYWARDEN_V1_URL ?? `http://127.0.0.1:${process.env.FUNCTIONS_PORT ?? 5001}/${projectId}/us-central1/v1` },
    'console-url': { type: 'string', default: `http://127.0.0.1:${process.env.HOSTING_PORT ?? 5000}/` },
  },
});

const email = positionals[0];
if (!email) {
  console.error('Usage: npm run invite -- <email> [--account "Name" | --account-id acc_…] [--role owner|admin|support|viewer] [--url <v1 base URL>]');
  process.exit(2);
}
const adminSecret = process.env.ADMIN_SECRET ?? ensureAdminSecret().secret;
const local = /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(values.url);

async function v1(method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${values.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'X-Admin-Secret': adminSecret },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${String(answer.message ?? JSON.stringify(answer))}`);
  return answer;
}

/** The Auth emulator user for `email`, verified, with a new password (local stack only). */
async function localUser(): Promise<string> {
  process.env.FIREBASE_AUTH_EMULATOR_HOST ??= `127.0.0.1:${process.env.AUTH_PORT ?? 9099}`;
  const { initializeApp } = await import('firebase-admin/app');
  const { getAuth } = await import('firebase-admin/auth');
  const auth = getAuth(initializeApp({ projectId }));
  const password = randomBytes(9).toString('base64url');
  const existing = await auth.getUserByEmail(email!).catch(() => undefined);
  if (existing) await auth.updateUser(existing.uid, { password, emailVerified: true });
  else await auth.createUser({ email, password, emailVerified: true });
  return password;
}

async function main(): Promise<void> {
  const invitation = values['account-id']
    ? await v1('POST', `/accounts/${values['account-id']}/invitations`, { email, role: values.role })
    : ((await v1('POST', '/accounts', { name: values.account ?? `${email!.split('@')[1] ?? 'My'} account`, ownerEmail: email })).invitation as Record<string, unknown>);
  console.log(`Invited ${email} as ${String(invitation.role)} of account ${String(invitation.accountId)} (until ${String(invitation.expiresAt)}).`);
  if (!local) {
    console.log(`They accept by signing in to the console with that email (verified: email link or Google).`);
    return;
  }
  const password = await localUser();
  console.log(`\nSign in at ${values['console-url']} with\n  email:    ${email}\n  password: ${password}\n(the Auth emulator's user; the console accepts the invitation on first sign-in)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
