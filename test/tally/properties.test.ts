/**
 * Properties every method must have for a decentralized tally to be trustworthy: peers that
 * receive the same ballots in different orders, or replace ballots along the way, must agree
 * exactly with a fresh batch count.
 */
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  approval,
  copeland,
  instantRunoff,
  methodByName,
  methods,
  plurality,
  quadratic,
  quadraticCost,
  schulze,
  score,
  tally,
  weighted,
} from '../../core/tally/index.js'
import type {
  Accumulator,
  BaseResult,
  ChoiceOf,
  ParamsOf,
  PluralityResult,
  QuadraticParams,
  ResultOf,
  SchulzeResult,
  ScoreResult,
  TallyContext,
  TallyMethod,
} from '../../core/tally/index.js'
import { assertProperty } from '../property/runs.js'

interface Spec<P, C> {
  readonly method: TallyMethod<P, C, BaseResult, Accumulator<C>>
  /** small option counts make ties, repeated rankings and exhaustion common */
  readonly maxOptions: number
  readonly params: (k: number) => fc.Arbitrary<unknown>
  readonly choice: (k: number, params: P) => fc.Arbitrary<unknown>
}

const spec = <P, C>(s: Spec<P, C>): Spec<P, C> => s

const indices = (k: number): number[] => Array.from({ length: k }, (_, i) => i)
const ranking = (k: number): fc.Arbitrary<number[]> => fc.shuffledSubarray(indices(k), { minLength: 1 })
const vector = (k: number, min: number, max: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min, max }), { minLength: k, maxLength: k })

const SPECS = [
  spec({
    method: plurality,
    maxOptions: 6,
    params: (k) => (k === 3 ? fc.constantFrom(undefined, { preset: 'for-against-abstain' }) : fc.constant(undefined)),
    choice: (k) => fc.nat(k - 1),
  }),
  spec({
    method: approval,
    maxOptions: 6,
    params: (k) =>
      fc
        .integer({ min: 0, max: k })
        .chain((min) => fc.record({ min: fc.constant(min), max: fc.integer({ min: Math.max(min, 1), max: k }) })),
    choice: (k, p) => fc.subarray(indices(k), { minLength: p.min, maxLength: p.max }),
  }),
  spec({
    method: instantRunoff,
    maxOptions: 5,
    params: () => fc.constant(undefined),
    choice: ranking,
  }),
  spec({ method: schulze, maxOptions: 6, params: () => fc.constant(undefined), choice: ranking }),
  spec({ method: copeland, maxOptions: 6, params: () => fc.constant(undefined), choice: ranking }),
  spec({
    method: score,
    maxOptions: 6,
    params: () =>
      fc
        .record({ min: fc.integer({ min: -3, max: 3 }), width: fc.integer({ min: 1, max: 6 }) })
        .map(({ min, width }) => ({ min, max: min + width })),
    choice: (k, p) => vector(k, p.min, p.max),
  }),
  spec({
    method: quadratic,
    maxOptions: 6,
    params: () => fc.record({ credits: fc.integer({ min: 1, max: 40 }) }),
    // Draw up to sqrt(credits) per option, then trim the largest entry until affordable, so
    // ballots that spend the whole budget are common.
    choice: (k, p) =>
      vector(k, 0, Math.floor(Math.sqrt(p.credits))).map((votes) => {
        while (quadraticCost(votes) > p.credits) votes[votes.indexOf(Math.max(...votes))]!--
        return votes
      }),
  }),
  spec({
    method: weighted,
    maxOptions: 6,
    params: () => fc.record({ points: fc.integer({ min: 1, max: 12 }) }),
    // k-1 cut points in [0, points] split the budget into k non-negative parts.
    choice: (k, p) =>
      fc.array(fc.integer({ min: 0, max: p.points }), { minLength: k - 1, maxLength: k - 1 }).map((cuts) => {
        const sorted = [0, ...cuts.sort((a, b) => a - b), p.points]
        return indices(k).map((i) => sorted[i + 1]! - sorted[i]!)
      }),
  }),
] as Spec<unknown, unknown>[]

