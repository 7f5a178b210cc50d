import { describe, expect, it } from 'vitest'
import { score, tally } from '../../core/tally/index.js'
import { ctx } from './helpers.js'

describe('score', () => {
  it('hand-computed example on the default 0..5 scale', () => {
    // totals: 5+4+0+3 = 12, 3+4+5+2 = 14, 0+1+2+5 = 8; averages over 4 ballots: 3, 3.5, 2
    const choices = [
      [5, 3, 0],
      [4, 4, 1],
      [0, 5, 2],
      [3, 2, 5],
    ]
    const params = score.parseParams(undefined, 3)
    expect(params).toEqual({ ok: true, params: { min: 0, max: 5 } })
    expect(tally(score, { min: 0, max: 5 }, choices, ctx(3))).toEqual({
      method: 'score',
      ballots: 4,
      totals: [12, 14, 8],
      averages: [3, 3.5, 2],
      ranking: [1, 0, 2],
      winner: 1,
      tieBroken: false,
    })
  })

  it('negative scales', () => {
    // totals: -2+1 = -1, 2-1 = 1, 0+0 = 0; averages -0.5, 0.5, 0
    const r = tally(
      score,
      { min: -2, max: 2 },
      [
        [-2, 2, 0],
        [1, -1, 0],
      ],
      ctx(3),
    )
    expect(r).toMatchObject({
      totals: [-1, 1, 0],
      averages: [-0.5, 0.5, 0],
      ranking: [1, 2, 0],
      winner: 1,
    })
  })

  it('zero ballots: averages are 0, ranking is the tie order', () => {
    expect(tally(score, { min: 0, max: 5 }, [], ctx(3, [1, 2, 0]))).toEqual({
      method: 'score',
      ballots: 0,
      totals: [0, 0, 0],
      averages: [0, 0, 0],
      ranking: [1, 2, 0],
      winner: null,
      tieBroken: false,
    })
  })

  it('equal totals are decided by tieOrder', () => {
    const choices = [
      [5, 0],
      [0, 5],
    ]
    expect(tally(score, { min: 0, max: 5 }, choices, ctx(2, [0, 1]))).toMatchObject({
      winner: 0,
      tieBroken: true,
    })
    expect(tally(score, { min: 0, max: 5 }, choices, ctx(2, [1, 0]))).toMatchObject({
      winner: 1,
      tieBroken: true,
    })
  })

  describe('parseParams', () => {
    it.each([
      ['min = max', { min: 3, max: 3 }],
      ['min > max', { min: 4, max: 3 }],
      ['a range wider than 1000', { min: 0, max: 1001 }],
      ['fractional bounds', { min: 0, max: 4.5 }],
      ['huge bounds', { min: 2 ** 53, max: 2 ** 53 + 10 }],
      ['an unknown key', { min: 0, max: 5, step: 1 }],
    ])('rejects %s', (_, raw) => {
      expect(score.parseParams(raw, 3).ok).toBe(false)
    })
    it('accepts a 1000-point range', () => {
      expect(score.parseParams({ min: -500, max: 500 }, 3)).toEqual({
        ok: true,
        params: { min: -500, max: 500 },
      })
    })
  })

  describe('checkChoice', () => {
    const params = { min: 0, max: 5 }
    it.each([
      ['above the scale', [6, 0, 0], 'The entry for option 0 must be between 0 and 5 (got 6).'],
      ['below the scale', [0, -1, 0], 'The entry for option 1 must be between 0 and 5 (got -1).'],
      ['too short', [1, 2], 'The scores must have exactly 3 entries, one per option (got 2).'],
      ['too long', [1, 2, 3, 4], 'The scores must have exactly 3 entries, one per option (got 4).'],
      ['a fraction', [1, 2.5, 3], 'The entry for option 1 must be a whole number.'],
      ['NaN', [1, 2, NaN], 'The entry for option 2 must be a whole number.'],
      ['a string entry', ['1', 2, 3], 'The entry for option 0 must be a whole number.'],
      ['null', null, 'The scores must be a list of numbers, one per option.'],
      ['an object', { 0: 1 }, 'The scores must be a list of numbers, one per option.'],
    ])('rejects %s', (_, raw, reason) => {
      expect(score.checkChoice(raw, params, 3)).toEqual({ ok: false, reason })
    })
  })
})
