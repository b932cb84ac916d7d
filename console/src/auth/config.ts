/**
 * Firebase's configuration is read at run time from Hosting's `/__/firebase/init.json`, so one
 * build serves every vendor's project. Locally the file also names the Auth emulator and may
 * narrow the sign-in methods shown.
 */
export type SignInProvider = 'password' | 'emailLink' | 'google';

export interface ConsoleConfig {
  firebase: { apiKey: string; authDomain?: string; projectId: string; appId?: string };
  authEmulatorHost: string | null;
  signInProviders: SignInProvider[];
}

const allProviders: SignInProvider[] = ['password', 'emailLink', 'google'];

function isProvider(value: unknown): value is SignInProvider {
  return typeof value === 'string' && (allProviders as string[]).includes(value);
}

function optionalString(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The deployment's sign-in methods (KEYWARDEN_CONSOLE_SIGN_IN, served publicly by v1); all of them when it cannot be read. */
async function configuredProviders(): Promise<SignInProvider[]> {
  try {
    const response = await fetch('/v1/console/settings', { cache: 'no-store' });
    const raw: unknown = response.ok ? await response.json() : undefined;
    const list = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).signInProviders : undefined;
    return Array.isArray(list) ? list.filter(isProvider) : allProviders;
  } catch {
    return allProviders;
  }
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const deployed = configuredProviders();
  const response = await fetch('/__/firebase/init.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`Could not read /__/firebase/init.json (HTTP ${response.status}): is Firebase Hosting serving the console?`);
  const raw: unknown = await response.json();
  if (typeof raw !== 'object' || raw === null) throw new Error('/__/firebase/init.json is not a JSON object');
  const record = raw as Record<string, unknown>;
  const apiKey = optionalString(record, 'apiKey');
  const projectId = optionalString(record, 'projectId');
  if (!apiKey || !projectId) throw new Error('/__/firebase/init.json lacks apiKey or projectId');
  const providers = Array.isArray(record.signInProviders) ? record.signInProviders.filter(isProvider) : await deployed;
  const emulator = optionalString(record, 'authEmulatorHost') ?? null;
  return {
    firebase: { apiKey, projectId, authDomain: optionalString(record, 'authDomain'), appId: optionalString(record, 'appId') },
    authEmulatorHost: emulator,
    // The emulator always offers email/password, so a local sign-in is one step.
    signInProviders: emulator && !providers.includes('password') ? ['password', ...providers] : providers,
  };
}
