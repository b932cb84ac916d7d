import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'firestore-emulator/test/**/*.test.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    // Every fetch in a test times out (30 s) instead of hanging the run.
    setupFiles: ['test/setup/http-timeout.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The files mostly wait on HTTP and Firestore, not the CPU: run several at once even on
    // 2 cores (each file owns its accounts and apps, so they do not see each other's data).
    maxWorkers: 4,
    reporters: ['default', './test/setup/summary-reporter.ts'],
  },
});
