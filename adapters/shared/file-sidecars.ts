/**
 * What a Node record store keeps next to its records, neither fsynced (losing either costs time,
 * never a record):
 *
 * - `<name>.verified`, the ids the space verified, one per line: losing its tail costs a
 *   verification on the next open;
 * - `<name>.checkpoint`, the space's view checkpoint (core/checkpoint.ts), in zlib's format so that
 *   a damaged one fails its Adler-32 and reads as none, written to a temporary file and renamed
 *   over the last one: losing it costs a slower open.
 */
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises'
import { deflateSync, inflateSync } from 'node:zlib'
import type { CheckpointStore, VerifiedIds } from '../../core/index.js'
import { ownBuffer } from './record-plain.js'

// Record ids are CID strings (59 characters for the sha2-256 ids townhall makes); anything else in
// the file is a torn line.
const ID_LINE = /^[a-z2-7]{8,200}$/

/** The file's bytes, or undefined if there is no such file. */
export async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

export function fileCheckpoint(path: string, isClosed: () => boolean): CheckpointStore & { flushed(): Promise<void> } {
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

export function fileVerifiedIds(path: string, isClosed: () => boolean): VerifiedIds & { flushed(): Promise<void> } {
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
