/**
 * townhall/automerge: a replica over automerge-repo. Runs in browsers and workers; in Node, use
 * `automergeNodeReplica` from `townhall/automerge/node` (WebSocket from ws, files on disk).
 *
 * @example
 * ```ts
 * import { createSpace } from 'townhall'
 * import { automergeReplica, indexedDbRecordStore, WebSocketClientAdapter } from 'townhall/automerge'
 * import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb'
 * const space = await createSpace({
 *   identity,
 *   name: 'Club',
 *   replica: async (spaceId, { secret }) =>
 *     automergeReplica({
 *       spaceId,
 *       secret,
 *       identity,
 *       network: [new WebSocketClientAdapter('wss://sync.example.org')],
 *       storage: new IndexedDBStorageAdapter('townhall-automerge'),
 *       store: await indexedDbRecordStore(spaceId),
 *     }),
 * })
 * ```
 */
export { automergeReplica, type AutomergeReplica, type AutomergeReplicaOptions } from './replica.js'
export { spaceDocumentId, spaceDocumentUrl, genesisBytes, type SpaceDocument } from './document.js'
export { WebSocketClientAdapter, type WebSocketClientOptions, type WebSocketConstructor } from './websocket-client.js'
export { GuardedNetworkAdapter, checkRepoMessage, sanitizePeerMetadata, DEFAULT_MAX_MESSAGE_BYTES, type GuardOptions } from './guard.js'
export { ephemeralPresence, type EphemeralPresence, type EphemeralPresenceOptions } from './presence.js'
export { memoryRecordStore, type LoadedRecord, type RecordStore, type StoredRecord } from '../../core/adapter/index.js'
export { indexedDbRecordStore } from '../shared/indexeddb-store.js'
