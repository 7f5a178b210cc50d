import { describe, expect, it } from 'vitest'
import { tally, weighted } from '../../core/tally/index.js'
import { ctx } from './helpers.js'

describe('weighted', () => {
  const params = { points: 10 }

  it('hand-computed example distributing 10 points over 3 options', () => {
    // points: 10+5+0+2 = 17, 0+5+4+3 = 12, 0+0+6+5 = 11 (total 40 = 4 ballots × 10)
    const choices = [
      [10, 0, 0],
      [5, 5, 0],
      [0, 4, 6],
      [2, 3, 5],
    ]
    expect(tally(weighted, params, choices, ctx(3))).toEqual({
      method: 'weighted',
      ballots: 4,
      points: [17, 12, 11],
      ranking: [0, 1, 2],
      winner: 0,
      tieBroken: false,
    })
  })

  it('equal points are decided by tieOrder', () => {
    const choices = [
      [6, 4, 0],
      [4, 6, 0],
    ]
    expect(tally(weighted, params, choices, ctx(3, [2, 1, 0]))).toMatchObject({
      points: [10, 10, 0],
      ranking: [1, 0, 2],
      winner: 1,
      tieBroken: true,
    })
    expect(tally(weighted, params, choices, ctx(3))).toMatchObject({ winner: 0, tieBroken: true })
  })

  describe('parseParams', () => {
    it('requires a positive whole number of points up to 10^6', () => {
      expect(weighted.parseParams({ points: 100 }, 3)).toEqual({
        ok: true,
        params: { points: 100 },
      })
      for (const raw of [undefined, { points: 0 }, { points: 1_000_001 }, { points: 1.5 }, { points: 10, extra: true }]) {
        expect(weighted.parseParams(raw, 3).ok).toBe(false)
      }
    })
  })

  describe('checkChoice', () => {
    it.each([
      ['a sum too small', [5, 4, 0], 'The points must add up to exactly 10 (got 9).'],
      ['a sum too large', [5, 4, 2], 'The points must add up to exactly 10 (got 11).'],
      ['an entry above the total', [11, 0, 0], 'The entry for option 0 must be between 0 and 10 (got 11).'],
      ['a negative entry', [12, -2, 0], 'The entry for option 0 must be between 0 and 10 (got 12).'],
      ['a negative entry that keeps the sum', [5, 7, -2], 'The entry for option 2 must be between 0 and 10 (got -2).'],
      ['wrong length', [10], 'The points must have exactly 3 entries, one per option (got 1).'],
      ['a fraction', [5, 4.5, 0.5], 'The entry for option 1 must be a whole number.'],
      ['NaN', [NaN, 10, 0], 'The entry for option 0 must be a whole number.'],
      ['strings', ['10', '0', '0'], 'The entry for option 0 must be a whole number.'],
    ])('rejects %s', (_, raw, reason) => {
      expect(weighted.checkChoice(raw, params, 3)).toEqual({ ok: false, reason })
    })
  })
})
