/**
 * A space: the unit of replication, membership and trust. It takes untrusted entries from a
 * replica, validates them, folds the valid ones into views, and turns the local user's actions
 * into signed records. Everything shown is a pure function of the set of valid records.
 */
import { cachedView, feedOptionsKey, keepIfSame, shallowEqual } from './view-cache.js'
import { CID } from 'multiformats/cid'
import { authorizeContent } from './authorize.js'
import { CausalGraph, compareCausal, dependenciesOf } from './causal.js'
import { cidString } from './cid-string.js'
import { sameCid } from './codec.js'
import { randomBytes } from './bytes.js'
import type { Did } from './did.js'
import { ClosedError, InvalidArgumentError, InvalidRecordError, NotAuthorizedError, UnknownRecordError } from './errors.js'
import type { KindDefinition } from './kind.js'
import type { KindRegistry } from './kind-registry.js'
import { AUTHORITY_HEADS, AUTHORITY_KINDS, LIGHT_KINDS } from './core-kinds.js'
import { loadVerifiedIds, malformed, VALIDATION_CONCURRENCY } from './ingest-helpers.js'
import { UnknownKinds } from './unknown-kinds.js'
import type { ViewDefinition } from './view.js'
import { registries, type ViewRegistry } from './view-registry.js'
import { FeedState, type FeedItem, type FeedOptions, type Profile, type ThreadNode } from './feed.js'
import { createHlc, type HlcClock } from './hlc.js'
import type { Identity } from './identity.js'
import { signInviteProof, inviteKeyPair, formatShareLink } from './invite.js'
import { bodies, MAX_EPOCH_RECIPIENTS, MEMBERSHIP_KINDS, type BodyOf, type GrantableRole, type Role } from './kinds.js'
import { foldMembership, type InviteState, type Membership } from './membership.js'
import { keptRecord } from './kept-record.js'
import { DEFAULT_MAX_RECORD_BYTES, HARD_MAX_RECORD_BYTES, signRecord, type RecordId, type SignedRecord } from './record.js'
import { RejectionLog, type RejectionSummary } from './rejection-log.js'
import { storageRejection, type Rejection } from './rejection.js'
import type { Replica, ReplicaEntry, SyncState } from './replica.js'
import { parseRecordCid } from './space-id.js'
import { validateEntry, type Validation, type ValidationContext } from './validate.js'
import type { CreatePollOptions, CreateSpaceOptions, Invite, OpenSpaceOptions, SpaceChange, SpaceInfo } from './space-options.js'
import { POLL_KINDS, BALLOTS_PER_CLOSE_RECORD } from './poll-kinds.js'
import { PollState, pollIdOf, type BallotStanding, type PollView, type RestoredPoll } from './poll.js'
import { decodeCheckpoint, describeEntries, encodeCheckpoint, matchCheckpoint, type Checkpoint, type RestorePlan } from './checkpoint.js'
import { ballotCommitment, ballotSetDigest } from './commitment.js'
import { memorySecretStore, type BallotSecretStore } from './secret-store.js'
import type { BaseResult } from './tally/types.js'
import { methodByName } from './tally/index.js'
import { sealFrame } from './private/frame.js'
import { epochZeroKey } from './private/keyring.js'
import type { EpochRecord } from './private/epochs.js'
import { SpaceSealing, type PrivacyStatus } from './private/space-sealing.js'
import { foldInSlices, mapConcurrently } from './slices.js'

export type { SpaceInfo, SpaceChange, OpenSpaceOptions, CreatePollOptions, CreateSpaceOptions, Invite } from './space-options.js'

type Listener = (change: SpaceChange) => void
/** A validation and the entry it was made of (opened, for a private space's frames); no entry when the frame did not open. */
type Opened = { readonly result: Validation | { readonly ok: undefined }; readonly entry?: ReplicaEntry }

export class Space {
  readonly id: string
  readonly identity: Identity
  readonly secret: Uint8Array | undefined
  readonly replica: Replica
  private readonly cid: CID
  private readonly clock: HlcClock
  private readonly records = new Map<RecordId, SignedRecord>()
  /** Content records currently kept out of the views, with why (re-judged when membership changes). */
  private readonly held = new Map<RecordId, Rejection>()
  /** Record kinds by name, core's and the app's; the app's views, and records of kinds not registered yet. */
  private readonly kinds: KindRegistry
  private readonly views: ViewRegistry
  private readonly unknown = new UnknownKinds()
  private readonly rejections: RejectionLog
  private readonly listeners = new Set<Listener>()
  private readonly mutedAuthors = new Set<string>()
  private readonly mutedPosts = new Set<string>()
  private genesis: SignedRecord<BodyOf<'space'>> | undefined
  /** What each record had seen (causal.ts): records wait here until their past is complete. */
  private readonly graph: CausalGraph
  /** Ready records that no other ready record names, ballots and close-parts aside: what a new record refs. */
  private readonly heads = new Set<RecordId>()
  /** This identity's latest ready record other than ballots, which its next record names (its own chain). */
  private ownLatest: SignedRecord | undefined
  private membership: Membership | undefined
  private feed = new FeedState()
  private polls = this.newPollState()
  private readonly secrets: BallotSecretStore
  private readonly autoReveal: boolean
  private readonly revealing = new Set<RecordId>()
  private closed = false
  private unsubscribe: () => void = () => {}
  private versionCounter = 0
  private readonly pending = new Set<Promise<unknown>>()
  /** Ids this device verified in earlier sessions; only held while the stored records are first ingested. */
  private verifiedBefore: ((id: string) => boolean) | undefined
  /** While polls show checkpointed outcomes: what the checkpoint covers and the ballots still to read. */
  private restoring: Restoring | undefined
  private readonly useCheckpoint: boolean
  /** Records came or went since the checkpoint was read or saved. */
  private checkpointStale = false
  private checkpointTimer: ReturnType<typeof setTimeout> | undefined
  private checkpointSave: Promise<void> | undefined
  private readonly verifiedWrites = new Set<Promise<void>>()
  /** One instance per CID that records name (see `compact`). */
  private readonly cids = new Map<string, CID>()
  private lastCid: CID | undefined
  private readonly closeWaiters = new Set<() => void>()
  /** Keys, sealing and epochs of a private space (core/private/); a pass-through for public ones. */
  private readonly sealing: SpaceSealing
  private readonly keyRotationDelayMs: number
  private rotationTimer: ReturnType<typeof setTimeout> | undefined
  private rotationCancelled: (() => void) | undefined

  private constructor(options: Omit<OpenSpaceOptions, 'kinds'> & { replica: Replica; cid: CID; parts: ReturnType<typeof registries> }) {
    this.id = options.id
    this.cid = options.cid
    this.identity = options.identity
    this.secret = options.secret
    this.sealing = new SpaceSealing(options.replica, options.secret, options.id, options.plainRecords === true, (rejection) => {
      this.rejections.add(rejection)
      this.versionCounter++
    })
    this.replica = this.sealing.replica
    this.keyRotationDelayMs = options.keyRotationDelayMs ?? 3000
    this.clock = createHlc(options.clock)
    this.rejections = new RejectionLog(options.rejectionLogSize)
    this.secrets = options.secrets ?? memorySecretStore()
    this.autoReveal = options.autoReveal ?? true
    this.useCheckpoint = options.checkpoint !== false && this.replica.checkpoint !== undefined
    this.kinds = options.parts.kinds
    this.views = options.parts.views
    this.graph = new CausalGraph({
      lookup: (id) => this.records.get(id),
      isAuthority: (record) => AUTHORITY_KINDS.has(record.kind),
      genesisId: this.id,
    })
  }

