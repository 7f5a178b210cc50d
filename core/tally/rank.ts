/**
 * Ranking and tie-breaking shared by every method. The single rule: an option EARLIER in
 * `ctx.tieOrder` beats a later one whenever the method's own figures are equal. Because
 * tieOrder is derived from the poll id, every peer breaks every tie the same way.
 */
import { InvalidArgumentError } from '../errors.js'
import type { BaseResult, MethodName, TallyContext } from './types.js'

/**
 * Position of each option in tieOrder. A malformed context is a bug in the poll layer, not
 * untrusted input, so it throws instead of producing a result some peers might disagree with.
 */
export function tiePositions(ctx: TallyContext, optionCount: number): number[] {
  if (ctx.optionCount !== optionCount) {
    throw new InvalidArgumentError(`tally context has ${ctx.optionCount} options but the accumulator was created for ${optionCount}`)
  }
  const order = ctx.tieOrder
  if (!Array.isArray(order) || order.length !== optionCount) {
    throw new InvalidArgumentError(`tieOrder must be a permutation of 0..${optionCount - 1}`)
  }
  const pos = new Array<number>(optionCount).fill(-1)
  for (let i = 0; i < optionCount; i++) {
    const option = order[i]
    if (!Number.isSafeInteger(option) || option! < 0 || option! >= optionCount || pos[option!] !== -1) {
      throw new InvalidArgumentError(`tieOrder must be a permutation of 0..${optionCount - 1}`)
    }
    pos[option!] = i
  }
  return pos
}

/** Options by `score` descending, equal scores by tieOrder. */
export function rankByScore(scores: readonly number[], pos: readonly number[]): number[] {
  const options = scores.map((_, i) => i)
  return options.sort((a, b) => scores[b]! - scores[a]! || pos[a]! - pos[b]!)
}

/** True when the top two options have the same main figure, i.e. tieOrder picked the winner. */
export const topTied = (scores: readonly number[], ranking: readonly number[]): boolean =>
  ranking.length > 1 && scores[ranking[0]!] === scores[ranking[1]!]

export function baseResult(method: MethodName, ballots: number, ranking: readonly number[], tieBroken: boolean): BaseResult {
  return {
    method,
    ballots,
    ranking,
    winner: ballots > 0 ? ranking[0]! : null,
    tieBroken: ballots > 0 && tieBroken,
  }
}

/** Result of ranking by one per-option figure, the shape most methods share. */
export function rankedResult(method: MethodName, ballots: number, scores: readonly number[], pos: readonly number[]): BaseResult {
  const ranking = rankByScore(scores, pos)
  return baseResult(method, ballots, ranking, topTied(scores, ranking))
}
