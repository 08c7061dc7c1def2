// Runs only the unit tests, without the app's global setup (Azurite): what mutation testing runs for each mutant.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // Bundles the app with esbuild: it tests the build, not the code under mutation, and takes seconds per run.
    exclude: ['test/unit/published-bundle.test.ts'],
    testTimeout: 20_000,
  },
});
