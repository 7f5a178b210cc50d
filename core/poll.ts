/**
 * Polls as a view over poll, ballot, close, close-part and reveal records.
 *
 * Everything here is a function of the record set, and authority comes from each record's causal
 * past (causal.ts, membership.ts), never from the clock it claims:
 * - a voter's live ballot is their latest valid one in record order (depth, hlc, id), so a re-vote
 *   that had the earlier ballot in its past always replaces it;
 * - a poll, a close and the ballots a close commits to are judged against their own causal past
 *   (settled), so nothing that arrives later can unmake a final result;
 * - a close commits to exactly the latest ballot of each voter that its past holds: committing an
 *   older one is refused as `stale-ballot`;
 * - a close is in force once every record it names is here; two closes in force that commit to
 *   different ballot sets, or a close whose closer's role was changed concurrently, make the poll
 *   `disputed`, with the signed records as evidence: it never switches from one final result to
 *   another.
 */
import type { CID } from 'multiformats/cid'
import { sha256 } from '@noble/hashes/sha2.js'
import { compareCausal, depthOf } from './causal.js'
import { commitmentMatches, distinctBallotSetDigest } from './commitment.js'
import { cidString } from './cid-string.js'
import { equalBytes } from './bytes.js'
import type { Did } from './did.js'
import type { Hlc } from './hlc.js'
import { rankOf, type Membership } from './membership.js'
import type { Eligibility, PollBodyOf } from './poll-kinds.js'
import { quorumView, type Quorum, type QuorumView } from './quorum.js'
import type { RecordId, SignedRecord } from './record.js'
import type { Rejection, RejectionReason } from './rejection.js'
import type { PollOutcome, PollToSave } from './checkpoint.js'
import { methodByName, type Accumulator, type AnyTallyMethod, type BaseResult, type MethodName, type TallyContext } from './tally/index.js'

type Rec<K extends 'poll' | 'ballot' | 'close' | 'close-part' | 'reveal'> = SignedRecord<PollBodyOf<K>>

/**
 * open: voting (closes that name records not here yet are listed in `pending`); syncing: a close's
 * parts are here but some ballots it commits to are not; revealing: a secret poll's close is in force
 * and not every committed ballot is revealed yet; final: the result can no longer change; disputed:
 * closes conflict (see `dispute`): no final result is shown, and none ever silently replaces another.
 */
export type PollStatus = 'open' | 'syncing' | 'revealing' | 'final' | 'disputed'

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
  /** Valid ballots that were not in the close's causal past (they came after it, or never reached the closer): shown, never counted. */
  readonly late: number
  /** Voters whose valid ballot was in the close's causal past (published before it) but is not committed. */
  readonly leftOut: readonly Did[]
  /** The first ids this peer still waits for (committed ballots, or what they depend on). */
  readonly waitingFor: readonly RecordId[]
}

/** A close whose own past is not all here yet: not in force, and it holds nothing up. */
export interface PendingClose {
  readonly id: RecordId
  readonly by: Did
  readonly at: Hlc
  readonly waitingFor: readonly RecordId[]
}

/** Why a poll is disputed, with the signed records that show it. */
export interface DisputeView {
  /** Closes in force that commit to different ballot sets (each signed by `by`). */
  readonly closes: ReadonlyArray<{ readonly id: RecordId; readonly by: Did; readonly at: Hlc; readonly committed: number }>
  /** Closes allowed by their own past whose closer's role was lowered by a concurrent record. */
  readonly contested: ReadonlyArray<{ readonly close: RecordId; readonly by: Did; readonly changes: readonly RecordId[] }>
}

