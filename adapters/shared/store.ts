/**
 * Local persistence for a replica: the records this device holds, durable before `append` resolves.
 * The store keeps record bytes, not the replicated document or log, so nothing a peer does to the
 * shared state (deleting or overwriting entries, appending garbage) can reach the copy of records
 * this device already had. Shared by every adapter (yjs, orbitdb).
 */
import type { VerifiedIds } from '../../core/replica.js'

export interface RecordStore {
  load(): Promise<Uint8Array[]>
  append(records: readonly Uint8Array[]): Promise<void>
  /** Ids the space verified, kept next to the records (replicas expose it as `replica.verified`). */
  readonly verified?: VerifiedIds
  close(): Promise<void>
}

export function memoryRecordStore(): RecordStore {
  const records: Uint8Array[] = []
  const verified: string[] = []
  return {
    load: async () => [...records],
    append: async (more) => void records.push(...more),
    verified: { load: async () => [...verified], add: async (ids) => void verified.push(...ids) },
    close: async () => {},
  }
}
