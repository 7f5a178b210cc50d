/**
 * Weighted (cumulative) voting: each voter distributes exactly `points` points over the options,
 * most points wins. Requiring the exact sum, rather than at most, makes every ballot weigh the
 * same and keeps "I left some points unspent" from being a silent way to abstain.
 */
import { InvalidArgumentError } from '../errors.js'
import { rankedResult, tiePositions } from './rank.js'
import type { Accumulator, BaseResult, ChoiceCheck, ParamsCheck, TallyContext, TallyMethod } from './types.js'
import { BAD_OPTION_COUNT, checkVector, fail, isValidOptionCount, readInteger, readParamsObject } from './validate.js'

export const MAX_POINTS = 1_000_000

export interface WeightedParams {
  readonly points: number
}

export interface WeightedResult extends BaseResult {
  readonly method: 'weighted'
  /** points per option */
  readonly points: readonly number[]
}

export class WeightedAccumulator implements Accumulator<readonly number[]> {
  readonly #points: number[]
  #ballots = 0

  constructor(
    readonly params: WeightedParams,
    readonly optionCount: number,
  ) {
    if (!isValidOptionCount(optionCount)) throw new InvalidArgumentError(BAD_OPTION_COUNT)
    this.#points = new Array<number>(optionCount).fill(0)
  }

  get ballots(): number {
    return this.#ballots
  }

  get points(): readonly number[] {
    return this.#points
  }

  add(choice: readonly number[]): void {
    for (let i = 0; i < this.optionCount; i++) this.#points[i]! += choice[i]!
    this.#ballots++
  }

  remove(choice: readonly number[]): void {
    if (this.#ballots === 0 || choice.some((p, i) => p > this.#points[i]!)) {
      throw new InvalidArgumentError('weighted: that ballot is not counted, cannot remove it')
    }
    for (let i = 0; i < this.optionCount; i++) this.#points[i]! -= choice[i]!
    this.#ballots--
  }
}

function parseParams(raw: unknown, optionCount: number): ParamsCheck<WeightedParams> {
  if (!isValidOptionCount(optionCount)) return fail(BAD_OPTION_COUNT)
  const obj = readParamsObject(raw, ['points'])
  if (!obj.ok) return obj
  if (obj.params['points'] === undefined) return fail('Parameter "points" is required.')
  const points = readInteger(obj.params, 'points', 0, 1, MAX_POINTS)
  if (!points.ok) return points
  return { ok: true, params: { points: points.params } }
}

function checkChoice(raw: unknown, params: WeightedParams, optionCount: number): ChoiceCheck<readonly number[]> {
  const vector = checkVector(raw, optionCount, 0, params.points, 'The points')
  if (!vector.ok) return vector
  const sum = vector.choice.reduce((a, b) => a + b, 0)
  if (sum !== params.points) return fail(`The points must add up to exactly ${params.points} (got ${sum}).`)
  return vector
}

function result(acc: WeightedAccumulator, ctx: TallyContext): WeightedResult {
  if (!(acc instanceof WeightedAccumulator)) {
    throw new InvalidArgumentError('weighted.result needs an accumulator from weighted.createAccumulator')
  }
  const pos = tiePositions(ctx, acc.optionCount)
  const points = acc.points.slice()
  return { ...rankedResult('weighted', acc.ballots, points, pos), method: 'weighted', points }
}

export const weighted: TallyMethod<WeightedParams, readonly number[], WeightedResult, WeightedAccumulator> = {
  name: 'weighted',
  parseParams,
  checkChoice,
  createAccumulator: (params, optionCount) => new WeightedAccumulator(params, optionCount),
  result,
}
