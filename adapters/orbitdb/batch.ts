/**
 * What one OrbitDB log entry carries: a batch of records, all those of one `add` call (split only
 * when a call is larger than `maxBatchBytes`). The entry is dag-cbor, so the batch is a dag-cbor map
 * `{ townhall: 1, records: [bytes, …] }` inside it: one signature check, one block and one
 * pubsub message per batch instead of one per record.
 *
 * Entries come from any peer that can reach the log. `unbatch` never throws: a well-formed batch
 * yields its records, anything else yields the payload itself, for the space to reject.
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
  const batches: Batch[] = []
  let current: Uint8Array[] = []
  let size = 0
  for (const record of records) {
    if (current.length > 0 && size + record.length > maxBytes) {
      batches.push({ townhall: BATCH_VERSION, records: current })
      current = []
      size = 0
    }
    current.push(record)
    size += record.length
  }
  if (current.length > 0) batches.push({ townhall: BATCH_VERSION, records: current })
  return batches
}

/**
 * The values an entry's payload hands to the space. OrbitDB's `events` type wraps what was added as
 * `{ op: 'ADD', key: null, value }`; a peer may have appended anything else.
 */
export function unbatch(payload: unknown): { readonly wellFormed: boolean; readonly values: readonly unknown[] } {
  const value = isRecord(payload) && payload.op === 'ADD' ? payload.value : undefined
  if (isRecord(value) && value.townhall === BATCH_VERSION && Array.isArray(value.records)) {
    return { wellFormed: value.records.every((item) => item instanceof Uint8Array), values: value.records }
  }
  return { wellFormed: false, values: [payload] }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}
