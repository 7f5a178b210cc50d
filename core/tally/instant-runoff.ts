/**
 * Instant-runoff voting. Ballots are rankings (best first, possibly partial). Each round every
 * ballot counts for its highest-ranked option still in the race; an option with more than half
 * of those continuing votes wins, otherwise the option with the fewest votes is eliminated and
 * its ballots move on (or are exhausted when they rank nothing else still running).
 *
 * Exactly one option is eliminated per round, including options with no votes at all: slower
 * than batch elimination but simple, deterministic and easy to audit round by round.
 * An elimination tie goes against the option LATER in tieOrder.
 */
import { InvalidArgumentError } from '../errors.js'
import { baseResult, rankByScore, tiePositions } from './rank.js'
import type { Accumulator, BaseResult, TallyContext, TallyMethod } from './types.js'
import { BAD_OPTION_COUNT, checkRanking, isValidOptionCount, parseNoParams } from './validate.js'
import type { NoParams } from './validate.js'

export interface Transfer {
  readonly from: number
  /** null: the ballots are exhausted */
  readonly to: number | null
  readonly votes: number
}

export interface Round {
  /** votes per option this round; 0 for options already eliminated */
  readonly counts: readonly number[]
  /** the option eliminated at the end of this round; empty in the deciding round */
  readonly eliminated: readonly number[]
  /** where the eliminated option's ballots went, by destination ascending, exhausted last */
  readonly transfers: readonly Transfer[]
  /** ballots that no longer count because every option they rank is out (as of this round) */
  readonly exhausted: number
}

export interface InstantRunoffResult extends BaseResult {
  readonly method: 'instant-runoff'
  /** empty when there are no ballots */
  readonly rounds: readonly Round[]
}

interface Group {
  readonly ranking: readonly number[]
  count: number
}

/**
 * Identical rankings are stored once with a multiplicity, so a result costs
 * O(distinct rankings × optionCount) however many ballots there are.
 */
export class InstantRunoffAccumulator implements Accumulator<readonly number[]> {
  readonly #groups = new Map<string, Group>()
  #ballots = 0

  constructor(readonly optionCount: number) {
    if (!isValidOptionCount(optionCount)) throw new InvalidArgumentError(BAD_OPTION_COUNT)
  }

  get ballots(): number {
    return this.#ballots
  }

  /** Distinct rankings with their counts, in no meaningful order. */
  groups(): IterableIterator<Readonly<Group>> {
    return this.#groups.values()
  }

  add(ranking: readonly number[]): void {
    const key = ranking.join(',')
    const group = this.#groups.get(key)
    if (group) group.count++
    else this.#groups.set(key, { ranking: ranking.slice(), count: 1 })
    this.#ballots++
  }

  remove(ranking: readonly number[]): void {
    const key = ranking.join(',')
    const group = this.#groups.get(key)
    if (!group) throw new InvalidArgumentError('instant-runoff: that ranking is not counted, cannot remove it')
    if (--group.count === 0) this.#groups.delete(key)
    this.#ballots--
  }
}

function result(acc: InstantRunoffAccumulator, ctx: TallyContext): InstantRunoffResult {
  if (!(acc instanceof InstantRunoffAccumulator)) {
    throw new InvalidArgumentError('instant-runoff.result needs an accumulator from instant-runoff.createAccumulator')
  }
  const k = acc.optionCount
  const pos = tiePositions(ctx, k)
  const ballots = acc.ballots
  if (ballots === 0) {
    return {
      ...baseResult('instant-runoff', 0, ctx.tieOrder.slice(), false),
      method: 'instant-runoff',
      rounds: [],
    }
  }

  // Working state is local: the accumulator's groups are only read.
  const groups = [...acc.groups()]
  const cursor = new Array<number>(groups.length).fill(0)
  const piles: number[][] = Array.from({ length: k }, () => [])
  const counts = new Array<number>(k).fill(0)
  const running = new Array<boolean>(k).fill(true)
  groups.forEach((g, gi) => {
    const first = g.ranking[0]!
    piles[first]!.push(gi)
    counts[first]! += g.count
  })

  const rounds: Round[] = []
  const eliminatedOrder: number[] = []
  let remaining = k
  let exhausted = 0
  let tieBroken = false
  let winner = -1

  for (;;) {
    const continuing = ballots - exhausted
    const leader = rankByScore(counts, pos).find((o) => running[o])!
    if (remaining === 1 || counts[leader]! * 2 > continuing) {
      rounds.push({ counts: counts.slice(), eliminated: [], transfers: [], exhausted })
      winner = leader
      break
    }

    let loser = -1
    let tied = 0
    for (let o = 0; o < k; o++) {
      if (!running[o]) continue
      if (loser < 0 || counts[o]! < counts[loser]!) {
        loser = o
        tied = 1
      } else if (counts[o] === counts[loser]) {
        tied++
        if (pos[o]! > pos[loser]!) loser = o
      }
    }
    // Which of several zero-vote options goes first never changes the counts, so never the
    // winner; only ties between options holding votes are reported as deciding.
    if (tied > 1 && counts[loser]! > 0) tieBroken = true

    const roundCounts = counts.slice()
    const exhaustedBefore = exhausted
    running[loser] = false
    remaining--
    eliminatedOrder.push(loser)
    counts[loser] = 0
    const moved = new Array<number>(k + 1).fill(0) // index k: exhausted
    for (const gi of piles[loser]!) {
      const g = groups[gi]!
      let c = cursor[gi]!
      while (c < g.ranking.length && !running[g.ranking[c]!]) c++
      cursor[gi] = c
      if (c < g.ranking.length) {
        const to = g.ranking[c]!
        piles[to]!.push(gi)
        counts[to]! += g.count
        moved[to]! += g.count
      } else {
        exhausted += g.count
        moved[k]! += g.count
      }
    }
    piles[loser] = []
    const transfers: Transfer[] = []
    moved.forEach((votes, to) => {
      if (votes > 0) transfers.push({ from: loser, to: to === k ? null : to, votes })
    })
    rounds.push({ counts: roundCounts, eliminated: [loser], transfers, exhausted: exhaustedBefore })
  }

  // Options still running when the winner emerged, by their final count, then the eliminated
  // ones, last out first.
  const finalCounts = rounds[rounds.length - 1]!.counts
  const stillRunning = rankByScore(finalCounts, pos).filter((o) => running[o] && o !== winner)
  const ranking = [winner, ...stillRunning, ...eliminatedOrder.reverse()]
  return {
    ...baseResult('instant-runoff', ballots, ranking, tieBroken),
    method: 'instant-runoff',
    rounds,
  }
}

export const instantRunoff: TallyMethod<NoParams, readonly number[], InstantRunoffResult, InstantRunoffAccumulator> = {
  name: 'instant-runoff',
  parseParams: parseNoParams,
  checkChoice: (raw, _params, optionCount) => checkRanking(raw, optionCount),
  createAccumulator: (_params, optionCount) => new InstantRunoffAccumulator(optionCount),
  result,
}