  /** Opens an existing space by id: loads what the replica holds, then follows new records. */
  static async open(options: OpenSpaceOptions): Promise<Space> {
    const cid = parseRecordCid(options.id)
    if (!cid) throw new InvalidArgumentError(`"${String(options.id).slice(0, 80)}" is not a space id (a CIDv1 string).`)
    // Before the replica: kinds that clash must not leave a replica open.
    const parts = registries(options.kinds)
    const replica =
      typeof options.replica === 'function'
        ? await options.replica(options.id, options.secret ? { secret: options.secret } : {})
        : options.replica
    const space = new Space({ ...options, replica, cid, parts })
    const checkpoint = await space.loadCheckpoint()
    // Through the sealing layer: a private space's frames are opened before they are validated.
    const sealed = space.sealing.replica
    const stopArrivals = sealed.subscribe((entries) => void space.ingest(entries))
    const stopOpened = sealed.onOpened((entries) => void space.ingestOpened(entries))
    space.unsubscribe = () => {
      stopArrivals()
      stopOpened()
    }
    const entries = await sealed.getAll()
    for (const damage of sealed.getStorageDamage()) space.rejections.add(storageRejection(damage))
    const plan = checkpoint && (await matchCheckpoint(entries, checkpoint))
    if (plan) await space.restore(plan)
    else {
      const verified = await loadVerifiedIds(replica)
      space.verifiedBefore = verified && ((id) => verified.has(id))
      await space.ingestOpened(entries)
      space.checkpointStale = space.records.size > 0
    }
    // Later records are new to this device: the list has nothing more to say about them.
    space.verifiedBefore = undefined
    space.readRestoredInBackground()
    if (space.checkpointStale) space.scheduleCheckpoint()
    return space
  }

  /** Creates a new space with the caller as founder and publishes its genesis record. */
  static async create(options: CreateSpaceOptions): Promise<Space> {
    const maxRecordBytes = options.maxRecordBytes
    if (
      maxRecordBytes !== undefined &&
      !(Number.isSafeInteger(maxRecordBytes) && maxRecordBytes >= 1024 && maxRecordBytes <= HARD_MAX_RECORD_BYTES)
    ) {
      throw new InvalidArgumentError(`maxRecordBytes must be an integer from 1024 to ${HARD_MAX_RECORD_BYTES}.`)
    }
    registries(options.kinds)
    const isPrivate = (options.visibility ?? 'private') === 'private'
    const body = {
      name: options.name,
      description: options.description ?? '',
      policy: options.policy ?? 'open',
      nonce: randomBytes(16),
      ...(maxRecordBytes !== undefined ? { maxRecordBytes } : {}),
      ...(isPrivate ? { private: { history: 'all' } } : {}),
    }
    const checked = bodies.space(body, 'body')
    if (!checked.ok) throw new InvalidArgumentError(`Cannot create the space: ${checked.error}.`)
    const clock = createHlc(options.clock)
    const genesis = await signRecord(options.identity, { kind: 'space', space: null, hlc: clock.now(), refs: [], body })
    const secret = options.secret ?? randomBytes(32)
    const replica = await options.replica(genesis.id, { secret })
    // The genesis travels sealed under epoch 0 like every record of a private space.
    await replica.add([isPrivate ? sealFrame(epochZeroKey(secret), 0, genesis.bytes) : genesis.bytes])
    return Space.open({ ...options, id: genesis.id, replica, secret })
  }

  // ---- views -------------------------------------------------------------------------------

  /** Increases whenever any view may have changed; cheap to compare for memoization. */
  get version(): number {
    return this.versionCounter
  }

  getInfo(): SpaceInfo | undefined {
    return cachedView(this, 'info', () => this.readInfo())
  }

  private readInfo(): SpaceInfo | undefined {
    const genesis = this.genesis
    if (!genesis) return undefined
    return {
      id: this.id,
      name: genesis.body.name,
      description: genesis.body.description,
      policy: genesis.body.policy,
      founder: genesis.author,
      maxRecordBytes: this.maxRecordBytes(),
      visibility: genesis.body.private ? 'private' : 'public',
    }
  }

  getFeed(options: FeedOptions = {}): FeedItem[] {
    return cachedView(this, `feed:${feedOptionsKey(options)}`, () => this.feed.getFeed(this.withMutes(options)))
  }

  getPost(id: RecordId, options: FeedOptions = {}): FeedItem | undefined {
    return this.feed.getPost(id, this.withMutes(options))
  }

  getThread(id: RecordId, options: FeedOptions = {}): ThreadNode | undefined {
    return cachedView(this, `thread:${id}:${feedOptionsKey(options)}`, () => this.feed.getThread(id, this.withMutes(options)))
  }

  /** The comments on a poll (posts whose `replyTo` names it), each with its replies, oldest first. */
  getComments(pollId: RecordId, options: FeedOptions = {}): ThreadNode[] {
    return cachedView(this, `comments:${pollId}:${feedOptionsKey(options)}`, () => this.feed.getReplies(pollId, this.withMutes(options)))
  }

  getMembers(): ReadonlyArray<{ did: Did; role: Role; since: RecordId; profile: Profile | undefined }> {
    return cachedView(this, 'members', () =>
      (this.membership?.members() ?? []).map((m) => ({ ...m, profile: this.feed.getProfile(m.did) })),
    )
  }

  getRole(did: string = this.identity.did): Role | null {
    return this.membership?.roleAt(did) ?? null
  }

  getProfile(did: string = this.identity.did): Profile | undefined {
    return this.feed.getProfile(did)
  }

  getInvites(): ReadonlyMap<RecordId, InviteState> {
    return this.membership?.invites() ?? new Map()
  }

  getRejections(): RejectionSummary {
    return cachedView(this, 'rejections', () => this.rejections.summary())
  }

  /** Valid, signed records that are kept out of the views right now, and why. */
  getHeld(): ReadonlyMap<RecordId, Rejection> {
    const held = new Map([...this.held, ...this.polls.held])
    for (const [id, rejection] of this.membership?.rejected ?? []) held.set(id, rejection)
    return held
  }

  /** Every accepted record (valid signature and schema), in no particular order: what an export contains. */
  getRecords(): readonly SignedRecord[] {
    this.readAllRestored()
    return [...this.records.values()]
  }

  hasRecord(id: RecordId): boolean {
    return this.records.has(id) || this.isUnread(id)
  }

  /** Every poll, oldest first. */
  getPolls(): PollView[] {
    return cachedView(this, 'polls', () => this.polls.getPollIds().map((id) => this.polls.getPoll(id)!))
  }

  getPoll(id: RecordId): PollView | undefined {
    return cachedView(this, `poll:${id}`, () => this.polls.getPoll(id))
  }

  /**
   * The result to show: the live tally while open (undefined for secret polls), the final result once
   * final, and undefined while a closed poll is still syncing or revealing, so nothing wrong is shown.
   */
  getTally(id: RecordId): BaseResult | undefined {
    const poll = this.polls.getPoll(id)
    return poll?.status === 'open' ? poll.live : poll?.final
  }

  /** This identity's counted ballot in a poll, if any. */
  getMyBallot(pollId: RecordId): SignedRecord | undefined {
    return this.polls.getBallot(pollId, this.identity.did)
  }

  /**
   * Where a voter's latest ballot stands (this identity's by default): counted live, committed by the
   * close in force, left out by a close whose past held it, or late. Every voter can check their own.
   */
  getBallotStanding(pollId: RecordId, voter: string = this.identity.did): BallotStanding {
    return this.polls.standing(pollId, voter)
  }

  getSyncState(): SyncState {
    return keepIfSame(this, 'sync', this.replica.getSyncState(), shallowEqual)
  }

  /** A bound function, so `const { subscribe } = space` works (external-store hooks call it unbound). */
  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  // ---- app kinds and views (kind.ts, view.ts) -------------------------------------------------

  /**
   * Registers an app's record kind (`defineKind`) on this space: its records, held as
   * `unknown-kind` until now, are validated in full and folded into its views. Resolves when they
   * are. Registering the same definition again changes nothing; another definition under a taken
   * name throws `KindClashError`.
   */
  async registerKind(kind: KindDefinition): Promise<SpaceChange> {
    if (this.closed) throw new ClosedError('space')
    if (this.kinds.get(kind.name) === kind) return { added: [], rejected: [], membershipChanged: false }
    this.views.check(kind)
    this.kinds.register(kind)
    this.views.register(kind)
    const { ids, entries } = this.unknown.take(kind.name)
    for (const id of ids) this.held.delete(id)
    this.versionCounter++
    return this.ingestOpened(entries)
  }

