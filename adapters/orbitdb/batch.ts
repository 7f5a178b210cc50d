/**
 * What one OrbitDB log entry carries: a batch of records, all those of one `add` call (split only
 * when a call is larger than `maxBatchBytes`). The entry is dag-cbor, so the batch is a dag-cbor map
 * `{ townhall: 1, records: [bytes, …] }` inside it: one signature check, one block and one
 * pubsub message per batch instead of one per record.
 *
 * Entries come from any peer that can reach the log. `unbatch` never throws: a well-formed batch
 * yields its records, anything else yields the payload itself, for the space to reject.
 */

import { BATCH_VERSION } from '../../core/adapter/index.js'

export { BATCH_VERSION, DEFAULT_MAX_BATCH_BYTES, toBatches, type Batch } from '../../core/adapter/index.js'

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
