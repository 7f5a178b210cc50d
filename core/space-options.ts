/**
 * The shapes a space is opened, created and read with: its options, what it says about itself,
 * and what a change carries. Types only, kept apart so that space.ts holds behaviour.
 */
import type { Did } from './did.js'
import type { HlcOptions } from './hlc.js'
import type { Identity } from './identity.js'
import type { KindDefinition } from './kind.js'
import type { Eligibility } from './poll-kinds.js'
import type { Quorum } from './quorum.js'
import type { RecordId } from './record.js'
import type { Rejection } from './rejection.js'
import type { Replica, ReplicaFactory } from './replica.js'
import type { BallotSecretStore } from './secret-store.js'
import type { MethodName } from './tally/types.js'

export interface SpaceInfo {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly policy: 'open' | 'invite-only'
  readonly founder: Did
  readonly maxRecordBytes: number
  /** 'private': records travel sealed (see `getPrivacy`); 'public': readable by anyone who learns the space id. */
  readonly visibility: 'private' | 'public'
}

export interface SpaceChange {
  /** Records that entered the views in this change. */
  readonly added: readonly RecordId[]
  readonly rejected: readonly Rejection[]
  /** Membership changed, so authorization of everything was re-evaluated. */
  readonly membershipChanged: boolean
}

export interface OpenSpaceOptions {
  readonly id: string
  readonly identity: Identity
  readonly replica: Replica | ReplicaFactory
  /** Space secret from the share link. Replica factories receive it to key transport encryption. */
  readonly secret?: Uint8Array
  readonly clock?: HlcOptions
  /** How many recent rejections to keep (counters are unbounded). */
  readonly rejectionLogSize?: number
  /**
   * Where the salts of secret ballots are kept until they are revealed. Keep it with the identity
   * (IndexedDB in browsers, a private file in Node): a lost salt means an uncounted vote. Default: memory.
   */
  readonly secrets?: BallotSecretStore
  /** Reveal this identity's secret ballots automatically when their poll closes (default true). */
  readonly autoReveal?: boolean
  /**
   * The replica holds a member's plain copy of the records (an export, read for a recount): a
   * private space's records are taken as they are instead of being refused for arriving unsealed.
   * Never for a replica that peers write to.
   */
  readonly plainRecords?: boolean
  /**
   * How long an admin's peer waits before it rotates a private space's key by itself, when members
   * left, were removed or joined since the current epoch (default 3000 ms; a removal made here
   * rotates at once). Other admins may do it first: the wait keeps concurrent rotations rare.
   */
  readonly keyRotationDelayMs?: number
  /**
   * Use and keep the replica's view checkpoint, where it offers one (default true): polls then show
   * their results at open from what this device saved, and their ballots are read afterwards, in
   * slices (see core/checkpoint.ts).
   */
  readonly checkpoint?: boolean
  /**
   * Record kinds of the app (`defineKind`), besides core's own. Records of a kind not registered
   * are held as `unknown-kind`, still replicated, and folded once it is (`Space.registerKind`).
   */
  readonly kinds?: readonly KindDefinition[]
}

export interface CreatePollOptions {
  readonly question: string
  readonly description?: string
  readonly options: readonly string[]
  readonly method: MethodName
  /** Method parameters, e.g. `{ min: 1, max: 2 }` for approval, `{ credits: 100 }` for quadratic. */
  readonly params?: unknown
  /** Default: members of the space. `anyone` is open to Sybil voting. */
  readonly eligibility?: Eligibility
  /** Advisory closing time (ms since epoch), shown to voters; only `closePoll` ends voting. */
  readonly closesAt?: number
  /** Ballots the result needs to stand: `{ minBallots }`, or `{ percent }` of an explicit voter list. */
  readonly quorum?: Quorum
  /** Commit-reveal: choices stay hidden until the poll closes and voters reveal. */
  readonly secret?: boolean
}

export interface CreateSpaceOptions extends Omit<OpenSpaceOptions, 'id' | 'replica'> {
  readonly replica: ReplicaFactory
  readonly name: string
  readonly description?: string
  readonly policy?: 'open' | 'invite-only'
  /** Largest record the space accepts, in bytes (default 64 KiB, at most 1 MiB). */
  readonly maxRecordBytes?: number
  /**
   * 'private' (the default): every record is sealed before it reaches any replica, readable only
   * with the share link's secret and the epoch keys sealed to members (docs/concepts.md, "Private
   * spaces"). 'public': records travel as they are, readable by anyone who learns the space id.
   */
  readonly visibility?: 'private' | 'public'
}

export interface Invite {
  readonly id: RecordId
  /** Share link carrying the space id, the invite and the space secret. Treat it as a secret. */
  readonly link: string
  readonly secret: Uint8Array
}
