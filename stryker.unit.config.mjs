// StrykerJS over core's leaf modules with core's own tests only (vitest.mutation-unit.config.ts):
// a lower bound of the score of stryker.config.mjs at a fraction of its cost. See docs/testing.md.
import base from './stryker.config.mjs'

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  vitest: { ...base.vitest, configFile: 'vitest.mutation-unit.config.ts' },
  incrementalFile: 'reports/stryker-unit-incremental.json',
}
