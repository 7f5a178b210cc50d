/**
 * Quorum: how many ballots a poll needs for its result to stand, a parameter of the poll record.
 *
 * `{ minBallots: n }` asks for n voters; `{ percent: p }` asks for p% of an explicit voter list,
 * rounded up. A share is allowed only with a list because the list is signed into the poll: "60% of
 * the members" would depend on who is a member when, which each peer may see differently while
 * records sync, so two honest peers could disagree on whether a final result met its quorum.
 *
 * Quorum is judged on the turnout the poll view already reports (each voter's latest valid ballot
 * live; the ballots the close in force counts once closed), so it is a function of the record set
 * like every other view. The result is computed either way: a quorum not met is shown, not hidden.
 */
import * as s from './schema.js'
import type { Eligibility } from './poll-kinds.js'

/** The largest ballot quorum: the most ballots a close can commit to is in the same range. */
export const MAX_QUORUM_BALLOTS = 1_000_000

export type Quorum = { readonly minBallots: number } | { readonly percent: number }

export interface QuorumView {
  /** Ballots the poll needs. */
  readonly required: number
  /** Ballots that count towards it: live turnout while open, the counted ballots once closed. */
  readonly ballots: number
  readonly met: boolean
}

export const quorum: s.Validator<Quorum> = s.refine(
  s.object({ minBallots: s.optional(s.integer(1, MAX_QUORUM_BALLOTS)), percent: s.optional(s.integer(1, 100)) }),
  (value) => ((value.minBallots === undefined) !== (value.percent === undefined) ? undefined : 'give exactly one of minBallots or percent'),
) as s.Validator<Quorum>

/** Ballots a quorum asks for under an eligibility rule. */
export function requiredBallots(rule: Quorum, eligibility: Eligibility): number {
  if ('minBallots' in rule) return rule.minBallots
  const voters = eligibility.type === 'list' ? eligibility.voters.length : 0
  return Math.ceil((rule.percent * voters) / 100)
}

/**
 * Why a quorum cannot go with an eligibility rule, if it cannot: a share needs a list, and a list
 * shorter than the ballots asked for could never meet it.
 */
export function quorumProblem(rule: Quorum, eligibility: Eligibility): string | undefined {
  if ('percent' in rule) return eligibility.type === 'list' ? undefined : 'a quorum given as a percent needs an explicit list of voters'
  if (eligibility.type === 'list' && rule.minBallots > eligibility.voters.length)
    return `a quorum of ${rule.minBallots} ballots cannot be met by ${eligibility.voters.length} listed voters`
  return undefined
}

export function quorumView(rule: Quorum | undefined, eligibility: Eligibility, ballots: number): QuorumView | undefined {
  if (!rule) return undefined
  const required = requiredBallots(rule, eligibility)
  return { required, ballots, met: ballots >= required }
}
