import { describe, expect, it } from 'vitest'
import { quadratic, tally } from '../../core/tally/index.js'
import { ctx } from './helpers.js'

describe('quadratic', () => {
  const params = { credits: 10 }

  it('hand-computed example with a 10-credit budget', () => {
    // costs: 9+1+0 = 10, 0+4+4 = 8, 1+0+9 = 10, 0 (a turnout-only ballot): 28 credits spent
    // votes: 3+0+1+0 = 4, 1+2+0+0 = 3, 0+2+3+0 = 5
    const choices = [
      [3, 1, 0],
      [0, 2, 2],
      [1, 0, 3],
      [0, 0, 0],
    ]
    for (const c of choices) expect(quadratic.checkChoice(c, params, 3).ok).toBe(true)
    expect(tally(quadratic, params, choices, ctx(3))).toEqual({
      method: 'quadratic',
      ballots: 4,
      votes: [4, 3, 5],
      creditsSpent: 28,
      ranking: [2, 0, 1],
      winner: 2,
      tieBroken: false,
    })
  })

  it('equal votes are decided by tieOrder', () => {
    const choices = [
      [2, 0],
      [0, 2],
    ]
    expect(tally(quadratic, params, choices, ctx(2, [1, 0]))).toMatchObject({
      winner: 1,
      tieBroken: true,
    })
    expect(tally(quadratic, params, choices, ctx(2, [0, 1]))).toMatchObject({
      winner: 0,
      tieBroken: true,
    })
  })

  describe('parseParams', () => {
    it('requires a positive whole budget up to 10^6', () => {
      expect(quadratic.parseParams({ credits: 100 }, 3)).toEqual({
        ok: true,
        params: { credits: 100 },
      })
      expect(quadratic.parseParams({ credits: 1_000_000 }, 3).ok).toBe(true)
      for (const raw of [undefined, {}, { credits: 0 }, { credits: -5 }, { credits: 1_000_001 }, { credits: 2.5 }, { credits: '9' }]) {
        expect(quadratic.parseParams(raw, 3).ok).toBe(false)
      }
    })
  })

  describe('checkChoice', () => {
    it.each([
      ['over budget', [3, 2, 0], 'These votes cost 13 credits, over the budget of 10.'],
      ['one entry alone over budget', [11, 0, 0], '11 votes for option 0 cost 11² credits, over the budget of 10.'],
      ['a huge entry', [0, 2 ** 40, 0], '1099511627776 votes for option 1 cost 1099511627776² credits, over the budget of 10.'],
      ['negative votes', [-1, 0, 0], 'The entry for option 0 must be 0 or more (got -1).'],
      ['wrong length', [1, 1], 'The votes must have exactly 3 entries, one per option (got 2).'],
      ['a fraction', [1, 0.5, 0], 'The entry for option 1 must be a whole number.'],
      ['NaN', [NaN, 0, 0], 'The entry for option 0 must be a whole number.'],
      ['a string', 'lots', 'The votes must be a list of numbers, one per option.'],
    ])('rejects %s', (_, raw, reason) => {
      expect(quadratic.checkChoice(raw, params, 3)).toEqual({ ok: false, reason })
    })
    it('accepts spending the exact budget', () => {
      expect(quadratic.checkChoice([1, 3, 0], params, 3)).toEqual({ ok: true, choice: [1, 3, 0] })
    })
  })
})
