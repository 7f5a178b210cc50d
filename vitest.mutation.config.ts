import { defineConfig } from 'vitest/config'

// The tests StrykerJS runs against each mutant of core/ (`npm run test:mutation`): core's unit and
// property tests, the tally, voting, space and Byzantine suites. Not the adapters, processes,
// browsers or the long convergence property: they cover core only through the same functions,
// at a hundred times the cost per mutant.
export default defineConfig({
  test: {
    include: [
      'core/**/*.test.ts',
      'test/tally/**/*.test.ts',
      'test/voting/**/*.test.ts',
      'test/byzantine/**/*.test.ts',
      'test/space.test.ts',
      'test/verified-ids.test.ts',
    ],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
