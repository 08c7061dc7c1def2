import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Limits for a wedged test, not measures of speed: every wait inside a test is on a signal, and on a busy
    // two-core machine a healthy end-to-end test can take several times its usual few seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
