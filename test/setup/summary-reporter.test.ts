import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const fixtures = join(import.meta.dirname, 'fixtures');

describe('the closing line CI reads', () => {
  it('counts a throwing beforeAll and a throwing afterAll as failures, and vitest exits non-zero', () => {
    const vitest = join(import.meta.dirname, '..', '..', 'node_modules', 'vitest', 'vitest.mjs');
    const run = spawnSync(process.execPath, [vitest, 'run', '--config', join(fixtures, 'vitest.fixture.config.ts')], {
      cwd: fixtures,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CI: 'true' },
    });
    const lines = run.stdout.trim().split('\n');
    const closing = lines[lines.length - 1] ?? '';
    // Two tests passed (the healthy suite, the one before the failing afterAll); the failed
    // beforeAll and the failed afterAll are one failure each; the test behind the beforeAll is skipped.
    expect(closing).toBe('2 passed, 2 failed, 1 skipped');
    expect(run.status).not.toBe(0);
  });
});
