/**
 * A replica that replicates nothing: records live in memory on this device only. For recounts,
 * previews and apps that embed a space without networking. Networked replicas live in adapters/.
 */
import { ClosedError } from './errors.js'
import type { Replica, ReplicaEntry, SyncState } from './replica.js'

export function localReplica(spaceId: string): Replica {
  const store = new Map<string, Uint8Array>()
  const key = (bytes: Uint8Array) => {
    let out = ''
    for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode(...bytes.subarray(i, i + 4096))
    return out
  }
  let closed = false
  const state: SyncState = { peers: 0, synced: true, bytesInFlight: 0, received: 0 }
  return {
    spaceId,
    async add(records) {
      if (closed) throw new ClosedError('replica')
      for (const bytes of records) store.set(key(bytes), bytes)
    },
    async getAll(): Promise<ReplicaEntry[]> {
      if (closed) throw new ClosedError('replica')
      return [...store.values()].map((bytes) => ({ bytes, source: 'local' }))
    },
    subscribe: () => () => {},
    getSyncState: () => state,
    subscribeSyncState: () => () => {},
    async close() {
      closed = true
      store.clear()
    },
  }
}
