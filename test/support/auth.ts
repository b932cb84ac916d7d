/**
 * Operators for the tests: users of the test stack's Auth emulator (firebase-tools' own), made
 * through its REST API over real HTTP, as the Firebase Auth web SDK makes them. The ID tokens
 * it returns are what the console sends as `Authorization: Bearer <token>`; firebase-admin's
 * `getAuth().verifyIdToken` accepts them wherever FIREBASE_AUTH_EMULATOR_HOST is set (the
 * functions host and the test processes, by test/setup/global-setup.ts).
 */
import { inject } from 'vitest';
import { projectId } from '../../scripts/lib/localStack.js';

/** The web API key the emulator accepts (any value does; Hosting's init.json serves this one). */
export const fakeApiKey = 'fake-api-key';
const timeoutMs = 15_000;

export function authEmulatorHost(): string {
  const host = inject('authEmulatorHost');
  if (!host) throw new Error('Auth emulator not started (see test/setup/global-setup.ts)');
  return host;
}

/** POST to the emulator's Identity Toolkit endpoint; throws with the emulator's answer on an error. */
async function identityToolkit(path: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const url = `http://${authEmulatorHost()}/identitytoolkit.googleapis.com/v1/${path}${path.includes('?') ? '&' : '?'}key=${fakeApiKey}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Auth emulator ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A fresh ID token for an existing email/password user (accounts:signInWithPassword). */
export async function idTokenFor(email: string, password: string): Promise<string> {
  const answer = await identityToolkit('accounts:signInWithPassword', { email, password, returnSecureToken: true });
  return String(answer.idToken);
}

/**
 * Signs a new email/password user up. With `emailVerified`, marks the email verified through
 * the emulator's admin path (`Authorization: Bearer owner`, as firebase-admin's updateUser
 * does against it) and signs in again, so the returned token carries `email_verified: true`.
 */
export async function signUpUser(email: string, password: string, options: { emailVerified?: boolean } = {}): Promise<{ uid: string; idToken: string }> {
  const created = await identityToolkit('accounts:signUp', { email, password, returnSecureToken: true });
  const uid = String(created.localId);
  if (!options.emailVerified) return { uid, idToken: String(created.idToken) };
  await identityToolkit(`projects/${projectId}/accounts:update`, { localId: uid, emailVerified: true }, { authorization: 'Bearer owner' });
  return { uid, idToken: await idTokenFor(email, password) };
}