interface Case {
  readonly params: unknown
  readonly ctx: TallyContext
  readonly choices: unknown[]
  /** ballots to add and then remove again */
  readonly extra: unknown[]
  /** a sort key per ballot, to shuffle deterministically */
  readonly keys: number[]
}

function caseArb(s: Spec<unknown, unknown>): fc.Arbitrary<Case> {
  return fc.integer({ min: 2, max: s.maxOptions }).chain((k) =>
    s.params(k).chain((rawParams) => {
      const parsed = s.method.parseParams(rawParams, k)
      if (!parsed.ok) throw new Error(`generator produced bad params: ${parsed.reason}`)
      const params = parsed.params
      const choice = s.choice(k, params).map((raw) => {
        const checked = s.method.checkChoice(raw, params, k)
        if (!checked.ok) throw new Error(`generator produced a bad choice: ${checked.reason}`)
        return checked.choice
      })
      return fc.record({
        params: fc.constant(params),
        ctx: fc.shuffledSubarray(indices(k), { minLength: k, maxLength: k }).map((tieOrder) => ({ optionCount: k, tieOrder })),
        choices: fc.array(choice, { maxLength: 30 }),
        extra: fc.array(choice, { minLength: 1, maxLength: 6 }),
        keys: fc.array(fc.nat(), { minLength: 36, maxLength: 36 }),
      })
    }),
  )
}

/** Valid params to check junk choices against, even for methods whose params are required. */
function fallbackParams(m: Spec<unknown, unknown>['method'], k: number): unknown {
  const defaults = m.parseParams(undefined, k)
  if (defaults.ok) return defaults.params
  const required = m.parseParams({ [m.name === 'quadratic' ? 'credits' : 'points']: 5 }, k)
  return required.ok ? required.params : {}
}

describe.each(SPECS.map((s) => [s.method.name, s] as const))('%s properties', (_, s) => {
  const m = s.method
  const cases = caseArb(s)
  const options = {}

  it('is independent of ballot order', () => {
    assertProperty(
      fc.property(cases, (c) => {
        const shuffled = c.choices
          .map((choice, i) => ({ choice, key: c.keys[i]! }))
          .sort((a, b) => a.key - b.key)
          .map((x) => x.choice)
        expect(tally(m, c.params, shuffled, c.ctx)).toEqual(tally(m, c.params, c.choices, c.ctx))
      }),
      options,
    )
  })

  it('add then remove restores exactly the previous result', () => {
    assertProperty(
      fc.property(cases, (c) => {
        const acc = m.createAccumulator(c.params, c.ctx.optionCount)
        for (const choice of c.choices) acc.add(choice)
        const before = m.result(acc, c.ctx)
        for (const choice of c.extra) {
          acc.add(choice)
          m.result(acc, c.ctx) // reading mid-way must not disturb anything
          acc.remove(choice)
          expect(m.result(acc, c.ctx)).toEqual(before)
        }
        expect(acc.ballots).toBe(c.choices.length)
      }),
      options,
    )
  })

  it('incremental updates, including replaced ballots, equal a batch tally', () => {
    assertProperty(
      fc.property(cases, (c) => {
        const acc = m.createAccumulator(c.params, c.ctx.optionCount)
        // Interleave the kept and the later-replaced ballots, reading results as a live view would.
        const all = [...c.choices, ...c.extra]
          .map((choice, i) => ({ choice, key: c.keys[i % c.keys.length]! }))
          .sort((a, b) => a.key - b.key)
        for (const { choice } of all) {
          acc.add(choice)
          m.result(acc, c.ctx)
        }
        for (const choice of [...c.extra].reverse()) acc.remove(choice)
        const batch = tally(m, c.params, c.choices, c.ctx)
        expect(m.result(acc, c.ctx)).toEqual(batch)
        expect(batch.ballots).toBe(c.choices.length)
      }),
      options,
    )
  })

  it('always ranks every option once, with winner = ranking[0] iff there are ballots', () => {
    assertProperty(
      fc.property(cases, (c) => {
        const r = tally(m, c.params, c.choices, c.ctx)
        expect(r.method).toBe(m.name)
        expect([...r.ranking].sort((a, b) => a - b)).toEqual(indices(c.ctx.optionCount))
        expect(r.winner).toBe(c.choices.length > 0 ? r.ranking[0] : null)
        if (c.choices.length === 0) {
          expect(r.ranking).toEqual(c.ctx.tieOrder)
          expect(r.tieBroken).toBe(false)
        }
      }),
      options,
    )
  })

  it('never throws on hostile params or choices', () => {
    const junk = fc.oneof(
      fc.anything(),
      fc.array(fc.oneof(fc.integer({ min: -2, max: 8 }), fc.double(), fc.constant(NaN), fc.string()), {
        maxLength: 10,
      }),
      fc.dictionary(fc.constantFrom('min', 'max', 'credits', 'points', 'preset', '__proto__', 'x'), fc.anything()),
    )
    assertProperty(
      fc.property(junk, fc.integer({ min: -1, max: 70 }), (raw, k) => {
        const parsed = m.parseParams(raw, k)
        expect(typeof parsed.ok).toBe('boolean')
        const params = parsed.ok ? parsed.params : fallbackParams(m, k)
        const checked = m.checkChoice(raw, params, k)
        if (checked.ok) {
          const acc = m.createAccumulator(params, k)
          acc.add(checked.choice)
          acc.remove(checked.choice)
          expect(acc.ballots).toBe(0)
        } else {
          expect(checked.reason).toMatch(/^\S.*\.$/)
        }
      }),
      { runs: 400 },
    )
  })
})

