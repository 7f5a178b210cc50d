/**
 * Damaged LevelDB stores under a peer's data directory: found after an open failed, reported as a
 * `StoreDamagedError`, and on request moved aside so the peer can rebuild them.
 *
 * Everything in these stores is derived: the records are in the fsynced record file
 * (`records/`), and OrbitDB's log, its blocks and its indexes are rebuilt by republishing those
 * records (the replica does that whenever its log lacks records its store holds) and by syncing
 * from peers. So the recovery moves every derived store aside together, never one alone: a log
 * index kept beside an emptied block store would name entries that are gone.
 */
import { readdir, rename, mkdir, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { StoreDamagedError } from '../../core/index.js'

/** The derived stores in a data directory (the record file, the peer key and the lock stay). */
const DERIVED = ['blocks', 'data', 'orbitdb'] as const

export interface DamagedStore {
  readonly path: string
  readonly reason: string
}

/** Whether an error from opening a peer or a database looks like a LevelDB store that would not open. */
export function isLevelOpenFailure(error: unknown): boolean {
  for (const cause of causes(error)) {
    const code = (cause as { code?: unknown }).code
    if (code === 'LEVEL_DATABASE_NOT_OPEN' || code === 'LEVEL_CORRUPTION' || code === 'LEVEL_IO_ERROR') return true
    if (cause.name === 'OpenFailedError' || /Database failed to open|Corruption:/.test(cause.message)) return true
  }
  return false
}

/** Opens each LevelDB store under the directory's derived stores once, read only in effect, and lists those that fail. */
export async function findDamagedStores(directory: string): Promise<DamagedStore[]> {
  const damaged: DamagedStore[] = []
  for (const name of DERIVED) {
    for (const store of await levelDirectories(join(directory, name))) {
      const reason = await openFailure(store)
      if (reason) damaged.push({ path: relative(directory, store), reason })
    }
  }
  return damaged
}

/** Moves every derived store into `<directory>/damaged/<time>/`; returns where they went. */
export async function moveDerivedStoresAside(directory: string): Promise<string> {
  const into = join(directory, 'damaged', new Date().toISOString().replace(/[:.]/g, '-'))
  await mkdir(into, { recursive: true })
  for (const name of DERIVED) {
    try {
      await rename(join(directory, name), join(into, name))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  return into
}

/**
 * Opens a peer's stores, and when that fails because a LevelDB store is damaged: refuses with a
 * `StoreDamagedError` naming each damaged store, or (with `rebuild`) moves the derived stores aside
 * and opens once more on empty ones.
 */
export async function openDespiteDamage<T>(
  directory: string | undefined,
  rebuild: boolean,
  open: () => Promise<T>,
  onRebuilt?: (movedTo: string, damaged: readonly DamagedStore[]) => void,
): Promise<T> {
  try {
    return await open()
  } catch (error) {
    if (!directory || !isLevelOpenFailure(error)) throw error
    const damaged = await findDamagedStores(directory)
    if (damaged.length === 0) throw error
    if (!rebuild) throw new StoreDamagedError(directory, damaged)
    const movedTo = await moveDerivedStoresAside(directory)
    onRebuilt?.(movedTo, damaged)
    return await open()
  }
}

/** Directories holding a LevelDB store (a CURRENT or a MANIFEST file), at any depth. */
async function levelDirectories(root: string): Promise<string[]> {
  let entries
  try {
    entries = await readdir(root, { withFileTypes: true })
  } catch {
    return []
  }
  const found: string[] = []
  if (entries.some((entry) => entry.isFile() && (entry.name === 'CURRENT' || entry.name.startsWith('MANIFEST-')))) found.push(root)
  for (const entry of entries) if (entry.isDirectory()) found.push(...(await levelDirectories(join(root, entry.name))))
  return found
}

async function openFailure(path: string): Promise<string | undefined> {
  // Without CURRENT, LevelDB would start a new, empty store over the old files.
  try {
    await stat(join(path, 'CURRENT'))
  } catch {
    return 'CURRENT is missing'
  }
  const { LevelDatastore } = await import('datastore-level')
  const store = new LevelDatastore(path)
  try {
    // The Level instance itself: the datastore's open keeps only "Database failed to open".
    await store.db.open({ createIfMissing: false })
    return undefined
  } catch (error) {
    return innermostMessage(error)
  } finally {
    await store.db.close().catch(() => {})
  }
}

/** LevelDB's own words ("Corruption: checksum mismatch") sit at the bottom of the wrapped errors. */
function innermostMessage(error: unknown): string {
  let message = String(error)
  for (const cause of causes(error)) message = cause.message
  return message
}

/** An error and the errors it wraps (`cause`), outermost first; a few levels at most. */
function* causes(error: unknown): Generator<Error> {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) yield cause
}
