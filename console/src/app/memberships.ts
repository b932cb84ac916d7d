import { me } from '../api/me';
import { reportError } from './errorBus';
import { setMemberships } from './session';
import type { ConsoleConfig } from '../auth/config';

/** Who this operator is a member of, read again on sign-in and after accepting an invitation. */
export async function loadMemberships(): Promise<void> {
  try {
    const answer = await me.get();
    setMemberships(answer.memberships);
  } catch (error) {
    reportError(error);
  }
}

let config: ConsoleConfig | null = null;

export function setConsoleConfig(value: ConsoleConfig): void {
  config = value;
}

export function consoleConfig(): ConsoleConfig {
  if (!config) throw new Error('The console configuration is not loaded');
  return config;
}