it('the registry lists every method under its own name', () => {
  for (const [name, method] of Object.entries(methods)) expect(method.name).toBe(name)
  expect(Object.keys(methods).sort()).toEqual(
    ['approval', 'copeland', 'instant-runoff', 'plurality', 'quadratic', 'schulze', 'score', 'weighted'].sort(),
  )
})

it('methodByName finds registered methods only', () => {
  expect(methodByName('schulze')).toBe(schulze)
  expect(methodByName('instant-runoff')).toBe(instantRunoff)
  for (const name of ['toString', '__proto__', 'Schulze', 'irv', 42, null, undefined]) {
    expect(methodByName(name)).toBeUndefined()
  }
})

it('types: the registry and helpers keep each method precise', () => {
  expectTypeOf(methods.schulze.result).returns.toEqualTypeOf<SchulzeResult>()
  expectTypeOf<ResultOf<typeof plurality>>().toEqualTypeOf<PluralityResult>()
  expectTypeOf<ParamsOf<typeof quadratic>>().toEqualTypeOf<QuadraticParams>()
  expectTypeOf<ChoiceOf<typeof plurality>>().toEqualTypeOf<number>()
  expectTypeOf<ChoiceOf<typeof approval>>().toEqualTypeOf<readonly number[]>()
  expectTypeOf(tally(score, { min: 0, max: 5 }, [], { optionCount: 2, tieOrder: [0, 1] })).toEqualTypeOf<ScoreResult>()
})

it('result() refuses a malformed context or a foreign accumulator', () => {
  const acc = plurality.createAccumulator({}, 3)
  expect(() => plurality.result(acc, { optionCount: 3, tieOrder: [0, 1, 1] })).toThrow(/permutation/)
  expect(() => plurality.result(acc, { optionCount: 3, tieOrder: [0, 1] })).toThrow(/permutation/)
  expect(() => plurality.result(acc, { optionCount: 4, tieOrder: [0, 1, 2, 3] })).toThrow(/4 options/)
  const foreign = approval.createAccumulator({ min: 1, max: 3 }, 3) as unknown as typeof acc
  expect(() => plurality.result(foreign, { optionCount: 3, tieOrder: [0, 1, 2] })).toThrow(/plurality.createAccumulator/)
  expect(() => plurality.createAccumulator({}, 65)).toThrow(/between 2 and 64/)
})
