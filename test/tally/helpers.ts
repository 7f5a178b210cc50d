/** Shared fixtures for the tally tests. */
import type { TallyContext } from '../../core/tally/index.js'

/** Context with the identity tie order unless one is given. */
export const ctx = (optionCount: number, tieOrder?: readonly number[]): TallyContext => ({
  optionCount,
  tieOrder: tieOrder ?? Array.from({ length: optionCount }, (_, i) => i),
})

/** [count, choice] groups, as published examples list them, expanded to one entry per ballot. */
export const expand = <C>(groups: readonly (readonly [number, C])[]): C[] =>
  groups.flatMap(([count, choice]) => Array.from({ length: count }, () => choice))

/**
 * Wikipedia, "Instant-runoff voting" / "Condorcet method": Tennessee choosing its capital, 100
 * voters standing for the state's population shares.
 */
export const M = 0 // Memphis
export const N = 1 // Nashville
export const Ch = 2 // Chattanooga
export const K = 3 // Knoxville
export const TENNESSEE: readonly (readonly [number, readonly number[]])[] = [
  [42, [M, N, Ch, K]],
  [26, [N, Ch, K, M]],
  [15, [Ch, K, N, M]],
  [17, [K, Ch, N, M]],
]

const [A, B, C, D, E] = [0, 1, 2, 3, 4] as const

/** Wikipedia, "Schulze method", example: 45 voters, 5 candidates. */
export const WIKIPEDIA_SCHULZE = expand([
  [5, [A, C, B, E, D]],
  [5, [A, D, E, C, B]],
  [8, [B, E, D, A, C]],
  [3, [C, A, B, E, D]],
  [7, [C, A, E, B, D]],
  [2, [C, B, A, D, E]],
  [7, [D, C, E, B, A]],
  [8, [E, B, A, D, C]],
])
