import { describe, expect, it } from 'vitest'
import { approval, tally } from '../../core/tally/index.js'
import { ctx, expand } from './helpers.js'

const [A, B, C, D] = [0, 1, 2, 3] as const

describe('approval', () => {
  it('hand-computed example, approve one or two of four', () => {
    // A = 3 + 2 = 5, B = 3 + 2 + 1 = 6, C = 1 + 1 = 2, D = 2 + 1 = 3
    const choices = expand([
      [3, [A, B]],
      [2, [B]],
      [1, [B, C]],
      [2, [A, D]],
      [1, [C, D]],
    ])
    const params = { min: 1, max: 2 }
    for (const choice of choices) expect(approval.checkChoice(choice, params, 4).ok).toBe(true)
    expect(tally(approval, params, choices, ctx(4))).toEqual({
      method: 'approval',
      ballots: 9,
      counts: [5, 6, 2, 3],
      ranking: [B, A, D, C],
      winner: B,
      tieBroken: false,
    })
  })

  it('an empty ballot with min 0 counts for turnout only', () => {
    const params = { min: 0, max: 4 }
    expect(approval.checkChoice([], params, 4)).toEqual({ ok: true, choice: [] })
    const r = tally(approval, params, [[], [C]], ctx(4))
    expect(r).toMatchObject({ ballots: 2, counts: [0, 0, 1, 0], winner: C })
  })

  it('ties go to the option earlier in tieOrder', () => {
    const choices = [
      [A, C],
      [B, C],
      [A, B],
    ]
    expect(tally(approval, { min: 1, max: 2 }, choices, ctx(3, [0, 1, 2]))).toMatchObject({
      counts: [2, 2, 2],
      ranking: [0, 1, 2],
      winner: 0,
      tieBroken: true,
    })
    expect(tally(approval, { min: 1, max: 2 }, choices, ctx(3, [2, 0, 1]))).toMatchObject({
      ranking: [2, 0, 1],
      winner: 2,
      tieBroken: true,
    })
  })

  describe('parseParams', () => {
    it('defaults to min 1, max optionCount', () => {
      expect(approval.parseParams(undefined, 5)).toEqual({ ok: true, params: { min: 1, max: 5 } })
      expect(approval.parseParams({ max: 2 }, 5)).toEqual({ ok: true, params: { min: 1, max: 2 } })
      expect(approval.parseParams({ min: 0 }, 5)).toEqual({ ok: true, params: { min: 0, max: 5 } })
    })
    it.each([
      ['min > max', { min: 3, max: 2 }],
      ['max 0', { min: 0, max: 0 }],
      ['max > optionCount', { max: 6 }],
      ['negative min', { min: -1 }],
      ['fractional min', { min: 1.5 }],
      ['string max', { max: '3' }],
      ['an unknown key', { min: 1, maximum: 3 }],
      ['a non-object', 'min=1'],
    ])('rejects %s', (_, raw) => {
      expect(approval.parseParams(raw, 5).ok).toBe(false)
    })
  })

  describe('checkChoice', () => {
    const params = { min: 1, max: 2 }
    it.each([
      ['out of range', [A, 4], 'Option 4 does not exist (options are 0 to 3).'],
      ['negative', [-1], 'Option -1 does not exist (options are 0 to 3).'],
      ['a duplicate', [B, B], 'Option 1 is listed more than once.'],
      ['unsorted', [C, A], 'The approval list must list options in increasing order.'],
      ['too many approvals', [A, B, C], 'Approve at most 2 options (got 3).'],
      ['too few approvals', [], 'Approve at least 1 option (got 0).'],
      ['longer than the option count', [0, 1, 2, 3, 0], 'The approval list must list at most 4 options.'],
      ['a fraction', [0.5], 'Entry 1 is not an option number.'],
      ['NaN', [A, NaN], 'Entry 2 is not an option number.'],
      ['a string entry', ['1'], 'Entry 1 is not an option number.'],
      ['a string', '0,1', 'The approval list must be a list of option numbers.'],
      ['a bare number', 1, 'The approval list must be a list of option numbers.'],
      ['an object', { 0: 1, length: 1 }, 'The approval list must be a list of option numbers.'],
    ])('rejects %s', (_, raw, reason) => {
      expect(approval.checkChoice(raw, params, 4)).toEqual({ ok: false, reason })
    })
    it('does not hand back the caller’s array', () => {
      const raw = [A, C]
      const checked = approval.checkChoice(raw, params, 4)
      expect(checked).toEqual({ ok: true, choice: [A, C] })
      expect(checked.ok && checked.choice).not.toBe(raw)
    })
  })
})
