/**
 * Every HTTP call a test makes has a deadline: a stuck request fails its test instead of
 * hanging the run. Calls that pass their own signal keep it, bounded by the same deadline.
 */
const defaultTimeoutMs = Number(process.env.KEYWARDEN_TEST_HTTP_TIMEOUT_MS ?? 30_000);
const unboundedFetch = globalThis.fetch;

globalThis.fetch = (input: Parameters<typeof fetch>[0], init: RequestInit = {}) => {
  const deadline = AbortSignal.timeout(defaultTimeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
  return unboundedFetch(input, { ...init, signal });
};
