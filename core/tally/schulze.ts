/**
 * Schulze method (beatpath), with "winning votes" link strength: the link i→j is d[i][j] when a
 * majority of the voters who rank the pair prefer i, else 0. Paths are the widest paths over
 * those links; i beats j in the Schulze relation when p[i][j] > p[j][i].
 *
 * That relation is transitive, so ordering by how many options each one beats is a linear
 * extension of it: whoever beats j also beats everything j beats, hence strictly more options.
 * Equal counts are ordered by tieOrder.
 */
import { PairwiseAccumulator, checkPairwise } from './pairwise.js'
import { baseResult, rankByScore, topTied } from './rank.js'
import type { BaseResult, TallyContext, TallyMethod } from './types.js'
import { checkRanking, parseNoParams } from './validate.js'
import type { NoParams } from './validate.js'

export interface SchulzeResult extends BaseResult {
  readonly method: 'schulze'
  /** pairwise[i][j]: voters preferring i over j; diagonal 0 */
  readonly pairwise: readonly (readonly number[])[]
  /** strongestPaths[i][j]: strength of the strongest path from i to j; diagonal 0 */
  readonly strongestPaths: readonly (readonly number[])[]
  /** beats[i]: how many options i beats in the Schulze relation (the main figure) */
  readonly beats: readonly number[]
}

/** Widest paths by Floyd–Warshall, O(k³): at most 64³ steps, independent of the ballot count. */
export function strongestPaths(d: readonly (readonly number[])[]): number[][] {
  const k = d.length
  const p = d.map((row, i) => row.map((dij, j) => (i !== j && dij > d[j]![i]! ? dij : 0)))
  for (let via = 0; via < k; via++) {
    const pVia = p[via]!
    for (let i = 0; i < k; i++) {
      if (i === via) continue
      const pi = p[i]!
      const toVia = pi[via]!
      if (toVia === 0) continue
      for (let j = 0; j < k; j++) {
        if (j === i || j === via) continue
        const through = Math.min(toVia, pVia[j]!)
        if (through > pi[j]!) pi[j] = through
      }
    }
  }
  return p
}

function result(acc: PairwiseAccumulator, ctx: TallyContext): SchulzeResult {
  const pos = checkPairwise(acc, ctx, 'schulze')
  const pairwise = acc.matrix()
  const paths = strongestPaths(pairwise)
  const beats = paths.map((row, i) => row.reduce((n, pij, j) => (pij > paths[j]![i]! ? n + 1 : n), 0))
  const ranking = rankByScore(beats, pos)
  return {
    ...baseResult('schulze', acc.ballots, ranking, topTied(beats, ranking)),
    method: 'schulze',
    pairwise,
    strongestPaths: paths,
    beats,
  }
}

export const schulze: TallyMethod<NoParams, readonly number[], SchulzeResult, PairwiseAccumulator> = {
  name: 'schulze',
  parseParams: parseNoParams,
  checkChoice: (raw, _params, optionCount) => checkRanking(raw, optionCount),
  createAccumulator: (_params, optionCount) => new PairwiseAccumulator(optionCount),
  result,
}
