/**
 * townhall/orbitdb: a replica over OrbitDB on Helia/libp2p.
 *
 * @example
 * ```ts
 * import { createOrbitdbPeer, orbitdbReplica } from 'townhall/orbitdb'
 * const peer = await createOrbitdbPeer({ libp2p, blockstore, datastore })
 * const space = await createSpace({ identity, name: 'Club', replica: (spaceId) => orbitdbReplica({ spaceId, peer, identity }) })
 * ```
 * In Node, `orbitdbNodeReplica` and `createOrbitdbNodePeer` from `townhall/orbitdb/node` build the
 * libp2p node (TCP, optionally WebSockets), the Level stores and the file record store.
 */
export { orbitdbReplica, type OrbitdbReplica, type OrbitdbReplicaOptions } from './replica.js'
export { createOrbitdbPeer, databaseName, type OrbitdbPeer, type OrbitdbPeerOptions } from './peer.js'
export { pubsubPresence, presenceTopic, type OrbitdbPresence } from './presence.js'
export { toBatches, unbatch, DEFAULT_MAX_BATCH_BYTES, type Batch } from './batch.js'
export { ACCESS_ADDRESS, ACCESS_TYPE, townhallAccess } from './access.js'
export { FOLLOW_PROTOCOL, askToFollow, serveFollowRequests, type FollowAnswer } from './follow.js'
export { memoryRecordStore, type LoadedRecord, type RecordStore, type StoredRecord } from '../../core/adapter/index.js'
export { indexedDbRecordStore } from '../shared/indexeddb-store.js'
