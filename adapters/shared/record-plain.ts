/**
 * What a record frame holds before it is deflated, in v1 and v2 alike: the records, length-prefixed,
 * after their total length (four bytes), then their ids in the same order (a length byte and latin1
 * each; in v2 a zero length is a record stored without an id, as v1's oldest frames were). The
 * records can then be kept in a buffer of their own, without the ids' bytes.
 */
import type { LoadedRecord, StoredRecord } from '../../core/adapter/index.js'

const HEADER = 4
/** Deflate's window: a longer dictionary would not be used (v1 used this much). */
export const DICTIONARY_BYTES = 32 * 1024

export function keyedPlain(records: readonly StoredRecord[] | readonly LoadedRecord[]): Buffer {
  let recordBytes = 0
  let idBytes = 0
  for (const { id, bytes } of records) {
    recordBytes += HEADER + bytes.length
    idBytes += 1 + (id?.length ?? 0)
  }
  const out = Buffer.allocUnsafe(HEADER + recordBytes + idBytes)
  out.writeUInt32BE(recordBytes, 0)
  let offset = HEADER
  for (const { bytes } of records) {
    out.writeUInt32BE(bytes.length, offset)
    out.set(bytes, offset + HEADER)
    offset += HEADER + bytes.length
  }
  for (const { id } of records) {
    out[offset] = id?.length ?? 0
    offset += 1 + (id ? out.write(id, offset + 1, 'latin1') : 0)
  }
  return out
}

/** The records of a plain frame with their ids, or undefined if it is not whole entries. */
export function parseKeyedPlain(plain: Buffer, idless = false): LoadedRecord[] | undefined {
  if (plain.length < HEADER) return undefined
  const idsStart = HEADER + plain.readUInt32BE(0)
  if (idsStart > plain.length) return undefined
  const { parts, end } = splitLengthPrefixed(ownBuffer(plain.subarray(HEADER, idsStart)), idsStart - HEADER)
  if (end !== idsStart - HEADER) return undefined
  const records: LoadedRecord[] = []
  let offset = idsStart
  for (const bytes of parts) {
    const idEnd = offset + 1 + (plain[offset] ?? 0)
    if (idEnd > plain.length || (idEnd === offset + 1 && !idless)) return undefined
    records.push(idEnd === offset + 1 ? { bytes } : { id: plain.toString('latin1', offset + 1, idEnd), bytes })
    offset = idEnd
  }
  return offset === plain.length ? records : undefined
}

/**
 * The whole length-prefixed parts at the start of `bytes` (views into it), up to the first that is
 * cut short or longer than `maxPart`; `end` is where they stop.
 */
export function splitLengthPrefixed(bytes: Uint8Array, maxPart: number): { parts: Uint8Array[]; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const parts: Uint8Array[] = []
  let end = 0
  while (end + HEADER <= bytes.length) {
    const length = view.getUint32(end)
    if (length > maxPart || end + HEADER + length > bytes.length) break
    parts.push(bytes.subarray(end + HEADER, end + HEADER + length))
    end += HEADER + length
  }
  return { parts, end }
}

/**
 * The bytes as a buffer of their own and of their exact size. Records are views into it, so zlib's
 * output chunk must not be it: every record would keep a chunk alive (16 KiB a record for a file of
 * single-record appends). Plain Uint8Array, not Buffer: records must not differ by where they were
 * read from.
 */
export function ownBuffer(bytes: Uint8Array): Uint8Array {
  const exact = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength
  return exact ? new Uint8Array(bytes.buffer) : new Uint8Array(bytes)
}

/** The first `size` bytes of the records added, in order. */
export class Dictionary {
  private readonly buffer: Uint8Array
  private used = 0

  constructor(size = DICTIONARY_BYTES) {
    this.buffer = new Uint8Array(size)
  }

  add(record: Uint8Array): void {
    if (this.used === this.buffer.length) return
    const take = Math.min(record.length, this.buffer.length - this.used)
    this.buffer.set(record.subarray(0, take), this.used)
    this.used += take
  }

  get full(): boolean {
    return this.used === this.buffer.length
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.used)
  }
}