  /** Whether records of this kind are understood here (core's kinds and the registered ones). */
  hasKind(name: string): boolean {
    return this.kinds.has(name)
  }

  /** The value of an app view (by definition, for its type, or by name). Throws `UnknownKindError` for a view not registered. */
  getView<V>(view: ViewDefinition<unknown, never, V> | string): V {
    return this.views.read<V>(typeof view === 'string' ? view : view.name)
  }

  /** Calls `listener` with the view's value whenever records change it. Returns the unsubscribe function. */
  subscribeView<V>(view: ViewDefinition<unknown, never, V> | string, listener: (value: V) => void): () => void {
    const name = typeof view === 'string' ? view : view.name
    let seen = this.views.version(name)
    return this.subscribe(() => {
      const now = this.views.version(name)
      if (now === seen) return
      seen = now
      listener(this.views.read<V>(name))
    })
  }

  // ---- local, non-replicated preferences --------------------------------------------------

  muteAuthor(did: string, muted = true): void {
    this.toggle(this.mutedAuthors, did, muted)
  }

  mutePost(id: RecordId, muted = true): void {
    this.toggle(this.mutedPosts, id, muted)
  }

  // ---- actions ------------------------------------------------------------------------------

  post(text: string, options: { replyTo?: RecordId; mentions?: readonly string[] } = {}): Promise<SignedRecord> {
    const replyTo = options.replyTo === undefined ? undefined : this.requireCid(options.replyTo, 'post')
    return this.publish(
      'post',
      {
        text,
        ...(replyTo ? { replyTo } : {}),
        ...(options.mentions?.length ? { mentions: [...options.mentions] } : {}),
      },
      replyTo ? [replyTo] : [],
    )
  }

  reply(to: RecordId, text: string, options: { mentions?: readonly string[] } = {}): Promise<SignedRecord> {
    return this.post(text, { ...options, replyTo: to })
  }

  editPost(id: RecordId, text: string): Promise<SignedRecord> {
    const post = this.requireCid(id, 'post')
    return this.publish('edit', { post, text }, [post])
  }

  retractPost(id: RecordId): Promise<SignedRecord> {
    const post = this.requireCid(id, 'post')
    return this.publish('retract', { post }, [post])
  }

  react(id: RecordId, emoji: string, on = true): Promise<SignedRecord> {
    const post = this.requireCid(id, 'post')
    return this.publish('react', { post, emoji, on }, [post])
  }

  unreact(id: RecordId, emoji: string): Promise<SignedRecord> {
    return this.react(id, emoji, false)
  }

  hidePost(id: RecordId, options: { hidden?: boolean; reason?: string } = {}): Promise<SignedRecord> {
    const post = this.requireCid(id, 'post')
    return this.publish('moderate', { post, hidden: options.hidden ?? true, ...(options.reason ? { reason: options.reason } : {}) }, [post])
  }

  hideAuthor(did: string, options: { hidden?: boolean; reason?: string } = {}): Promise<SignedRecord> {
    return this.publish(
      'moderate',
      { author: did, hidden: options.hidden ?? true, ...(options.reason ? { reason: options.reason } : {}) },
      [],
    )
  }

  setProfile(profile: { name: string; avatar?: string }): Promise<SignedRecord> {
    return this.publish('profile', { name: profile.name, ...(profile.avatar ? { avatar: profile.avatar } : {}) }, [])
  }

  grantRole(did: string, role: GrantableRole): Promise<SignedRecord> {
    return this.publish('role', { member: did, role }, [])
  }

  /**
   * Removes `did`'s role. In a private space, an admin's removal also rotates the space key, so the
   * removed member cannot read what is published afterwards (see `rotateKey`).
   */
  async revokeRole(did: string): Promise<SignedRecord> {
    const record = await this.publish('role', { member: did, role: null }, [])
    if (this.sealing.seals && this.mayRotate()) await this.rotateKey()
    return record
  }

  /**
   * Starts a new epoch of a private space (admins and the founder): a fresh key, sealed to each
   * current member's did, published as a signed epoch record. Records sealed afterwards cannot be
   * read by anyone outside the membership as it is now, including members removed before. The
   * record also carries the earlier keys under the new one, for members who join later. Admins' peers rotate by themselves when members leave or join (`keyRotationDelayMs`).
   */
  async rotateKey(): Promise<SignedRecord> {
    if (!this.sealing.seals) throw new InvalidArgumentError('Only private spaces opened from a replica have keys to rotate.')
    const members = this.getMembers().map((member) => member.did)
    if (members.length > MAX_EPOCH_RECIPIENTS) {
      throw new InvalidArgumentError(
        `This space has ${members.length} members; one key rotation reaches at most ${MAX_EPOCH_RECIPIENTS} in this version.`,
      )
    }
    const { body, key } = await this.sealing.nextEpoch(members)
    const record = await this.publish('epoch', body, [])
    this.sealing.adopt(record as EpochRecord, key)
    return record
  }

  /** Whether this space is private, which epoch new records are sealed under, and what this member cannot read yet. */
  getPrivacy(): PrivacyStatus {
    return this.sealing.status((did) => this.isMember(did))
  }

  /** Leaves the space: revokes one's own role. */
  leave(): Promise<SignedRecord> {
    return this.revokeRole(this.identity.did)
  }

  /** Joins an open space as a member. Invite-only spaces need `redeemInvite`. */
  join(): Promise<SignedRecord> {
    return this.publish('join', {}, [])
  }

  /** Creates an invite (admins and the founder). The link carries the invite secret: share it privately. */
  async createInvite(options: { maxUses?: number | null; role?: GrantableRole; base?: string } = {}): Promise<Invite> {
    const { seed, did } = await inviteKeyPair()
    const record = await this.publish('invite', { key: did, maxUses: options.maxUses ?? null, role: options.role ?? 'member' }, [])
    const link = formatShareLink(
      { space: this.id, invite: { id: record.id, secret: seed }, ...(this.secret ? { secret: this.secret } : {}) },
      options.base,
    )
    return { id: record.id, link, secret: seed }
  }

  /**
   * Redeems an invite from a share link. Waits until the invite record has synced (it must be known
   * to prove the join is valid), unless `signal` aborts first.
   */
  async redeemInvite(invite: { id: RecordId; secret: Uint8Array }, options: { signal?: AbortSignal } = {}): Promise<SignedRecord> {
    const inviteCid = this.requireCid(invite.id, 'invite')
    await this.whenRecord(invite.id, options.signal)
    const { key, proof } = await signInviteProof(invite.secret, this.cid, inviteCid, this.identity.did)
    return this.publish('join', { invite: inviteCid, key, proof }, [inviteCid])
  }

  createPoll(options: CreatePollOptions): Promise<SignedRecord> {
    return this.publish('poll', {
      question: options.question,
      description: options.description ?? '',
      options: [...options.options],
      method: options.method,
      ...(options.params !== undefined ? { params: options.params } : {}),
      eligibility: options.eligibility ?? { type: 'members' },
      ...(options.closesAt !== undefined ? { closesAt: options.closesAt } : {}),
      ...(options.quorum !== undefined ? { quorum: options.quorum } : {}),
      secret: options.secret ?? false,
    })
  }

