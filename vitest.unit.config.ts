import { defineConfig } from 'vitest/config';

/**
 * The fast unit layer: pure rules imported from functions/src, no emulator, no functions host,
 * no network (`npm run test:unit`, and Stryker's test runner). The end-to-end suites stay the
 * contract; `npm test` runs these files too (vitest.config.ts includes test/**).
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    setupFiles: ['test/setup/http-timeout.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
  },
});
