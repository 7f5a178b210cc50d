/**
 * View checkpoints: what a space made of the records it held, saved next to them, so that the next
 * open shows its polls without reading every ballot again.
 *
 * A checkpoint describes the replica's stored entries in the order the replica gives them (the
 * order of its record store, which only appends): how many it covers, a digest of their ids in that
 * order, and what each one was to the space, as runs: not held (rejected), held, or a valid ballot of
 * one of the public polls it lists with their outcome (status, turnout, results, close). Opening
 * with it, a space reads every record except those ballots, provided the replica still gives the
 * same ids first, each computed by the replica from its bytes. A poll's outcome is taken from the
 * checkpoint only while nothing the checkpoint does not cover touches the poll or the membership;
 * otherwise its ballots are read as before. The ballots are read later in any case, in slices, or at
 * once when something needs them (a new ballot for that poll, a close, the list of records). Views
 * stay a function of the record set: the outcome is what folding that very set gave.
 *
 * Trust is the verified list's (see `VerifiedIds`): only the space writes a checkpoint, into this
 * device's storage, and what it says was held was verified here. It is still read defensively:
 * anything malformed makes it ignored, never a throw. It lists no ids, so it stays small (a few
 * hundred bytes for one poll of 100k ballots) and is cheap to check: a digest of ids, no lookups.
 */
import { nodeSha256 } from './node-builtins.js'
import type { PollStatus, PollView } from './poll.js'
import type { ReplicaEntry } from './replica.js'

const FORMAT = 1
/**
 * What views make of a record set, versioned: bump it whenever a change to folding or tallying
 * could change an outcome, and checkpoints written before are ignored (their polls are recounted).
 */
export const FOLD_VERSION = 2

/** What an entry was to the space: not held (refused), held, or a ballot of the checkpoint's poll at that index. */
export const NOT_HELD = -2
export const HELD = -1

export type PollOutcome = Pick<PollView, 'status' | 'turnout' | 'live' | 'final' | 'revealed' | 'close'>

export interface CheckpointPoll {
  readonly id: string
  /** How many entries are its valid ballots. */
  readonly count: number
  readonly outcome: PollOutcome
  /** The writer's counted ballot in the poll, if any. */
  readonly mine?: string | undefined
}

export interface Checkpoint {
  readonly space: string
  /** The identity of the space that wrote it. */
  readonly writer: string
  /** How many of the replica's entries it covers: the first ones, in the replica's order. */
  readonly entries: number
  /** `idsDigest` of those entries' ids. */
  readonly digest: string
  /** [what, how many]: consecutive entries that were the same to the space (NOT_HELD, HELD or a poll index). */
  readonly runs: ReadonlyArray<readonly [number, number]>
  readonly polls: readonly CheckpointPoll[]
}

interface Header extends Omit<Checkpoint, 'space'> {
  readonly format: number
  readonly fold: number
  readonly space: string
}

/** A public poll as the space would save it: its valid ballots (by id), its outcome, the saver's ballot. */
export interface PollToSave {
  readonly id: string
  readonly ballots: ReadonlyMap<string, unknown>
  readonly outcome: PollOutcome
  readonly mine: string | undefined
}

/**
 * The checkpoint of the replica's `entries` as they are: what each one is to the space (`kindOf`
 * gives a held record's kind, undefined for one not held) and the polls whose valid ballots are all
 * among them. Entries count up to the first without an id the replica computed.
 */
export async function describeEntries(
  space: string,
  writer: string,
  entries: readonly ReplicaEntry[],
  kindOf: (id: string) => string | undefined,
  polls: readonly PollToSave[],
): Promise<Checkpoint> {
  const ids: string[] = []
  const what = new Int32Array(entries.length)
  const counts = new Array<number>(polls.length).fill(0)
  for (const entry of entries) {
    if (entry.hashed !== true || typeof entry.claimedId !== 'string') break
    const id = entry.claimedId
    const kind = kindOf(id)
    let tag = kind === undefined ? NOT_HELD : HELD
    if (kind === 'ballot') {
      const index = polls.findIndex((poll) => poll.ballots.has(id))
      if (index >= 0) {
        tag = index
        counts[index]!++
      }
    }
    what[ids.length] = tag
    ids.push(id)
  }
  // A poll with a valid ballot the entries do not cover cannot be restored from them.
  const kept = polls.flatMap((poll, index) => (counts[index] === poll.ballots.size ? [index] : []))
  const renumber = new Map(kept.map((index, position) => [index, position]))
  const runs: Array<[number, number]> = []
  for (let i = 0; i < ids.length; i++) {
    const tag = what[i]! >= 0 ? (renumber.get(what[i]!) ?? HELD) : what[i]!
    const last = runs[runs.length - 1]
    if (last && last[0] === tag) last[1]++
    else runs.push([tag, 1])
  }
  return {
    space,
    writer,
    entries: ids.length,
    digest: await idsDigest(ids),
    runs,
    polls: kept.map((index) => {
      const { id, outcome, mine, ballots } = polls[index]!
      return { id, count: ballots.size, outcome, ...(mine ? { mine } : {}) }
    }),
  }
}