  /**
   * Casts (or replaces) this identity's ballot. In a secret poll only a commitment is published;
   * the choice and salt stay in the secret store until the poll closes and the ballot is revealed.
   */
  async castBallot(pollId: RecordId, choice: unknown): Promise<SignedRecord> {
    const poll = this.requirePoll(pollId)
    const status = this.polls.getPoll(pollId)!.status
    if (status !== 'open' && status !== 'syncing') {
      throw new InvalidArgumentError(
        status === 'disputed'
          ? 'This poll is disputed: its closes conflict, and no ballot cast now would be counted.'
          : 'This poll is closed: a ballot now would be late and never counted.',
      )
    }
    // A re-vote names the voter's previous ballot, so it comes after it in every peer's record order.
    const previous = this.polls.getBallot(pollId, this.identity.did)
    const refs = previous ? [poll.cid, previous.cid] : [poll.cid]
    if (!poll.secret) return this.publish('ballot', { poll: poll.cid, choice }, refs)
    const salt = randomBytes(32)
    const commitment = ballotCommitment(poll.cid, this.identity.did, choice, salt)
    // Checked before committing: a secret ballot with an invalid choice could never be revealed.
    const method = this.requireValidChoice(pollId, choice)
    if (method) throw new InvalidRecordError('schema', `Cannot vote: ${method}.`)
    const record = await this.prepare('ballot', { poll: poll.cid, commitment }, refs)
    await this.secrets.set(record.id, { poll: pollId, choice, salt })
    return this.send(record)
  }

  /**
   * Closes a poll (its author or an admin), committing to every voter's latest valid ballot this peer
   * holds. Large ballot sets are split across close-part records published before the close.
   */
  async closePoll(pollId: RecordId): Promise<SignedRecord> {
    const poll = this.requirePoll(pollId)
    const status = this.polls.getPoll(pollId)!.status
    // A second close with another ballot set would only make the poll disputed.
    if (status === 'final' || status === 'revealing' || status === 'disputed')
      throw new InvalidArgumentError(`This poll is already ${status === 'disputed' ? 'disputed' : 'closed'}; it cannot be closed again.`)
    const ids = this.polls
      .countedBallots(pollId)
      .map((cid) => ({ cid, key: cidString(cid) }))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map(({ cid }) => cid)
    const perRecord = Math.max(1, Math.min(BALLOTS_PER_CLOSE_RECORD, Math.floor((this.maxRecordBytes() - 1024) / 40)))
    const close = { poll: poll.cid, count: ids.length, digest: ballotSetDigest(ids) }
    if (ids.length <= perRecord) return this.publish('close', { ...close, ballots: ids, parts: [] }, [poll.cid])
    // The closer's right is checked before any part is published: an empty close stands in for it.
    const closer = await this.prepare('close', { poll: poll.cid, count: 0, digest: ballotSetDigest([]), ballots: [], parts: [] }, [
      poll.cid,
    ])
    const refusal = this.dryRun(closer)
    if (refusal) throw new NotAuthorizedError(`Cannot close: ${refusal.detail}.`)
    const parts: CID[] = []
    for (let i = 0; i < ids.length; i += perRecord) {
      parts.push((await this.publish('close-part', { poll: poll.cid, ballots: ids.slice(i, i + perRecord) }, [poll.cid])).cid)
    }
    return this.publish('close', { ...close, ballots: [], parts }, [poll.cid])
  }

  /** Publishes the reveal of this identity's secret ballot in a poll (done automatically on close by default). */
  async revealBallot(pollId: RecordId): Promise<SignedRecord | undefined> {
    // The committed ballot, not the latest: a ballot cast after the close must not hide the counted one.
    const ballot = this.polls.committedBallotOf(pollId, this.identity.did)
    const close = this.polls.effectiveClose(pollId)
    const secret = ballot && (await this.secrets.get(ballot.id))
    if (!ballot || !close || !secret) return undefined
    const poll = this.requirePoll(pollId)
    return this.publish(
      'reveal',
      { poll: poll.cid, ballot: ballot.cid, close: close.record.cid, choice: secret.choice, salt: secret.salt },
      [ballot.cid],
    )
  }

  /** Resolves when a record with this id has been accepted (immediately if it already has). */
  whenRecord(id: RecordId, signal?: AbortSignal): Promise<void> {
    if (this.hasRecord(id)) return Promise.resolve()
    if (this.closed) return Promise.reject(new ClosedError('space'))
    return new Promise((resolve, reject) => {
      const stop = this.subscribe(() => {
        if (this.hasRecord(id)) done(resolve)
      })
      const onClose = () => done(() => reject(new ClosedError('space')))
      this.closeWaiters.add(onClose)
      const onAbort = () => done(() => reject(signal?.reason ?? new Error('aborted')))
      const done = (finish: () => void) => {
        stop()
        this.closeWaiters.delete(onClose)
        signal?.removeEventListener('abort', onAbort)
        finish()
      }
      if (signal?.aborted) onAbort()
      else signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /**
   * Signs a record of any registered kind, checks it exactly as peers will, and hands it to the replica.
   * Resolves after the replica stored it durably. Throws instead of publishing what peers would reject.
   */
  async publish<B>(kind: KindDefinition<B> | string, body: B, refs: readonly CID[] = []): Promise<SignedRecord<B>> {
    return (await this.send(await this.prepare(typeof kind === 'string' ? kind : kind.name, body, refs))) as SignedRecord<B>
  }

  /** Signs a record and checks it as peers will, without publishing it. */
  private async prepare(kind: string, body: unknown, refs: readonly CID[]): Promise<SignedRecord> {
    if (this.closed) throw new ClosedError('space')
    const checked = this.kinds.require(kind).validate(body, 'body')
    if (!checked.ok) throw new InvalidRecordError('schema', `Cannot ${kind}: ${checked.error}.`)
    const record = await signRecord(this.identity, {
      kind,
      space: this.cid,
      hlc: this.clock.now(),
      refs: this.causalRefs(kind, refs),
      body: checked.value,
    })
    if (record.bytes.length > this.maxRecordBytes()) {
      throw new InvalidRecordError(
        'too-large',
        `The ${kind} record would be ${record.bytes.length} bytes; this space accepts at most ${this.maxRecordBytes()}.`,
      )
    }
    const refusal = this.dryRun(record)
    if (refusal) {
      if (refusal.reason === 'not-authorized') throw new NotAuthorizedError(`Cannot ${kind}: ${refusal.detail}.`)
      throw new InvalidRecordError(refusal.reason, `Cannot ${kind}: ${refusal.detail}.`)
    }
    return record
  }

  /** Hands a prepared record to the replica (durable when this resolves) and folds it locally. */
  private async send(record: SignedRecord): Promise<SignedRecord> {
    if (this.closed) throw new ClosedError('space')
    await this.sealing.replica.addRecords([record])
    this.accept([this.compact(record)], [])
    return record
  }

  /**
   * Validates and folds entries from a replica (or any untrusted source), as they travel: a private
   * space's frames are opened first. Never throws for bad input.
   */
  ingest(entries: readonly ReplicaEntry[]): Promise<SpaceChange> {
    return this.track(this.validateAndAccept(entries, true))
  }

  /** Entries the sealing layer already opened (its `getAll`, frames whose key came later). */
  private ingestOpened(entries: readonly ReplicaEntry[]): Promise<SpaceChange> {
    return this.track(this.validateAndAccept(entries, false))
  }

  private track(work: Promise<SpaceChange>): Promise<SpaceChange> {
    this.pending.add(work)
    const done = () => this.pending.delete(work)
    work.then(done, done)
    return work
  }

  /** Resolves when every entry received so far has been validated and folded (for tests and tools). */
  async idle(): Promise<void> {
    await this.sealing.replica.idle()
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending])
      await this.sealing.replica.idle()
    }
    await Promise.allSettled([...this.verifiedWrites])
  }

  private async validateAndAccept(entries: readonly ReplicaEntry[], sealed: boolean): Promise<SpaceChange> {
    const { valid, rejected } = await this.validateAll(entries, this.validationContext(), sealed)
    if (this.closed) return { added: [], rejected, membershipChanged: false }
    // A large batch (a join, an open) is folded a slice at a time, the views updating after each (slices.ts).
    return foldInSlices(valid, rejected, (slice, slicedRejected) => this.accept(slice, slicedRejected), { stop: () => this.closed })
  }