/** Where a voter's ballot stands in a poll (see `PollState.standing`). */
export interface BallotStanding {
  /** none: no valid ballot; live: counted in the live tally (no close in force); counted: committed by the close in force; left-out: in the close's past but not committed; late: not in the close's past. */
  readonly standing: 'none' | 'live' | 'counted' | 'left-out' | 'late'
  /** The voter's latest valid ballot. */
  readonly latest: RecordId | undefined
  /** The voter's ballot that the close in force counts, if any (may be older than `latest` when `late`). */
  readonly counted: RecordId | undefined
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
  /** The poll's quorum rule, as signed. */
  readonly quorum: Quorum | undefined
  readonly secret: boolean
  readonly tieOrder: readonly number[]
  readonly status: PollStatus
  /** Voters with a valid ballot counted live (before close) or committed (after). */
  readonly turnout: number
  /** Whether `turnout` meets the poll's quorum (undefined without one): live while open, settled once final. */
  readonly quorumStatus: QuorumView | undefined
  /** Live result of a public poll (undefined for secret polls, whose choices are hidden until reveal). */
  readonly live: BaseResult | undefined
  /** The final result, present only when every committed ballot (and for secret polls, reveal) is here. */
  readonly final: BaseResult | undefined
  /** Secret polls after close: the tally of the reveals received so far (not final while some are missing). */
  readonly revealed: BaseResult | undefined
  /** The close in force (or the one whose ballots are syncing). */
  readonly close: CloseView | undefined
  /** Closes not in force because records they name are not here (yet). */
  readonly pending: readonly PendingClose[]
  /** Present when the poll is disputed. */
  readonly dispute: DisputeView | undefined
}

interface PollEntry {
  readonly record: Rec<'poll'>
  readonly method: AnyTallyMethod
  readonly params: unknown
  readonly ctx: TallyContext
  /** Ballots eligible now (live), by id, with what a close needs of them (see `ValidBallot`). */
  readonly valid: Map<RecordId, ValidBallot>
  /** Well-formed ballots that are not eligible now: a close may still count them if its past made them eligible. */
  readonly ineligible: Map<RecordId, Rec<'ballot'>>
  readonly invalid: Set<RecordId>
  readonly latest: Map<string, Rec<'ballot'>>
  readonly acc: Accumulator<unknown>
  readonly closes: Rec<'close'>[]
  /** Valid reveal per ballot id (earliest by order when several match). */
  readonly reveals: Map<RecordId, Rec<'reveal'>>
  readonly parkedReveals: Map<RecordId, Rec<'reveal'>[]>
  cache: { version: number; view: PollView } | undefined
  resolved: { version: number; resolution: Resolution } | undefined
  version: number
  /** Set while the outcome comes from a checkpoint and the ballots it counted are not all folded here yet. */
  restored: RestoredPoll | undefined
  /** Folding the restored ballots: applying them must not ask for them again. */
  materializing: boolean
}

/**
 * A valid ballot with what is derived from it when it is folded. A close of N ballots reads them
 * all, and keeping the normalized choice and the depth test here means it looks each committed id
 * up once and touches no ballot record (at 100k ballots, that is most of what the close costs).
 */
interface ValidBallot {
  readonly record: Rec<'ballot'>
  /** The method's normalized choice; undefined in a secret poll (the reveal carries it). */
  readonly choice: unknown
  /** Deeper than the poll's own children: the ballot names more than its poll, so its past may hold ballots. */
  readonly deep: boolean
}

/** A close whose every named record is here and which passed every check: its outcome can no longer change. */
interface CheckedClose {
  readonly record: Rec<'close'>
  readonly ids: CID[]
  readonly keys: string[]
  /** Whether a ballot of this poll is in the close's causal past. */
  readonly past: (id: RecordId) => boolean
  /** How many ballots eligible live were in the close's past when it was checked (any others came later). */
  readonly validInPast: number
  /** The counted ballot of each voter (committed, eligible in its own past, well formed). */
  readonly counted: ReadonlyArray<Rec<'ballot'>>
  /** Public polls: the normalized choice of each counted ballot, in the same order. */
  readonly countedChoices: readonly unknown[]
  /** Public polls: the final result, counted once (it is a function of the checked close alone). */
  publicResult: BaseResult | undefined
  readonly invalid: number
  readonly leftOut: readonly Did[]
}

type CloseCheck =
  | { readonly state: 'complete'; readonly checked: CheckedClose }
  | { readonly state: 'syncing'; readonly record: Rec<'close'>; readonly missing: number; readonly waitingFor: RecordId[] }
  | { readonly state: 'invalid'; readonly rejection: Rejection }

