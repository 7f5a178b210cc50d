/**
 * The accumulator contract of core/tally/types.ts, held for every method: what a live tally relies
 * on when a voter replaces a ballot (an exact `remove`, refused without damage when the ballot is
 * not counted), what the poll layer relies on (results that share no state with the accumulator,
 * a malformed context or option count refused loudly), and the exact reasons given for untrusted
 * params and choices. Written against the mutants StrykerJS found surviving (docs/testing.md).
 */
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../core/errors.js'
import {
  approval,
  copeland,
  instantRunoff,
  methodByName,
  methods,
  plurality,
  quadratic,
  schulze,
  score,
  strongestPaths,
  tally,
  weighted,
} from '../../core/tally/index.js'
import type { AnyTallyMethod, MethodName } from '../../core/tally/index.js'
import { ctx } from './helpers.js'

const BAD_OPTION_COUNT = 'A poll needs between 2 and 64 options.'

interface Fixture {
  /** raw params valid for three options */
  readonly params: unknown
  /** a valid ballot for three options */
  readonly ballot: unknown
  /** a valid ballot the accumulator can tell is not counted once only `ballot` is; null if it cannot */
  readonly uncounted: unknown
}

// Score ballots may be negative, so a score accumulator can only refuse a removal when it is empty.
const FIXTURES: Record<MethodName, Fixture> = {
  plurality: { params: undefined, ballot: 0, uncounted: 1 },
  approval: { params: { min: 1, max: 3 }, ballot: [0], uncounted: [1] },
  'instant-runoff': { params: undefined, ballot: [0, 1, 2], uncounted: [2, 1, 0] },
  schulze: { params: undefined, ballot: [0, 1, 2], uncounted: [2, 1, 0] },
  copeland: { params: undefined, ballot: [0, 1, 2], uncounted: [2, 1, 0] },
  score: { params: { min: 0, max: 5 }, ballot: [5, 0, 0], uncounted: null },
  quadratic: { params: { credits: 4 }, ballot: [2, 0, 0], uncounted: [0, 2, 0] },
  weighted: { params: { points: 3 }, ballot: [3, 0, 0], uncounted: [0, 3, 0] },
}

/** Schulze and Copeland share the pairwise accumulator, whose errors say so. */
const errorPrefix = (name: MethodName): string => (name === 'schulze' || name === 'copeland' ? 'pairwise' : name)

function setup(name: MethodName) {
  const method: AnyTallyMethod = methods[name]
  const f = FIXTURES[name]
  const parsed = method.parseParams(f.params, 3)
  if (!parsed.ok) throw new Error(`fixture params for ${name}: ${parsed.reason}`)
  const check = (raw: unknown): unknown => {
    const c = method.checkChoice(raw, parsed.params, 3)
    if (!c.ok) throw new Error(`fixture ballot for ${name}: ${c.reason}`)
    return c.choice
  }
  return { method, f, params: parsed.params, check }
}

describe.each(Object.keys(methods) as MethodName[])('%s keeps the accumulator contract', (name) => {
  it('refuses an option count outside 2..64, in parseParams and createAccumulator', () => {
    const { method, f, params } = setup(name)
    for (const k of [1, 65]) {
      expect(method.parseParams(f.params, k)).toEqual({ ok: false, reason: BAD_OPTION_COUNT })
      expect(() => method.createAccumulator(params, k)).toThrow(new InvalidArgumentError(BAD_OPTION_COUNT))
    }
  })

  it('refuses to remove from an empty accumulator, and stays empty', () => {
    const { method, f, params, check } = setup(name)
    const acc = method.createAccumulator(params, 3)
    const before = method.result(acc, ctx(3))
    expect(() => acc.remove(check(f.ballot))).toThrow(InvalidArgumentError)
    expect(() => acc.remove(check(f.ballot))).toThrow(new RegExp(`^${errorPrefix(name)}: `))
    expect(acc.ballots).toBe(0)
    expect(method.result(acc, ctx(3))).toEqual(before)
  })

  it('returns a result that later ballots do not change', () => {
    const { method, f, params, check } = setup(name)
    const acc = method.createAccumulator(params, 3)
    acc.add(check(f.ballot))
    const first = method.result(acc, ctx(3))
    const copy = structuredClone(first)
    acc.add(check(f.ballot))
    acc.add(check(f.uncounted ?? f.ballot))
    expect(first).toEqual(copy)
    expect(method.result(acc, ctx(3)).ballots).toBe(3)
  })

  it('refuses an accumulator made by another method, naming the right one', () => {
    const { method } = setup(name)
    const other = name === 'plurality' ? approval.createAccumulator({ min: 1, max: 3 }, 3) : plurality.createAccumulator({}, 3)
    expect(() => method.result(other, ctx(3))).toThrow(
      new InvalidArgumentError(`${name}.result needs an accumulator from ${name}.createAccumulator`),
    )
  })
})

