// Mutation testing of the decision core, the flow checks, the callback parser and a few shell pieces: `npm run test:mutation`.
// Slow (minutes), so it is not part of `npm test`; the HTML report lands in reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'test/unit/vitest.config.mts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/domain/**/*.ts',
    'src/flow/**/*.ts',
    'src/adapters/acs/callback-events.ts',
    // Shell pieces with unit tests of their own: what a transition asks of ACS, and the caches and timers beside it.
    'src/app/call-actions.ts',
    'src/app/shared-deadline.ts',
    'src/adapters/acs/call-media-cache.ts',
    'src/first-invocation.ts',
  ],
  coverageAnalysis: 'perTest',
  reporters: ['html', 'clear-text', 'progress', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Two cores are shared: one test process per core at most.
  concurrency: 2,
  // A busy machine makes a test run slow, not endless: a mutant counts as a timeout only well past the normal run.
  timeoutMS: 15_000,
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