interface Resolution {
  readonly inForce: CheckedClose | undefined
  readonly syncing: Extract<CloseCheck, { state: 'syncing' }> | undefined
  readonly dispute: DisputeView | undefined
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
  /** The held record with this id whose causal past is complete, if any. */
  readyRecord(id: RecordId): SignedRecord | undefined
  /** Visits the causal pasts of some records (see `CausalGraph.walk`). */
  walkPast(starts: readonly SignedRecord[], visit: (record: SignedRecord) => boolean): void
  /** The ids a held record still waits for. */
  waitingFor(id: RecordId): ReadonlySet<RecordId>
  /** The checkpointed outcome of a poll whose ballots are not read yet, if any. */
  restored?(pollId: RecordId): RestoredPoll | undefined
  /** Whether the checkpoint behind restored outcomes covers this record (it is in their outcome already). */
  covered?(id: RecordId): boolean
  /** Reads the rest of a restored poll's ballots and folds them in (through `foldRestored`). */
  materialize?(pollId: RecordId): void
}

/** How many missing ids a view lists. */
const WAITING_SHOWN = 20

export class PollState {
  private readonly polls = new Map<RecordId, PollEntry>()
  private readonly parked = new Map<RecordId, SignedRecord[]>()
  private readonly rejectedPolls = new Map<RecordId, Rejection>()
  /** Closes whose own past is not complete here, by poll. */
  private readonly waitingCloses = new Map<RecordId, Map<RecordId, Rec<'close'>>>()
  readonly held = new Map<RecordId, Rejection>()
  /** Closes whose outcome is decided for good: complete and checked, or refused. */
  private readonly checkedCloses = new WeakMap<Rec<'close'>, CloseCheck>()

  constructor(private readonly context: PollContext) {}

  /** Folds a voting record whose causal past is complete. Returns rejections that are new (for the space's log). */
  add(record: SignedRecord): Rejection[] {
    const fresh: Rejection[] = []
    this.apply(record, fresh)
    return fresh
  }

  /** A close that waits for records it names: listed in its poll's view as pending. */
  noteWaiting(record: SignedRecord): void {
    if (record.kind !== 'close') return
    const pollId = pollIdOf(record)
    let waiting = this.waitingCloses.get(pollId)
    if (!waiting) this.waitingCloses.set(pollId, (waiting = new Map()))
    waiting.set(record.id, record as Rec<'close'>)
    const entry = this.polls.get(pollId)
    if (entry) entry.version++
  }

  /** Would this record be accepted now? Used to refuse local actions peers would reject. */
  judge(record: SignedRecord): Rejection | undefined {
    if (record.kind === 'poll') return this.judgePoll(record as Rec<'poll'>).rejection
    if (record.kind === 'close-part') return undefined
    const entry = this.polls.get(pollIdOf(record))
    if (!entry) return refusal(record, 'invalid-reference', `poll ${pollIdOf(record)} is not known here`)
    if (record.kind === 'ballot') return this.judgeBallot(entry, record as Rec<'ballot'>).rejection
    if (record.kind === 'close') {
      const refused = this.judgeClose(entry, record as Rec<'close'>)
      if (refused) return refused
      const check = this.checkClose(this.ready(entry), record as Rec<'close'>)
      return check.state === 'invalid' ? check.rejection : undefined
    }
    if (record.kind === 'reveal')
      return this.judgeReveal(entry, record as Rec<'reveal'>, entry.valid.get(cidString((record as Rec<'reveal'>).body.ballot))?.record)
    return undefined
  }

  /** Whether the poll's outcome still comes from a checkpoint. */
  isRestored(id: RecordId): boolean {
    return this.polls.get(id)?.restored !== undefined
  }

