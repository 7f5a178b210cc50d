/**
 * Polls as a view over poll, ballot, close, close-part and reveal records.
 *
 * Everything here is a function of the record set: a voter's counted ballot is their latest
 * valid one by (hlc, id); the effective close is the earliest authorized close by (hlc, id); the
 * final result is computed from exactly the ballots that close commits to. Records that refer to a
 * poll or ballot not yet received wait, and are judged when it arrives.
 */
import type { CID } from 'multiformats/cid'
import { sha256 } from '@noble/hashes/sha2.js'
import { commitmentMatches, distinctBallotSetDigest } from './commitment.js'
import { cidString } from './cid-string.js'
import { equalBytes } from './bytes.js'
import type { Did } from './did.js'
import type { Hlc } from './hlc.js'
import { rankOf, type Membership } from './membership.js'
import type { Eligibility, PollBodyOf } from './poll-kinds.js'
import { compareRecords, type RecordId, type SignedRecord } from './record.js'
import type { Rejection, RejectionReason } from './rejection.js'
import type { PollOutcome, PollToSave } from './checkpoint.js'
import { methodByName, type Accumulator, type AnyTallyMethod, type BaseResult, type MethodName, type TallyContext } from './tally/index.js'

type Rec<K extends 'poll' | 'ballot' | 'close' | 'close-part' | 'reveal'> = SignedRecord<PollBodyOf<K>>

/**
 * open: voting; syncing: closed, but committed ballots are still missing here; revealing: closed
 * secret poll whose committed ballots are all here but not all revealed (the count so far is in
 * `revealed` and may still change); final: the result can no longer change.
 */
export type PollStatus = 'open' | 'syncing' | 'revealing' | 'final'

export interface CloseView {
  readonly id: RecordId
  readonly by: Did
  readonly at: Hlc
  /** Ballots the close commits to. */
  readonly committed: number
  /** Committed ballots this peer has not received yet: the result is withheld until they arrive. */
  readonly missing: number
  /** Committed ids that are not valid ballots of this poll (a faulty or hostile closer); never counted. */
  readonly invalid: number
  /** Secret polls: committed ballots whose voter has not revealed (not counted). */
  readonly unrevealed: number
  /** Valid ballots outside the close set: shown, never counted. */
  readonly late: number
}

export interface PollView {
  readonly id: RecordId
  readonly author: Did
  readonly createdAt: Hlc
  readonly question: string
  readonly description: string
  readonly options: readonly string[]
  readonly method: MethodName
  readonly params: unknown
  readonly eligibility: Eligibility
  readonly closesAt: number | undefined
  readonly secret: boolean
  readonly tieOrder: readonly number[]
  readonly status: PollStatus
  /** Voters with a valid ballot counted live (before close) or committed (after). */
  readonly turnout: number
  /** Live result of a public poll (undefined for secret polls, whose choices are hidden until reveal). */
  readonly live: BaseResult | undefined
  /** The final result, present only when every committed ballot (and for secret polls, reveal) is here. */
  readonly final: BaseResult | undefined
  /** Secret polls after close: the tally of the reveals received so far (not final while some are missing). */
  readonly revealed: BaseResult | undefined
  readonly close: CloseView | undefined
}

interface PollEntry {
  readonly record: Rec<'poll'>
  readonly method: AnyTallyMethod
  readonly params: unknown
  readonly ctx: TallyContext
  readonly valid: Map<RecordId, Rec<'ballot'>>
  readonly invalid: Set<RecordId>
  readonly latest: Map<string, Rec<'ballot'>>
  readonly choices: Map<RecordId, unknown>
  readonly acc: Accumulator<unknown>
  readonly closes: Rec<'close'>[]
  /** Valid reveal per ballot id (earliest by order when several match). */
  readonly reveals: Map<RecordId, Rec<'reveal'>>
  readonly parkedReveals: Map<RecordId, Rec<'reveal'>[]>
  cache: { version: number; view: PollView } | undefined
  version: number
  /** Set while the outcome comes from a checkpoint and the ballots it counted are not all folded here yet. */
  restored: RestoredPoll | undefined
  /** Folding the restored ballots: applying them must not ask for them again. */
  materializing: boolean
}

