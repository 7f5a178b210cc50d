/**
 * Shared wording and small helpers for the poll components: method names, status labels, the
 * main figure of each method's result, and error messages. Kept here so every component says the
 * same thing about the same poll.
 */
import {
  TownhallError,
  methodByName,
  type BaseResult,
  type CopelandResult,
  type Eligibility,
  type InstantRunoffResult,
  type MethodName,
  type PollStatus,
  type BallotStanding,
  type PollView,
  type SchulzeResult,
  type SignedRecord,
} from '../../../core/index.js'

export const METHOD_LABELS: Record<MethodName, string> = {
  plurality: 'Plurality',
  approval: 'Approval',
  'instant-runoff': 'Instant runoff',
  schulze: 'Schulze',
  copeland: 'Copeland',
  score: 'Score',
  quadratic: 'Quadratic',
  weighted: 'Weighted',
}

/** Every method core knows, in the order the create form offers them. */
export const METHOD_NAMES: readonly MethodName[] = [
  'plurality',
  'approval',
  'instant-runoff',
  'schulze',
  'copeland',
  'score',
  'quadratic',
  'weighted',
]

export const METHOD_HELP: Record<MethodName, string> = {
  plurality: 'Each voter picks one option; the most votes wins.',
  approval: 'Each voter approves any number of options within the limits; the most approvals wins.',
  'instant-runoff':
    'Voters rank options. The option with the fewest votes is eliminated round by round and its ballots move to their next choice.',
  schulze: 'Voters rank options. Options are compared pair by pair; the winner beats every other option by the strongest path.',
  copeland: 'Voters rank options. Each pair is a match; an option scores 1 per win and ½ per tie.',
  score: 'Voters give every option a whole-number score; the highest total wins.',
  quadratic: 'Voters spend a credit budget; n votes for one option cost n² credits.',
  weighted: 'Voters distribute exactly the given number of points over the options.',
}

export const STATUS_LABELS: Record<PollStatus, 'Open' | 'Syncing' | 'Revealing' | 'Final' | 'Disputed'> = {
  open: 'Open',
  syncing: 'Syncing',
  revealing: 'Revealing',
  final: 'Final',
  disputed: 'Disputed',
}

/** What a voter's ballot standing means, in the voter's words. */
export const STANDING_TEXT: Record<BallotStanding['standing'], string> = {
  none: '',
  live: '',
  counted: 'Your latest ballot is counted in the final result.',
  'left-out': 'Your ballot was published before the close, but the closer left it out: it is not counted.',
  late: 'Your latest ballot reached the closer after the close (or not at all): it is not counted.',
}

export const RANKED_METHODS: ReadonlySet<MethodName> = new Set(['instant-runoff', 'schulze', 'copeland'])

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

/** The message to show for anything a space action threw. */
export function errorMessage(error: unknown): string {
  // Core wraps reasons that already end in a full stop as `Cannot poll: ...: <reason>.`, giving "..".
  if (error instanceof TownhallError) return error.message.replace(/\.\.$/, '.')
  if (error instanceof Error) return error.message || error.name
  return String(error)
}

interface ApprovalLike {
  min: number
  max: number
}
interface RangeLike {
  min: number
  max: number
}

/** One line describing the method and its parameters, e.g. "Approval: approve 1 to 2 options". */
export function methodSummary(poll: Pick<PollView, 'method' | 'params' | 'options'>): string {
  const params = (poll.params ?? {}) as Record<string, unknown>
  switch (poll.method) {
    case 'plurality':
      return params['preset'] === 'for-against-abstain' ? 'Plurality: for / against / abstain motion' : 'Plurality: pick one option'
    case 'approval': {
      const { min, max } = params as unknown as ApprovalLike
      return min === max ? `Approval: approve exactly ${plural(min, 'option')}` : `Approval: approve ${min} to ${max} options`
    }
    case 'instant-runoff':
      return 'Instant runoff: rank the options'
    case 'schulze':
      return 'Schulze: rank the options'
    case 'copeland':
      return 'Copeland: rank the options'
    case 'score': {
      const { min, max } = params as unknown as RangeLike
      return `Score: rate every option from ${min} to ${max}`
    }
    case 'quadratic':
      return `Quadratic: spend up to ${plural(params['credits'] as number, 'credit')} (n votes cost n²)`
    case 'weighted':
      return `Weighted: distribute exactly ${plural(params['points'] as number, 'point')}`
  }
}

export function eligibilitySummary(eligibility: Eligibility): string {
  if (eligibility.type === 'members') return 'Members of this space'
  if (eligibility.type === 'list') return `${plural(eligibility.voters.length, 'listed voter')} only`
  return 'Anyone with a key'
}

