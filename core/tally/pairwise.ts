/**
 * Pairwise preference matrix shared by the Condorcet methods (Schulze, Copeland). Both read the
 * same ballots into the same matrix, so one accumulator serves either method.
 *
 * A ballot is a ranking, best first; options it leaves out are tied with each other below every
 * option it lists. d[i][j] counts the voters who prefer i over j.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Accumulator, TallyContext } from './types.js'
import { BAD_OPTION_COUNT, isValidOptionCount } from './validate.js'
import { tiePositions } from './rank.js'

export class PairwiseAccumulator implements Accumulator<readonly number[]> {
  /** row-major optionCount × optionCount */
  readonly #d: number[]
  // Reused scratch for one ballot's positions; avoids an allocation per vote.
  readonly #place: number[]
  #ballots = 0

  constructor(readonly optionCount: number) {
    if (!isValidOptionCount(optionCount)) throw new InvalidArgumentError(BAD_OPTION_COUNT)
    this.#d = new Array<number>(optionCount * optionCount).fill(0)
    this.#place = new Array<number>(optionCount).fill(0)
  }

  get ballots(): number {
    return this.#ballots
  }

  /** voters preferring i over j */
  preference(i: number, j: number): number {
    return this.#d[i * this.optionCount + j]!
  }

  /** Fresh copy as nested arrays; the diagonal is 0. */
  matrix(): number[][] {
    const k = this.optionCount
    return Array.from({ length: k }, (_, i) => this.#d.slice(i * k, (i + 1) * k))
  }

  add(ranking: readonly number[]): void {
    this.#apply(ranking, 1)
    this.#ballots++
  }

  remove(ranking: readonly number[]): void {
    // Every cell this ballot touches must be positive, checked up front so a bad remove is a no-op.
    if (this.#ballots === 0 || !this.#apply(ranking, 0)) {
      throw new InvalidArgumentError('pairwise: that ranking is not counted, cannot remove it')
    }
    this.#apply(ranking, -1)
    this.#ballots--
  }

  /** delta 0 only checks that every touched cell could be decremented. O(len × optionCount). */
  #apply(ranking: readonly number[], delta: 1 | 0 | -1): boolean {
    const k = this.optionCount
    const place = this.#place
    place.fill(ranking.length)
    for (let p = 0; p < ranking.length; p++) place[ranking[p]!] = p
    for (let p = 0; p < ranking.length; p++) {
      const row = ranking[p]! * k
      for (let j = 0; j < k; j++) {
        if (place[j]! <= p) continue
        if (delta === 0) {
          if (!(this.#d[row + j]! > 0)) return false
        } else {
          this.#d[row + j]! += delta
        }
      }
    }
    return true
  }
}

export function checkPairwise(acc: PairwiseAccumulator, ctx: TallyContext, method: string): number[] {
  if (!(acc instanceof PairwiseAccumulator)) {
    throw new InvalidArgumentError(`${method}.result needs an accumulator from ${method}.createAccumulator`)
  }
  return tiePositions(ctx, acc.optionCount)
}