/** A poll whose outcome a checkpoint gave (see checkpoint.ts), with its ballots yet to be read. */
export interface RestoredPoll {
  readonly outcome: PollOutcome
  /** The opening identity's counted ballot (if any), when the checkpoint's writer was that identity. */
  readonly mine: { readonly voter: string; readonly id: RecordId | undefined; readonly ballot: () => SignedRecord | undefined } | undefined
}

export interface PollContext {
  membership(): Membership | undefined
  /** Whether the space holds a record with this id (of any kind). */
  hasRecord(id: RecordId): boolean
  /** The checkpointed outcome of a poll whose ballots are not read yet, if any. */
  restored?(pollId: RecordId): RestoredPoll | undefined
  /** Whether the checkpoint behind restored outcomes covers this record (it is in their outcome already). */
  covered?(id: RecordId): boolean
  /** Reads the rest of a restored poll's ballots and folds them in (through `foldRestored`). */
  materialize?(pollId: RecordId): void
}

export class PollState {
  private readonly polls = new Map<RecordId, PollEntry>()
  private readonly parked = new Map<RecordId, SignedRecord[]>()
  private readonly parts = new Map<RecordId, Rec<'close-part'>>()
  private readonly rejectedPolls = new Map<RecordId, Rejection>()
  readonly held = new Map<RecordId, Rejection>()
  /** Closes already found complete and consistent, with their committed ids (and their string forms). */
  private readonly checkedCloses = new WeakMap<Rec<'close'>, { ids: CID[]; keys: string[] }>()

  constructor(private readonly context: PollContext) {}

  /** Folds a voting record. Returns rejections that are new (for the space's log). */
  add(record: SignedRecord): Rejection[] {
    const fresh: Rejection[] = []
    this.apply(record, fresh)
    return fresh
  }

  /** Would this record be accepted now? Used to refuse local actions peers would reject. */
  judge(record: SignedRecord): Rejection | undefined {
    if (record.kind === 'poll') return this.judgePoll(record as Rec<'poll'>).rejection
    if (record.kind === 'close-part') return undefined
    const entry = this.polls.get(pollIdOf(record))
    if (!entry) return refusal(record, 'invalid-reference', `poll ${pollIdOf(record)} is not known here`)
    if (record.kind === 'ballot') return this.judgeBallot(entry, record as Rec<'ballot'>).rejection
    if (record.kind === 'close') return this.judgeClose(entry, record as Rec<'close'>)
    if (record.kind === 'reveal')
      return this.judgeReveal(entry, record as Rec<'reveal'>, entry.valid.get(cidString((record as Rec<'reveal'>).body.ballot)))
    return undefined
  }

  /** Whether the poll's outcome still comes from a checkpoint. */
  isRestored(id: RecordId): boolean {
    return this.polls.get(id)?.restored !== undefined
  }

  getPollIds(): RecordId[] {
    return [...this.polls.values()].sort((a, b) => compareRecords(a.record, b.record)).map((entry) => entry.record.id)
  }

  hasPoll(id: RecordId): boolean {
    return this.polls.has(id)
  }

  pollAuthor(id: RecordId): Did | undefined {
    return this.polls.get(id)?.record.author
  }

  /** The counted (latest valid) ballot of `voter` in a poll. */
  getBallot(pollId: RecordId, voter: string): SignedRecord | undefined {
    const entry = this.polls.get(pollId)
    if (entry?.restored?.mine?.voter === voter) return entry.restored.mine.ballot()
    return entry && this.ready(entry).latest.get(voter)
  }

