// Runs only the offline infra checks, without the app's global setup (Azurite etc.), so they stay fast.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/infra/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
