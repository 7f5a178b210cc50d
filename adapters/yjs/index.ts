/**
 * townhall/yjs: a replica over Yjs and y-webrtc.
 *
 * @example
 * ```ts
 * import { createSpace } from 'townhall'
 * import { yjsReplica } from 'townhall/yjs'
 * const space = await createSpace({ identity, name: 'Club', replica: (spaceId) => yjsReplica({ spaceId, signaling: ['ws://127.0.0.1:4444'] }) })
 * ```
 * In Node, use `yjsNodeReplica` from `townhall/yjs/node` (WebRTC, WebSocket and file persistence).
 */
export { yjsReplica, roomName, type YjsReplica, type YjsReplicaOptions } from './replica.js'
export { memoryRecordStore, type LoadedRecord, type RecordStore, type StoredRecord } from './store.js'
export { indexedDbRecordStore } from './indexeddb-store.js'
export { signedPresence, type SignedPresence } from './presence.js'
