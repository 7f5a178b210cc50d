/** The property budget and seeds: a bad setting is an error, never a silent zero runs. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assertProperty, envRuns, envSeed, PROPERTY_FLOOR, propertyRuns, propertySeeds, REGRESSION_SEEDS, seedFromCommit } from './runs.js'

describe('property budget', () => {
  it('refuses a TOWNHALL_PROPERTY_RUNS that is not a positive integer', () => {
    for (const raw of ['', ' ', 'abc', '0', '-5', '1.5', '1e3', '200abc', 'NaN', 'Infinity', '99999999999999999999']) {
      expect(() => envRuns({ TOWNHALL_PROPERTY_RUNS: raw }), JSON.stringify(raw)).toThrow(/positive integer/)
    }
    expect(envRuns({})).toBeUndefined()
    expect(envRuns({ TOWNHALL_PROPERTY_RUNS: '2000' })).toBe(2000)
  })

  it('refuses a TOWNHALL_PROPERTY_SEED that is not a 32-bit integer', () => {
    for (const raw of ['', 'x', '1.5', '4294967296', '0x10']) expect(() => envSeed({ TOWNHALL_PROPERTY_SEED: raw }), raw).toThrow(/32-bit/)
    expect(envSeed({ TOWNHALL_PROPERTY_SEED: '-123' })).toBe(-123)
  })

  it('never lowers a property below its own default, and refuses defaults under the floor', () => {
    expect(propertyRuns(3000)).toBeGreaterThanOrEqual(3000)
    expect(() =>
      assertProperty(
        fc.property(fc.nat(), () => true),
        { runs: PROPERTY_FLOOR - 1 },
      ),
    ).toThrow(/at least 200/)
  })

  it('runs each property at least the floor, once per seed: the commit seed and the regression list', () => {
    let runs = 0
    assertProperty(fc.property(fc.nat(), () => void runs++))
    const seeds = propertySeeds()
    expect(seeds.length).toBe(process.env.TOWNHALL_PROPERTY_SEED === undefined ? new Set([seeds[0], ...REGRESSION_SEEDS]).size : 1)
    expect(runs).toBeGreaterThanOrEqual(PROPERTY_FLOOR * seeds.length)
  })

  it('derives the seed from the commit hash', () => {
    expect(seedFromCommit('5b1aaa7' + '0'.repeat(33))).toBe(0x5b1aaa70 | 0)
    expect(seedFromCommit('ffffffff' + '0'.repeat(32))).toBe(-1)
  })
})
