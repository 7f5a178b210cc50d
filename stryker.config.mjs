// StrykerJS: mutation testing of core/ (`npm run test:mutation`, not part of `npm test`).
// Incremental: results are kept in reports/stryker-incremental.json and a re-run tests only
// mutants in changed code or covered by changed tests. See docs/testing.md.
// StrykerJS 9.x: 10.x needs Node >= 22, and townhall supports Node >= 20.19.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [
    'core/tally/**/*.ts',
    'core/poll.ts',
    'core/poll-kinds.ts',
    'core/validate.ts',
    'core/schema.ts',
    'core/record.ts',
    'core/known-envelope.ts',
    'core/membership.ts',
    'core/authorize.ts',
    'core/invite.ts',
    'core/feed.ts',
    'core/hlc.ts',
    '!core/**/*.test.ts',
  ],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // Two cores shared with other work: one test process, one checker.
  concurrency: 1,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 85, low: 70, break: null },
  ignorePatterns: ['dist', 'apps', 'bench', 'test-results', 'reports', 'coverage', '.townhall'],
}