  /** `sealed`: the entries are as they travel, and a private space's frames are opened first, each just before its validation. */
  private async validateAll(
    entries: readonly ReplicaEntry[],
    context = this.validationContext(),
    sealed = false,
  ): Promise<{ valid: SignedRecord[]; rejected: Rejection[] }> {
    const opener = this.sealing.replica
    const results = await mapConcurrently(entries, VALIDATION_CONCURRENCY, (entry): Opened | Promise<Opened> => {
      if (!sealed) return this.openedResult(entry, context)
      const opened = opener.openOne(entry)
      if (!(opened instanceof Promise)) return opened ? this.openedResult(opened, context) : { result: { ok: undefined } }
      return opened.then((later) => (later ? this.openedResult(later, context) : { result: { ok: undefined } }))
    })
    const arrivals: { record: SignedRecord; sealed: boolean }[] = []
    const rejected: Rejection[] = []
    for (const { result, entry } of results) {
      if (result.ok === true) arrivals.push({ record: result.value, sealed: entry?.sealed === true })
      else if (result.ok === false) {
        rejected.push(result.rejection)
        if ('kind' in result && entry && result.rejection.id !== undefined) this.holdUnknown(result.rejection, result.kind, entry)
      }
    }
    // Sealed in a private space, plain in a public one, as the genesis says (space-sealing.ts).
    return { valid: this.sealing.admit(arrivals, rejected), rejected }
  }

  /** `stored`: entries the replica gave at open, each once and none a restored poll's unread ballot. */
  private validationContext(stored = false): ValidationContext {
    return {
      spaceCid: this.cid,
      maxBytes: this.genesis ? this.maxRecordBytes() : HARD_MAX_RECORD_BYTES,
      schemas: this.kinds.schemas,
      isKnown: stored ? (id) => this.records.has(id) || this.unknown.has(id) : (id) => this.hasRecord(id) || this.unknown.has(id),
      isVerified: (id) => this.verifiedBefore?.(id) ?? false,
    }
  }

  /**
   * For stored entries a checkpoint covers (the restored polls' ballots): verified here before,
   * with ids the replica computed, so no signature is checked again and validation is synchronous.
   */
  private coveredContext(): ValidationContext {
    return { ...this.validationContext(true), isVerified: () => true }
  }

  private openedResult(entry: ReplicaEntry, context: ValidationContext): Opened | Promise<Opened> {
    const result = this.validateOne(entry, context)
    return result instanceof Promise ? result.then((settled) => ({ result: settled, entry })) : { result, entry }
  }

  private validateOne(entry: ReplicaEntry, context: ValidationContext): Validation | Promise<Validation> {
    try {
      // The entry is the options: a literal per entry here was a tenth of what opening allocated.
      const result = validateEntry(entry.bytes, context, entry)
      if (!(result instanceof Promise)) return this.kept(result)
      return result.then(
        (settled) => this.kept(settled),
        (error: unknown) => malformed(entry, error),
      )
    } catch (error) {
      return malformed(entry, error)
    }
  }

  /** A signed record of a kind not registered here: held, with its entry, until `registerKind`. */
  private holdUnknown(rejection: Rejection, kind: string, entry: ReplicaEntry): void {
    this.unknown.hold(rejection.id!, kind, entry)
    this.held.set(rejection.id!, rejection)
  }

  /** Kept form at once: the decoded record then dies young instead of living through the batch. */
  private kept(result: Validation): Validation {
    return result.ok === true ? { ok: true, value: this.compact(result.value) } : result
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.unsubscribe()
    clearTimeout(this.checkpointTimer)
    clearTimeout(this.rotationTimer)
    this.rotationCancelled?.()
    for (const waiter of [...this.closeWaiters]) waiter()
    this.listeners.clear()
    await Promise.allSettled([...this.verifiedWrites])
    await this.checkpointSave
    if (this.checkpointStale) await this.saveCheckpoint()
    await this.replica.close()
  }

  // ---- checkpoints (see checkpoint.ts) -------------------------------------------------------

  private async loadCheckpoint(): Promise<Checkpoint | undefined> {
    if (!this.useCheckpoint) return undefined
    try {
      return decodeCheckpoint(await this.replica.checkpoint!.load(), this.id)
    } catch {
      // Unreadable: every record is read as before there were checkpoints.
      return undefined
    }
  }

  /**
   * Opens with a checkpoint that describes the stored entries: the ballots of each poll it restores
   * stay unread, everything else is validated and folded as usual. What the checkpoint does not
   * cover may change what it says: a poll such a record touches is counted again, and all of them if
   * it changes the membership.
   */
  private async restore({ checkpoint, unread, rest, held, fresh }: RestorePlan): Promise<void> {
    // The verified list is for what the checkpoint does not cover; after a clean close, nothing.
    const verified = fresh > 0 ? await loadVerifiedIds(this.replica) : undefined
    this.verifiedBefore = (id) => held.has(id) || (verified?.has(id) ?? false)
    const restoring: Restoring = { held, polls: new Map(), unread: undefined }
    checkpoint.polls.forEach((poll, index) => {
      if (poll.count > 0)
        restoring.polls.set(poll.id, { poll: this.restoredPoll(checkpoint, index, unread[index]!), entries: unread[index]!, next: 0 })
    })
    const candidates = [...restoring.polls]
    const { valid, rejected } = await this.validateAll(rest, this.validationContext(true))
    let covered = 0
    const uncovered = (record: SignedRecord) => {
      if (MEMBERSHIP_KINDS.has(record.kind)) restoring.polls.clear()
      else if (POLL_KINDS.has(record.kind)) restoring.polls.delete(record.kind === 'poll' ? record.id : pollIdOf(record))
    }
    for (const record of valid) {
      if (held.has(record.id)) covered++
      else uncovered(record)
    }
    // Records from peers that were folded while the stored ones were validated count as well.
    for (const record of this.records.values()) if (!held.has(record.id)) uncovered(record)
    // A record held then and refused now: this version judges differently, so nothing is taken on trust.
    if (covered !== held.size) restoring.polls.clear()
    const dropped = candidates.filter(([id]) => !restoring.polls.has(id))
    if (dropped.length > 0) {
      // Verified here before (the checkpoint covers them), so their signatures are not checked again.
      const again = await this.validateAll(
        dropped.flatMap(([, pending]) => pending.entries),
        this.coveredContext(),
      )
      valid.push(...again.valid)
      rejected.push(...again.rejected)
    }
    if (this.closed) return
    this.restoring = restoring.polls.size > 0 ? restoring : undefined
    this.accept(valid, rejected, true)
    // A restored poll that did not become one (its poll record was refused here): its ballots are read now.
    for (const pollId of [...(this.restoring?.polls.keys() ?? [])]) {
      if (this.polls.isRestored(pollId)) continue
      for (const rejection of this.readRestored(pollId, Infinity)) this.rejections.add(rejection)
    }
    this.checkpointStale = fresh > 0 || dropped.length > 0
  }

  private restoredPoll(checkpoint: Checkpoint, index: number, entries: readonly ReplicaEntry[]): RestoredPoll {
    const poll = checkpoint.polls[index]!
    let mine: SignedRecord | undefined
    return {
      outcome: poll.outcome,
      // Whose ballot the checkpoint knows: its writer's, counted or none (apps ask at every render).
      mine:
        checkpoint.writer === this.identity.did
          ? {
              voter: this.identity.did,
              id: poll.mine,
              ballot: () => {
                const entry = mine || !poll.mine ? undefined : entries.find((candidate) => candidate.claimedId === poll.mine)
                const result = entry && this.validateOne(entry, this.coveredContext())
                if (result && !(result instanceof Promise) && result.ok === true) mine = result.value
                return mine
              },
            }
          : undefined,
    }
  }

