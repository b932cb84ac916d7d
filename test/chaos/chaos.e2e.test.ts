/**
 * The short chaos run (issue 22; README, "Chaos run"): a few hundred requests of the mixed
 * workload from 16 clients on a stack of its own (its own embedded Firestore, so the random
 * faults touch no other test file, and its own functions host with the event pump), with 10 %
 * of commits and 5 % of reads failing, then every invariant checked from the data. Fixed seed;
 * generous per-request timeouts and a bounded run for a loaded 2-core machine. `npm run chaos`
 * is the full run.
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../scripts/lib/chaos.js';

describe('chaos run (short, fixed seed)', () => {
  it('keeps every invariant with 10 % of commits and 5 % of reads failing at random', async () => {
    const results = await runChaos({ seed: 'npm-test-chaos', requests: 300, clients: 16, requestTimeoutMs: 60_000, settleMs: 30_000 });
    expect(results.violations, JSON.stringify(results.violations.slice(0, 10), null, 2)).toEqual([]);
    expect(results.serverErrors).toBe(0);
    expect(results.requests).toBeGreaterThanOrEqual(300);
    expect(results.faultsInjected).toBeGreaterThan(0);
    // Every request was answered: none timed out.
    expect(results.answers.timeout ?? 0).toBe(0);
    expect(results.answers['200'] ?? 0).toBeGreaterThan(100);
  }, 120_000);
});
