/**
 * Vote tallying: pure functions from a ballot set to a result, one module per method, plus
 * incremental accumulators for live tallies. No I/O and no platform APIs, so the same code runs
 * in browsers, workers and Node and every peer computes the same result.
 */
import { approval } from './approval.js'
import { copeland } from './copeland.js'
import { instantRunoff } from './instant-runoff.js'
import { plurality } from './plurality.js'
import { quadratic } from './quadratic.js'
import { schulze } from './schulze.js'
import { score } from './score.js'
import type { AnyTallyMethod, MethodName } from './types.js'
import { weighted } from './weighted.js'

export * from './types.js'
export { tally } from './tally.js'
export { PairwiseAccumulator } from './pairwise.js'
export type { NoParams } from './validate.js'
export { approval, ApprovalAccumulator } from './approval.js'
export type { ApprovalParams, ApprovalResult } from './approval.js'
export { copeland } from './copeland.js'
export type { CopelandResult } from './copeland.js'
export { instantRunoff, InstantRunoffAccumulator } from './instant-runoff.js'
export type { InstantRunoffResult, Round, Transfer } from './instant-runoff.js'
export { plurality, PluralityAccumulator, FOR, AGAINST, ABSTAIN } from './plurality.js'
export type { PluralityParams, PluralityResult } from './plurality.js'
export { quadratic, QuadraticAccumulator, quadraticCost, MAX_CREDITS } from './quadratic.js'
export type { QuadraticParams, QuadraticResult } from './quadratic.js'
export { schulze, strongestPaths } from './schulze.js'
export type { SchulzeResult } from './schulze.js'
export { score, ScoreAccumulator, SCORE_LIMIT, SCORE_MAX_WIDTH } from './score.js'
export type { ScoreParams, ScoreResult } from './score.js'
export { weighted, WeightedAccumulator, MAX_POINTS } from './weighted.js'
export type { WeightedParams, WeightedResult } from './weighted.js'

/**
 * Every method by name. Each key keeps its precise type (`methods.schulze.result` returns a
 * SchulzeResult); `satisfies` checks that the table is complete and every entry answers to its
 * own name.
 */
export const methods = {
  plurality,
  approval,
  'instant-runoff': instantRunoff,
  schulze,
  copeland,
  score,
  quadratic,
  weighted,
} as const satisfies { readonly [K in MethodName]: AnyTallyMethod & { readonly name: K } }

export type Methods = typeof methods

/** Looks up a method by a name from untrusted input (a decoded poll record). */
export function methodByName(name: unknown): AnyTallyMethod | undefined {
  return typeof name === 'string' && Object.hasOwn(methods, name) ? methods[name as MethodName] : undefined
}
