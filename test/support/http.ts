import { expect, inject } from 'vitest';

export const adminSecret = () => inject('adminSecret');

/** The Functions emulator URL of one function. Fails loudly if the suite was started without it. */
export function functionUrl(name: string): string {
  const base = inject('functionsBaseUrl');
  if (!base) throw new Error('Functions emulator not started (KEYWARDEN_FUNCTIONS=off)');
  return `${base}/${name}`;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export interface CallInit {
  method?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  path?: string;
}

/** Sends real HTTP to the test stack's function and returns the status, headers and parsed JSON (or {} when not JSON). */
export function call(name: string, init: CallInit = {}): Promise<JsonResponse> {
  return callUrl(functionUrl(name), init);
}

/** The same, for a function of another stack (a URL ending in the function's name). */
export async function callUrl(functionAddress: string, init: CallInit = {}): Promise<JsonResponse> {
  const url = new URL(functionAddress + (init.path ?? ''));
  for (const [key, value] of Object.entries(init.query ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) parsed = json as Record<string, unknown>;
  } catch {
    // leave {}: the assertion on the body will say what went wrong
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/**
 * The Functions emulator runs one request per worker process and starts a worker per
 * concurrent request; on a small machine, dozens of workers cold-starting at once miss the
 * emulator's 30 s load deadline, and it then never answers those requests. Grow the pool of
 * idle workers a few at a time (CORS preflights: no side effects) before a concurrent burst.
 */
export async function warmWorkers(name: string, path: string, concurrency: number): Promise<void> {
  const url = functionUrl(name) + path;
  for (let batch = 6; batch <= concurrency + 12; batch += 6) {
    const statuses = await Promise.all(Array.from({ length: batch }, async () => (await fetch(url, { method: 'OPTIONS' })).status));
    expect(statuses.every((status) => status === 204)).toBe(true);
  }
}