/** The rule as the poll states it: "3 ballots", "60% of the listed voters (3 ballots)". */
export function quorumRule(poll: Pick<PollView, 'quorum' | 'quorumStatus'>): string | undefined {
  if (!poll.quorum || !poll.quorumStatus) return undefined
  const needed = plural(poll.quorumStatus.required, 'ballot')
  return 'percent' in poll.quorum ? `${poll.quorum.percent}% of the listed voters (${needed})` : `at least ${needed}`
}

/**
 * Whether the poll reached its quorum, in words: "Quorum met (3 of 3)". While the poll is open it
 * is only "so far"; once final it is settled by the ballots the close counted.
 */
export function quorumText(poll: Pick<PollView, 'status' | 'quorumStatus'>): string | undefined {
  const quorum = poll.quorumStatus
  if (!quorum) return undefined
  const counts = `(${quorum.ballots} of ${quorum.required})`
  if (poll.status === 'final')
    return quorum.met ? `Quorum met ${counts}.` : `Quorum not met ${counts}: too few ballots were counted for this result to stand.`
  return quorum.met ? `Quorum met so far ${counts}.` : `Quorum not met yet ${counts}.`
}

export const SYBIL_WARNING =
  'Anyone can make new keys for free, so one person can vote many times (a Sybil attack). Use this only where that does not matter.'

/** The figure a method ranks by, per option, with a name for table headers. */
export interface Figure {
  readonly label: string
  readonly values: readonly number[]
}

export function figureOf(result: BaseResult): Figure {
  const r = result as BaseResult & Record<string, unknown>
  switch (result.method) {
    case 'plurality':
      return { label: 'Votes', values: r['counts'] as number[] }
    case 'approval':
      return { label: 'Approvals', values: r['counts'] as number[] }
    case 'instant-runoff': {
      const rounds = (result as InstantRunoffResult).rounds
      return { label: 'Votes in the last round', values: rounds.at(-1)?.counts ?? [] }
    }
    case 'schulze':
      return { label: 'Options beaten', values: (result as SchulzeResult).beats }
    case 'copeland':
      return { label: 'Copeland score', values: (result as CopelandResult).scores }
    case 'score':
      return { label: 'Total score', values: r['totals'] as number[] }
    case 'quadratic':
      return { label: 'Votes', values: r['votes'] as number[] }
    case 'weighted':
      return { label: 'Points', values: r['points'] as number[] }
  }
}

/**
 * The options tied at the top when the tie rule chose the winner (`tieBroken`), in ranking order,
 * the winner first; empty when the winner won on the method's own figures. Instant runoff breaks
 * ties while eliminating, not at the top, so it lists none (see `decidedByTieRule`). A motion is
 * decided by for > against, so a tie there is a failed motion, not a tie between options.
 */
export function topTie(result: BaseResult): number[] {
  if (!result.tieBroken || result.winner === null || result.method === 'instant-runoff') return []
  if (result.method === 'plurality' && (result as BaseResult & { passed?: boolean }).passed !== undefined) return []
  const values = figureOf(result).values
  const top = values[result.winner]
  return result.ranking.filter((option) => values[option] === top)
}

/** True when the documented tie rule, not the votes alone, decided who is first. */
export const decidedByTieRule = (result: BaseResult): boolean =>
  topTie(result).length > 1 || (result.method === 'instant-runoff' && result.tieBroken && result.winner !== null)

/** "A, B and C" */
export function listNames(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

/** The choice of a public ballot record (undefined for secret ballots, whose body holds a commitment). */
export function ballotChoice(record: SignedRecord | undefined): unknown {
  const body = record?.body as { choice?: unknown } | undefined
  return body?.choice
}

/** Core's own verdict on a choice; the UI checks with it before publishing, so messages match peers'. */
export function checkChoice(poll: Pick<PollView, 'method' | 'params' | 'options'>, choice: unknown): string | undefined {
  const method = methodByName(poll.method)
  if (!method) return `Unknown voting method "${poll.method}".`
  const checked = method.checkChoice(choice, poll.params, poll.options.length)
  return checked.ok ? undefined : checked.reason
}

/** "12 Mar 2026, 10:00" in the reader's locale. */
export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** The value a datetime-local input expects for a timestamp, in local time. */
export function toDatetimeLocal(ms: number): string {
  const d = new Date(ms)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** Whether the local identity may vote in a poll now (and why not). Approximates core's check with the current role. */
export function voteEligibility(
  poll: Pick<PollView, 'eligibility'>,
  did: string,
  role: string | null,
): { ok: true } | { ok: false; reason: string } {
  const rule = poll.eligibility
  if (rule.type === 'anyone') return { ok: true }
  if (rule.type === 'list') {
    return rule.voters.includes(did)
      ? { ok: true }
      : { ok: false, reason: `Only the ${plural(rule.voters.length, 'listed voter')} can vote in this poll, and you are not on the list.` }
  }
  return role ? { ok: true } : { ok: false, reason: 'Only members of this space can vote in this poll. Join the space to vote.' }
}
