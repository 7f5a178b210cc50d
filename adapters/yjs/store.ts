/**
 * Local persistence for a replica: the records this device holds, durable before `append` resolves.
 * The store keeps record bytes, not the Yjs document, so a peer's deletions in the shared document
 * can never reach the disk copy of records this device already had.
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
