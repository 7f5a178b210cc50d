import { defineConfig } from 'vitest/config'

// A quicker test set for mutating core's leaf modules (schemas, records, validation, membership,
// feed): only core's own unit and property tests, not the voting, space and Byzantine suites of
// vitest.mutation.config.ts. A mutant these tests kill, the full set kills too, so a score measured
// with this set is a lower bound of the full set's (see docs/testing.md).
export default defineConfig({
  test: {
    include: ['core/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
