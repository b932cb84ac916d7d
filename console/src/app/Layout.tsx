import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { signOut } from '../auth/firebase';
import { ErrorRegion } from '../ui/parts';
import { selectAccount, useCan, useRole, useSession } from './session';

function NavLink({ href, children }: { href: string; children: ComponentChildren }) {
  const { path } = useLocation();
  const current = href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
  return (
    <a href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
}

export function Layout({ children }: { children: ComponentChildren }) {
  const { user, memberships, accountId } = useSession();
  const role = useRole();
  const viewConfig = useCan('viewConfig');
  const members = useCan('members');
  const apiKeys = useCan('apiKeys');
  const { path } = useLocation();
  // After a navigation, move focus to the new page's heading so screen readers announce it.
  useEffect(() => {
    document.getElementById('page-title')?.focus({ preventScroll: true });
  }, [path]);
  return (
    <div class="shell">
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="topbar" role="banner">
        <a class="brand" href="/">Keywarden</a>
        {memberships.length > 1 ? (
          <label class="account-select">
            <span>Account</span>
            <select value={accountId ?? ''} onChange={(event) => selectAccount(event.currentTarget.value)}>
              {memberships.map((m) => (
                <option key={m.accountId} value={m.accountId}>{m.accountName} ({m.role})</option>
              ))}
            </select>
          </label>
        ) : (
          memberships[0] && <span class="account-name">{memberships[0].accountName}</span>
        )}
        <span class="who">
          {user?.email ?? user?.uid}
          {role && <span class="badge">{role}</span>}
        </span>
        <button type="button" class="secondary" onClick={() => void signOut()}>Sign out</button>
      </header>
      <nav class="sidenav" aria-label="Console">
        <ul>
          <li><NavLink href="/">Overview</NavLink></li>
          <li><NavLink href="/products">Products</NavLink></li>
          <li><NavLink href="/licenses">Licenses</NavLink></li>
          {viewConfig && <li><NavLink href="/webhooks">Webhooks</NavLink></li>}
          {viewConfig && <li><NavLink href="/security">Security</NavLink></li>}
        </ul>
        <p class="nav-heading" id="settings-heading">Settings</p>
        <ul aria-labelledby="settings-heading">
          {apiKeys && <li><NavLink href="/settings/api-keys">API keys</NavLink></li>}
          {members && <li><NavLink href="/settings/members">Members</NavLink></li>}
          <li><NavLink href="/settings/credits">Credits</NavLink></li>
          <li><NavLink href="/settings/codes">Discount &amp; trial codes</NavLink></li>
        </ul>
      </nav>
      <main id="main" class="content">
        <ErrorRegion />
        {memberships.length === 0 && (
          <p class="notice">
            You are signed in but not yet a member of any account. Ask an owner to invite <strong>{user?.email ?? 'you'}</strong>, then{' '}
            <a href="/signin">accept the invitation</a>.
          </p>
        )}
        {children}
      </main>
    </div>
  );
}
