import { describeError } from '../api/errors';

/** The one global error handler: every failed call lands here and is shown in the error region. */
export interface ShownError {
  id: number;
  title: string;
  detail: string;
  requestId: string | null;
}

type Listener = (errors: ShownError[]) => void;
let shown: ShownError[] = [];
let nextId = 1;
const listeners = new Set<Listener>();

function publish() {
  for (const listener of listeners) listener(shown);
}

export function reportError(error: unknown): void {
  const described = describeError(error);
  shown = [...shown.slice(-4), { id: nextId++, ...described }];
  publish();
}

export function dismissError(id: number): void {
  shown = shown.filter((error) => error.id !== id);
  publish();
}

export function subscribeErrors(listener: Listener): () => void {
  listeners.add(listener);
  listener(shown);
  return () => listeners.delete(listener);
}
