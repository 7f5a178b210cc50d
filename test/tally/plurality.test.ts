import { describe, expect, it } from 'vitest'
import { ABSTAIN, AGAINST, FOR, plurality, tally } from '../../core/tally/index.js'
import { Ch, K, M, N, TENNESSEE, ctx, expand } from './helpers.js'

const firstChoices = expand(TENNESSEE.map(([n, ranking]) => [n, ranking[0]!] as const))

describe('plurality', () => {
  it('Tennessee: Memphis wins on first preferences alone', () => {
    const r = tally(plurality, {}, firstChoices, ctx(4))
    expect(r).toEqual({
      method: 'plurality',
      ballots: 100,
      counts: [42, 26, 15, 17],
      ranking: [M, N, K, Ch],
      winner: M,
      tieBroken: false,
    })
    expect(r).not.toHaveProperty('passed')
  })

  it('zero ballots: no winner, ranking is the tie order', () => {
    const r = tally(plurality, {}, [], ctx(3, [2, 0, 1]))
    expect(r).toEqual({
      method: 'plurality',
      ballots: 0,
      counts: [0, 0, 0],
      ranking: [2, 0, 1],
      winner: null,
      tieBroken: false,
    })
  })

  describe('for-against-abstain preset', () => {
    const params = { preset: 'for-against-abstain' } as const
    it('passes when for > against; abstentions only add turnout', () => {
      // 3 for, 2 against, 10 abstain: abstain has most votes but the motion still passes.
      const choices = [
        ...expand([
          [3, FOR],
          [2, AGAINST],
          [10, ABSTAIN],
        ] as const),
      ]
      const r = tally(plurality, params, choices, ctx(3))
      expect(r).toEqual({
        method: 'plurality',
        ballots: 15,
        counts: [3, 2, 10],
        ranking: [ABSTAIN, FOR, AGAINST],
        winner: ABSTAIN,
        tieBroken: false,
        passed: true,
      })
    })
    it('fails when against >= for', () => {
      expect(tally(plurality, params, [FOR, AGAINST, AGAINST], ctx(3)).passed).toBe(false)
      expect(tally(plurality, params, [FOR, AGAINST, ABSTAIN], ctx(3)).passed).toBe(false)
      expect(tally(plurality, params, [], ctx(3)).passed).toBe(false)
    })
    it('needs exactly three options', () => {
      expect(plurality.parseParams(params, 3)).toEqual({ ok: true, params })
      expect(plurality.parseParams(params, 4).ok).toBe(false)
    })
  })

  describe('ties', () => {
    it('are decided by tieOrder, and another tieOrder changes the winner', () => {
      const choices = [0, 1, 1, 0, 2]
      const a = tally(plurality, {}, choices, ctx(3, [0, 1, 2]))
      expect(a).toMatchObject({ winner: 0, ranking: [0, 1, 2], tieBroken: true })
      const b = tally(plurality, {}, choices, ctx(3, [2, 1, 0]))
      expect(b).toMatchObject({ winner: 1, ranking: [1, 0, 2], tieBroken: true })
    })
  })

  describe('parseParams', () => {
    it('accepts absent or empty params', () => {
      expect(plurality.parseParams(undefined, 5)).toEqual({ ok: true, params: {} })
      expect(plurality.parseParams({}, 5)).toEqual({ ok: true, params: {} })
    })
    it.each([
      ['null', null],
      ['an array', []],
      ['an unknown preset', { preset: 'yes-no' }],
      ['an unknown key', { preset: undefined, extra: 1 }],
    ])('rejects %s', (_, raw) => {
      expect(plurality.parseParams(raw, 3).ok).toBe(false)
    })
    it.each([1, 65, 2.5, NaN])('rejects option count %s', (k) => {
      expect(plurality.parseParams({}, k).ok).toBe(false)
    })
  })

  describe('checkChoice', () => {
    it('accepts an option index', () => {
      expect(plurality.checkChoice(2, {}, 3)).toEqual({ ok: true, choice: 2 })
      expect(plurality.checkChoice(-0, {}, 3)).toEqual({ ok: true, choice: 0 })
    })
    it.each([
      ['out of range', 3, 'Option 3 does not exist (options are 0 to 2).'],
      ['negative', -1, 'Option -1 does not exist (options are 0 to 2).'],
      ['a fraction', 1.5, 'The choice must be an option number.'],
      ['NaN', NaN, 'The choice must be an option number.'],
      ['Infinity', Infinity, 'The choice must be an option number.'],
      ['a string', '1', 'The choice must be an option number.'],
      ['an array', [1], 'The choice must be an option number.'],
      ['unsafe', 2 ** 53, 'The choice must be an option number.'],
    ])('rejects %s', (_, raw, reason) => {
      expect(plurality.checkChoice(raw, {}, 3)).toEqual({ ok: false, reason })
    })
  })

  it('remove of a ballot that is not counted throws and changes nothing', () => {
    const acc = plurality.createAccumulator({}, 3)
    acc.add(1)
    expect(() => acc.remove(0)).toThrow(/no counted ballot/)
    expect(acc.ballots).toBe(1)
    expect(plurality.result(acc, ctx(3)).counts).toEqual([0, 1, 0])
  })
})
