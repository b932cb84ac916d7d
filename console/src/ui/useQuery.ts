import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { reportError } from '../app/errorBus';

export interface Query<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads once per change of `deps`; a failure goes to the global handler and stays on the page. */
export function useQuery<T>(load: () => Promise<T>, deps: readonly unknown[]): Query<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const run = ++latest.current;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    load().then(
      (data) => run === latest.current && setState({ data, error: null, loading: false }),
      (error: unknown) => {
        if (run !== latest.current) return;
        reportError(error);
        setState({ data: undefined, error, loading: false });
      },
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/** Runs a change; `busy` while it runs; a failure goes to the global handler and returns undefined. */
export function useAction<A extends unknown[], T>(run: (...args: A) => Promise<T>) {
  const [busy, setBusy] = useState(false);
  const go = useCallback(
    async (...args: A): Promise<T | undefined> => {
      setBusy(true);
      try {
        return await run(...args);
      } catch (error) {
        reportError(error);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [run],
  );
  return { busy, run: go };
}
