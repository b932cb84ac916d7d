/**
 * `npm run chaos`: a mixed workload on the production-shaped local stack while the embedded
 * Firestore fails commits and reads at random, then every invariant checked from the data
 * (scripts/lib/chaos.ts; README, "Chaos run"). Writes chaos-results.json at the repo root and
 * exits non-zero on any violation or 500. Replay a run with the seed it prints.
 *
 * Env: CHAOS_SEED (default: random), CHAOS_REQUESTS (2000), CHAOS_CLIENTS (16),
 * CHAOS_COMMIT_FAULTS (0.1), CHAOS_READ_FAULTS (0.05), CHAOS_VERBOSE=1 logs progress.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultChaosOptions, runChaos } from './lib/chaos.js';
import { repoRoot } from './lib/localStack.js';

function numberEnv(name: string, fallback: number, check: (value: number) => boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!check(value)) throw new Error(`${name} is out of range: "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const seed = process.env.CHAOS_SEED || randomBytes(6).toString('hex');
  const options = {
    seed,
    requests: numberEnv('CHAOS_REQUESTS', defaultChaosOptions.requests, (v) => Number.isInteger(v) && v > 0),
    clients: numberEnv('CHAOS_CLIENTS', defaultChaosOptions.clients, (v) => Number.isInteger(v) && v > 0),
    commitFaultRate: numberEnv('CHAOS_COMMIT_FAULTS', defaultChaosOptions.commitFaultRate, (v) => v >= 0 && v <= 1),
    readFaultRate: numberEnv('CHAOS_READ_FAULTS', defaultChaosOptions.readFaultRate, (v) => v >= 0 && v <= 1),
    log: (message: string) => console.error(`[chaos] ${message}`),
  };
  console.error(`[chaos] seed ${seed} (replay: CHAOS_SEED=${seed} npm run chaos)`);
  const results = await runChaos(options);
  writeFileSync(join(repoRoot, 'chaos-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify({ ...results, violations: results.violations.slice(0, 20) }, null, 2));
  console.log(`\nWrote chaos-results.json: ${results.requests} requests, ${results.clients} clients, ${results.faultsInjected} faults injected, ${results.serverErrors} × 500, ${results.violations.length} violations, ${Math.round(results.durationMs / 1000)} s`);
  if (results.violations.length > 0 || results.serverErrors > 0) {
    console.error(`[chaos] FAILED; replay with CHAOS_SEED=${seed} npm run chaos`);
    process.exitCode = 1;
  } else {
    console.error(`[chaos] passed (seed ${seed})`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
