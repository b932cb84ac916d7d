import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { FirebaseError } from 'firebase/app';
import { completeEmailLink, pendingEmailLink, rememberedLinkEmail, sendEmailLink, signInWithGoogle, signInWithPassword } from '../../auth/firebase';
import { consoleConfig, loadMemberships } from '../../app/memberships';
import { useSession } from '../../app/session';
import { me } from '../../api/me';
import { Field } from '../../ui/Field';
import { ErrorRegion, formatDate, Loading } from '../../ui/parts';
import { useAction, useQuery } from '../../ui/useQuery';

function authMessage(error: unknown): string {
  if (error instanceof FirebaseError) {
    if (error.code === 'auth/invalid-credential' || error.code === 'auth/wrong-password' || error.code === 'auth/user-not-found') return 'That email and password do not match an account.';
    if (error.code === 'auth/email-already-in-use') return 'An account with this email exists: sign in instead.';
    if (error.code === 'auth/weak-password') return 'Choose a password of at least 6 characters.';
    if (error.code === 'auth/invalid-email') return 'Enter a valid email address.';
    if (error.code === 'auth/popup-closed-by-user') return 'The Google window was closed before signing in.';
    return `${error.message} (${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** After sign-in: pending invitations to accept, then on to where the operator was going. */
function Invitations({ next }: { next: string }) {
  const invitations = useQuery(() => me.get(), []);
  const accept = useAction(async (invitationId: string) => {
    await me.acceptInvitation(invitationId);
    await loadMemberships();
    invitations.reload();
  });
  if (invitations.loading) return <Loading label="Reading your invitations" />;
  const pending = invitations.data?.invitations ?? [];
  const memberships = invitations.data?.memberships ?? [];
  return (
    <div>
      {pending.length > 0 && (
        <section>
          <h2 id="invitations-heading">Invitations</h2>
          <ul class="cards">
            {pending.map((invitation) => (
              <li key={invitation.invitationId} class="card">
                <p>
                  <strong>{invitation.accountName}</strong> invites you as <strong>{invitation.role}</strong> (expires {formatDate(invitation.expiresAt)}).
                </p>
                <button type="button" disabled={accept.busy} onClick={() => void accept.run(invitation.invitationId)}>
                  Accept invitation to {invitation.accountName}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {memberships.length > 0 ? (
        <p><a class="button" href={next}>Continue to the console</a></p>
      ) : (
        pending.length === 0 && <p class="notice">No account has invited this address yet. Ask an account owner to invite you, then reload this page.</p>
      )}
    </div>
  );
}

export function SignInPage() {
  const config = consoleConfig();
  const { user } = useSession();
  const { query } = useLocation();
  const next = query.next && query.next.startsWith('/') && !query.next.startsWith('//') ? query.next : '/';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [create, setCreate] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [linkSent, setLinkSent] = useState(false);
  const [linkPending] = useState(() => pendingEmailLink());

  useEffect(() => {
    document.title = 'Sign in · Keywarden';
  }, []);

  async function attempt(work: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(authMessage(failure));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (linkPending && rememberedLinkEmail()) void attempt(() => completeEmailLink(null));
  }, [linkPending]);

  const providers = config.signInProviders;
  return (
    <main id="main" class="signin">
      <h1>{user ? 'Welcome' : 'Sign in to Keywarden'}</h1>
      <ErrorRegion />
      {user === undefined && <Loading label="Restoring your session" />}
      {user && (
        <>
          <p>Signed in as <strong>{user.email ?? user.uid}</strong>.</p>
          <Invitations next={next} />
        </>
      )}
      {user === null && linkPending && !rememberedLinkEmail() && (
        <form onSubmit={(event) => { event.preventDefault(); void attempt(() => completeEmailLink(email)); }}>
          <Field label="Email the link was sent to" error={error}>
            <input type="email" required autoComplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </Field>
          <button type="submit" disabled={busy}>Finish signing in</button>
        </form>
      )}
      {user === null && !linkPending && (
        <div class="signin-methods">
          {config.authEmulatorHost && (
            <p class="notice">Local Auth emulator at {config.authEmulatorHost}: run <code>npm run invite -- you@example.com</code> beside <code>npm start</code> and sign in with the email and password it prints (invitations need a verified email, which it sets).</p>
          )}
          {providers.includes('password') && (
            <form onSubmit={(event) => { event.preventDefault(); void attempt(() => signInWithPassword(email, password, create)); }}>
              <h2 id="password-heading">Email and password</h2>
              <Field label="Email">
                <input type="email" required autoComplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
              </Field>
              <Field label="Password" error={error}>
                <input type="password" required minLength={6} autoComplete={create ? 'new-password' : 'current-password'} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
              </Field>
              <label class="checkbox">
                <input type="checkbox" checked={create} onChange={(e) => setCreate(e.currentTarget.checked)} /> Create the account
              </label>
              <button type="submit" disabled={busy}>{create ? 'Create account and sign in' : 'Sign in'}</button>
            </form>
          )}
          {providers.includes('emailLink') && (
            <form onSubmit={(event) => { event.preventDefault(); void attempt(async () => { await sendEmailLink(email); setLinkSent(true); }); }}>
              <h2 id="link-heading">Email link</h2>
              <Field label="Email for a sign-in link" description={linkSent ? 'Link sent: open it in this browser.' : 'We send a one-time link; no password needed.'}>
                <input type="email" required autoComplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
              </Field>
              <button type="submit" disabled={busy}>Email me a sign-in link</button>
            </form>
          )}
          {providers.includes('google') && (
            <div>
              <h2>Google</h2>
              <button type="button" disabled={busy} onClick={() => void attempt(signInWithGoogle)}>Sign in with Google</button>
            </div>
          )}
          {error && !providers.includes('password') && <p class="field-error" role="alert">{error}</p>}
        </div>
      )}
    </main>
  );
}