  /** Ballot ids a close would commit to now: each eligible voter's latest valid ballot. */
  countedBallots(pollId: RecordId): CID[] {
    const entry = this.polls.get(pollId)
    return entry ? [...this.ready(entry).latest.values()].map((ballot) => ballot.cid) : []
  }

  /** A voter's ballot that the effective close committed to (what they must reveal), if any. */
  committedBallotOf(pollId: RecordId, voter: string): Rec<'ballot'> | undefined {
    const entry = this.polls.get(pollId)
    const close = entry && this.resolveClose(this.ready(entry))?.complete
    if (!entry || !close) return undefined
    let mine: Rec<'ballot'> | undefined
    for (const id of close.ids) {
      const ballot = entry.valid.get(cidString(id))
      if (ballot?.author === voter && (!mine || compareRecords(ballot, mine) > 0)) mine = ballot
    }
    return mine
  }

  /** Whether a valid reveal of this ballot is held. */
  isRevealed(pollId: RecordId, ballotId: RecordId): boolean {
    return this.polls.get(pollId)?.reveals.has(ballotId) ?? false
  }

  /** The effective close of a poll and whether it commits to a given ballot. */
  effectiveClose(pollId: RecordId): { record: SignedRecord; ids: CID[] } | undefined {
    const entry = this.polls.get(pollId)
    return entry && this.resolveClose(this.ready(entry))?.complete
  }

  /**
   * What a checkpoint keeps of each public poll whose ballots are all folded here: its valid ballots
   * and its outcome (see checkpoint.ts).
   */
  toCheckpoint(writer: string): PollToSave[] {
    const out = []
    for (const id of this.getPollIds()) {
      const entry = this.polls.get(id)!
      // Secret polls are folded in full at open: their reveals need every ballot.
      if (entry.record.body.secret || entry.restored) continue
      const { status, turnout, live, final, revealed, close } = this.getPoll(id)!
      out.push({ id, ballots: entry.valid, outcome: { status, turnout, live, final, revealed, close }, mine: entry.latest.get(writer)?.id })
    }
    return out
  }

  /**
   * Folds ballots of a restored poll read from the store. While `last` is false the outcome still
   * comes from the checkpoint; with the last ones the poll's own state takes over.
   */
  foldRestored(pollId: RecordId, ballots: readonly SignedRecord[], last: boolean): Rejection[] {
    const fresh: Rejection[] = []
    const entry = this.polls.get(pollId)
    if (!entry) return fresh
    entry.materializing = true
    try {
      for (const ballot of ballots) this.applyBallot(entry, ballot as Rec<'ballot'>, fresh)
    } finally {
      entry.materializing = false
    }
    if (last) {
      entry.restored = undefined
      entry.version++
    }
    return fresh
  }

  /** The entry with every ballot folded: a restored poll reads the rest of its ballots first. */
  private ready(entry: PollEntry): PollEntry {
    if (entry.restored && !entry.materializing) this.context.materialize?.(entry.record.id)
    return entry
  }

  getPoll(id: RecordId): PollView | undefined {
    const entry = this.polls.get(id)
    if (!entry) return undefined
    if (entry.cache?.version !== entry.version) entry.cache = { version: entry.version, view: this.view(entry) }
    return entry.cache.view
  }

  // ---- folding -----------------------------------------------------------------------------

