/**
 * Records that arrive together sit in the space's document as one value: a dag-cbor batch
 * (`{ townhall: 1, records: [bytes, …] }`) under the CID of its own bytes. Automerge's costs grow
 * with the number of map keys, not with the bytes under them: 1,000 records applied to a loaded
 * document of 10k took 14.3 s as 1,000 keys and 5 ms as one value, and a space of 100k records
 * one key each did not load at all (WebAssembly out of memory).
 *
 * A value counts as a batch only if it is canonical dag-cbor of that shape and hashes to its key.
 * Canonical matters for healing: a replica restores a batch by encoding its records again, which
 * gives back exactly the bytes under the key only when they were canonical.
 */
import { equalBytes } from '../../core/bytes.js'
import { cidString } from '../../core/cid-string.js'
import { decodeUntrusted, encode } from '../../core/codec.js'
import { recordCid, recordCidNow } from '../../core/record.js'
import { BATCH_VERSION, DEFAULT_MAX_BATCH_BYTES } from '../shared/batch.js'

/** Larger values are not read as batches (the writer's bound is DEFAULT_MAX_BATCH_BYTES of records). */
export const MAX_BATCH_VALUE_BYTES = 4 * 1024 * 1024

export interface BatchValue {
  readonly key: string
  readonly bytes: Uint8Array
  /** The records' ids, in batch order. */
  readonly ids: readonly string[]
}

/** The id of bytes: their CID (dag-cbor, sha2-256) as a string, for a record and a batch alike. */
export async function idOf(bytes: Uint8Array): Promise<string> {
  return cidString(recordCidNow(bytes) ?? (await recordCid(bytes)))
}

export function encodeBatch(records: readonly Uint8Array[]): Uint8Array {
  return encode({ townhall: BATCH_VERSION, records })
}

/**
 * Records as batch values of at most `maxBytes` of record bytes each, sorted by id so that two
 * replicas writing the same records write the same keys.
 */
export async function batchValues(
  records: Iterable<readonly [id: string, bytes: Uint8Array]>,
  maxBytes = DEFAULT_MAX_BATCH_BYTES,
): Promise<BatchValue[]> {
  const sorted = [...records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const values: BatchValue[] = []
  let ids: string[] = []
  let bytes: Uint8Array[] = []
  let size = 0
  const flush = async () => {
    const encoded = encodeBatch(bytes)
    values.push({ key: await idOf(encoded), bytes: encoded, ids })
    ids = []
    bytes = []
    size = 0
  }
  for (const [id, record] of sorted) {
    if (ids.length > 0 && size + record.length > maxBytes) await flush()
    ids.push(id)
    bytes.push(record)
    size += record.length
  }
  if (ids.length > 0) await flush()
  return values
}

/** The records of `value` when it is a canonical batch (whose key the caller still checks), else undefined. */
export function readBatch(value: Uint8Array): readonly Uint8Array[] | undefined {
  // A canonical batch is a map of two entries (header 0xa2); a record's envelope has seven, so
  // records and most junk are turned away here, before anything is decoded.
  if (value.length > MAX_BATCH_VALUE_BYTES || value[0] !== 0xa2) return undefined
  let decoded: unknown
  try {
    decoded = decodeUntrusted(value)
  } catch {
    return undefined
  }
  if (typeof decoded !== 'object' || decoded === null) return undefined
  const { townhall, records } = decoded as { townhall?: unknown; records?: unknown }
  if (townhall !== BATCH_VERSION || !Array.isArray(records) || Object.keys(decoded).length !== 2) return undefined
  if (!records.every((record) => record instanceof Uint8Array)) return undefined
  if (!equalBytes(encodeBatch(records as Uint8Array[]), value)) return undefined
  // Plain Uint8Arrays (the decoder gives Node Buffers), still views on `value`.
  return (records as Uint8Array[]).map((record) => new Uint8Array(record.buffer, record.byteOffset, record.byteLength))
}
