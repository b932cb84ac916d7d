import { render } from 'preact';
import './styles.css';
import { loadConfig } from './auth/config';
import { onUserChanged, startAuth } from './auth/firebase';
import { session, setMemberships } from './app/session';
import { loadMemberships, setConsoleConfig } from './app/memberships';
import { App } from './app/App';

const root = document.getElementById('app');

async function boot(): Promise<void> {
  if (!root) return;
  try {
    const config = await loadConfig();
    setConsoleConfig(config);
    startAuth(config);
    let lastUid: string | null = null;
    onUserChanged((user) => {
      session.set({ ...session.get(), user: user ? { uid: user.uid, email: user.email } : null });
      if (user && user.uid !== lastUid) void loadMemberships();
      if (!user) setMemberships([]);
      lastUid = user?.uid ?? null;
    });
    render(<App />, root);
  } catch (error) {
    render(
      <main class="boot-failure">
        <h1>The console could not start</h1>
        <p role="alert">{error instanceof Error ? error.message : String(error)}</p>
      </main>,
      root,
    );
  }
}

void boot();
