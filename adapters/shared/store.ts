/**
 * Local persistence for a replica: the records this device holds, durable before `append` resolves.
 * The store keeps record bytes, not the replicated document or log, so nothing a peer does to the
 * shared state (deleting or overwriting entries, appending garbage) can reach the copy of records
 * this device already had. Shared by every adapter (yjs, orbitdb).
 */
export interface RecordStore {
  load(): Promise<Uint8Array[]>
  append(records: readonly Uint8Array[]): Promise<void>
  close(): Promise<void>
}

export function memoryRecordStore(): RecordStore {
  const records: Uint8Array[] = []
  return {
    load: async () => [...records],
    append: async (more) => void records.push(...more),
    close: async () => {},
  }
}
