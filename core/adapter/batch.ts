/**
 * Records that travel together: one `add` call's records, in batches of bounded size. The OrbitDB
 * adapter puts one batch in each log entry; the Automerge adapter puts one under each key of its
 * document. The shape is the same dag-cbor map on both: `{ townhall: 1, records: [bytes, …] }`.
 */

export const BATCH_VERSION = 1

export interface Batch {
  readonly townhall: typeof BATCH_VERSION
  readonly records: readonly Uint8Array[]
}

/** A conservative default: far below gossipsub's and bitswap's message limits (1 MiB and up). */
export const DEFAULT_MAX_BATCH_BYTES = 512 * 1024

/** Splits records into batches of at most `maxBytes` of record bytes each (a larger record goes alone). */
export function toBatches(records: readonly Uint8Array[], maxBytes = DEFAULT_MAX_BATCH_BYTES): Batch[] {
  return chunkBySize(records, (record) => record, maxBytes).map((chunk) => ({ townhall: BATCH_VERSION, records: chunk }))
}

/** Splits items, in order, into runs of at most `maxBytes` of their records' bytes each (a larger record goes alone). */
export function chunkBySize<T>(items: readonly T[], recordOf: (item: T) => Uint8Array, maxBytes = DEFAULT_MAX_BATCH_BYTES): T[][] {
  const chunks: T[][] = []
  let current: T[] = []
  let size = 0
  for (const item of items) {
    const length = recordOf(item).length
    if (current.length > 0 && size + length > maxBytes) {
      chunks.push(current)
      current = []
      size = 0
    }
    current.push(item)
    size += length
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}