  private apply(record: SignedRecord, fresh: Rejection[]): void {
    if (record.kind === 'poll') return this.applyPoll(record as Rec<'poll'>, fresh)
    if (record.kind === 'close-part') {
      const entry = this.polls.get(pollIdOf(record))
      if (entry) this.touched(entry, record).version++
      this.parts.set(record.id, record as Rec<'close-part'>)
      return
    }
    const pollId = pollIdOf(record)
    const entry = this.polls.get(pollId)
    if (!entry) {
      const parked = this.parked.get(pollId) ?? []
      parked.push(record)
      this.parked.set(pollId, parked)
      this.hold(
        record,
        'invalid-reference',
        this.rejectedPolls.has(pollId) ? `poll ${pollId} was rejected` : `poll ${pollId} has not arrived (yet)`,
        fresh,
      )
      return
    }
    this.touched(entry, record).version++
    if (record.kind === 'ballot') this.applyBallot(entry, record as Rec<'ballot'>, fresh)
    else if (record.kind === 'close') {
      const rejection = this.judgeClose(entry, record as Rec<'close'>)
      if (rejection) this.hold(record, rejection.reason, rejection.detail, fresh)
      else entry.closes.push(record as Rec<'close'>)
    } else if (record.kind === 'reveal') this.applyReveal(entry, record as Rec<'reveal'>, fresh)
  }

  /** A record the checkpoint does not cover may change a restored poll's outcome: its ballots are read first. */
  private touched(entry: PollEntry, record: SignedRecord): PollEntry {
    return entry.restored && !this.context.covered?.(record.id) ? this.ready(entry) : entry
  }

  private applyPoll(record: Rec<'poll'>, fresh: Rejection[]): void {
    const { entry, rejection } = this.judgePoll(record)
    if (!entry) {
      this.rejectedPolls.set(record.id, rejection!)
      this.hold(record, rejection!.reason, rejection!.detail, fresh)
      return
    }
    this.polls.set(record.id, entry)
    const waiting = this.parked.get(record.id) ?? []
    this.parked.delete(record.id)
    for (const parked of waiting.sort(compareRecords)) {
      this.held.delete(parked.id)
      this.apply(parked, fresh)
    }
  }

  private judgePoll(record: Rec<'poll'>): { entry?: PollEntry; rejection?: Rejection } {
    const membership = this.context.membership()
    if (membership?.policy === 'invite-only' && rankOf(membership.roleAt(record.author, record)) < 1) {
      return { rejection: refusal(record, 'not-authorized', 'only members may create polls in an invite-only space') }
    }
    const method = methodByName(record.body.method)!
    const params = method.parseParams(record.body.params, record.body.options.length)
    if (!params.ok) return { rejection: refusal(record, 'schema', `poll params: ${params.reason}`) }
    const optionCount = record.body.options.length
    return {
      entry: {
        record,
        method,
        params: params.params,
        ctx: { optionCount, tieOrder: tieOrder(record.cid, optionCount) },
        valid: new Map(),
        invalid: new Set(),
        latest: new Map(),
        choices: new Map(),
        acc: method.createAccumulator(params.params, optionCount),
        closes: [],
        reveals: new Map(),
        parkedReveals: new Map(),
        cache: undefined,
        version: 0,
        restored: record.body.secret ? undefined : this.context.restored?.(record.id),
        materializing: false,
      },
    }
  }

  private judgeBallot(entry: PollEntry, ballot: Rec<'ballot'>): { choice?: unknown; rejection?: Rejection } {
    if (!this.eligible(entry, ballot))
      return { rejection: refusal(ballot, 'not-authorized', `${ballot.author} is not eligible to vote in poll ${entry.record.id}`) }
    const { choice, commitment } = ballot.body
    if (entry.record.body.secret) {
      return commitment ? {} : { rejection: refusal(ballot, 'schema', 'a secret poll takes a commitment, not a visible choice') }
    }
    if (commitment) return { rejection: refusal(ballot, 'schema', 'a public poll takes a choice, not a commitment') }
    const checked = entry.method.checkChoice(choice, entry.params, entry.ctx.optionCount)
    return checked.ok
      ? { choice: checked.choice }
      : { rejection: refusal(ballot, 'schema', `invalid ${entry.record.body.method} choice: ${checked.reason}`) }
  }

