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
    reporters: ['default', './test/setup/summary-reporter.ts'],
  },
});
