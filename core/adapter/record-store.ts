/**
 * Local persistence for a replica: the records this device holds, durable before `append` resolves.
 * The store keeps record bytes, not the replicated document or log, so nothing a peer does to the
 * shared state (deleting or overwriting entries, appending garbage) can reach the copy of records
 * this device already had. Shared by every adapter (yjs, orbitdb, automerge).
 */
import type { CheckpointStore, StorageDamage, VerifiedIds } from '../replica.js'

/** A record as a replica hands it to its store: its bytes and the id the replica computed from them. */
export interface StoredRecord {
  readonly id: string
  readonly bytes: Uint8Array
}

/**
 * What a store gives back. `id` is the one appended with the bytes; a store may leave it out
 * (records written by older versions, or a store that keeps bytes only), and the replica then hashes
 * the bytes. A store that returns an id vouches that it is the one it was given for those bytes: it
 * spares the replica hashing every record at open (a WebCrypto round trip each in browsers).
 */
export interface LoadedRecord {
  readonly id?: string
  readonly bytes: Uint8Array
}

export interface RecordStore {
  /** Every record appended, in append order. */
  load(): Promise<LoadedRecord[]>
  append(records: readonly StoredRecord[]): Promise<void>
  /** Ids the space verified, kept next to the records (replicas expose it as `replica.verified`). */
  readonly verified?: VerifiedIds
  /** The space's view checkpoint, kept next to the records (replicas expose it as `replica.checkpoint`). */
  readonly checkpoint?: CheckpointStore
  /** What `load` found damaged and set aside (replicas expose it as `replica.getStorageDamage`). */
  getDamage?(): readonly StorageDamage[]
  close(): Promise<void>
}

export function memoryRecordStore(): RecordStore {
  const records: StoredRecord[] = []
  const verified: string[] = []
  let checkpoint: Uint8Array | undefined
  return {
    load: async () => [...records],
    append: async (more) => void records.push(...more),
    verified: { load: async () => [...verified], add: async (ids) => void verified.push(...ids) },
    checkpoint: {
      load: async () => checkpoint,
      save: async (bytes) => void (checkpoint = bytes),
    },
    close: async () => {},
  }
}
