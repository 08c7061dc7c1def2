// The unit tests of the code under mutation (`npm run test:mutation`): the decision core, the flow checks, the
// callback parser and the shell pieces stryker.config.mjs names. No global setup (Azurite), and no other unit tests, since Stryker reruns them for every mutant.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/unit/decide*.test.ts',
      'test/unit/stop-tones.test.ts',
      'test/unit/validate-flow*.test.ts',
      'test/unit/callback-events*.test.ts',
      // Opening hours, outbound attempts, schedules and flow versions live in src/domain and src/flow too.
      'test/unit/opening-hours*.test.ts',
      'test/unit/outbound-outcome.test.ts',
      'test/unit/outbound-decide.test.ts',
      'test/unit/validate-schedules*.test.ts',
      'test/unit/flow-versions.test.ts',
      'test/unit/missing-flow.test.ts',
      'test/unit/call-actions.test.ts',
      'test/unit/shared-deadline.test.ts',
      'test/unit/call-media-cache.test.ts',
      'test/unit/first-invocation.test.ts',
    ],
    testTimeout: 20_000,
  },
});
