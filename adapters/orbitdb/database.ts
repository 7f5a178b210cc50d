/**
 * The OrbitDB database type of a space's log: OrbitDB's `events` database (an append-only log,
 * replicated by OrbitDB's own Sync), with one change: an entry that fails to join the log (its
 * signature, its log id, the access controller or a missing block) is reported to the replica with
 * the reason instead of being printed with `console.error`, which is what @orbitdb/core 4.0.0 does.
 *
 * It follows @orbitdb/core 4.0.0's `database.js` and `databases/events.js` (pinned): the log,
 * storages and Sync are OrbitDB's own, so the log format and the wire protocol are unchanged and
 * peers using plain `events` databases interoperate.
 */
// The bare specifier, as OrbitDB itself uses: Node's module, or the `events` package in browser bundles.
import { EventEmitter } from 'events'
import {
  ComposedStorage,
  IPFSBlockStorage,
  LevelStorage,
  Log,
  LRUStorage,
  type EventsDatabase,
  type LogEntry,
  type Storage,
} from '@orbitdb/core'
// Not re-exported by the package index; the package has no `exports` map, so the file is reachable.
import Sync from '@orbitdb/core/src/sync.js'
import { byteCache, ENTRY_CACHE_BYTES } from './byte-cache.js'

export const DATABASE_TYPE = 'events'

interface DatabaseParams {
  ipfs: unknown
  identity: unknown
  address: string
  name: string
  access: unknown
  directory: string
  meta?: unknown
  headsStorage?: unknown
  entryStorage?: unknown
  indexStorage?: unknown
  referencesCount?: number
  syncAutomatically?: boolean
}

/** Called for every entry that did not join the log, with why. */
export type OnRejectedEntry = (entry: string, reason: string) => void

/**
 * What the replica wrote down when it last closed with the log fully read (see `orbitdbReplica`),
 * kept next to the log's heads: one value, overwritten.
 */
export interface CheckpointStore {
  load(): Promise<Uint8Array | undefined>
  save(value: Uint8Array): Promise<void>
}

export type SpaceLogDatabase = EventsDatabase & { readonly checkpoint: CheckpointStore }

const CHECKPOINT_KEY = 'checkpoint'

/** `checkpointStorage`: where the checkpoint lives when OrbitDB keeps no directory (in-memory peers). */
export function spaceLogDatabase(onRejected: OnRejectedEntry, checkpointStorage?: () => Promise<Storage>) {
  return async (params: DatabaseParams): Promise<EventsDatabase> => {
    const { ipfs, identity, address, name, access } = params
    const directory = `${params.directory.replace(/\/$/, '')}/${address}`
    const referencesCount = Number(params.referencesCount) > -1 ? params.referencesCount! : 16
    // The log's LevelDB stores open one after another. When one will not open (damaged files), the
    // ones already open are closed before the error goes up: a store left open keeps LevelDB's
    // in-process lock on its path, and rebuilding the stores there would then fail as well.
    const opened: Storage[] = []
    const level = async (path: string, cached = true): Promise<Storage> => {
      const stored = await LevelStorage({ path })
      opened.push(stored)
      return cached ? await ComposedStorage(await LRUStorage({ size: 1000 }), stored) : stored
    }
    let entryStorage, headsStorage, indexStorage, log, checkpoints: Storage
    try {
      entryStorage =
        params.entryStorage ??
        (await ComposedStorage(byteCache({ maxBytes: ENTRY_CACHE_BYTES }), await IPFSBlockStorage({ ipfs, pin: true })))
      headsStorage = params.headsStorage ?? (await level(`${directory}/log/_heads/`))
      indexStorage = params.indexStorage ?? (await level(`${directory}/log/_index/`))
      log = await Log(identity, { logId: address, access, entryStorage, headsStorage, indexStorage })
      checkpoints = checkpointStorage ? await checkpointStorage() : await level(`${directory}/log/_townhall/`, false)
    } catch (error) {
      for (const storage of opened) await storage.close().catch(() => {})
      throw error
    }
    const checkpoint: CheckpointStore = {
      load: async () => {
        const value = await checkpoints.get(CHECKPOINT_KEY)
        return value instanceof Uint8Array ? value : undefined
      },
      save: (value) => checkpoints.put(CHECKPOINT_KEY, value),
    }
    const events = new EventEmitter()
    // One operation at a time, appends and joins alike, as OrbitDB's Database does.
    let queue: Promise<unknown> = Promise.resolve()
    const serially = <T>(task: () => Promise<T>): Promise<T> => {
      const run = queue.then(task, task)
      queue = run.catch(() => {})
      return run
    }

    const addOperation = (op: unknown) =>
      serially(async () => {
        const entry = await log.append(op, { referencesCount })
        await sync.add(entry)
        events.emit('update', entry)
        return entry.hash
      })

    const applyOperation = (entry: LogEntry | undefined) =>
      serially(async () => {
        if (!entry) return
        try {
          if (await log.joinEntry(entry)) events.emit('update', entry)
        } catch (error) {
          onRejected(String(entry.hash ?? '?'), error instanceof Error ? error.message.replace(/\s+/g, ' ') : String(error))
        }
      })

    const sync = await Sync({ ipfs, log, events, onSynced: applyOperation, start: params.syncAutomatically })

    return {
      type: DATABASE_TYPE,
      address,
      name,
      identity,
      meta: params.meta ?? {},
      log,
      sync,
      events,
      peers: sync.peers,
      access,
      addOperation,
      add: (value: unknown) => addOperation({ op: 'ADD', key: null, value }),
      checkpoint,
      async close() {
        await sync.stop()
        await queue
        await log.close()
        await checkpoints.close()
        events.emit('close')
      },
    } as unknown as SpaceLogDatabase
  }
}