  private applyBallot(entry: PollEntry, ballot: Rec<'ballot'>, fresh: Rejection[]): void {
    const { choice, rejection } = this.judgeBallot(entry, ballot)
    if (rejection) {
      entry.invalid.add(ballot.id)
      this.hold(ballot, rejection.reason, rejection.detail, fresh)
      return
    }
    // A valid ballot the checkpoint did not count (it counted every valid one it covered).
    this.ready(entry)
    entry.valid.set(ballot.id, ballot)
    if (!entry.record.body.secret) entry.choices.set(ballot.id, choice)
    const previous = entry.latest.get(ballot.author)
    if (!previous || compareRecords(ballot, previous) > 0) {
      entry.latest.set(ballot.author, ballot)
      // The live tally moves by one ballot: the voter's old choice out, the new one in.
      if (!entry.record.body.secret) {
        if (previous) entry.acc.remove(entry.choices.get(previous.id))
        entry.acc.add(choice)
      }
    }
    for (const reveal of entry.parkedReveals.get(ballot.id) ?? []) {
      this.held.delete(reveal.id)
      this.applyReveal(entry, reveal, fresh)
    }
    entry.parkedReveals.delete(ballot.id)
  }

  private eligible(entry: PollEntry, ballot: SignedRecord): boolean {
    const rule = entry.record.body.eligibility
    if (rule.type === 'anyone') return true
    if (rule.type === 'list') return rule.voters.includes(ballot.author)
    return rankOf(this.context.membership()?.roleAt(ballot.author, ballot)) >= 1
  }

  private judgeClose(entry: PollEntry, close: Rec<'close'>): Rejection | undefined {
    if (close.author === entry.record.author) return undefined
    const role = this.context.membership()?.roleAt(close.author, close)
    return rankOf(role) >= 3
      ? undefined
      : refusal(close, 'not-authorized', `only the poll's author or an admin may close it; ${close.author} is ${role ?? 'not a member'}`)
  }

  private judgeReveal(entry: PollEntry, reveal: Rec<'reveal'>, ballot: Rec<'ballot'> | undefined): Rejection | undefined {
    if (!entry.record.body.secret) return refusal(reveal, 'invalid-reference', 'reveals belong to secret polls only')
    if (!ballot) return refusal(reveal, 'invalid-reference', `ballot ${reveal.body.ballot.toString()} is not a valid ballot here (yet)`)
    if (ballot.author !== reveal.author) return refusal(reveal, 'invalid-reference', 'only the voter may reveal their ballot')
    if (!commitmentMatches(ballot.body.commitment!, entry.record.cid, ballot.author, reveal.body.choice, reveal.body.salt)) {
      return refusal(reveal, 'invalid-reference', 'the revealed choice and salt do not match the committed ballot')
    }
    const checked = entry.method.checkChoice(reveal.body.choice, entry.params, entry.ctx.optionCount)
    return checked.ok ? undefined : refusal(reveal, 'schema', `invalid ${entry.record.body.method} choice: ${checked.reason}`)
  }

  private applyReveal(entry: PollEntry, reveal: Rec<'reveal'>, fresh: Rejection[]): void {
    const ballotId = cidString(reveal.body.ballot)
    const ballot = entry.valid.get(ballotId)
    if (!ballot && !entry.invalid.has(ballotId) && entry.record.body.secret) {
      const parked = entry.parkedReveals.get(ballotId) ?? []
      parked.push(reveal)
      entry.parkedReveals.set(ballotId, parked)
      this.hold(reveal, 'invalid-reference', `ballot ${ballotId} has not arrived (yet)`, fresh)
      return
    }
    const rejection = this.judgeReveal(entry, reveal, ballot)
    if (rejection) return this.hold(reveal, rejection.reason, rejection.detail, fresh)
    const current = entry.reveals.get(ballotId)
    if (!current || compareRecords(reveal, current) < 0) entry.reveals.set(ballotId, reveal)
  }

  private hold(record: SignedRecord, reason: RejectionReason, detail: string, fresh: Rejection[]): void {
    const rejection = refusal(record, reason, detail)
    if (!this.held.has(record.id)) fresh.push(rejection)
    this.held.set(record.id, rejection)
  }

