/**
 * Plurality: one option per ballot, most votes wins. The for-against-abstain preset is plurality
 * over three fixed options plus a pass/fail verdict, so motions don't need a method of their own.
 */
import { InvalidArgumentError } from '../errors.js'
import { rankedResult, tiePositions } from './rank.js'
import type { Accumulator, BaseResult, ChoiceCheck, ParamsCheck, TallyContext, TallyMethod } from './types.js'
import { BAD_OPTION_COUNT, fail, isValidOptionCount, readParamsObject } from './validate.js'

export const FOR = 0
export const AGAINST = 1
export const ABSTAIN = 2

export interface PluralityParams {
  readonly preset?: 'for-against-abstain'
}

export interface PluralityResult extends BaseResult {
  readonly method: 'plurality'
  readonly counts: readonly number[]
  /**
   * Only with the for-against-abstain preset: for > against. Abstentions count toward turnout
   * (`ballots`) but never toward passing, and a tie fails.
   */
  readonly passed?: boolean
}

export class PluralityAccumulator implements Accumulator<number> {
  readonly #counts: number[]
  #ballots = 0

  constructor(
    readonly params: PluralityParams,
    readonly optionCount: number,
  ) {
    if (!isValidOptionCount(optionCount)) throw new InvalidArgumentError(BAD_OPTION_COUNT)
    this.#counts = new Array<number>(optionCount).fill(0)
  }

  get ballots(): number {
    return this.#ballots
  }

  /** Live view; read-only so results cannot corrupt the tally. */
  get counts(): readonly number[] {
    return this.#counts
  }

  add(choice: number): void {
    this.#counts[choice]!++
    this.#ballots++
  }

  remove(choice: number): void {
    if (!(this.#counts[choice]! > 0)) {
      throw new InvalidArgumentError(`plurality: no counted ballot for option ${choice} to remove`)
    }
    this.#counts[choice]!--
    this.#ballots--
  }
}

function parseParams(raw: unknown, optionCount: number): ParamsCheck<PluralityParams> {
  if (!isValidOptionCount(optionCount)) return fail(BAD_OPTION_COUNT)
  const obj = readParamsObject(raw, ['preset'])
  if (!obj.ok) return obj
  const preset = obj.params['preset']
  if (preset === undefined) return { ok: true, params: {} }
  if (preset !== 'for-against-abstain') return fail('Unknown preset; the only preset is "for-against-abstain".')
  if (optionCount !== 3) return fail('The for-against-abstain preset needs exactly 3 options.')
  return { ok: true, params: { preset } }
}

function checkChoice(raw: unknown, _params: PluralityParams, optionCount: number): ChoiceCheck<number> {
  if (!isValidOptionCount(optionCount)) return fail(BAD_OPTION_COUNT)
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) return fail('The choice must be an option number.')
  if (raw < 0 || raw >= optionCount) {
    return fail(`Option ${raw} does not exist (options are 0 to ${optionCount - 1}).`)
  }
  return { ok: true, choice: raw + 0 }
}

function result(acc: PluralityAccumulator, ctx: TallyContext): PluralityResult {
  if (!(acc instanceof PluralityAccumulator)) {
    throw new InvalidArgumentError('plurality.result needs an accumulator from plurality.createAccumulator')
  }
  const pos = tiePositions(ctx, acc.optionCount)
  const counts = acc.counts.slice()
  const base = rankedResult('plurality', acc.ballots, counts, pos)
  if (acc.params.preset !== 'for-against-abstain') return { ...base, method: 'plurality', counts }
  return { ...base, method: 'plurality', counts, passed: counts[FOR]! > counts[AGAINST]! }
}

export const plurality: TallyMethod<PluralityParams, number, PluralityResult, PluralityAccumulator> = {
  name: 'plurality',
  parseParams,
  checkChoice,
  createAccumulator: (params, optionCount) => new PluralityAccumulator(params, optionCount),
  result,
}