  getPollIds(): RecordId[] {
    return [...this.polls.values()].sort((a, b) => compareCausal(a.record, b.record)).map((entry) => entry.record.id)
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

  /** A voter's ballot that the close in force counts (what they must reveal), if any. */
  committedBallotOf(pollId: RecordId, voter: string): Rec<'ballot'> | undefined {
    const entry = this.polls.get(pollId)
    const close = entry && this.resolve(this.ready(entry)).inForce
    return close?.counted.find((ballot) => ballot.author === voter)
  }

  /** Whether a valid reveal of this ballot is held. */
  isRevealed(pollId: RecordId, ballotId: RecordId): boolean {
    return this.polls.get(pollId)?.reveals.has(ballotId) ?? false
  }

  /** The close in force, with the ids it commits to. */
  effectiveClose(pollId: RecordId): { record: SignedRecord; ids: CID[] } | undefined {
    const entry = this.polls.get(pollId)
    return entry && this.resolve(this.ready(entry)).inForce
  }

  /** Where a voter's ballot stands: counted live, committed by the close in force, left out by it, or late. */
  standing(pollId: RecordId, voter: string): BallotStanding {
    const entry = this.polls.get(pollId)
    if (!entry) return { standing: 'none', latest: undefined, counted: undefined }
    const latest = this.ready(entry).latest.get(voter)
    const close = this.resolve(entry).inForce
    const counted = close?.counted.find((ballot) => ballot.author === voter)
    const ids = { latest: latest?.id, counted: counted?.id }
    if (!close) return { standing: latest ? 'live' : 'none', ...ids }
    if (counted && (!latest || counted.id === latest.id || close.past(latest.id))) return { standing: 'counted', ...ids }
    if (latest && close.past(latest.id)) return { standing: 'left-out', ...ids }
    return { standing: latest ? 'late' : 'none', ...ids }
  }

  /**
   * What a checkpoint keeps of each public poll whose ballots are all folded here and whose outcome
   * is open or final with no close pending: its valid ballots and its outcome (see checkpoint.ts).
   */
  toCheckpoint(writer: string): PollToSave[] {
    const out = []
    for (const id of this.getPollIds()) {
      const entry = this.polls.get(id)!
      // Secret polls are folded in full at open: their reveals need every ballot.
      if (entry.record.body.secret || entry.restored || entry.ineligible.size > 0) continue
      const { status, turnout, live, final, revealed, close, pending } = this.getPoll(id)!
      if ((status !== 'open' && status !== 'final') || pending.length > 0) continue
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
    const pollId = pollIdOf(record)
    const entry = this.polls.get(pollId)
    if (!entry) {
      // The poll is in this record's past, so it is here: it was refused.
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
    if (record.kind === 'close-part') return
    if (record.kind === 'ballot') this.applyBallot(entry, record as Rec<'ballot'>, fresh)
    else if (record.kind === 'close') {
      this.waitingCloses.get(pollId)?.delete(record.id)
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
    for (const parked of waiting.sort(compareCausal)) {
      this.held.delete(parked.id)
      this.apply(parked, fresh)
    }
  }

  private judgePoll(record: Rec<'poll'>): { entry?: PollEntry; rejection?: Rejection } {
    const membership = this.context.membership()
    // Settled: whether the author could create it is decided by the poll's own past, for good.
    if (membership?.policy === 'invite-only' && rankOf(membership.settledRoleAt(record.author, record)) < 1) {
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
        ineligible: new Map(),
        invalid: new Set(),
        latest: new Map(),
        acc: method.createAccumulator(params.params, optionCount),
        closes: [],
        reveals: new Map(),
        parkedReveals: new Map(),
        cache: undefined,
        resolved: undefined,
        version: 0,
        restored: record.body.secret ? undefined : this.context.restored?.(record.id),
        materializing: false,
      },
    }
  }

  /** Whether a ballot is well formed for its poll (method, secrecy), whoever cast it. */
  private judgeShape(entry: PollEntry, ballot: Rec<'ballot'>): { choice?: unknown; rejection?: Rejection } {
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

  private judgeBallot(entry: PollEntry, ballot: Rec<'ballot'>): { choice?: unknown; rejection?: Rejection } {
    if (!this.eligible(entry, ballot))
      return { rejection: refusal(ballot, 'not-authorized', `${ballot.author} is not eligible to vote in poll ${entry.record.id}`) }
    return this.judgeShape(entry, ballot)
  }

  private applyBallot(entry: PollEntry, ballot: Rec<'ballot'>, fresh: Rejection[]): void {
    const { choice, rejection } = this.judgeBallot(entry, ballot)
    if (rejection) {
      entry.invalid.add(ballot.id)
      // Well formed but not eligible now: a close whose past made its voter eligible still counts it.
      if (rejection.reason === 'not-authorized' && !this.judgeShape(entry, ballot).rejection) entry.ineligible.set(ballot.id, ballot)
      this.hold(ballot, rejection.reason, rejection.detail, fresh)
      return
    }
    // A valid ballot the checkpoint did not count (it counted every valid one it covered).
    this.ready(entry)
    entry.valid.set(ballot.id, { record: ballot, choice, deep: belowPollChildren(entry, ballot) })
    const previous = entry.latest.get(ballot.author)
    if (!previous || compareCausal(ballot, previous) > 0) {
      entry.latest.set(ballot.author, ballot)
      // The live tally moves by one ballot: the voter's old choice out, the new one in.
      if (!entry.record.body.secret) {
        if (previous) entry.acc.remove(entry.valid.get(previous.id)?.choice)
        entry.acc.add(choice)
      }
    }
    for (const reveal of entry.parkedReveals.get(ballot.id) ?? []) {
      this.held.delete(reveal.id)
      this.applyReveal(entry, reveal, fresh)
    }
    entry.parkedReveals.delete(ballot.id)
  }

  /** Live eligibility: the current judgment of the voter's role at their ballot (membership.ts). */
  private eligible(entry: PollEntry, ballot: SignedRecord): boolean {
    const rule = entry.record.body.eligibility
    if (rule.type === 'anyone') return true
    if (rule.type === 'list') return rule.voters.includes(ballot.author)
    return rankOf(this.context.membership()?.roleAt(ballot.author, ballot)) >= 1
  }

  /**
   * Eligibility as the ballot's own past judged it (settled): what a final result counts. A member
   * removed after voting keeps that vote; a revocation concurrent with it changes the live tally only.
   */
  private eligibleSettled(entry: PollEntry, ballot: SignedRecord): boolean {
    const rule = entry.record.body.eligibility
    if (rule.type === 'anyone') return true
    if (rule.type === 'list') return rule.voters.includes(ballot.author)
    return rankOf(this.context.membership()?.settledRoleAt(ballot.author, ballot)) >= 1
  }

  /** The closer's right, from the close's own past (settled): the poll's author, an admin or the founder. */
  private judgeClose(entry: PollEntry, close: Rec<'close'>): Rejection | undefined {
    if (close.author === entry.record.author) return undefined
    const role = this.context.membership()?.settledRoleAt(close.author, close)
    return rankOf(role) >= 3
      ? undefined
      : refusal(
          close,
          'not-authorized',
          `only the poll's author or an admin may close it; ${close.author} was ${role ?? 'not a member'} in the close's past`,
        )
  }

  private judgeReveal(entry: PollEntry, reveal: Rec<'reveal'>, ballot: Rec<'ballot'> | undefined): Rejection | undefined {
    if (!entry.record.body.secret) return refusal(reveal, 'invalid-reference', 'reveals belong to secret polls only')
    // An authorized close (settled, so this never changes): a bogus close of one's own cannot unseal early.
    const closeId = cidString(reveal.body.close)
    if (!entry.closes.some((close) => close.id === closeId))
      return refusal(reveal, 'invalid-reference', `a reveal names the close of this poll it answers; ${closeId} is not an authorized one`)
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
    const ballot = entry.valid.get(ballotId)?.record ?? entry.ineligible.get(ballotId)
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
    if (!current || compareCausal(reveal, current) < 0) entry.reveals.set(ballotId, reveal)
  }

  private hold(record: SignedRecord, reason: RejectionReason, detail: string, fresh: Rejection[]): void {
    const rejection = refusal(record, reason, detail)
    if (!this.held.has(record.id)) fresh.push(rejection)
    this.held.set(record.id, rejection)
  }

  // ---- closes --------------------------------------------------------------------------------

  /**
   * What one close amounts to. Decided for good once every record it names is here (its past is
   * fixed by hash links and judged as settled), so it is computed once and kept.
   */
  private checkClose(entry: PollEntry, close: Rec<'close'>): CloseCheck {
    const known = this.checkedCloses.get(close)
    if (known) return known
    const decided = (check: CloseCheck): CloseCheck => {
      this.checkedCloses.set(close, check)
      return check
    }
    const invalid = (reason: RejectionReason, detail: string) => decided({ state: 'invalid', rejection: refusal(close, reason, detail) })
    const ids: CID[] = [...close.body.ballots]
    // Parts are in the close's past: they are here and ready, or the close would not be.
    for (const partId of close.body.parts) {
      const part = this.context.readyRecord(cidString(partId)) as Rec<'close-part'> | undefined
      if (!part || part.kind !== 'close-part' || part.author !== close.author || !part.body.poll.equals(entry.record.cid))
        return invalid('invalid-reference', `part ${cidString(partId)} is not a close-part of this poll by the closer`)
      ids.push(...part.body.ballots)
    }
    if (ids.length !== close.body.count)
      return invalid('invalid-reference', `the close counts ${close.body.count} ballots but names ${ids.length}`)
    // Each id's string form once: for the duplicate check, the digest and the lookups below.
    const keys = ids.map(cidString)
    const digest = distinctBallotSetDigest(ids, keys)
    if (!digest) return invalid('invalid-reference', 'the close names a ballot twice')
    if (!equalBytes(digest, close.body.digest)) return invalid('invalid-reference', 'the close digest does not match the ballots it names')

    // A committed id is ready when it is a ballot folded here (all ready ballots of the poll are).
    const committed: SignedRecord[] = []
    /** Each committed record's entry when it is a ballot eligible live (so of this poll and well formed). */
    const live: Array<ValidBallot | undefined> = []
    const waitingFor: RecordId[] = []
    let missing = 0
    for (const key of keys) {
      const valid = entry.valid.get(key)
      const record = valid?.record ?? entry.ineligible.get(key) ?? this.context.readyRecord(key)
      if (record) {
        committed.push(record)
        live.push(valid)
      } else {
        missing++
        if (waitingFor.length < WAITING_SHOWN)
          waitingFor.push(...(this.context.hasRecord(key) ? [...this.context.waitingFor(key)].slice(0, 3) : [key]))
      }
    }
    // Not decided yet: the missing ballots may still arrive.
    if (missing > 0) return { state: 'syncing', record: close, missing, waitingFor }

    // The close's past is what its dependencies had seen plus the ballots it commits. Only records
    // deeper than the poll's own children can have a ballot of the poll in their past, so the walk
    // of that past stops above them: for the usual ballot, which names only its poll, and for a
    // close's parts, there is nothing below to visit.
    const pollCid = entry.record.cid
    const ofPoll = (record: SignedRecord) => record.kind === 'ballot' && (record.body as PollBodyOf<'ballot'>).poll.equals(pollCid)
    const countable = (record: SignedRecord, isLive: boolean): boolean =>
      (isLive || (ofPoll(record) && wellFormed(entry, record.id))) && this.eligibleSettled(entry, record)
    const secret = entry.record.body.secret
    // A ballot eligible only in its own past was not normalized when folded.
    const choiceOf = (valid: ValidBallot | undefined, ballot: Rec<'ballot'>): unknown =>
      secret ? undefined : valid ? valid.choice : normalize(entry, ballot.body.choice)
    // The usual case: no voter has two well-formed ballots here, so none can be committed stale.
    const oneEach = entry.valid.size === entry.latest.size && entry.ineligible.size === 0
    const latestInPast = new Map<string, Rec<'ballot'>>()
    const newest = (ballot: Rec<'ballot'>) => {
      const previous = latestInPast.get(ballot.author)
      if (!previous || compareCausal(ballot, previous) > 0) latestInPast.set(ballot.author, ballot)
    }
    const ok: boolean[] = new Array<boolean>(committed.length)
    const deeper: SignedRecord[] = [close]
    // With one ballot per voter no committed ballot can be stale: counted in this one pass.
    const counted: Rec<'ballot'>[] = []
    const countedChoices: unknown[] = []
    let notBallots = 0
    let validInPast = 0
    for (let index = 0; index < committed.length; index++) {
      const record = committed[index]!
      const valid = live[index]
      if (valid) validInPast++
      const counts = countable(record, valid !== undefined)
      ok[index] = counts
      if (!counts) notBallots++
      else if (oneEach) {
        counted.push(record as Rec<'ballot'>)
        countedChoices.push(choiceOf(valid, record as Rec<'ballot'>))
      } else newest(record as Rec<'ballot'>)
      if (valid ? valid.deep : belowPollChildren(entry, record)) deeper.push(record)
    }
    // Ballots of the poll in the close's past that it does not commit (rare: a close's own
    // dependencies do not name ballots unless someone chose to).
    const beside = new Set<RecordId>()
    let committedIds: Set<RecordId> | undefined
    this.context.walkPast(deeper, (record) => {
      if (ofPoll(record)) {
        committedIds ??= new Set(keys)
        if (!committedIds.has(record.id) && !beside.has(record.id)) {
          beside.add(record.id)
          if (entry.valid.has(record.id)) validInPast++
          if (wellFormed(entry, record.id) && this.eligibleSettled(entry, record)) newest(record as Rec<'ballot'>)
        }
      }
      return belowPollChildren(entry, record)
    })
    for (let index = 0; index < committed.length && !oneEach; index++) {
      if (!ok[index]) continue
      const ballot = committed[index] as Rec<'ballot'>
      const latest = latestInPast.get(ballot.author) ?? ballot
      if (latest !== ballot) {
        return invalid(
          'stale-ballot',
          `the close commits ${keys[index]} of ${ballot.author}, whose newer ballot ${latest.id} is in the close's past; a close commits each voter's latest ballot`,
        )
      }
      counted.push(ballot)
      countedChoices.push(choiceOf(live[index], ballot))
    }
    // With one ballot per voter, the voters of uncommitted ballots in the past are none of the counted.
    const countedVoters = oneEach ? undefined : new Set<string>(counted.map((ballot) => ballot.author))
    const leftOut = [...latestInPast.keys()].filter((voter) => !countedVoters?.has(voter)).sort() as Did[]
    const past = (id: RecordId) => beside.has(id) || (committedIds ??= new Set(keys)).has(id)
    return decided({
      state: 'complete',
      checked: {
        record: close,
        ids,
        keys,
        past,
        validInPast,
        counted,
        countedChoices,
        publicResult: undefined,
        invalid: notBallots,
        leftOut,
      },
    })
  }

  /**
   * The close in force, if exactly one ballot set is committed by closes whose every named record is
   * here and no closer's role was changed concurrently with their close; otherwise a dispute, or the
   * close whose ballots are still syncing.
   */
  private resolve(entry: PollEntry): Resolution {
    if (entry.resolved?.version === entry.version) return entry.resolved.resolution
    const complete: CheckedClose[] = []
    let syncing: Extract<CloseCheck, { state: 'syncing' }> | undefined
    for (const close of [...entry.closes].sort(compareCausal)) {
      const check = this.checkClose(entry, close)
      if (check.state === 'complete') complete.push(check.checked)
      else if (check.state === 'syncing') syncing ??= check
      else if (!this.held.has(close.id)) this.held.set(close.id, check.rejection)
    }
    const membership = this.context.membership()
    const contested = complete.flatMap(({ record }) => {
      if (record.author === entry.record.author || rankOf(membership?.roleAt(record.author, record)) >= 3) return []
      const changes = membership?.concurrentChanges(record.author, record).map((change) => change.id) ?? []
      return [{ close: record.id, by: record.author, changes }]
    })
    const sets = new Map<string, CheckedClose>()
    for (const checked of complete) {
      const key = hex(checked.record.body.digest)
      if (!sets.has(key)) sets.set(key, checked)
    }
    let resolution: Resolution
    if (sets.size > 1 || contested.length > 0) {
      const closes = (sets.size > 1 ? complete : []).map(({ record, ids }) => ({
        id: record.id,
        by: record.author,
        at: record.hlc,
        committed: ids.length,
      }))
      resolution = { inForce: undefined, syncing: undefined, dispute: { closes, contested } }
    } else resolution = { inForce: complete[0], syncing: complete[0] ? undefined : syncing, dispute: undefined }
    entry.resolved = { version: entry.version, resolution }
    return resolution
  }

  // ---- views -------------------------------------------------------------------------------

  private view(entry: PollEntry): PollView {
    const body = entry.record.body
    const view = this.outcomeView(entry)
    // From turnout alone, so a checkpoint's restored outcome gives the same answer as a recount.
    return { ...view, quorumStatus: quorumView(body.quorum, body.eligibility, view.turnout) }
  }

  private outcomeView(entry: PollEntry): Omit<PollView, 'quorumStatus'> {
    const body = entry.record.body
    const pending = [...(this.waitingCloses.get(entry.record.id)?.values() ?? [])].sort(compareCausal).map((close) => ({
      id: close.id,
      by: close.author,
      at: close.hlc,
      waitingFor: [...this.context.waitingFor(close.id)].slice(0, WAITING_SHOWN),
    }))
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
      quorum: body.quorum,
      secret: body.secret,
      tieOrder: entry.ctx.tieOrder,
      pending,
    }
    if (entry.restored) return { ...base, ...entry.restored.outcome, dispute: undefined }
    const { inForce, syncing, dispute } = this.resolve(entry)
    const live = body.secret ? undefined : entry.method.result(entry.acc, entry.ctx)
    const open = { live, final: undefined, revealed: undefined, close: undefined, dispute: undefined }
    if (dispute) return { ...base, ...open, status: 'disputed', turnout: entry.latest.size, dispute }
    if (inForce) return { ...base, live, dispute: undefined, ...this.finalOf(entry, inForce) }
    if (syncing) {
      const close = syncing.record
      return {
        ...base,
        ...open,
        status: 'syncing',
        turnout: close.body.count,
        close: {
          id: close.id,
          by: close.author,
          at: close.hlc,
          committed: close.body.count,
          missing: syncing.missing,
          invalid: 0,
          unrevealed: 0,
          late: 0,
          leftOut: [],
          waitingFor: syncing.waitingFor,
        },
      }
    }
    return { ...base, ...open, status: 'open', turnout: entry.latest.size }
  }

  private finalOf(entry: PollEntry, close: CheckedClose): Pick<PollView, 'status' | 'turnout' | 'final' | 'revealed' | 'close'> {
    const secret = entry.record.body.secret
    let unrevealed = 0
    const choices: unknown[] = []
    for (const ballot of secret ? close.counted : []) {
      const reveal = entry.reveals.get(ballot.id)
      if (reveal) choices.push(normalize(entry, reveal.body.choice))
      else unrevealed++
    }
    // Valid ballots the close's past did not hold: they came after it, or never reached the closer.
    const late = entry.valid.size - close.validInPast
    const closeView: CloseView = {
      id: close.record.id,
      by: close.record.author,
      at: close.record.hlc,
      committed: close.ids.length,
      missing: 0,
      invalid: close.invalid,
      unrevealed,
      late,
      leftOut: close.leftOut,
      waitingFor: [],
    }
    const turnout = close.counted.length
    const count = (counting: readonly unknown[]): BaseResult => {
      const acc = entry.method.createAccumulator(entry.params, entry.ctx.optionCount)
      for (const choice of counting) if (choice !== undefined) acc.add(choice)
      return entry.method.result(acc, entry.ctx)
    }
    // A public poll's final result depends on the checked close alone; later records (late
    // ballots, reveals of other polls' ballots) re-make the view, not the count.
    const result = secret ? count(choices) : (close.publicResult ??= count(close.countedChoices))
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

/**
 * Deeper than the poll's own children: only such a record can have a ballot of the poll in its
 * causal past (a ballot that names only its poll sits right below it).
 */
const belowPollChildren = (entry: PollEntry, record: SignedRecord): boolean => depthOf(record) > depthOf(entry.record) + 1

/** A ballot of this poll that passed the method's checks (folded: every ready ballot of the poll is), eligible now or not. */
const wellFormed = (entry: PollEntry, id: RecordId): boolean => entry.valid.has(id) || entry.ineligible.has(id)

function hex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
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