it.each((Object.keys(methods) as MethodName[]).filter((name) => FIXTURES[name].uncounted !== null))(
  '%s refuses to remove a ballot that is not counted, changing nothing',
  (name) => {
    const { method, f, params, check } = setup(name)
    const acc = method.createAccumulator(params, 3)
    acc.add(check(f.ballot))
    const before = method.result(acc, ctx(3))
    expect(() => acc.remove(check(f.uncounted))).toThrow(InvalidArgumentError)
    expect(acc.ballots).toBe(1)
    expect(method.result(acc, ctx(3))).toEqual(before)
    acc.remove(check(f.ballot))
    expect(method.result(acc, ctx(3))).toEqual(method.result(method.createAccumulator(params, 3), ctx(3)))
  },
)

describe('tie order', () => {
  const acc = plurality.createAccumulator({}, 3)
  it.each([
    ['too long', [0, 1, 2, 0]],
    ['too short', [0, 1]],
    ['a repeated option', [0, 1, 1]],
    ['an option past the last', [0, 1, 3]],
    ['a negative option', [0, -1, 2]],
    ['a fraction', [0, 1.5, 2]],
    ['a string', ['0', 1, 2]],
  ])('refuses a tieOrder with %s', (_, tieOrder) => {
    const bad = { optionCount: 3, tieOrder: tieOrder as number[] }
    expect(() => plurality.result(acc, bad)).toThrow(new InvalidArgumentError('tieOrder must be a permutation of 0..2'))
  })
})

describe('reasons given for untrusted params and choices', () => {
  it('approval says "option" for one and "options" for more', () => {
    expect(approval.checkChoice([0], { min: 2, max: 3 }, 4)).toEqual({
      ok: false,
      reason: 'Approve at least 2 options (got 1).',
    })
    expect(approval.checkChoice([0, 1], { min: 1, max: 1 }, 4)).toEqual({
      ok: false,
      reason: 'Approve at most 1 option (got 2).',
    })
    expect(approval.parseParams({ min: 3, max: 2 }, 4)).toEqual({
      ok: false,
      reason: 'Parameter "min" cannot be greater than "max".',
    })
  })

  it('quadratic and weighted say which parameter is required', () => {
    expect(quadratic.parseParams(undefined, 3)).toEqual({ ok: false, reason: 'Parameter "credits" is required.' })
    expect(weighted.parseParams({}, 3)).toEqual({ ok: false, reason: 'Parameter "points" is required.' })
  })

  it('score checks each bound, then their order, then the width of the range', () => {
    expect(score.parseParams({ min: 0.5, max: 5 }, 3)).toEqual({
      ok: false,
      reason: 'Parameter "min" must be a whole number.',
    })
    expect(score.parseParams({ min: 3, max: 3 }, 3)).toEqual({
      ok: false,
      reason: 'Parameter "min" must be less than "max".',
    })
    // 1001 points wide, although min + max is small: the width is max - min.
    expect(score.parseParams({ min: -501, max: 500 }, 3)).toEqual({
      ok: false,
      reason: 'The score range can span at most 1000 points.',
    })
  })

  it('plurality refuses a choice that is not a whole number, and names its one preset', () => {
    expect(plurality.checkChoice(0, {}, 1)).toEqual({ ok: false, reason: BAD_OPTION_COUNT })
    for (const raw of ['1', 1.5, null, [1]]) {
      expect(plurality.checkChoice(raw, {}, 3)).toEqual({ ok: false, reason: 'The choice must be an option number.' })
    }
    expect(plurality.parseParams({ preset: 'yes-no' }, 3)).toEqual({
      ok: false,
      reason: 'Unknown preset; the only preset is "for-against-abstain".',
    })
    expect(plurality.parseParams({ preset: 'for-against-abstain' }, 4)).toEqual({
      ok: false,
      reason: 'The for-against-abstain preset needs exactly 3 options.',
    })
  })

  it('methodByName takes only a string: a decoded list naming a method is not that method', () => {
    expect(methodByName(['schulze'])).toBeUndefined()
    expect(methodByName({ toString: () => 'approval' })).toBeUndefined()
  })
})

