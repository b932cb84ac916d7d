/**
 * Firebase Authentication, modular imports only (firebase/auth, nothing else of the SDK).
 * Tokens persist in session storage: closing the browser signs the operator out, and nothing
 * of ours is written to localStorage.
 */
import { initializeApp } from 'firebase/app';
import {
  browserSessionPersistence,
  connectAuthEmulator,
  createUserWithEmailAndPassword,
  GoogleAuthProvider,
  initializeAuth,
  isSignInWithEmailLink,
  onIdTokenChanged,
  sendSignInLinkToEmail,
  signInWithEmailAndPassword,
  signInWithEmailLink,
  signInWithPopup,
  signOut as firebaseSignOut,
  browserPopupRedirectResolver,
  type Auth,
  type User,
} from 'firebase/auth';
import type { ConsoleConfig } from './config';

let auth: Auth | null = null;

export function startAuth(config: ConsoleConfig): Auth {
  if (auth) return auth;
  const app = initializeApp(config.firebase);
  auth = initializeAuth(app, { persistence: browserSessionPersistence, popupRedirectResolver: browserPopupRedirectResolver });
  if (config.authEmulatorHost) connectAuthEmulator(auth, `http://${config.authEmulatorHost}`, { disableWarnings: true });
  return auth;
}

function requireAuth(): Auth {
  if (!auth) throw new Error('Firebase Authentication is not started');
  return auth;
}

export function onUserChanged(listener: (user: User | null) => void): () => void {
  return onIdTokenChanged(requireAuth(), listener);
}

/** The signed-in operator's Firebase ID token (refreshed by the SDK when near expiry). */
export async function idToken(): Promise<string | null> {
  const user = requireAuth().currentUser;
  return user ? user.getIdToken() : null;
}

export async function signInWithPassword(email: string, password: string, create: boolean): Promise<void> {
  if (create) await createUserWithEmailAndPassword(requireAuth(), email, password);
  else await signInWithEmailAndPassword(requireAuth(), email, password);
}

const linkEmailKey = 'keywarden.signInEmail';

export async function sendEmailLink(email: string): Promise<void> {
  await sendSignInLinkToEmail(requireAuth(), email, { url: `${location.origin}/signin`, handleCodeInApp: true });
  // Only the address, so the link can be completed in this tab; sessionStorage, not localStorage.
  sessionStorage.setItem(linkEmailKey, email);
}

export function pendingEmailLink(): boolean {
  return isSignInWithEmailLink(requireAuth(), location.href);
}

export async function completeEmailLink(email: string | null): Promise<void> {
  const address = email ?? sessionStorage.getItem(linkEmailKey);
  if (!address) throw new Error('Enter the email address the link was sent to');
  await signInWithEmailLink(requireAuth(), address, location.href);
  sessionStorage.removeItem(linkEmailKey);
}

export function rememberedLinkEmail(): string | null {
  return sessionStorage.getItem(linkEmailKey);
}

export async function signInWithGoogle(): Promise<void> {
  await signInWithPopup(requireAuth(), new GoogleAuthProvider());
}

export async function signOut(): Promise<void> {
  await firebaseSignOut(requireAuth());
}
