import { defineConfig } from 'vitest/config';

/** The emulator's own tests (`npm test --workspace @keywarden/firestore-emulator`): each starts the emulators it needs. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
