/**
 * Node persistence: an append-only file of length-prefixed records, fsynced before `append`
 * resolves. A crash can only tear the last frame, which `load` detects and truncates, so every
 * write that had resolved survives.
 *
 * Next to it (`<name>.verified`), the ids the space verified, one per line. That file is not
 * fsynced: losing its tail costs a verification on the next open, nothing else.
 */
import { appendFile, mkdir, open, readFile, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { VerifiedIds } from '../../core/replica.js'
import type { RecordStore } from './store.js'

const HEADER = 4
const MAX_FRAME = 16 * 1024 * 1024

export async function fileRecordStore(path: string): Promise<RecordStore> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const handle: FileHandle = await open(path, 'a+', 0o600)
  let queue: Promise<void> = Promise.resolve()
  let closed = false
  const verified = fileVerifiedIds(`${path.replace(/\.records$/, '')}.verified`, () => closed)
  return {
    verified,
    async load() {
      const { size } = await handle.stat()
      const data = new Uint8Array(size)
      if (size > 0) await handle.read(data, 0, size, 0)
      const records: Uint8Array[] = []
      let offset = 0
      while (offset + HEADER <= size) {
        const length = new DataView(data.buffer, offset, HEADER).getUint32(0)
        if (length > MAX_FRAME || offset + HEADER + length > size) break
        // Views into the one buffer read: a copy per record would cost an ArrayBuffer each (several
        // hundred bytes of bookkeeping and a slower GC for every record a space holds).
        records.push(data.subarray(offset + HEADER, offset + HEADER + length))
        offset += HEADER + length
      }
      // A torn tail from a crash mid-append: drop it so later appends start on a frame boundary.
      if (offset < size) await handle.truncate(offset)
      return records
    },
    append(records) {
      if (closed) return Promise.reject(new Error('record store is closed'))
      const write = async () => {
        if (records.length === 0) return
        let length = 0
        for (const record of records) length += HEADER + record.length
        const frame = new Uint8Array(length)
        let offset = 0
        for (const record of records) {
          new DataView(frame.buffer, offset, HEADER).setUint32(0, record.length)
          frame.set(record, offset + HEADER)
          offset += HEADER + record.length
        }
        await handle.appendFile(frame)
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
