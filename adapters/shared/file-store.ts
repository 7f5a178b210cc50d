/**
 * Node persistence: an append-only file of length-prefixed frames, fsynced before `append`
 * resolves. A crash can only tear the last frame, which `load` detects and truncates, so every
 * write that had resolved survives.
 *
 * Each `append` writes one frame (more for a large one) holding its records and their ids, deflated
 * in zlib's format: a one byte, then the zlib stream of the records (length-prefixed, after their
 * total length) and their ids (a length byte and latin1 each). Keeping the id the replica computed spares hashing every
 * record again at each open (~1.8 µs a record here), and zlib's Adler-32 of what it inflates makes a
 * damaged frame unreadable instead of a record read under an id that no longer matches its bytes.
 * Signed records repeat a lot (the space and poll ids, field names, kinds): a batch of ballots
 * shrinks from 274 to ~106 bytes a record (plus ~37 for its id), because every frame is deflated
 * with the first 32 KiB of the file's records as a preset dictionary.
 *
 * Files written by earlier versions hold two other kinds of frame, still read (their records come
 * back without ids, so the replica hashes them): a zero byte then a raw deflate stream of
 * length-prefixed records, or one plain record (a CBOR map: it never starts with a zero or a one).
 * An older version reads a frame of a newer kind as one undecodable record, so the data survives a
 * downgrade unread, not cut off.
 *
 * Next to it (`<name>.verified`), the ids the space verified, one per line. That file is not
 * fsynced: losing its tail costs a verification on the next open, nothing else.
 *
 * And `<name>.checkpoint`, the space's view checkpoint (core/checkpoint.ts), in zlib's format so that
 * a damaged one fails its Adler-32 and reads as none. It is written to a temporary file and renamed
 * over the last one, not fsynced: losing it costs a slower open, nothing else.
 */
import { appendFile, mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { deflateSync, inflateRawSync, inflateSync } from 'node:zlib'
import { concatBytes } from '../../core/bytes.js'
import type { CheckpointStore, VerifiedIds } from '../../core/replica.js'
import type { LoadedRecord, RecordStore, StoredRecord } from './store.js'

const HEADER = 4
const MAX_FRAME = 16 * 1024 * 1024
/** First byte of a frame of raw-deflated records without ids (written before ids were kept). */
const DEFLATED = 0
/** First byte of a frame of zlib-deflated records with their ids. */
const KEYED = 1
/** An id is written after one length byte. */
const MAX_ID_LENGTH = 255
/** Deflate's window: a longer dictionary would not be used. */
const DICTIONARY_BYTES = 32 * 1024
/** Plain bytes per deflated frame (plus at most one record, itself under 16 MiB). */
const FRAME_PLAIN_BYTES = 1024 * 1024

export async function fileRecordStore(path: string): Promise<RecordStore> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const handle: FileHandle = await open(path, 'a+', 0o600)
  let queue: Promise<void> = Promise.resolve()
  let closed = false
  const base = path.replace(/\.records$/, '')
  const verified = fileVerifiedIds(`${base}.verified`, () => closed)
  const checkpoint = fileCheckpoint(`${base}.checkpoint`, () => closed)
  /** Known once the file was read: every frame is deflated with it, so writer and reader must agree. */
  let dictionary: Dictionary | undefined

  const read = async (): Promise<LoadedRecord[]> => {
    const { size } = await handle.stat()
    const data = new Uint8Array(size)
    if (size > 0) await handle.read(data, 0, size, 0)
    const known = new Dictionary()
    const records: LoadedRecord[] = []
    const { parts: frames, end } = splitLengthPrefixed(data, MAX_FRAME)
    for (const frame of frames) {
      // Plain records are views into the one buffer read, as are a deflated frame's into its
      // output: a copy per record would cost an ArrayBuffer each (several hundred bytes of
      // bookkeeping and a slower GC for every record a space holds).
      const found =
        frame[0] === KEYED
          ? inflateKeyedFrame(frame, known.bytes())
          : frame[0] === DEFLATED
            ? inflateFrame(frame, known.bytes())?.map((bytes) => ({ bytes }))
            : [{ bytes: frame }]
      // A damaged frame (not torn: its length was whole) holds no readable records; the rest do.
      for (const record of found ?? []) {
        records.push(record)
        known.add(record.bytes)
      }
    }
    // A torn tail from a crash mid-append: drop it so later appends start on a frame boundary.
    if (end < size) await handle.truncate(end)
    dictionary = known
    return records
  }

  return {
    verified,
    checkpoint,
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
      const bad = records.find(({ id }) => !isStorableId(id))
      if (bad)
        return Promise.reject(
          new Error(
            `cannot store record id ${JSON.stringify(String(bad.id).slice(0, 80))}: ids must be 1 to ${MAX_ID_LENGTH} latin1 characters`,
          ),
        )
      const write = async () => {
        if (records.length === 0) return
        // The dictionary comes from the file: read it first if the caller never did.
        if (!dictionary) await read()
        const frames: Uint8Array[] = []
        for (const group of groups(records)) {
          frames.push(deflateKeyedFrame(group, dictionary!.bytes()))
          for (const record of group) dictionary!.add(record.bytes)
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
      await Promise.all([queue.catch(() => {}), verified.flushed(), checkpoint.flushed()])
      await handle.close()
    },
  }
}

function isStorableId(id: unknown): id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return false
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0xff) return false
  return true
}

