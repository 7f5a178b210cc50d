/**
 * Node persistence: an append-only file of length-prefixed frames, fsynced before `append`
 * resolves. A crash can only tear the last frame, which `load` detects and truncates, so every
 * write that had resolved survives.
 *
 * Each `append` writes one frame holding its records deflated (a zero byte, then the raw deflate
 * stream of the length-prefixed records). Signed records repeat a lot (the space and poll ids,
 * field names, kinds): a batch of ballots shrinks from 274 to ~106 bytes a record, and one alone to
 * ~125, because every frame is deflated with the first 32 KiB of the file's records as a preset
 * dictionary. A frame not starting with a zero byte is one plain record, as files written before
 * compression hold (a record is a CBOR map: it never starts with zero); older versions read a
 * deflated frame as one undecodable record, so the data survives a downgrade unread, not cut off.
 *
 * Next to it (`<name>.verified`), the ids the space verified, one per line. That file is not
 * fsynced: losing its tail costs a verification on the next open, nothing else.
 */
import { appendFile, mkdir, open, readFile, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { concatBytes } from '../../core/bytes.js'
import type { VerifiedIds } from '../../core/replica.js'
import type { RecordStore } from './store.js'

const HEADER = 4
const MAX_FRAME = 16 * 1024 * 1024
/** First byte of a deflated frame. */
const DEFLATED = 0
/** Deflate's window: a longer dictionary would not be used. */
const DICTIONARY_BYTES = 32 * 1024
/** Plain bytes per deflated frame (plus at most one record, itself under 16 MiB). */
const FRAME_PLAIN_BYTES = 1024 * 1024

export async function fileRecordStore(path: string): Promise<RecordStore> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const handle: FileHandle = await open(path, 'a+', 0o600)
  let queue: Promise<void> = Promise.resolve()
  let closed = false
  const verified = fileVerifiedIds(`${path.replace(/\.records$/, '')}.verified`, () => closed)
  /** Known once the file was read: every frame is deflated with it, so writer and reader must agree. */
  let dictionary: Dictionary | undefined

  const read = async (): Promise<Uint8Array[]> => {
    const { size } = await handle.stat()
    const data = new Uint8Array(size)
    if (size > 0) await handle.read(data, 0, size, 0)
    const known = new Dictionary()
    const records: Uint8Array[] = []
    const { parts: frames, end } = splitLengthPrefixed(data, MAX_FRAME)
    for (const frame of frames) {
      // Plain records are views into the one buffer read, as are a deflated frame's into its
      // output: a copy per record would cost an ArrayBuffer each (several hundred bytes of
      // bookkeeping and a slower GC for every record a space holds).
      const found = frame[0] === DEFLATED ? inflateFrame(frame, known.bytes()) : [frame]
      // A damaged frame (not torn: its length was whole) holds no readable records; the rest do.
      for (const record of found ?? []) {
        records.push(record)
        known.add(record)
      }
    }
    // A torn tail from a crash mid-append: drop it so later appends start on a frame boundary.
    if (end < size) await handle.truncate(end)
    dictionary = known
    return records
  }

  return {
    verified,
    load() {
      // In the append queue: a read during an append would take its half-written frame for a torn
      // one and cut it off.
      const loaded = queue.then(read, read)
      queue = loaded.then(
        () => {},
        () => {},
      )
      return loaded
    },
    append(records) {
      if (closed) return Promise.reject(new Error('record store is closed'))
      const write = async () => {
        if (records.length === 0) return
        // The dictionary comes from the file: read it first if the caller never did.
        if (!dictionary) await read()
        const frames: Uint8Array[] = []
        for (const group of groups(records)) {
          frames.push(deflateFrame(group, dictionary!.bytes()))
          for (const record of group) dictionary!.add(record)
        }
        await handle.appendFile(frames.length === 1 ? frames[0]! : concatBytes(...frames))
        await handle.datasync()
      }
      // Appends are serialized so frames never interleave.
      queue = queue.then(write, write)
      return queue
    },
    async close() {
      if (closed) return
      closed = true
      await Promise.all([queue.catch(() => {}), verified.flushed()])
      await handle.close()
    },
  }
}

/**
 * Records in runs of about FRAME_PLAIN_BYTES, one frame each: a frame must stay under MAX_FRAME
 * (a longer one reads as torn), and deflate gains nothing from longer runs.
 */