/** Where a checkpoint's entries are among the replica's (see `matchCheckpoint`). */
export interface RestorePlan {
  readonly checkpoint: Checkpoint
  /** The stored ballots of each of the checkpoint's polls. */
  readonly unread: readonly (readonly ReplicaEntry[])[]
  /** Every other entry, to validate and fold as usual. */
  readonly rest: readonly ReplicaEntry[]
  /** The ids of those the space held when the checkpoint was made. */
  readonly held: ReadonlySet<string>
  /** How many entries came after the ones the checkpoint covers. */
  readonly fresh: number
}

/**
 * Where the checkpoint's entries are among the replica's, if it still describes them: the same ids
 * first, in the same order, each computed by the replica from its bytes. Otherwise undefined.
 */
export async function matchCheckpoint(entries: readonly ReplicaEntry[], checkpoint: Checkpoint): Promise<RestorePlan | undefined> {
  if (entries.length < checkpoint.entries) return undefined
  const ids = new Array<string>(checkpoint.entries)
  for (let i = 0; i < checkpoint.entries; i++) {
    const { claimedId, hashed } = entries[i]!
    if (hashed !== true || typeof claimedId !== 'string') return undefined
    ids[i] = claimedId
  }
  if ((await idsDigest(ids)) !== checkpoint.digest) return undefined
  const unread = checkpoint.polls.map((): ReplicaEntry[] => [])
  const rest: ReplicaEntry[] = []
  const held = new Set<string>()
  let at = 0
  for (const [what, length] of checkpoint.runs) {
    for (const end = at + length; at < end; at++) {
      const entry = entries[at]!
      if (what >= 0) unread[what]!.push(entry)
      else {
        rest.push(entry)
        if (what === HELD) held.add(entry.claimedId!)
      }
    }
  }
  const fresh = entries.length - at
  for (; at < entries.length; at++) rest.push(entries[at]!)
  return { checkpoint, unread, rest, held, fresh }
}

export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const header: Header = { format: FORMAT, fold: FOLD_VERSION, ...checkpoint }
  return new TextEncoder().encode(JSON.stringify(header))
}

/** The checkpoint of `space` in `bytes`, or undefined if they hold none that this version can use. */
export function decodeCheckpoint(bytes: unknown, space: string): Checkpoint | undefined {
  if (!(bytes instanceof Uint8Array)) return undefined
  let header: Header
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Header
  } catch {
    return undefined
  }
  if (!isObject(header) || header.format !== FORMAT || header.fold !== FOLD_VERSION || header.space !== space) return undefined
  const { writer, entries, digest, runs, polls } = header
  if (typeof writer !== 'string' || !isCount(entries) || typeof digest !== 'string' || !Array.isArray(runs) || !Array.isArray(polls)) {
    return undefined
  }
  const counts = new Array<number>(polls.length).fill(0)
  let covered = 0
  for (const run of runs as unknown[]) {
    if (!Array.isArray(run) || run.length !== 2) return undefined
    const [what, length] = run as [unknown, unknown]
    if (!Number.isSafeInteger(what) || (what as number) < NOT_HELD || (what as number) >= polls.length || !isCount(length)) return undefined
    if ((what as number) >= 0) counts[what as number]! += length
    covered += length
  }
  if (covered !== entries) return undefined
  const read: CheckpointPoll[] = []
  for (const [index, poll] of (polls as unknown[]).entries()) {
    if (!isObject(poll) || typeof poll.id !== 'string' || poll.count !== counts[index] || !isOutcome(poll.outcome)) return undefined
    if (poll.mine !== undefined && typeof poll.mine !== 'string') return undefined
    // Every key present, as views give them: JSON drops the undefined ones.
    const { status, turnout, live, final, revealed, close } = poll.outcome
    read.push({ id: poll.id, count: poll.count as number, outcome: { status, turnout, live, final, revealed, close }, mine: poll.mine })
  }
  return { space, writer, entries, digest, runs: runs as Checkpoint['runs'], polls: read }
}

/**
 * SHA-256 (hex) of the ids joined by newlines. Synchronous node:crypto where there is one (~15 ms
 * for 100k ids here), WebCrypto elsewhere.
 */
export async function idsDigest(ids: readonly string[]): Promise<string> {
  const bytes = new TextEncoder().encode(ids.join('\n'))
  const digest = nodeSha256 ? nodeSha256(bytes) : new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  let hex = ''
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0')
  return hex
}

const STATUSES: ReadonlySet<PollStatus> = new Set(['open', 'syncing', 'revealing', 'final'])

function isOutcome(value: unknown): value is PollOutcome {
  if (!isObject(value) || !STATUSES.has(value.status as PollStatus) || !isCount(value.turnout)) return false
  return isResult(value.live) && isResult(value.final) && isResult(value.revealed) && (value.close === undefined || isObject(value.close))
}

/** A result as views give it (JSON leaves out the undefined ones). */
const isResult = (value: unknown): boolean =>
  value === undefined || (isObject(value) && typeof value.method === 'string' && isCount(value.ballots) && Array.isArray(value.ranking))

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
