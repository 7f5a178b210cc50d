/**
 * townhall/adapter: everything a replication adapter needs, and all the built-in adapters (yjs,
 * automerge, orbitdb) use besides `townhall` itself. An adapter is a transport handed to the
 * replica skeleton (`openReplicaBase`), which owns the records held, `add`/`getAll`/`subscribe`,
 * dedup, durability before acknowledgement, `close` and the lifecycle states. The kit also has the
 * record ids adapters key by, the checks of what a replica may adopt, batching, the record store
 * contract, and signed (and, for private spaces, sealed) presence. `runReplicaConformance` and
 * `runStoreConformance` in `townhall/testing` check an adapter and its store.
 *
 * @example
 * ```ts
 * import { createIdentity, createSpace } from 'townhall'
 * import { openReplicaBase, type ReplicaBase } from 'townhall/adapter'
 *
 * // The smallest transport: one in-process "room" that every replica of a space joins.
 * const rooms = new Map<string, Set<ReplicaBase>>()
 * async function roomReplica(spaceId: string) {
 *   const base = await openReplicaBase({ spaceId })
 *   const room = rooms.get(spaceId) ?? new Set<ReplicaBase>()
 *   rooms.set(spaceId, room)
 *   room.add(base)
 *   return base.open({
 *     // Untrusted on the other side: `receive` adopts records of the space and delivers the rest for rejection.
 *     publish: (fresh) => room.forEach((other) => other !== base && void other.receive([...fresh.values()], 'room')),
 *     sync: () => ({ peers: room.size - 1, synced: true }),
 *     stop: () => void room.delete(base),
 *   })
 * }
 * const space = await createSpace({ identity: await createIdentity(), name: 'Kit', replica: roomReplica })
 * await space.post('hello')
 * space.getFeed().map((item) => item.text) // -> ['hello']
 * await space.close()
 * ```
 */
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
} from '../replica.js'
export {
  openReplicaBase,
  type ReplicaBase,
  type ReplicaBaseOptions,
  type ReplicaTransport,
  type SkeletonReplica,
} from './replica-skeleton.js'
export { lifecycle, type Lifecycle, type ReplicaState } from './lifecycle.js'
export { memoryRecordStore, type RecordStore, type StoredRecord, type LoadedRecord } from './record-store.js'
export { idOf, idNow } from './record-id.js'
export { isRecordOfSpace, isRecordOfSpaceUnder } from './adoptable.js'
export { freshRecords, storedRecords, toStore, heldEntries, adoptedEntry } from './fresh-records.js'
export { BATCH_VERSION, DEFAULT_MAX_BATCH_BYTES, toBatches, chunkBySize, type Batch } from './batch.js'
export { presenceMessage, verifyPresence, type PresenceClaim } from './presence-signing.js'
export { presenceSeal, type PresenceSeal } from './presence-sealing.js'
export { presenceExpiry, type PresenceExpiry } from './presence-expiry.js'
export {
  presenceRoster,
  type PresenceRoster,
  type PresenceRosterOptions,
  type SignedPresenceClaim,
  type ReceiveResult,
} from './presence-roster.js'
export { concatBytes, equalBytes, utf8, fromUtf8, toBase64Url, fromBase64Url, randomBytes } from '../bytes.js'
