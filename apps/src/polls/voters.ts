/**
 * Who voted what in a public poll, and the CSV export of it. The ballots come from core's own
 * verdicts (`getBallotStanding`: each voter's latest valid ballot, or the one the close in force
 * counts), never from reading records with rules of our own. Secret polls have no voter list:
 * their choices are sealed until reveal, and even then who chose what is not this screen's business.
 */
import type { PollView, RecordId, SignedRecord, Space } from '../../../core/index.js'
import { ballotChoice, RANKED_METHODS } from './format.js'

export interface VoterRow {
  readonly voter: string
  /** The voter's name as this device knows it (profile name), or undefined. */
  readonly name: string | undefined
  readonly ballot: RecordId
  /** The choice in words: "Riverside park", "1. A, 2. B", "A: 3, B: 1". */
  readonly choice: string
  /** counted: in the final result; live: counted in the live tally; late / left out: shown, not counted. */
  readonly standing: 'live' | 'counted' | 'late' | 'left-out'
  /** When the ballot was cast, as the voter's clock claims (milliseconds). */
  readonly castAt: number
}

/** A choice in words, by the options' names. Unknown shapes are shown as JSON rather than hidden. */
export function describeChoice(poll: Pick<PollView, 'method' | 'options'>, choice: unknown): string {
  const name = (index: unknown) =>
    typeof index === 'number' && poll.options[index] !== undefined ? poll.options[index] : `#${String(index)}`
  if (typeof choice === 'number') return name(choice)
  if (Array.isArray(choice)) {
    if (RANKED_METHODS.has(poll.method)) return choice.map((index, rank) => `${rank + 1}. ${name(index)}`).join(', ')
    if (poll.method === 'approval') return choice.length ? choice.map(name).join(', ') : '(none)'
    // Score, quadratic and weighted: one number per option.
    return choice.map((value, index) => `${name(index)}: ${String(value)}`).join(', ')
  }
  return JSON.stringify(choice) ?? ''
}

/** The voters of a public poll, oldest ballot first; empty for secret polls. */
export function voterRows(
  space: Pick<Space, 'getRecords' | 'getBallotStanding'>,
  poll: PollView,
  names: ReadonlyMap<string, string | undefined>,
): VoterRow[] {
  if (poll.secret) return []
  const byId = new Map<string, SignedRecord>()
  const voters = new Set<string>()
  for (const record of space.getRecords()) {
    if (record.kind !== 'ballot') continue
    const target = (record.body as { poll?: { toString(): string } } | undefined)?.poll?.toString()
    if (target !== poll.id) continue
    byId.set(record.id, record)
    voters.add(record.author)
  }
  const rows: VoterRow[] = []
  for (const voter of voters) {
    const standing = space.getBallotStanding(poll.id, voter)
    if (standing.standing === 'none') continue
    // After a close, the ballot it counts is the one that matters; a later (late) one is shown as such.
    const id = standing.standing === 'counted' ? standing.counted : standing.latest
    const record = id ? byId.get(id) : undefined
    if (!id || !record) continue
    rows.push({
      voter,
      name: names.get(voter),
      ballot: id,
      choice: describeChoice(poll, ballotChoice(record)),
      standing: standing.standing,
      castAt: record.hlc[0],
    })
  }
  return rows.sort((a, b) => a.castAt - b.castAt || (a.voter < b.voter ? -1 : 1))
}

/**
 * One CSV cell: quoted when it holds a comma, a quote or a line break (quotes doubled), and
 * prefixed with `'` when it starts with = + - @ (or a tab or carriage return), which spreadsheets
 * would otherwise run as a formula: a voter's name or an option is text anyone in the space chose.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

export function votersCsv(poll: Pick<PollView, 'question'>, rows: readonly VoterRow[]): string {
  const lines = [['poll', 'voter', 'name', 'choice', 'standing', 'cast at', 'ballot']]
  for (const row of rows) {
    lines.push([poll.question, row.voter, row.name ?? '', row.choice, row.standing, new Date(row.castAt).toISOString(), row.ballot])
  }
  return lines.map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n'
}
