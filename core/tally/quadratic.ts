/**
 * Quadratic voting: each voter has a credit budget and casting v votes for one option costs v²
 * credits, so expressing intensity gets progressively more expensive. Votes per option decide.
 */
import { InvalidArgumentError } from '../errors.js'
import { rankedResult, tiePositions } from './rank.js'
import type { Accumulator, BaseResult, ChoiceCheck, ParamsCheck, TallyContext, TallyMethod } from './types.js'
import { BAD_OPTION_COUNT, checkVector, fail, isValidOptionCount, readInteger, readParamsObject } from './validate.js'

export const MAX_CREDITS = 1_000_000

export interface QuadraticParams {
  readonly credits: number
}

export interface QuadraticResult extends BaseResult {
  readonly method: 'quadratic'
  /** votes per option (sum over ballots of v, not of v²) */
  readonly votes: readonly number[]
  /** credits spent over all ballots */
  readonly creditsSpent: number
}

export const quadraticCost = (votes: readonly number[]): number => votes.reduce((sum, v) => sum + v * v, 0)

export class QuadraticAccumulator implements Accumulator<readonly number[]> {
  readonly #votes: number[]
  #ballots = 0
  #creditsSpent = 0

  constructor(
    readonly params: QuadraticParams,
    readonly optionCount: number,
  ) {
    if (!isValidOptionCount(optionCount)) throw new InvalidArgumentError(BAD_OPTION_COUNT)
    this.#votes = new Array<number>(optionCount).fill(0)
  }

  get ballots(): number {
    return this.#ballots
  }

  get votes(): readonly number[] {
    return this.#votes
  }

  get creditsSpent(): number {
    return this.#creditsSpent
  }

  add(choice: readonly number[]): void {
    for (let i = 0; i < this.optionCount; i++) this.#votes[i]! += choice[i]!
    this.#creditsSpent += quadraticCost(choice)
    this.#ballots++
  }

  remove(choice: readonly number[]): void {
    const cost = quadraticCost(choice)
    if (this.#ballots === 0 || cost > this.#creditsSpent || choice.some((v, i) => v > this.#votes[i]!)) {
      throw new InvalidArgumentError('quadratic: that ballot is not counted, cannot remove it')
    }
    for (let i = 0; i < this.optionCount; i++) this.#votes[i]! -= choice[i]!
    this.#creditsSpent -= cost
    this.#ballots--
  }
}

function parseParams(raw: unknown, optionCount: number): ParamsCheck<QuadraticParams> {
  if (!isValidOptionCount(optionCount)) return fail(BAD_OPTION_COUNT)
  const obj = readParamsObject(raw, ['credits'])
  if (!obj.ok) return obj
  if (obj.params['credits'] === undefined) return fail('Parameter "credits" is required.')
  const credits = readInteger(obj.params, 'credits', 0, 1, MAX_CREDITS)
  if (!credits.ok) return credits
  return { ok: true, params: { credits: credits.params } }
}

function checkChoice(raw: unknown, params: QuadraticParams, optionCount: number): ChoiceCheck<readonly number[]> {
  const vector = checkVector(raw, optionCount, 0, Number.MAX_SAFE_INTEGER, 'The votes')
  if (!vector.ok) return vector
  // One entry above the budget is already unaffordable; rejecting it first keeps the cost exact.
  const tooMany = vector.choice.findIndex((v) => v > params.credits)
  if (tooMany >= 0) {
    const v = vector.choice[tooMany]!
    return fail(`${v} votes for option ${tooMany} cost ${v}² credits, over the budget of ${params.credits}.`)
  }
  const cost = quadraticCost(vector.choice)
  if (cost > params.credits) {
    return fail(`These votes cost ${cost} credits, over the budget of ${params.credits}.`)
  }
  return vector
}

function result(acc: QuadraticAccumulator, ctx: TallyContext): QuadraticResult {
  if (!(acc instanceof QuadraticAccumulator)) {
    throw new InvalidArgumentError('quadratic.result needs an accumulator from quadratic.createAccumulator')
  }
  const pos = tiePositions(ctx, acc.optionCount)
  const votes = acc.votes.slice()
  return {
    ...rankedResult('quadratic', acc.ballots, votes, pos),
    method: 'quadratic',
    votes,
    creditsSpent: acc.creditsSpent,
  }
}

export const quadratic: TallyMethod<QuadraticParams, readonly number[], QuadraticResult, QuadraticAccumulator> = {
  name: 'quadratic',
  parseParams,
  checkChoice,
  createAccumulator: (params, optionCount) => new QuadraticAccumulator(params, optionCount),
  result,
}
