/**
 * Copeland: every pair of options is a match decided by the pairwise majority; an option scores
 * 1 per win and ½ per tied match. Ballots and matrix are the Schulze ones (see pairwise.ts).
 */
import { PairwiseAccumulator, checkPairwise } from './pairwise.js'
import { rankedResult } from './rank.js'
import type { BaseResult, TallyContext, TallyMethod } from './types.js'
import { checkRanking, parseNoParams } from './validate.js'
import type { NoParams } from './validate.js'

export interface CopelandResult extends BaseResult {
  readonly method: 'copeland'
  /** pairwise[i][j]: voters preferring i over j; diagonal 0 */
  readonly pairwise: readonly (readonly number[])[]
  /** wins + 0.5 × ties (the main figure); halves are exact in floating point */
  readonly scores: readonly number[]
  readonly wins: readonly number[]
  readonly losses: readonly number[]
  readonly ties: readonly number[]
}

function result(acc: PairwiseAccumulator, ctx: TallyContext): CopelandResult {
  const pos = checkPairwise(acc, ctx, 'copeland')
  const pairwise = acc.matrix()
  const k = acc.optionCount
  const wins = new Array<number>(k).fill(0)
  const losses = new Array<number>(k).fill(0)
  const ties = new Array<number>(k).fill(0)
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const ij = pairwise[i]![j]!
      const ji = pairwise[j]![i]!
      if (ij > ji) {
        wins[i]!++
        losses[j]!++
      } else if (ji > ij) {
        wins[j]!++
        losses[i]!++
      } else {
        ties[i]!++
        ties[j]!++
      }
    }
  }
  const scores = wins.map((w, i) => w + ties[i]! / 2)
  return {
    ...rankedResult('copeland', acc.ballots, scores, pos),
    method: 'copeland',
    pairwise,
    scores,
    wins,
    losses,
    ties,
  }
}

export const copeland: TallyMethod<NoParams, readonly number[], CopelandResult, PairwiseAccumulator> = {
  name: 'copeland',
  parseParams: parseNoParams,
  checkChoice: (raw, _params, optionCount) => checkRanking(raw, optionCount),
  createAccumulator: (_params, optionCount) => new PairwiseAccumulator(optionCount),
  result,
}