function* groups(records: readonly Uint8Array[]): Generator<readonly Uint8Array[]> {
  let start = 0
  let bytes = 0
  for (let i = 0; i < records.length; i++) {
    bytes += HEADER + records[i]!.length
    if (bytes >= FRAME_PLAIN_BYTES) {
      yield records.slice(start, i + 1)
      start = i + 1
      bytes = 0
    }
  }
  if (start < records.length) yield records.slice(start)
}

/** The first DICTIONARY_BYTES of the file's records, in file order. */
class Dictionary {
  private readonly buffer = new Uint8Array(DICTIONARY_BYTES)
  private used = 0

  add(record: Uint8Array): void {
    if (this.used === DICTIONARY_BYTES) return
    const take = Math.min(record.length, DICTIONARY_BYTES - this.used)
    this.buffer.set(record.subarray(0, take), this.used)
    this.used += take
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.used)
  }
}

const withDictionary = (dictionary: Uint8Array) => (dictionary.length > 0 ? { dictionary } : {})

/** Each part after its length (4 bytes, big-endian), in one array. */
function lengthPrefixed(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += HEADER + part.length
  const out = new Uint8Array(length)
  const view = new DataView(out.buffer)
  let offset = 0
  for (const part of parts) {
    view.setUint32(offset, part.length)
    out.set(part, offset + HEADER)
    offset += HEADER + part.length
  }
  return out
}

/**
 * The whole length-prefixed parts at the start of `bytes` (views into it), up to the first that is
 * cut short or longer than `maxPart`; `end` is where they stop.
 */
function splitLengthPrefixed(bytes: Uint8Array, maxPart: number): { parts: Uint8Array[]; end: number } {
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

function deflateFrame(records: readonly Uint8Array[], dictionary: Uint8Array): Uint8Array {
  const deflated = deflateRawSync(lengthPrefixed(records), withDictionary(dictionary))
  const payload = new Uint8Array(1 + deflated.length)
  payload[0] = DEFLATED
  payload.set(deflated, 1)
  return lengthPrefixed([payload])
}

/** The records of a deflated frame, or undefined if it does not inflate to whole length-prefixed records. */
function inflateFrame(frame: Uint8Array, dictionary: Uint8Array): Uint8Array[] | undefined {
  let plain: Uint8Array
  try {
    const deflated = frame.subarray(1)
    const limit = FRAME_PLAIN_BYTES + MAX_FRAME
    // One output chunk for most frames (ballots deflate ~2.6:1): zlib's default 16 KiB chunks made
    // a 270 KB frame into 17 pieces and a concatenation.
    const chunkSize = Math.min(Math.max(4 * deflated.length, 1024), limit)
    const inflated = inflateRawSync(deflated, { ...withDictionary(dictionary), maxOutputLength: limit, chunkSize })
    // The records are views into `plain`, so it must be a buffer of its own and of its exact size:
    // zlib hands back a view into its output chunk, which every record would keep alive (16 KiB
    // a record for a file of single-record appends). Plain Uint8Array, not Buffer: records must
    // not differ by where they were read from.
    const exact = inflated.byteOffset === 0 && inflated.buffer.byteLength === inflated.byteLength
    plain = exact ? new Uint8Array(inflated.buffer) : new Uint8Array(inflated)
  } catch {
    return undefined
  }
  const { parts, end } = splitLengthPrefixed(plain, plain.length)
  return end === plain.length ? parts : undefined
}

// Record ids are CID strings (59 characters for the sha2-256 ids townhall makes); anything else in
// the file is a torn line.
const ID_LINE = /^[a-z2-7]{8,200}$/

function fileVerifiedIds(path: string, isClosed: () => boolean): VerifiedIds & { flushed(): Promise<void> } {
  let queue: Promise<void> = Promise.resolve()
  return {
    async load() {
      let text: string
      try {
        text = await readFile(path, 'latin1')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw error
      }
      return text.split('\n').filter((line) => ID_LINE.test(line))
    },
    add(ids) {
      if (isClosed()) return Promise.reject(new Error('record store is closed'))
      // A torn earlier line must not swallow the first id of this write: start on a new line.
      const write = () => appendFile(path, `\n${ids.join('\n')}`, { encoding: 'latin1', mode: 0o600 })
      queue = queue.then(write, write)
      return queue
    },
    flushed: () => queue.catch(() => {}),
  }
}