describe('removal checks that only some methods can make', () => {
  it('an empty approval or an all-zero quadratic ballot cannot be removed from an empty tally', () => {
    const a = approval.createAccumulator({ min: 0, max: 3 }, 3)
    expect(() => a.remove([])).toThrow(InvalidArgumentError)
    expect(a.ballots).toBe(0)
    const q = quadratic.createAccumulator({ credits: 4 }, 3)
    expect(() => q.remove([0, 0, 0])).toThrow(InvalidArgumentError)
    expect({ ballots: q.ballots, creditsSpent: q.creditsSpent }).toEqual({ ballots: 0, creditsSpent: 0 })
  })

  it('approval: a ballot approving one counted and one uncounted option is not counted', () => {
    const acc = approval.createAccumulator({ min: 1, max: 2 }, 3)
    acc.add([0])
    expect(() => acc.remove([0, 1])).toThrow(InvalidArgumentError)
    expect(acc.counts).toEqual([1, 0, 0])
  })

  it('weighted: a ballot giving any option more points than it has is not counted', () => {
    const acc = weighted.createAccumulator({ points: 3 }, 3)
    acc.add([3, 0, 0])
    expect(() => acc.remove([2, 1, 0])).toThrow(InvalidArgumentError)
    expect(acc.points).toEqual([3, 0, 0])
  })

  it('quadratic: a ballot costing more credits than were spent is not counted, even within the votes', () => {
    const acc = quadratic.createAccumulator({ credits: 4 }, 3)
    acc.add([1, 0, 0])
    acc.add([1, 0, 0])
    // votes [2, 0, 0] were bought for 2 credits; [2, 0, 0] as one ballot costs 4.
    expect(() => acc.remove([2, 0, 0])).toThrow(InvalidArgumentError)
    expect({ votes: acc.votes, creditsSpent: acc.creditsSpent, ballots: acc.ballots }).toEqual({
      votes: [2, 0, 0],
      creditsSpent: 2,
      ballots: 2,
    })
  })

  it('quadratic: a ballot with more votes for any option than it has is not counted', () => {
    const acc = quadratic.createAccumulator({ credits: 4 }, 3)
    acc.add([2, 0, 0])
    expect(() => acc.remove([1, 1, 0])).toThrow(InvalidArgumentError)
    expect(acc.votes).toEqual([2, 0, 0])
  })
})

describe('pairwise methods', () => {
  it('preference(i, j) counts the voters ranking i above j, unranked options below ranked ones', () => {
    const acc = schulze.createAccumulator({}, 3)
    acc.add([1, 0])
    acc.add([1])
    expect(acc.preference(1, 0)).toBe(2)
    expect(acc.preference(0, 1)).toBe(0)
    expect(acc.preference(0, 2)).toBe(1)
    expect(acc.preference(2, 0)).toBe(0)
    expect(acc.preference(1, 2)).toBe(2)
  })

  it('schulze: a pair tied head to head has no link either way (links need a majority)', () => {
    const r = tally(
      schulze,
      {},
      [
        [0, 1],
        [1, 0],
      ],
      ctx(2, [1, 0]),
    )
    expect(r).toMatchObject({
      pairwise: [
        [0, 1],
        [1, 0],
      ],
      strongestPaths: [
        [0, 0],
        [0, 0],
      ],
      beats: [0, 0],
      winner: 1,
      tieBroken: true,
    })
    expect(
      strongestPaths([
        [0, 2, 0],
        [2, 0, 3],
        [1, 0, 0],
      ]),
    ).toEqual([
      [0, 0, 0],
      [1, 0, 3],
      [1, 0, 0],
    ])
  })

  it('copeland and instant-runoff refuse removals the same way as schulze', () => {
    for (const method of [copeland, instantRunoff]) {
      const acc = method.createAccumulator({}, 3)
      acc.add([0, 1, 2])
      expect(() => acc.remove([1, 0, 2])).toThrow(InvalidArgumentError)
      expect(acc.ballots).toBe(1)
    }
  })
})