  // ---- views -------------------------------------------------------------------------------

  /**
   * The earliest authorized close whose parts are all here and whose count and digest match its ids.
   * A close that is complete but inconsistent is skipped for the next; one still missing parts stops the search.
   */
  private resolveClose(
    entry: PollEntry,
  ): { record: Rec<'close'>; complete?: { record: Rec<'close'>; ids: CID[]; keys: string[] } } | undefined {
    for (const close of [...entry.closes].sort(compareRecords)) {
      // A close found complete and consistent stays so: it and its parts are immutable records.
      const checked = this.checkedCloses.get(close)
      if (checked) return { record: close, complete: { record: close, ...checked } }
      const ids: CID[] = [...close.body.ballots]
      let complete = true
      let consistent = true
      for (const partId of close.body.parts) {
        const part = this.parts.get(cidString(partId))
        if (!part) {
          complete = false
          // Held here, but not as a close-part: the close names a foreign record.
          if (this.context.hasRecord(cidString(partId))) consistent = false
        } else if (part.author === close.author && part.body.poll.equals(entry.record.cid)) ids.push(...part.body.ballots)
        else consistent = false
      }
      // A part that is present but foreign makes the close inconsistent (skipped); only absent parts mean waiting.
      if (!consistent) continue
      if (!complete) return { record: close }
      if (ids.length !== close.body.count) continue
      // Each id's string form once: for the duplicate check, the digest and the lookups in finalOf.
      const keys = ids.map(cidString)
      const digest = distinctBallotSetDigest(ids, keys)
      if (digest && equalBytes(digest, close.body.digest)) {
        this.checkedCloses.set(close, { ids, keys })
        return { record: close, complete: { record: close, ids, keys } }
      }
    }
    return undefined
  }

  private view(entry: PollEntry): PollView {
    const body = entry.record.body
    const base = {
      id: entry.record.id,
      author: entry.record.author,
      createdAt: entry.record.hlc,
      question: body.question,
      description: body.description,
      options: body.options,
      method: body.method,
      params: entry.params,
      eligibility: body.eligibility,
      closesAt: body.closesAt,
      secret: body.secret,
      tieOrder: entry.ctx.tieOrder,
    }
    if (entry.restored) return { ...base, ...entry.restored.outcome }
    const resolved = this.resolveClose(entry)
    const live = body.secret ? undefined : entry.method.result(entry.acc, entry.ctx)
    if (!resolved)
      return { ...base, live, status: 'open', turnout: entry.latest.size, final: undefined, revealed: undefined, close: undefined }
    if (!resolved.complete) {
      const close = resolved.record
      const missing = Math.max(0, close.body.count - close.body.ballots.length)
      return {
        ...base,
        live,
        status: 'syncing',
        turnout: close.body.count,
        final: undefined,
        revealed: undefined,
        close: { id: close.id, by: close.author, at: close.hlc, committed: close.body.count, missing, invalid: 0, unrevealed: 0, late: 0 },
      }
    }
    return { ...base, live, ...this.finalOf(entry, resolved.complete.record, resolved.complete.ids, resolved.complete.keys) }
  }

