/**
 * Score (range) voting: every ballot gives every option a whole-number score, highest total
 * wins. Ranking by total is the same as ranking by average, since every option is scored on
 * every ballot; totals are what we compare because they stay exact integers.
 */
import { InvalidArgumentError } from '../errors.js'
import { rankedResult, tiePositions } from './rank.js'
import type { Accumulator, BaseResult, ChoiceCheck, ParamsCheck, TallyContext, TallyMethod } from './types.js'
import { BAD_OPTION_COUNT, checkVector, fail, isValidOptionCount, readInteger, readParamsObject } from './validate.js'

/** Bounds keep every total an exact integer (|score| × ballots stays far below 2^53). */
export const SCORE_LIMIT = 1_000_000
export const SCORE_MAX_WIDTH = 1000

export interface ScoreParams {
  readonly min: number
  readonly max: number
}

export interface ScoreResult extends BaseResult {
  readonly method: 'score'
  readonly totals: readonly number[]
  /** total / ballots; all 0 when there are no ballots */
  readonly averages: readonly number[]
}

export class ScoreAccumulator implements Accumulator<readonly number[]> {
  readonly #totals: number[]
  #ballots = 0

  constructor(
    readonly params: ScoreParams,
    readonly optionCount: number,
  ) {
    if (!isValidOptionCount(optionCount)) throw new InvalidArgumentError(BAD_OPTION_COUNT)
    this.#totals = new Array<number>(optionCount).fill(0)
  }

  get ballots(): number {
    return this.#ballots
  }

  get totals(): readonly number[] {
    return this.#totals
  }

  add(choice: readonly number[]): void {
    for (let i = 0; i < this.optionCount; i++) this.#totals[i]! += choice[i]!
    this.#ballots++
  }

  /** Scores may be negative, so only the ballot count can tell an impossible removal. */
  remove(choice: readonly number[]): void {
    if (this.#ballots === 0) throw new InvalidArgumentError('score: no ballots to remove')
    for (let i = 0; i < this.optionCount; i++) this.#totals[i]! -= choice[i]!
    this.#ballots--
  }
}

function parseParams(raw: unknown, optionCount: number): ParamsCheck<ScoreParams> {
  if (!isValidOptionCount(optionCount)) return fail(BAD_OPTION_COUNT)
  const obj = readParamsObject(raw, ['min', 'max'])
  if (!obj.ok) return obj
  const min = readInteger(obj.params, 'min', 0, -SCORE_LIMIT, SCORE_LIMIT)
  if (!min.ok) return min
  const max = readInteger(obj.params, 'max', 5, -SCORE_LIMIT, SCORE_LIMIT)
  if (!max.ok) return max
  if (min.params >= max.params) return fail('Parameter "min" must be less than "max".')
  if (max.params - min.params > SCORE_MAX_WIDTH) {
    return fail(`The score range can span at most ${SCORE_MAX_WIDTH} points.`)
  }
  return { ok: true, params: { min: min.params, max: max.params } }
}

function checkChoice(raw: unknown, params: ScoreParams, optionCount: number): ChoiceCheck<readonly number[]> {
  return checkVector(raw, optionCount, params.min, params.max, 'The scores')
}

function result(acc: ScoreAccumulator, ctx: TallyContext): ScoreResult {
  if (!(acc instanceof ScoreAccumulator)) {
    throw new InvalidArgumentError('score.result needs an accumulator from score.createAccumulator')
  }
  const pos = tiePositions(ctx, acc.optionCount)
  const totals = acc.totals.slice()
  const ballots = acc.ballots
  const averages = totals.map((total) => (ballots > 0 ? total / ballots : 0))
  return { ...rankedResult('score', ballots, totals, pos), method: 'score', totals, averages }
}

export const score: TallyMethod<ScoreParams, readonly number[], ScoreResult, ScoreAccumulator> = {
  name: 'score',
  parseParams,
  checkChoice,
  createAccumulator: (params, optionCount) => new ScoreAccumulator(params, optionCount),
  result,
}