  /** Whether `id` is a stored ballot of a restored poll that has not been read yet. */
  private isUnread(id: RecordId): boolean {
    const restoring = this.restoring
    if (!restoring) return false
    if (!restoring.unread) {
      // Built when first asked, not at open: most opens never need it before the ballots are read.
      restoring.unread = new Set()
      for (const { entries } of restoring.polls.values()) for (const entry of entries) restoring.unread.add(entry.claimedId!)
    }
    return restoring.unread.has(id)
  }

  /**
   * Reads up to `limit` unread ballots of a restored poll and folds them; with the last ones, the
   * poll's outcome is its own again. Verified here before (the checkpoint covers them), so this is
   * synchronous and checks no signature.
   */
  private readRestored(pollId: RecordId, limit: number): Rejection[] {
    const pending = this.restoring?.polls.get(pollId)
    if (!pending) return []
    const end = Math.min(pending.entries.length, pending.next + limit)
    const context = this.coveredContext()
    const records: SignedRecord[] = []
    const rejected: Rejection[] = []
    const later: ReplicaEntry[] = []
    for (let i = pending.next; i < end; i++) {
      const entry = pending.entries[i]!
      const result = this.validateOne(entry, context)
      if (result instanceof Promise) later.push(entry)
      else if (result.ok === false) rejected.push(result.rejection)
      else if (result.ok === true && !this.records.has(result.value.id)) {
        this.records.set(result.value.id, result.value)
        this.clock.observe(result.value.hlc)
        // Their poll is here and ready, so they are ready at once (anything else waits as usual).
        const ready = this.graph.add(result.value)
        if (ready.length === 0) this.wait(result.value, rejected)
        for (const now of ready) {
          this.becameReady(now)
          if (now === result.value) records.push(now)
          else this.fold(now, rejected)
        }
      }
    }
    pending.next = end
    const last = end === pending.entries.length
    if (last) {
      this.restoring!.polls.delete(pollId)
      if (this.restoring!.polls.size === 0) this.restoring = undefined
    }
    if (this.polls.isRestored(pollId)) rejected.push(...this.polls.foldRestored(pollId, records, last))
    else for (const record of records) this.fold(record, rejected)
    // Not expected (their ids came with them), but never lost: validated the usual way.
    if (later.length > 0) void this.ingestOpened(later)
    return rejected
  }

  private readAllRestored(): void {
    while (this.restoring) {
      const [pollId] = this.restoring.polls.keys()
      for (const rejection of this.readRestored(pollId!, Infinity)) this.rejections.add(rejection)
    }
  }

  /** Reads the restored polls' ballots in slices, yielding between them, so that the views stay responsive. */
  private readRestoredInBackground(): void {
    if (!this.restoring) return
    const work = (async () => {
      while (this.restoring && !this.closed) {
        await new Promise((resolve) => setTimeout(resolve, 0))
        if (!this.restoring || this.closed) return
        const [pollId] = this.restoring.polls.keys()
        const rejected = this.readRestored(pollId!, RESTORE_SLICE)
        for (const rejection of rejected) this.rejections.add(rejection)
        if (rejected.length > 0 || !this.restoring?.polls.has(pollId!)) {
          this.versionCounter++
          this.emit({ added: [], rejected, membershipChanged: false })
        }
      }
    })()
    this.pending.add(work)
    void work.finally(() => this.pending.delete(work))
  }

