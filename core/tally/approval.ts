/**
 * Approval voting: each ballot approves a set of options, most approvals wins. The set is
 * encoded as a strictly increasing list so that a ballot has exactly one valid encoding.
 */
import { InvalidArgumentError } from '../errors.js'
import { rankedResult, tiePositions } from './rank.js'
import type { Accumulator, BaseResult, ChoiceCheck, ParamsCheck, TallyContext, TallyMethod } from './types.js'
import { BAD_OPTION_COUNT, checkOptionList, fail, isValidOptionCount, readInteger, readParamsObject } from './validate.js'

export interface ApprovalParams {
  /** fewest approvals a ballot may carry; 0 allows an empty ballot that only counts for turnout */
  readonly min: number
  /** most approvals a ballot may carry */
  readonly max: number
}

export interface ApprovalResult extends BaseResult {
  readonly method: 'approval'
  /** approvals per option */
  readonly counts: readonly number[]
}

export class ApprovalAccumulator implements Accumulator<readonly number[]> {
  readonly #counts: number[]
  #ballots = 0

  constructor(
    readonly params: ApprovalParams,
    readonly optionCount: number,
  ) {
    if (!isValidOptionCount(optionCount)) throw new InvalidArgumentError(BAD_OPTION_COUNT)
    this.#counts = new Array<number>(optionCount).fill(0)
  }

  get ballots(): number {
    return this.#ballots
  }

  get counts(): readonly number[] {
    return this.#counts
  }

  add(choice: readonly number[]): void {
    for (const option of choice) this.#counts[option]!++
    this.#ballots++
  }

  remove(choice: readonly number[]): void {
    // Check everything before touching anything so a bad remove leaves the tally intact.
    if (this.#ballots === 0 || choice.some((option) => !(this.#counts[option]! > 0))) {
      throw new InvalidArgumentError('approval: that ballot is not counted, cannot remove it')
    }
    for (const option of choice) this.#counts[option]!--
    this.#ballots--
  }
}

function parseParams(raw: unknown, optionCount: number): ParamsCheck<ApprovalParams> {
  if (!isValidOptionCount(optionCount)) return fail(BAD_OPTION_COUNT)
  const obj = readParamsObject(raw, ['min', 'max'])
  if (!obj.ok) return obj
  const min = readInteger(obj.params, 'min', 1, 0, optionCount)
  if (!min.ok) return min
  const max = readInteger(obj.params, 'max', optionCount, 1, optionCount)
  if (!max.ok) return max
  if (min.params > max.params) return fail('Parameter "min" cannot be greater than "max".')
  return { ok: true, params: { min: min.params, max: max.params } }
}

function checkChoice(raw: unknown, params: ApprovalParams, optionCount: number): ChoiceCheck<readonly number[]> {
  const list = checkOptionList(raw, optionCount, {
    minLength: 0,
    maxLength: optionCount,
    increasing: true,
    what: 'The approval list',
  })
  if (!list.ok) return list
  const n = list.choice.length
  if (n < params.min) return fail(`Approve at least ${params.min} option${params.min === 1 ? '' : 's'} (got ${n}).`)
  if (n > params.max) return fail(`Approve at most ${params.max} option${params.max === 1 ? '' : 's'} (got ${n}).`)
  return list
}

function result(acc: ApprovalAccumulator, ctx: TallyContext): ApprovalResult {
  if (!(acc instanceof ApprovalAccumulator)) {
    throw new InvalidArgumentError('approval.result needs an accumulator from approval.createAccumulator')
  }
  const pos = tiePositions(ctx, acc.optionCount)
  const counts = acc.counts.slice()
  return { ...rankedResult('approval', acc.ballots, counts, pos), method: 'approval', counts }
}

export const approval: TallyMethod<ApprovalParams, readonly number[], ApprovalResult, ApprovalAccumulator> = {
  name: 'approval',
  parseParams,
  checkChoice,
  createAccumulator: (params, optionCount) => new ApprovalAccumulator(params, optionCount),
  result,
}
