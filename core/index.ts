/**
 * townhall: decentralized social and voting state on CRDTs.
 *
 * @example
 * ```ts
 * import { createIdentity, createSpace } from 'townhall'
 * import { memoryNetwork } from 'townhall/testing'
 *
 * const network = memoryNetwork()
 * const alice = await createIdentity()
 * const space = await createSpace({ identity: alice, name: 'Garden club', replica: (id) => network.replica(id) })
 * await space.post('First meeting on Saturday')
 * space.getFeed().map((item) => item.text) // -> ['First meeting on Saturday']
 * ```
 */
export * from './errors.js'
export { type Did, didFromPublicKey, publicKeyFromDid, isDid } from './did.js'
export { type Identity, type ExportedIdentity, createIdentity, exportIdentity, importIdentity, identityFromSecretKey } from './identity.js'
export { type Ed25519Backend, ed25519Backend, useEd25519Backend, nobleBackend } from './ed25519.js'
export { type Hlc, compareHlc, createHlc, type HlcClock, type HlcOptions } from './hlc.js'
export {
  type RecordId,
  type RecordFields,
  type SignedRecord,
  DEFAULT_MAX_RECORD_BYTES,
  HARD_MAX_RECORD_BYTES,
  signRecord,
  openRecord,
  compareRecords,
  recordCid,
} from './record.js'
export { RECORD_FORMAT } from './record-format.js'
export { compareCausal, dependenciesOf, depthOf } from './causal.js'
export { encode, decodeUntrusted, MAX_DEPTH } from './codec.js'
export { storageRejection, type Rejection, type RejectionReason } from './rejection.js'
export { type RejectionSummary } from './rejection-log.js'
export { bodies, type BodyOf, type Role, type GrantableRole, ROLES, MAX_POST_LENGTH, MAX_MENTIONS } from './kinds.js'
export { type Membership, type InviteState } from './membership.js'
export {
  defineKind,
  rules,
  type KindDefinition,
  type KindOptions,
  type BodySchema,
  type AuthorizeContext,
  type AuthorizeRule,
  type Refusal,
} from './kind.js'
export { defineView, type ViewDefinition } from './view.js'
export { KindRegistry } from './kind-registry.js'
export { CORE_KINDS } from './core-kinds.js'
export { isStandardSchema, type StandardSchemaV1, type StandardResult, type StandardIssue } from './standard-schema.js'
export * as schema from './schema.js'
export { type FeedItem, type FeedOptions, type ThreadNode, type Profile, type Reaction } from './feed.js'
export { type ShareLink, formatShareLink, parseShareLink } from './invite.js'
export { isSpaceId } from './space-id.js'
export type {
  Replica,
  ReplicaEntry,
  ReplicaFactory,
  ReplicaContext,
  SyncState,
  Presence,
  PresencePeer,
  VerifiedIds,
  CheckpointStore,
  StorageDamage,
} from './replica.js'
export {
  Space,
  createSpace,
  openSpace,
  type SpaceInfo,
  type SpaceChange,
  type OpenSpaceOptions,
  type CreateSpaceOptions,
  type Invite,
} from './space.js'
export { localReplica } from './local-replica.js'
export { type SpaceExport, type Recount, exportSpace, parseExport, recount } from './export.js'
export { select, type ViewStore } from './select.js'
export { feedOptionsKey } from './view-cache.js'
export {
  type PollView,
  type PollStatus,
  type CloseView,
  type PendingClose,
  type DisputeView,
  type BallotStanding,
  tieOrder,
} from './poll.js'
export { type Eligibility, pollBodies, type PollBodyOf, MAX_LISTED_VOTERS, BALLOTS_PER_CLOSE_RECORD } from './poll-kinds.js'
export { type Quorum, type QuorumView, MAX_QUORUM_BALLOTS, requiredBallots } from './quorum.js'
export { ballotCommitment, ballotSetDigest } from './commitment.js'
export { type BallotSecret, type BallotSecretStore, memorySecretStore } from './secret-store.js'
export { type CreatePollOptions } from './space.js'
export * from './tally/index.js'
export { collapseSpaces, firstDuplicate, textKey, unsafeCharacter } from './text.js'