  private finalOf(
    entry: PollEntry,
    close: Rec<'close'>,
    ids: CID[],
    keys: readonly string[],
  ): Pick<PollView, 'status' | 'turnout' | 'final' | 'revealed' | 'close'> {
    let missing = 0
    let invalid = 0
    let unrevealed = 0
    // When no voter has more than one valid ballot (the usual case), the committed ballots found
    // here are one per voter already: no map by voter is needed, nor a pass over uncommitted ones.
    // Computing a 100k-ballot result, those maps were most of the time besides counting.
    const oneEach = entry.valid.size === entry.latest.size
    const counted = new Map<string, Rec<'ballot'>>()
    const countedOnce: Rec<'ballot'>[] = []
    let found = 0
    for (const key of keys) {
      const ballot = entry.valid.get(key)
      if (!ballot) {
        if (entry.invalid.has(key) || this.context.hasRecord(key)) invalid++
        else missing++
        continue
      }
      // Ids are distinct (resolveClose checked), so each one found is a different valid ballot.
      found++
      if (oneEach) {
        countedOnce.push(ballot)
        continue
      }
      const previous = counted.get(ballot.author)
      // A closer that commits two ballots of one voter still gets one vote counted: the latest.
      if (previous) invalid++
      if (!previous || compareRecords(ballot, previous) > 0) counted.set(ballot.author, ballot)
    }
    // Valid ballots the close does not name are late if newer than what their voter has counted;
    // with one ballot per voter, none of theirs is counted, so every one is.
    let late = oneEach ? entry.valid.size - found : 0
    if (!oneEach && found < entry.valid.size) {
      const committed = new Set(keys)
      for (const ballot of entry.valid.values()) {
        if (committed.has(ballot.id)) continue
        const countedBallot = counted.get(ballot.author)
        if (!countedBallot || compareRecords(ballot, countedBallot) > 0) late++
      }
    }
    const turnout = oneEach ? countedOnce.length : counted.size
    const choices: unknown[] = []
    for (const ballot of oneEach ? countedOnce : counted.values()) {
      if (!entry.record.body.secret) choices.push(entry.choices.get(ballot.id))
      else {
        const reveal = entry.reveals.get(ballot.id)
        if (reveal)
          choices.push(
            entry.method.checkChoice(reveal.body.choice, entry.params, entry.ctx.optionCount).ok
              ? normalize(entry, reveal.body.choice)
              : undefined,
          )
        else unrevealed++
      }
    }
    const closeView: CloseView = {
      id: close.id,
      by: close.author,
      at: close.hlc,
      committed: ids.length,
      missing,
      invalid,
      unrevealed,
      late,
    }
    if (missing > 0) return { status: 'syncing', turnout, final: undefined, revealed: undefined, close: closeView }
    const acc = entry.method.createAccumulator(entry.params, entry.ctx.optionCount)
    for (const choice of choices) if (choice !== undefined) acc.add(choice)
    const result = entry.method.result(acc, entry.ctx)
    // A reveal can still arrive (there is no reveal deadline), so a secret poll is final only when all are in.
    if (unrevealed > 0) return { status: 'revealing', turnout, final: undefined, revealed: result, close: closeView }
    return {
      status: 'final',
      turnout,
      final: result,
      revealed: entry.record.body.secret ? result : undefined,
      close: closeView,
    }
  }
}

function normalize(entry: PollEntry, choice: unknown): unknown {
  const checked = entry.method.checkChoice(choice, entry.params, entry.ctx.optionCount)
  return checked.ok ? checked.choice : undefined
}

/** The poll a voting record other than a poll names (its body's `poll`). */
export const pollIdOf = (record: SignedRecord): RecordId => cidString((record.body as { poll: CID }).poll)

const refusal = (record: SignedRecord, reason: RejectionReason, detail: string): Rejection => ({
  reason,
  detail,
  id: record.id,
  author: record.author,
})

/**
 * The documented tie rule: options ordered by sha2-256(poll id bytes ‖ option index byte), ascending.
 * Derived from the poll id, so it is the same on every peer yet not biased toward the first option.
 */
export function tieOrder(poll: CID, optionCount: number): number[] {
  const keys = Array.from({ length: optionCount }, (_, index) => {
    const input = new Uint8Array(poll.bytes.length + 1)
    input.set(poll.bytes)
    input[poll.bytes.length] = index
    return { index, hash: sha256(input) }
  })
  keys.sort((a, b) => {
    for (let i = 0; i < 32; i++) if (a.hash[i] !== b.hash[i]) return a.hash[i]! - b.hash[i]!
    return a.index - b.index
  })
  return keys.map((key) => key.index)
}
