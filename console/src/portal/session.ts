/**
 * The buyer's session: the token the sign-in answered, kept in memory and in sessionStorage
 * (this tab only, gone when it closes; never localStorage), dropped at its expiry.
 */
import { createStore } from '../app/store';

export interface BuyerSession {
  token: string;
  expiresAt: string;
  /** Who signed in: the email, or the license key in license-key mode. */
  who: { email: string } | { licenseKey: string };
}

const storageKey = 'keywarden.portal.session';

function stored(): BuyerSession | null {
  try {
    const raw = sessionStorage.getItem(storageKey);
    if (!raw) return null;
    const session = JSON.parse(raw) as BuyerSession;
    return typeof session.token === 'string' && Date.parse(session.expiresAt) > Date.now() ? session : null;
  } catch {
    return null;
  }
}

/** The signed-in buyer, or null; `endedBecause` says why a session ended, for the sign-in page. */
export const buyer = createStore<{ session: BuyerSession | null; endedBecause: string | null }>({ session: stored(), endedBecause: null });

let expiryTimer: ReturnType<typeof setTimeout> | undefined;

function watchExpiry(session: BuyerSession | null): void {
  clearTimeout(expiryTimer);
  if (!session) return;
  const left = Date.parse(session.expiresAt) - Date.now();
  // setTimeout holds at most ~24.8 days; a session lasts an hour.
  expiryTimer = setTimeout(() => signOut('Your session ended after an hour. Sign in again to continue.'), Math.max(0, Math.min(left, 2 ** 31 - 1)));
}
watchExpiry(buyer.get().session);

export function signIn(session: BuyerSession): void {
  sessionStorage.setItem(storageKey, JSON.stringify(session));
  buyer.set({ session, endedBecause: null });
  watchExpiry(session);
}

export function signOut(because: string | null = null): void {
  sessionStorage.removeItem(storageKey);
  buyer.set({ session: null, endedBecause: because });
  watchExpiry(null);
}

export function bearerToken(): string | null {
  return buyer.get().session?.token ?? null;
}