/**
 * Records in runs of about FRAME_PLAIN_BYTES, one frame each: a frame must stay under MAX_FRAME
 * (a longer one reads as torn), and deflate gains nothing from longer runs.
 */
function* groups(records: readonly StoredRecord[]): Generator<readonly StoredRecord[]> {
  let start = 0
  let bytes = 0
  for (let i = 0; i < records.length; i++) {
    bytes += 1 + records[i]!.id.length + HEADER + records[i]!.bytes.length
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

/**
 * The records, length-prefixed, after their total length (four bytes), then their ids in the same
 * order (a length byte and latin1 each): the records can then be kept in a buffer of their own,
 * without the ids' bytes.
 */
function keyedPlain(records: readonly StoredRecord[]): Uint8Array {
  let recordBytes = 0
  let idBytes = 0
  for (const { id, bytes } of records) {
    recordBytes += HEADER + bytes.length
    idBytes += 1 + id.length
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
    out[offset] = id.length
    offset += 1 + out.write(id, offset + 1, 'latin1')
  }
  return out
}

function deflateKeyedFrame(records: readonly StoredRecord[], dictionary: Uint8Array): Uint8Array {
  const deflated = deflateSync(keyedPlain(records), withDictionary(dictionary))
  const payload = new Uint8Array(1 + deflated.length)
  payload[0] = KEYED
  payload.set(deflated, 1)
  return lengthPrefixed([payload])
}

/** What a frame inflates to (zlib frames only if their checksum holds), or undefined. */
function inflated(frame: Uint8Array, dictionary: Uint8Array, inflate: typeof inflateSync): Buffer | undefined {
  try {
    const deflated = frame.subarray(1)
    const limit = FRAME_PLAIN_BYTES + MAX_FRAME
    // One output chunk for most frames (ballots deflate ~2.6:1): zlib's default 16 KiB chunks made
    // a 270 KB frame into 17 pieces and a concatenation.
    const chunkSize = Math.min(Math.max(4 * deflated.length, 1024), limit)
    return inflate(deflated, { ...withDictionary(dictionary), maxOutputLength: limit, chunkSize })
  } catch {
    return undefined
  }
}

/**
 * The bytes as a buffer of their own and of their exact size. Records are views into it, so zlib's
 * output chunk must not be it: every record would keep a chunk alive (16 KiB a record for a file of
 * single-record appends). Plain Uint8Array, not Buffer: records must not differ by where they were
 * read from.
 */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  const exact = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength
  return exact ? new Uint8Array(bytes.buffer) : new Uint8Array(bytes)
}

/** The records of a frame without ids, or undefined if it does not inflate to whole length-prefixed records. */
function inflateFrame(frame: Uint8Array, dictionary: Uint8Array): Uint8Array[] | undefined {
  const out = inflated(frame, dictionary, inflateRawSync)
  if (!out) return undefined
  const plain = ownBuffer(out)
  const { parts, end } = splitLengthPrefixed(plain, plain.length)
  return end === plain.length ? parts : undefined
}

/** The records of a keyed frame with their ids, or undefined if it does not inflate to whole entries. */
function inflateKeyedFrame(frame: Uint8Array, dictionary: Uint8Array): LoadedRecord[] | undefined {
  const plain = inflated(frame, dictionary, inflateSync)
  if (!plain || plain.length < HEADER) return undefined
  const idsStart = HEADER + plain.readUInt32BE(0)
  if (idsStart > plain.length) return undefined
  const { parts, end } = splitLengthPrefixed(ownBuffer(plain.subarray(HEADER, idsStart)), idsStart - HEADER)
  if (end !== idsStart - HEADER) return undefined
  const records: LoadedRecord[] = []
  let offset = idsStart
  for (const bytes of parts) {
    const idEnd = offset + 1 + (plain[offset] ?? 0)
    if (idEnd > plain.length || idEnd === offset + 1) return undefined
    records.push({ id: plain.toString('latin1', offset + 1, idEnd), bytes })
    offset = idEnd
  }
  return offset === plain.length ? records : undefined
}

// Record ids are CID strings (59 characters for the sha2-256 ids townhall makes); anything else in
// the file is a torn line.
const ID_LINE = /^[a-z2-7]{8,200}$/

/** The file's bytes, or undefined if there is no such file. */
async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function fileCheckpoint(path: string, isClosed: () => boolean): CheckpointStore & { flushed(): Promise<void> } {
  let queue: Promise<void> = Promise.resolve()
  return {
    async load() {
      const stored = await readIfPresent(path)
      if (!stored) return undefined
      try {
        return ownBuffer(inflateSync(stored))
      } catch {
        return undefined
      }
    },
    save(bytes) {
      if (isClosed()) return Promise.reject(new Error('record store is closed'))
      const deflated = deflateSync(bytes)
      // Serialized: two saves must not write the temporary file at once.
      const write = async () => {
        await writeFile(`${path}.tmp`, deflated, { mode: 0o600 })
        await rename(`${path}.tmp`, path)
      }
      queue = queue.then(write, write)
      return queue
    },
    flushed: () => queue.catch(() => {}),
  }
}

function fileVerifiedIds(path: string, isClosed: () => boolean): VerifiedIds & { flushed(): Promise<void> } {
  let queue: Promise<void> = Promise.resolve()
  return {
    async load() {
      // Decoded whole: with an encoding, readFile decodes chunk by chunk (~35 ms for 100k ids).
      const text = (await readIfPresent(path))?.toString('latin1')
      if (text === undefined) return []
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