  /** Saves a checkpoint a while after records changed, so a device that is never closed cleanly (a tab) has one too. */
  private scheduleCheckpoint(): void {
    if (!this.useCheckpoint || this.closed || this.checkpointTimer !== undefined) return
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = undefined
      if (!this.closed && this.checkpointStale) this.checkpointSave = this.saveCheckpoint()
    }, CHECKPOINT_DELAY_MS)
    // Node: a pending checkpoint must not keep a process alive (browsers have no unref).
    ;(this.checkpointTimer as { unref?: () => void }).unref?.()
  }

  /**
   * Describes the replica's entries as they are now: what each one is to the space, and the outcome
   * of every public poll whose valid ballots are all among them. The entries come first, then the
   * views are read in one synchronous step: a record folded in between is not covered, and a poll
   * it touched is counted again at the next open.
   */
  private async saveCheckpoint(): Promise<void> {
    const store = this.replica.checkpoint
    if (!store || !this.useCheckpoint) return
    this.checkpointStale = false
    try {
      const entries = await this.sealing.replica.entryIds()
      // The checkpoint describes polls from their own state.
      this.readAllRestored()
      const checkpoint = await describeEntries(
        this.id,
        this.identity.did,
        entries,
        (id) => this.records.get(id)?.kind,
        this.polls.toCheckpoint(this.identity.did),
      )
      await store.save(encodeCheckpoint(checkpoint))
    } catch (error) {
      // Costs a slower open, nothing else; tried again after the next change.
      this.checkpointStale = true
      if (!this.closed) console.error('townhall: saving the view checkpoint failed', error)
    }
  }

  // ---- internals ---------------------------------------------------------------------------

  /**
   * Folds validated records, each already in its kept form (`compact`). `opening`: the records read
   * at open, on which restored polls (`restoring`) are built.
   */
  private accept(valid: readonly SignedRecord[], rejected: Rejection[], opening = false): SpaceChange {
    const stored: SignedRecord[] = []
    for (const record of valid) {
      // Checked here, not only during validation: the same record can arrive twice in one batch or in concurrent batches.
      if (this.records.has(record.id)) continue
      this.records.set(record.id, record)
      stored.push(record)
    }
    this.rememberVerified(stored)
    for (const record of stored) if (record.kind === 'epoch') this.learnEpochKey(record as EpochRecord)
    // Records whose past is all here, each after its past; the others wait for theirs.
    const fresh: SignedRecord[] = []
    for (const record of stored) {
      const ready = this.graph.add(record)
      if (ready.length === 0) this.wait(record, rejected)
      for (const now of ready) this.becameReady(now)
      fresh.push(...ready)
    }
    const membershipChanged = fresh.some((record) => MEMBERSHIP_KINDS.has(record.kind))
    let added: RecordId[] = []
    if (fresh.length > 0 && !opening) {
      this.checkpointStale = true
      this.scheduleCheckpoint()
    }
    // Outcomes a checkpoint gave hold for the membership it saw: a new one means counting again.
    if (membershipChanged && !opening) this.readAllRestored()
    if (membershipChanged) {
      // Opening folds every record at once: no set of 100k fresh ids to tell them from none.
      added = this.rebuild(rejected, fresh.length === this.records.size ? 'all' : new Set(fresh.map((record) => record.id)))
    } else {
      for (const record of fresh) if (this.fold(record, rejected)) added.push(record.id)
    }
    for (const record of stored) this.clock.observe(record.hlc)
    for (const rejection of rejected) this.rejections.add(rejection)
    const change: SpaceChange = { added, rejected, membershipChanged }
    if (stored.length > 0 || rejected.length > 0) {
      this.versionCounter++
      this.emit(change)
    }
    if (fresh.some((record) => record.kind === 'close' || record.kind === 'close-part' || record.kind === 'ballot')) this.revealDue()
    if (membershipChanged || fresh.some((record) => record.kind === 'epoch')) this.considerRotation()
    return change
  }

  /**
   * The record as the space keeps it (kept-record.ts), with the CIDs it names shared with every
   * other record naming them: each decoded CID is five objects (~400 bytes), and every ballot names
   * the space and its poll, twice.
   */
  private compact(record: SignedRecord): SignedRecord {
    const space = record.space && sameCid(record.space, this.cid) ? this.cid : record.space
    const refs = record.refs.map((ref) => this.intern(ref))
    let body = record.body
    if (body !== null && typeof body === 'object' && !Array.isArray(body) && !(body instanceof Uint8Array)) {
      let copy: Record<string, unknown> | undefined
      // `for in`, not Object.entries: a pair array per field of every record was 6% of what opening allocated.
      // Bodies are decoded plain objects: every enumerable key is their own.
      for (const key in body) {
        const cid = CID.asCID((body as Record<string, unknown>)[key])
        if (cid) (copy ??= { ...(body as Record<string, unknown>) })[key] = this.intern(cid)
      }
      body = copy ?? body
    }
    return keptRecord(record, space, refs, body)
  }

  private intern(cid: CID): CID {
    if (sameCid(cid, this.cid)) return this.cid
    // Records come in runs that name the same CID (a poll's ballots): no key string for those.
    if (this.lastCid && sameCid(this.lastCid, cid)) return this.lastCid
    this.lastCid = this.internByBytes(cid)
    return this.lastCid
  }

  private internByBytes(cid: CID): CID {
    const key = String.fromCharCode(...cid.bytes)
    const known = this.cids.get(key)
    if (known) return known
    this.cids.set(key, cid)
    return cid
  }

  /** Lists records verified in this session (received or signed here) so a later open skips their checks. */
  private rememberVerified(records: readonly SignedRecord[]): void {
    const log = this.replica.verified
    if (!log || this.closed) return
    const ids: RecordId[] = []
    for (const record of records) if (!this.verifiedBefore?.(record.id)) ids.push(record.id)
    if (ids.length === 0) return
    // A failed write costs only a verification on the next open; it must not fail the ingest.
    const write = log.add(ids).catch(() => {})
    this.verifiedWrites.add(write)
    void write.then(() => this.verifiedWrites.delete(write))
  }

  /** A record whose past is not all here: held, with what it waits for, until the graph makes it ready. */
  private wait(record: SignedRecord, rejected: Rejection[]): void {
    const missing = [...this.graph.missingFor(record.id)]
    const rejection: Rejection = {
      reason: 'missing-dependency',
      detail: `waits for ${missing.length} record(s) it names: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`,
      id: record.id,
      author: record.author,
    }
    if (!this.held.has(record.id)) rejected.push(rejection)
    this.held.set(record.id, rejection)
    this.polls.noteWaiting(record)
  }

  /** Keeps what a new record of this identity names: the heads it has seen and its own latest record. */
  private becameReady(record: SignedRecord): void {
    if (this.held.get(record.id)?.reason === 'missing-dependency') this.held.delete(record.id)
    if (LIGHT_KINDS.has(record.kind)) return
    if (record.author === this.identity.did && (!this.ownLatest || compareCausal(record, this.ownLatest) > 0)) this.ownLatest = record
    for (const cid of dependenciesOf(record)) this.heads.delete(cidString(cid))
    this.heads.add(record.id)
  }

  /**
   * The refs of a record this identity signs: what it acts on, its own latest record, and the heads
   * of what it has seen (authority records first), so that its past holds everything its author
   * knew that others' rights depend on. Ballots name only their poll, the voter's previous ballot and
   * own latest record: there are many of them, and nothing anyone else may do depends on what a voter
   * saw. Nothing but a re-vote names a ballot, so a checkpoint's unread ballots hold nothing up.
   */
  private causalRefs(kind: string, subjects: readonly CID[]): CID[] {
    const refs = new Map<string, CID>()
    for (const cid of subjects) refs.set(cidString(cid), cid)
    const own = this.ownLatest
    if (own && !refs.has(own.id)) refs.set(own.id, own.cid)
    if (LIGHT_KINDS.has(kind)) return [...refs.values()]
    const heads = [...this.heads]
      .map((id) => this.records.get(id))
      .filter((record): record is SignedRecord => record !== undefined && record.id !== this.id)
      .sort((a, b) => Number(AUTHORITY_HEADS.has(b.kind)) - Number(AUTHORITY_HEADS.has(a.kind)) || compareCausal(b, a))
    for (const head of heads) {
      if (refs.size >= MAX_REFS) break
      if (!refs.has(head.id)) refs.set(head.id, head.cid)
    }
    return [...refs.values()]
  }

  /** Folds one content record into the views if authorized; returns whether it entered them. */
  private fold(record: SignedRecord, rejected: Rejection[]): boolean {
    const refusal = this.judge(record)
    if (refusal?.reason === 'too-large') {
      // Accepted provisionally before the genesis set the limit: over it, the record is dropped for good.
      this.records.delete(record.id)
      rejected.push(refusal)
      return false
    }
    if (refusal) {
      if (!this.held.has(record.id)) rejected.push(refusal)
      this.held.set(record.id, refusal)
      return false
    }
    const part = this.kinds.get(record.kind)?.part
    if (part === 'polls') {
      rejected.push(...this.polls.add(record))
      return !this.polls.held.has(record.id)
    }
    this.held.delete(record.id)
    if (part === 'epoch') {
      this.sealing.fold(record as EpochRecord)
      return true
    }
    if (part !== 'feed') {
      // An app's kind: its views.
      this.views.add(record)
      return true
    }
    this.feed.add(record)
    // Edits and retractions of this post by someone else that arrived earlier are refused now, so
    // what is held does not depend on arrival order.
    if (record.kind === 'post') {
      for (const other of this.feed.changesOf(record.id)) {
        if (other.author === record.author || this.held.has(other.id)) continue
        const rejection: Rejection = {
          reason: 'invalid-reference',
          detail: `only the author of ${record.id} may ${other.kind} it`,
          id: other.id,
          author: other.author,
        }
        this.held.set(other.id, rejection)
        rejected.push(rejection)
      }
    }
    return true
  }

  private judge(record: SignedRecord): Rejection | undefined {
    if (!this.membership || !this.genesis) {
      return { reason: 'not-authorized', detail: 'the space genesis has not arrived yet', id: record.id, author: record.author }
    }
    if (record.bytes.length > this.maxRecordBytes()) {
      return {
        reason: 'too-large',
        detail: `record is ${record.bytes.length} bytes; this space accepts at most ${this.maxRecordBytes()}`,
        id: record.id,
        author: record.author,
      }
    }
    if (POLL_KINDS.has(record.kind)) return undefined
    return authorizeContent(
      record,
      {
        membership: this.membership,
        postAuthor: (id) => this.feed.postAuthor(id),
        kindOf: (id) => this.records.get(id)?.kind,
        get: (id) => this.records.get(id),
      },
      this.kinds.get(record.kind),
    )
  }

  /**
   * Membership changed: recompute it from all records and re-judge every content record. Rare by
   * nature. `fresh`: the records of this change, already in `records` but not yet in any view
   * ('all' when there were none before).
   */
  private rebuild(rejected: Rejection[], fresh: ReadonlySet<RecordId> | 'all'): RecordId[] {
    const heldBefore = new Set(this.held.keys())
    const wasVisible = (id: RecordId) => fresh !== 'all' && !fresh.has(id) && !heldBefore.has(id)
    const membershipRecords: SignedRecord[] = []
    const ready: SignedRecord[] = []
    for (const record of this.records.values()) {
      if (!this.graph.isReady(record)) continue
      ready.push(record)
      if (record.kind === 'space') this.genesis = record as SignedRecord<BodyOf<'space'>>
      else if (MEMBERSHIP_KINDS.has(record.kind)) membershipRecords.push(record)
    }
    const previouslyRejected = this.membership?.rejected ?? new Map<RecordId, Rejection>()
    this.membership = this.genesis ? foldMembership(this.genesis, membershipRecords, this.graph) : undefined
    this.sealing.reset()
    if (this.genesis) this.sealing.sealWith(() => this.sealing.current((did) => this.isMember(did)))
    for (const [id, rejection] of this.membership?.rejected ?? []) if (!previouslyRejected.has(id)) rejected.push(rejection)
    this.feed = new FeedState()
    this.views.reset()
    const previouslyHeld = this.polls.held
    this.polls = this.newPollState()
    const added: RecordId[] = []
    const refolded: Rejection[] = []
    for (const id of this.graph.waiting().keys()) {
      const record = this.records.get(id)
      if (record) this.polls.noteWaiting(record)
    }
    // Record order (each after its past), so anything logged during a rebuild does not depend on arrival order.
    for (const record of ready.sort(compareCausal)) {
      if (MEMBERSHIP_KINDS.has(record.kind)) {
        if (!this.membership?.rejected.has(record.id) && !wasVisible(record.id)) added.push(record.id)
        continue
      }
      if (this.fold(record, refolded) && !wasVisible(record.id)) added.push(record.id)
    }
    // Voting records that were already held are not logged again.
    rejected.push(...refolded.filter((rejection) => rejection.id === undefined || !previouslyHeld.has(rejection.id)))
    return added
  }

  /** Would peers reject this locally signed record? Judged against the current record set. */
  private dryRun(record: SignedRecord): Rejection | undefined {
    if (!this.genesis) return { reason: 'not-authorized', detail: 'the space genesis has not synced yet; wait for it' }
    const missing = this.graph.preview(record)
    if (missing.size > 0)
      return { reason: 'missing-dependency', detail: `it names ${[...missing].join(', ')}, which this peer does not hold` }
    if (POLL_KINDS.has(record.kind)) return this.judge(record) ?? this.polls.judge(record)
    if (!MEMBERSHIP_KINDS.has(record.kind)) return this.judge(record)
    const others = [...this.records.values()].filter((r) => AUTHORITY_KINDS.has(r.kind) && this.graph.isReady(r))
    return foldMembership(this.genesis, [...others, record], this.graph).rejected.get(record.id)
  }

  private isMember(did: string): boolean {
    return (this.membership?.roleAt(did) ?? null) !== null
  }

  private mayRotate(): boolean {
    const role = this.membership?.roleAt(this.identity.did) ?? null
    return role === 'founder' || role === 'admin'
  }

  /** A verified epoch record: its key is opened if it was sealed to this member, off the synchronous path. */
  private learnEpochKey(record: EpochRecord): void {
    const work = this.sealing.learn(record, this.identity).then((rejection) => {
      if (!rejection || this.closed) return
      this.rejections.add(rejection)
      this.versionCounter++
      this.emit({ added: [], rejected: [rejection], membershipChanged: false })
    })
    this.pending.add(work)
    void work.finally(() => this.pending.delete(work))
  }

  /**
   * An admin's peer rotates a private space's key by itself when the current epoch no longer
   * reaches exactly the members (someone left, was removed, or joined), after a delay that lets the
   * admin who acted do it first; it looks again when the delay is over.
   */
  private considerRotation(): void {
    if (this.closed || this.rotationTimer !== undefined || !this.sealing.seals || !this.mayRotate()) return
    if (!this.rotationNeeded()) return
    const work = new Promise<void>((resolve) => {
      this.rotationCancelled = resolve
      this.rotationTimer = setTimeout(() => {
        this.rotationTimer = undefined
        // Epoch keys this peer is still opening may already reach everyone.
        const settle = Promise.allSettled([...this.pending].filter((p) => p !== work))
        void settle
          .then(() => (!this.closed && this.mayRotate() && this.rotationNeeded() ? this.rotateKey() : undefined))
          .catch(() => {})
          .finally(resolve)
      }, this.keyRotationDelayMs)
      ;(this.rotationTimer as { unref?: () => void }).unref?.()
    })
    this.pending.add(work)
    void work.finally(() => this.pending.delete(work))
  }

  private rotationNeeded(): boolean {
    const members = new Set<string>(this.getMembers().map((member) => member.did))
    let anyoneRemoved = false
    for (const record of this.records.values()) {
      if (record.kind !== 'role' || (record.body as BodyOf<'role'>).role !== null) continue
      if (this.membership?.rejected.has(record.id) || !this.graph.isReady(record)) continue
      if (!members.has((record.body as BodyOf<'role'>).member)) anyoneRemoved = true
    }
    return this.sealing.rotationNeeded(members, anyoneRemoved)
  }

  private newPollState(): PollState {
    return new PollState({
      membership: () => this.membership,
      hasRecord: (id) => this.hasRecord(id),
      readyRecord: (id) => {
        const record = this.records.get(id)
        return record && this.graph.isReady(record) ? record : undefined
      },
      walkPast: (starts, visit) => this.graph.walk(starts, visit),
      waitingFor: (id) => this.graph.missingFor(id),
      restored: (id) => this.restoring?.polls.get(id)?.poll,
      covered: (id) => this.restoring?.held.has(id) === true,
      materialize: (id) => {
        for (const rejection of this.readRestored(id, Infinity)) this.rejections.add(rejection)
      },
    })
  }

  private requirePoll(id: RecordId): { cid: CID; secret: boolean } {
    const poll = this.polls.getPoll(id)
    if (!poll) throw new UnknownRecordError(String(id).slice(0, 80), 'poll')
    return { cid: this.requireCid(id, 'poll'), secret: poll.secret }
  }

  /** A reason the choice is invalid for the poll's method, or undefined when it is valid. */
  private requireValidChoice(pollId: RecordId, choice: unknown): string | undefined {
    const poll = this.polls.getPoll(pollId)!
    const method = methodByName(poll.method)!
    const checked = method.checkChoice(choice, poll.params, poll.options.length)
    return checked.ok ? undefined : `invalid ${poll.method} choice: ${checked.reason}`
  }

  /** Reveals this identity's committed secret ballots once a close that includes them is known. */
  private revealDue(): void {
    if (!this.autoReveal || this.closed) return
    for (const poll of this.getPolls()) {
      if (!poll.secret || !poll.close) continue
      const mine = this.polls.committedBallotOf(poll.id, this.identity.did)
      if (!mine || this.revealing.has(mine.id) || this.polls.isRevealed(poll.id, mine.id)) continue
      this.revealing.add(mine.id)
      const work = this.revealBallot(poll.id).catch((error: unknown) => {
        this.revealing.delete(mine.id)
        if (!this.closed) console.error('townhall: automatic reveal failed', error)
      })
      // Tracked so that idle() covers the reveal too.
      this.pending.add(work)
      void work.finally(() => this.pending.delete(work))
    }
  }

  private maxRecordBytes(): number {
    return this.genesis?.body.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES
  }

  private withMutes(options: FeedOptions): FeedOptions {
    return { mutedAuthors: this.mutedAuthors, mutedPosts: this.mutedPosts, ...options }
  }

  private toggle(set: Set<string>, value: string, on: boolean): void {
    if (on) set.add(value)
    else set.delete(value)
    this.versionCounter++
    this.emit({ added: [], rejected: [], membershipChanged: false })
  }

  private requireCid(id: RecordId, what: string): CID {
    const cid = parseRecordCid(id)
    if (!cid) throw new InvalidArgumentError(`"${String(id).slice(0, 80)}" is not a ${what} id (a CIDv1 string); pass the id of a record.`)
    return cid
  }

  private emit(change: SpaceChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change)
      } catch (error) {
        // A broken UI callback must not stop the space from folding records for everyone else.
        console.error('townhall: a space listener threw', error)
      }
    }
  }
}

/** Refs a record names at most: its subjects, its author's latest record, then heads. */
const MAX_REFS = 16

/**
 * Ballots read per slice after a restored open: ~20 ms here (100k ballots read in ~1 s after the
 * results showed), short enough that a page stays responsive between slices.
 */
const RESTORE_SLICE = 2000
/** How long after records change a checkpoint is saved (it is saved at close too). */
const CHECKPOINT_DELAY_MS = 10_000

interface Restoring {
  /** The entries the checkpoint says the space held, other than the restored polls' ballots. */
  readonly held: ReadonlySet<string>
  /** Restored polls whose ballots are not all read, by poll id. */
  readonly polls: Map<RecordId, { readonly poll: RestoredPoll; readonly entries: readonly ReplicaEntry[]; next: number }>
  /** Ids of the unread ballots, once asked for (see `isUnread`). */
  unread: Set<string> | undefined
}

export const createSpace = (options: CreateSpaceOptions): Promise<Space> => Space.create(options)
export const openSpace = (options: OpenSpaceOptions): Promise<Space> => Space.open(options)
