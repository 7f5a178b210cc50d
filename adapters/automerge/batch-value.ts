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
import { encode } from '../../core/index.js'
import { BATCH_VERSION, chunkBySize, DEFAULT_MAX_BATCH_BYTES } from '../../core/adapter/index.js'
import { idOf } from '../../core/adapter/index.js'

export { idNow, idOf } from '../../core/adapter/index.js'

/** Larger values are not read as batches (the writer's bound is DEFAULT_MAX_BATCH_BYTES of records). */
export const MAX_BATCH_VALUE_BYTES = 4 * 1024 * 1024

export interface BatchValue {
  readonly key: string
  readonly bytes: Uint8Array
  /** The records' ids, in batch order. */
  readonly ids: readonly string[]
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
  for (const chunk of chunkBySize(sorted, ([, bytes]) => bytes, maxBytes)) {
    const bytes = encodeBatch(chunk.map(([, record]) => record))
    values.push({ key: await idOf(bytes), bytes, ids: chunk.map(([id]) => id) })
  }
  return values
}

/** The records of `value` when it is a canonical batch (whose key the caller still checks), else undefined. */
export function readBatch(value: Uint8Array): readonly Uint8Array[] | undefined {
  if (value.length > MAX_BATCH_VALUE_BYTES) return undefined
  // Read by hand rather than decoded and encoded again to compare: the shape is fixed, so checking
  // each header as it is read checks the canonical form, and the records are views on `value`
  // (a stored space of 10k records held 10 batches, read at every open).
  const reader = new HeaderReader(value)
  if (!reader.literal(BATCH_HEAD)) return undefined
  const count = reader.header(ARRAY)
  if (count === undefined || count > value.length) return undefined
  const records: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const length = reader.header(BYTES)
    if (length === undefined) return undefined
    const record = reader.take(length)
    if (!record) return undefined
    records.push(record)
  }
  if (!reader.literal(BATCH_TAIL) || reader.at !== value.length) return undefined
  return records
}

const ARRAY = 4
const BYTES = 2
/** A map of two entries, then the key "records": dag-cbor orders keys by length, so it comes first. */
const BATCH_HEAD = Uint8Array.of(0xa2, 0x67, ...new TextEncoder().encode('records'))
/** The key "townhall" and its value, the batch version (a one-byte unsigned integer). */
const BATCH_TAIL = Uint8Array.of(0x68, ...new TextEncoder().encode('townhall'), BATCH_VERSION)

/** Reads CBOR headers that must be in their shortest form, as dag-cbor requires. */
class HeaderReader {
  at = 0
  constructor(private readonly bytes: Uint8Array) {}

  literal(expected: Uint8Array): boolean {
    if (this.at + expected.length > this.bytes.length) return false
    for (let i = 0; i < expected.length; i++) if (this.bytes[this.at + i] !== expected[i]) return false
    this.at += expected.length
    return true
  }

  /** The argument of a header of major type `major`, or undefined when the header is another type or not shortest. */
  header(major: number): number | undefined {
    const first = this.bytes[this.at]
    if (first === undefined || first >> 5 !== major) return undefined
    const info = first & 31
    this.at++
    if (info < 24) return info
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : 0
    if (size === 0 || this.at + size > this.bytes.length) return undefined
    let argument = 0
    for (let i = 0; i < size; i++) argument = argument * 256 + this.bytes[this.at + i]!
    this.at += size
    const least = info === 24 ? 24 : info === 25 ? 0x100 : 0x10000
    return argument < least ? undefined : argument
  }

  take(length: number): Uint8Array | undefined {
    if (this.at + length > this.bytes.length) return undefined
    const out = this.bytes.subarray(this.at, this.at + length)
    this.at += length
    // A plain Uint8Array view, whatever `bytes` is (Node hands out Buffers).
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
  }
}
