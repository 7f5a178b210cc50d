/**
 * Record file v1, kept only to read such files once and rewrite them as v2 (record-file.ts), and
 * to write them in tests of that migration.
 *
 * v1 frames were a 4-byte length and a payload: a one byte and a zlib stream of records and ids,
 * deflated with the first 32 KiB of the file's records as a preset dictionary (so one damaged early
 * frame made every later frame unreadable, the reason for v2); a zero byte and a raw deflate stream
 * of records without ids (same dictionary); or one plain record.
 */
import { deflateSync, inflateRawSync, inflateSync } from 'node:zlib'
import { Dictionary, keyedPlain, ownBuffer, parseKeyedPlain, splitLengthPrefixed } from './record-plain.js'
import type { DamagedRange } from './record-frames.js'
import type { LoadedRecord, StoredRecord } from '../../core/adapter/index.js'

const HEADER = 4
const MAX_FRAME = 16 * 1024 * 1024
const DEFLATED = 0
const KEYED = 1

/** The records of a v1 file, and where its unreadable frames and torn tail are. */
export function readV1(data: Uint8Array): { records: LoadedRecord[]; damaged: DamagedRange[] } {
  const known = new Dictionary()
  const records: LoadedRecord[] = []
  const damaged: DamagedRange[] = []
  const { parts, end } = splitLengthPrefixed(data, MAX_FRAME)
  let offset = 0
  for (const frame of parts) {
    const found =
      frame[0] === KEYED
        ? inflateKeyed(frame, known.bytes())
        : frame[0] === DEFLATED
          ? inflateIdless(frame, known.bytes())?.map((bytes) => ({ bytes }))
          : [{ bytes: frame }]
    if (!found) damaged.push({ offset, end: offset + HEADER + frame.length, reason: 'checksum' })
    for (const record of found ?? []) {
      records.push(record)
      known.add(record.bytes)
    }
    offset += HEADER + frame.length
  }
  if (end < data.length) damaged.push({ offset: end, end: data.length, reason: 'torn' })
  return { records, damaged }
}

/** A v1 file holding these appends, as the v1 writer wrote it (tests of the migration only). */
export function writeV1(appends: ReadonlyArray<readonly StoredRecord[]>): Uint8Array {
  const dictionary = new Dictionary()
  const frames: Buffer[] = []
  for (const records of appends) {
    const deflated = deflateSync(keyedPlain(records), dictionary.bytes().length ? { dictionary: dictionary.bytes() } : {})
    const header = Buffer.alloc(HEADER + 1)
    header.writeUInt32BE(deflated.length + 1)
    header[HEADER] = KEYED
    frames.push(header, deflated)
    for (const { bytes } of records) dictionary.add(bytes)
  }
  return new Uint8Array(Buffer.concat(frames))
}

function inflated(frame: Uint8Array, dictionary: Uint8Array, inflate: typeof inflateSync): Buffer | undefined {
  try {
    return inflate(frame.subarray(1), { ...(dictionary.length ? { dictionary } : {}), maxOutputLength: 2 * MAX_FRAME })
  } catch {
    return undefined
  }
}

function inflateIdless(frame: Uint8Array, dictionary: Uint8Array): Uint8Array[] | undefined {
  const out = inflated(frame, dictionary, inflateRawSync)
  if (!out) return undefined
  const plain = ownBuffer(out)
  const { parts, end } = splitLengthPrefixed(plain, plain.length)
  return end === plain.length ? parts : undefined
}

function inflateKeyed(frame: Uint8Array, dictionary: Uint8Array): LoadedRecord[] | undefined {
  const plain = inflated(frame, dictionary, inflateSync)
  return plain && parseKeyedPlain(plain)
}
