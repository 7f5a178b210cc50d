/**
 * An automerge-repo storage adapter on the Node filesystem, with the same layout as
 * @automerge/automerge-repo-storage-nodefs (`<dir>/<id[0..2]>/<id[2..]>/<kind>/<hash>`, so either
 * can read the other's directory) but:
 *
 * - every file is written to a temporary name, fsynced and renamed into place, so a crash leaves
 *   the old file or the new one, never a torn one (Automerge refuses to load a document whose
 *   chunks include a truncated one in the middle, so one torn write could make a space unloadable);
 * - key segments are checked: a segment with a path separator, `..` or a leading dot is refused
 *   (automerge-repo builds keys from peer-supplied storage ids);
 * - nothing is cached in memory (the upstream adapter keeps every chunk it ever saw).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises'
import { basename, dirname, join, relative, sep } from 'node:path'
import type { Chunk, StorageAdapterInterface, StorageKey } from '@automerge/automerge-repo'

const TEMP = '.tmp-'

function checkSegment(segment: string): void {
  if (typeof segment !== 'string' || segment.length === 0 || segment.length > 256 || segment.startsWith('.') || /[/\\\0]/.test(segment))
    throw new Error(`refusing storage key segment ${JSON.stringify(String(segment).slice(0, 80))}`)
}

export class FileStorageAdapter implements StorageAdapterInterface {
  readonly directory: string

  constructor(directory: string) {
    this.directory = directory
  }

  #path(key: StorageKey): string {
    key.forEach(checkSegment)
    const [first, ...rest] = key
    if (first === undefined) throw new Error('empty storage key')
    return join(this.directory, first.slice(0, 2), first.slice(2), ...rest)
  }

  async load(key: StorageKey): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.#path(key)))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  async save(key: StorageKey, data: Uint8Array): Promise<void> {
    const path = this.#path(key)
    const folder = dirname(path)
    await mkdir(folder, { recursive: true, mode: 0o700 })
    const temp = `${path}${TEMP}${randomBytes(6).toString('hex')}`
    const file = await open(temp, 'w', 0o600)
    try {
      await file.writeFile(data)
      await file.datasync()
    } finally {
      await file.close()
    }
    await rename(temp, path)
    // The rename itself is durable once the directory is synced.
    const dir = await open(folder, 'r')
    try {
      await dir.sync()
    } catch {
      // Some filesystems refuse fsync on a directory; the data itself is synced.
    } finally {
      await dir.close()
    }
  }

  async remove(key: StorageKey): Promise<void> {
    try {
      await unlink(this.#path(key))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }

  async loadRange(prefix: StorageKey): Promise<Chunk[]> {
    const base = this.#path(prefix)
    const first = prefix[0]!
    const root = join(this.directory, first.slice(0, 2), first.slice(2))
    const chunks: Chunk[] = []
    for (const file of await walk(base)) {
      if (basename(file).includes(TEMP)) continue // an interrupted save
      const key = [first, ...relative(root, file).split(sep)]
      const data = await this.load(key)
      if (data) chunks.push({ key, data })
    }
    return chunks
  }

  async removeRange(prefix: StorageKey): Promise<void> {
    await rm(this.#path(prefix), { recursive: true, force: true })
  }
}

async function walk(dir: string): Promise<string[]> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return []
    throw error
  }
  const out: string[] = []
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await walk(path)))
    else if (entry.isFile()) out.push(path)
  }
  return out
}
