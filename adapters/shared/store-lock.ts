/**
 * One writer per on-disk store: an exclusive lock file (`O_EXCL`) holding the holder's pid and
 * host. Two writers appending to one record file interleave and tear each other's frames (a fresh
 * open read back 2 of 10 records), and a second LevelDB opener dies inside LevelDB; with the lock,
 * the second gets a `StoreLockedError` naming the holder.
 *
 * A lock whose pid is dead on this host is stale (its process crashed or was killed) and is taken
 * over. A lock from another host (a shared network filesystem) is never taken over: its pid means
 * nothing here.
 */
import { hostname } from 'node:os'
import { open, readFile, stat, unlink } from 'node:fs/promises'
import { StoreLockedError } from '../../core/index.js'

export interface StoreLock {
  readonly path: string
  release(): Promise<void>
}

interface Holder {
  readonly pid: number
  readonly host: string
}

/** Lock files this process holds: a lock naming our own pid that is not here is from an earlier process that had our pid (pids repeat, in containers above all). */
const held = new Set<string>()

/** A lock file still being written by its holder (created, not yet filled) is this young at most. */
const FILLING_MS = 5000

export async function lockStore(path: string, what: string): Promise<StoreLock> {
  const mine = JSON.stringify({ pid: process.pid, host: hostname() })
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600)
      try {
        await handle.writeFile(mine)
      } finally {
        await handle.close()
      }
      held.add(path)
      return {
        path,
        release: async () => {
          if (!held.delete(path)) return
          await release(path, mine)
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const seen = await readHolder(path)
    if (seen === 'gone') continue
    if (seen === 'unreadable') {
      if (await olderThan(path, FILLING_MS)) await removeIfSame(path, undefined)
      else throw new StoreLockedError(what, path, undefined)
      continue
    }
    if (seen.host !== hostname() || (seen.pid === process.pid ? held.has(path) : isAlive(seen.pid)))
      throw new StoreLockedError(what, path, seen.pid, seen.host)
    await removeIfSame(path, seen)
  }
  throw new StoreLockedError(what, path, undefined)
}

async function readHolder(path: string): Promise<Holder | 'gone' | 'unreadable'> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
    throw error
  }
  try {
    const value = JSON.parse(text) as unknown
    if (typeof value === 'object' && value !== null) {
      const { pid, host } = value as Record<string, unknown>
      if (Number.isSafeInteger(pid) && typeof host === 'string') return { pid: pid as number, host }
    }
  } catch {
    // a lock file being written, or damaged
  }
  return 'unreadable'
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: alive, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms
  } catch {
    return true
  }
}

/**
 * Removes a stale lock if it still names the same dead holder: another process taking it over at
 * the same moment may already have replaced it with its own live one.
 */
async function removeIfSame(path: string, seen: Holder | undefined): Promise<void> {
  const now = await readHolder(path)
  if (now === 'gone') return
  if (seen && (now === 'unreadable' || now.pid !== seen.pid || now.host !== seen.host)) return
  await unlink(path).catch(() => {})
}

async function release(path: string, mine: string): Promise<void> {
  // Only our own: after a stale takeover elsewhere the file may be someone else's.
  const text = await readFile(path, 'utf8').catch(() => undefined)
  if (text === mine) await unlink(path).catch(() => {})
}
