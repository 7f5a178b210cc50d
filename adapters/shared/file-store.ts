/**
 * Node persistence: an append-only record file (record file v2, record-file.ts), fsynced before
 * `append` resolves, so every write that had resolved survives a crash.
 *
 * Damage never spreads and is never thrown away: every frame stands alone (its own checksum, its
 * own deflate stream), reading resumes after a damaged one, and the bytes that do not read (a
 * damaged frame, an append torn by a crash) are moved to `<name>.quarantine` and reported through
 * `getDamage()` (replicas hand it to the space, which logs a `damaged-storage` rejection). They are
 * dropped from the record file only once the quarantine is fsynced, by writing the file again
 * without them (temporary file, fsync, rename) or, for a torn tail alone, by cutting it.
 *
 * A v1 file (one dictionary shared by every frame, no checksum of its own) is read once and
 * written again as v2 the same way.
 *
 * `<name>.lock` keeps a second writer out (store-lock.ts): two writers interleave their frames.
 * `<name>.verified` and `<name>.checkpoint` are in file-sidecars.ts.
 */
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { StorageDamage } from '../../core/index.js'
import { fileCheckpoint, fileVerifiedIds } from './file-sidecars.js'
import { quarantine } from './quarantine.js'
import { readV1 } from './record-file-v1.js'
import { dictionaryFrames, newDictionary, makeDictionary, readFile, recordFrames, type FileDictionary } from './record-file.js'
import { isV2, MAGIC, type DamagedRange } from './record-frames.js'
import { lockStore } from './store-lock.js'
import type { LoadedRecord, RecordStore, StoredRecord } from '../../core/adapter/index.js'

/** An id is written after one length byte. */
const MAX_ID_LENGTH = 255

/** A record store on disk: it always reports what it found damaged. */
export interface FileRecordStore extends RecordStore {
  getDamage(): readonly StorageDamage[]
}

interface Written {
  /** The dictionary the file holds, once it holds one. */
  dictionary: FileDictionary | undefined
  /** Its first records, to make one from. */
  readonly collected: ReturnType<typeof newDictionary>
  /** Nothing written yet, not even the file header. */
  empty: boolean
}

export async function fileRecordStore(path: string): Promise<FileRecordStore> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const lock = await lockStore(`${path}.lock`, path)
  let handle: FileHandle
  try {
    handle = await open(path, 'a+', 0o600)
  } catch (error) {
    await lock.release()
    throw error
  }
  let queue: Promise<void> = Promise.resolve()
  let closed = false
  const base = path.replace(/\.records$/, '')
  const quarantinePath = `${base}.quarantine`
  const verified = fileVerifiedIds(`${base}.verified`, () => closed)
  const checkpoint = fileCheckpoint(`${base}.checkpoint`, () => closed)
  const damage: StorageDamage[] = []
  let written: Written | undefined

  /** Moves damaged ranges to the quarantine, then drops them from the record file. */
  const setAside = async (data: Uint8Array, ranges: readonly DamagedRange[], rewrite: () => Uint8Array[]) => {
    const found = ranges.map(({ offset, end, reason }) => ({
      file: path,
      quarantine: quarantinePath,
      offset,
      length: end - offset,
      reason,
    }))
    await quarantine(quarantinePath, basename(path), data, found)
    damage.push(...found)
    const tailOnly = ranges.length === 1 && ranges[0]!.end === data.length && isV2(data)
    if (tailOnly) await handle.truncate(ranges[0]!.offset)
    else await replaceFile(rewrite())
  }

  const replaceFile = async (parts: Uint8Array[]) => {
    const temp = `${path}.tmp`
    const out = await open(temp, 'w', 0o600)
    try {
      await out.writev(parts)
      await out.datasync()
    } finally {
      await out.close()
    }
    await rename(temp, path)
    await syncDirectory(dirname(path))
    await handle.close()
    handle = await open(path, 'a+', 0o600)
  }

  const read = async (): Promise<LoadedRecord[]> => {
    const { size } = await handle.stat()
    const data = new Uint8Array(size)
    if (size > 0) await handle.read(data, 0, size, 0)
    if (size === 0) {
      written = { dictionary: undefined, collected: newDictionary(), empty: true }
      return []
    }
    if (!isV2(data)) return migrate(data)
    const file = readFile(data)
    if (file.damaged.length) {
      // Dictionaries first, two copies each again: a lost copy must not leave a single one.
      await setAside(data, file.damaged, () => [
        MAGIC,
        ...file.dictionaries.flatMap(dictionaryFrames),
        ...file.good.map(({ offset, end }) => data.subarray(offset, end)),
      ])
    }
    written = { dictionary: file.dictionary, collected: file.collected, empty: false }
    return file.records
  }

  const migrate = async (data: Uint8Array): Promise<LoadedRecord[]> => {
    const { records, damaged } = readV1(data)
    const collected = newDictionary()
    for (const { bytes } of records) if (!collected.full) collected.add(bytes)
    const dictionary = collected.full ? makeDictionary(collected.bytes()) : undefined
    const v2 = () => [MAGIC, ...(dictionary ? dictionaryFrames(dictionary) : []), ...recordFrames(records, dictionary)]
    if (damaged.length) await setAside(data, damaged, v2)
    else await replaceFile(v2())
    written = { dictionary, collected, empty: false }
    return records
  }

  const write = async (records: readonly StoredRecord[]) => {
    if (records.length === 0) return
    if (!written) await read()
    const state = written!
    const parts: Uint8Array[] = state.empty ? [MAGIC] : []
    let dictionary = state.dictionary
    if (!dictionary) {
      for (const { bytes } of records) if (!state.collected.full) state.collected.add(bytes)
      if (state.collected.full) {
        dictionary = makeDictionary(state.collected.bytes())
        parts.push(...dictionaryFrames(dictionary))
      }
    }
    parts.push(...recordFrames(records, dictionary))
    await handle.appendFile(parts.length === 1 ? parts[0]! : Buffer.concat(parts))
    await handle.datasync()
    // Only once written: a frame must never name a dictionary the file lacks.
    state.dictionary = dictionary
    state.empty = false
  }

  return {
    verified,
    checkpoint,
    getDamage: () => [...damage],
    load() {
      // In the append queue: a read during an append would take its half-written frame for a torn one.
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
      // Serialized, so frames never interleave.
      const next = () => write(records)
      queue = queue.then(next, next)
      return queue
    },
    async close() {
      if (closed) return
      closed = true
      await Promise.all([queue.catch(() => {}), verified.flushed(), checkpoint.flushed()])
      await handle.close()
      await lock.release()
    },
  }
}

function isStorableId(id: unknown): id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return false
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0xff) return false
  return true
}

/** The rename itself is durable once the directory is synced. */
async function syncDirectory(directory: string): Promise<void> {
  const dir = await open(directory, 'r')
  try {
    await dir.sync()
  } catch {
    // Some filesystems refuse fsync on a directory; the data itself is synced.
  } finally {
    await dir.close()
  }
}
