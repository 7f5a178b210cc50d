/**
 * Record file v2: what the frames of record-frames.ts hold, and reading a whole file back.
 *
 * A records frame is `R`, the id of the dictionary it was deflated with (four bytes, zero for
 * none), and a raw deflate stream of records and ids (record-plain.ts), at most ~64 KiB of them, so
 * that one damaged frame costs at most that much. Signed records repeat a lot (space and poll ids,
 * field names, kinds), and a single ballot deflated alone barely shrinks: once the file holds 4 KiB
 * of records, those become a dictionary, written in a frame of its own (`D` and the deflated
 * dictionary; its id is the CRC-32 of the dictionary) twice, so that one damaged copy loses nothing.
 * Later frames are deflated with it; the first records are deflated without one.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { crc32 } from './crc32.js'
import { encodeFrame, MAGIC, scanFrames, type DamagedRange } from './record-frames.js'
import { Dictionary, keyedPlain, parseKeyedPlain } from './record-plain.js'
import type { LoadedRecord, StoredRecord } from '../../core/adapter/index.js'

const RECORDS = 0x52
const DICTIONARY = 0x44
/** Plain bytes per frame (plus at most one record). */
const FRAME_PLAIN_BYTES = 64 * 1024
const MAX_PLAIN = 32 * 1024 * 1024
/**
 * Measured on 10k ballots (bench fixture), bytes a record on disk: 4 KiB, 152.5 appended 100 at a
 * time and 201 one at a time; 8 KiB 152.7 / 203; 32 KiB 155 / 218 (its two copies cost more than
 * it saves). Records repeat their space's ids within a few records, which 4 KiB holds.
 */
const DICTIONARY_BYTES = 4 * 1024
export const newDictionary = () => new Dictionary(DICTIONARY_BYTES)

export interface FileDictionary {
  readonly id: number
  readonly bytes: Uint8Array
}

const withDictionary = (dictionary: FileDictionary | undefined) => (dictionary ? { dictionary: dictionary.bytes } : {})

export function makeDictionary(bytes: Uint8Array): FileDictionary {
  return { id: crc32(bytes) || 1, bytes: new Uint8Array(bytes) }
}

/** Two frames holding the dictionary (two, so a damaged one does not cost every frame deflated with it). */
export function dictionaryFrames(dictionary: FileDictionary): Buffer[] {
  const deflated = deflateRawSync(dictionary.bytes)
  const body = Buffer.allocUnsafe(1 + deflated.length)
  body[0] = DICTIONARY
  body.set(deflated, 1)
  const frame = encodeFrame(body)
  return [frame, frame]
}

export function recordFrames(records: readonly StoredRecord[] | readonly LoadedRecord[], dictionary: FileDictionary | undefined): Buffer[] {
  const frames: Buffer[] = []
  for (const group of groups(records)) {
    const deflated = deflateRawSync(keyedPlain(group), withDictionary(dictionary))
    const body = Buffer.allocUnsafe(5 + deflated.length)
    body[0] = RECORDS
    body.writeUInt32BE(dictionary?.id ?? 0, 1)
    body.set(deflated, 5)
    frames.push(encodeFrame(body))
  }
  return frames
}

function* groups<T extends { readonly id?: string; readonly bytes: Uint8Array }>(records: readonly T[]): Generator<readonly T[]> {
  let start = 0
  let bytes = 0
  for (let i = 0; i < records.length; i++) {
    bytes += 5 + (records[i]!.id?.length ?? 0) + records[i]!.bytes.length
    if (bytes >= FRAME_PLAIN_BYTES) {
      yield records.slice(start, i + 1)
      start = i + 1
      bytes = 0
    }
  }
  if (start < records.length) yield records.slice(start)
}

export interface ReadFile {
  readonly records: LoadedRecord[]
  /** Byte ranges that hold nothing readable: to be set aside. */
  readonly damaged: DamagedRange[]
  /** The record frames that read whole, to rewrite the file without the damage. */
  readonly good: Array<{ offset: number; end: number }>
  /** Every dictionary the file holds (two copies each are written again with the good frames). */
  readonly dictionaries: FileDictionary[]
  readonly dictionary: FileDictionary | undefined
  /** The file's first records, for a dictionary while it has none. */
  readonly collected: Dictionary
}

function inflate(deflated: Uint8Array, dictionary: FileDictionary | undefined): Buffer | undefined {
  try {
    // One output chunk for most frames: zlib's default 16 KiB chunks cost a concatenation.
    const chunkSize = Math.min(Math.max(4 * deflated.length, 1024), MAX_PLAIN)
    return inflateRawSync(deflated, { ...withDictionary(dictionary), maxOutputLength: MAX_PLAIN, chunkSize })
  } catch {
    return undefined
  }
}

export function readFile(data: Uint8Array): ReadFile {
  const { frames, damaged } = scanFrames(data, MAGIC.length)
  const dictionaries = new Map<number, FileDictionary>()
  const records: LoadedRecord[] = []
  const good: Array<{ offset: number; end: number }> = []
  const collected = newDictionary()
  let first: FileDictionary | undefined
  for (const frame of frames) {
    const { body } = frame
    let found: LoadedRecord[] | undefined
    if (body[0] === DICTIONARY) {
      const plain = inflate(body.subarray(1), undefined)
      if (plain) {
        const dictionary = makeDictionary(plain)
        dictionaries.set(dictionary.id, dictionary)
        first ??= dictionary
        continue
      }
    } else if (body[0] === RECORDS && body.length >= 5) {
      const id = Buffer.from(body.buffer, body.byteOffset, body.byteLength).readUInt32BE(1)
      const dictionary = id === 0 ? undefined : dictionaries.get(id)
      const plain = id !== 0 && !dictionary ? undefined : inflate(body.subarray(5), dictionary)
      found = plain && parseKeyedPlain(plain, true)
    }
    // A frame that checks out but does not read (its dictionary lost, or a kind from a newer
    // version): set aside with the damage rather than dropped.
    if (!found) {
      damaged.push({ offset: frame.offset, end: frame.end, reason: 'unreadable' })
      continue
    }
    good.push(frame)
    for (const record of found) {
      records.push(record)
      if (!collected.full) collected.add(record.bytes)
    }
  }
  damaged.sort((a, b) => a.offset - b.offset)
  return { records, damaged, good, dictionaries: [...dictionaries.values()], dictionary: first, collected }
}
