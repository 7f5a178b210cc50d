/**
 * The OrbitDB replica: a space's records travel in an OrbitDB `events` log on Helia/libp2p, one
 * log entry per batch of records (see batch.ts).
 *
 * Why `events`: the log is append-only and every entry is an immutable batch that is replayed in
 * full; `documents` would maintain a keyed index (extra writes per entry) and offer `put`/`del`
 * semantics this adapter has no use for.
 *
 * The log is a transport, not the truth. Every well-formed record of this space found in it is
 * copied into a local RecordStore (durably, before the space sees it); `getAll` serves that store,
 * plus whatever else peers appended, for the space to reject. Anything in the log that is not a
 * well-formed batch reaches the space as an untrusted entry, never an exception.
 */
import type { EventsDatabase, LogEntry } from '@orbitdb/core'
import type { Identity } from '../../core/index.js'
import {
  adoptedEntry,
  DEFAULT_MAX_BATCH_BYTES,
  idNow,
  idOf,
  isRecordOfSpace,
  openReplicaBase,
  presenceSeal,
  toBatches,
  toStore,
  type RecordStore,
  type ReplicaEntry,
  type SkeletonReplica,
} from '../../core/adapter/index.js'
import type { AccessStats } from './access.js'
import type { SpaceLogDatabase } from './database.js'
import { unbatch } from './batch.js'
import type { OrbitdbPeer } from './peer.js'
import { pubsubPresence, type OrbitdbPresence, type PubSubLike } from './presence.js'

export interface OrbitdbReplicaOptions {
  readonly spaceId: string
  /** The OrbitDB peer to open the space's log on (`createOrbitdbPeer`, or `createOrbitdbNodePeer` in Node). */
  readonly peer: OrbitdbPeer
  /** Close the peer along with the replica (default false: the peer may carry other spaces). */
  readonly ownsPeer?: boolean
  /** Durable local copy of the records (default: memory only). */
  readonly store?: RecordStore
  /** Signs this device's presence messages. */
  readonly identity?: Identity
  /** The space secret from the share link: seals presence messages, so only its holders see who is online. */
  readonly secret?: Uint8Array
  /** Most record bytes per log entry; larger `add` calls are split (default 512 KiB). */
  readonly maxBatchBytes?: number
  /** Entries that were not records of this space, kept for `getAll` (default 10 000, oldest dropped first). */
  readonly maxForeignEntries?: number
  /**
   * Bytes of such entries kept for `getAll` (default 4 MiB, oldest dropped first): each was handed
   * to the space when it arrived, and a peer's junk payloads are up to `maxPayloadBytes` each.
   */
  readonly maxForeignBytes?: number
  /**
   * How often the log's heads are announced again while peers are connected (default 30 s); after a
   * change they are also announced 1, 3 and 9 s later. See "Anti-entropy" in the adapter's docs.
   */
  readonly announceMs?: number
}

export interface OrbitdbReplica extends SkeletonReplica {
  readonly peer: OrbitdbPeer
  /** The space's OrbitDB database; for diagnostics and tests, not part of the replica contract. */
  readonly database: EventsDatabase
  readonly presence: OrbitdbPresence
  /** Log entries refused by the access controller (forged identity, oversized payload), with reasons. */
  readonly refusedEntries: AccessStats['refused']
  /** Log entries whose payload was not a well-formed batch of records. */
  readonly malformedEntries: number
  /** Errors OrbitDB's sync reported (undecodable messages from peers, failed head exchanges). */
  readonly syncErrors: number
  /**
   * False when this open read the whole log (first open, or after a crash or an unclean close);
   * true when the checkpoint of a clean close showed nothing to recover (see `Checkpoint`).
   */
  readonly openedFromCheckpoint: boolean
}

/** About what a foreign value holds, counted against `maxForeignBytes` (dag-cbor nests at most 16 deep here too). */
function sizeOf(value: unknown, depth = 0): number {
  if (value instanceof Uint8Array) return value.length
  if (typeof value === 'string') return 2 * value.length
  if (typeof value !== 'object' || value === null || depth > 16) return 8
  let total = 64
  for (const [key, inner] of Object.entries(value)) total += key.length + sizeOf(inner, depth + 1)
  return total
}

export async function orbitdbReplica(options: OrbitdbReplicaOptions): Promise<OrbitdbReplica> {
  const { spaceId, peer } = options
  const maxForeign = options.maxForeignEntries ?? 10_000
  const maxForeignBytes = options.maxForeignBytes ?? 4 * 1024 * 1024
  let foreignBytes = 0
  const base = await openReplicaBase({ spaceId, store: options.store })
  /** Records held under their true id: what `getAll` serves and what is re-published if missing from the log. */
  const { held, store } = base
  /** Other entries peers appended: not records of this space, handed over for the space to reject. */
  const foreign = new Map<string, ReplicaEntry>()
  /** Log entries already read. */
  const seen = new Set<string>()
  const access: AccessStats = { refused: [] }
  let malformedEntries = 0
  /**
   * Reads that failed (a block that never arrived); with the writes and reads not finished yet and
   * those that failed (`base.busy`, `base.failures`), a checkpoint is written only when all are none.
   */
  let failedReads = 0
  let syncErrors = 0
  let everSynced = false

  const database = await peer.openSpaceLog(spaceId, access).catch((error: unknown) => base.fail(error))
  const pubsub = (peer.libp2p.services as { pubsub: PubSubLike }).pubsub
  const seal = presenceSeal(spaceId, options.secret)
  const presence = pubsubPresence({
    libp2p: peer.libp2p,
    pubsub,
    spaceId,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(seal ? { seal } : {}),
  })

  const notifySync = () => base.notifySync()

  /** Reads log entries not seen yet, from `heads` back along `next`, oldest first. */
  async function unread(heads: readonly LogEntry[]): Promise<LogEntry[]> {
    const found: LogEntry[] = []
    const stack = [...heads]
    while (stack.length > 0) {
      const entry = stack.pop()!
      if (seen.has(entry.hash)) continue
      seen.add(entry.hash)
      found.push(entry)
      for (const hash of entry.next ?? []) {
        if (seen.has(hash)) continue
        const previous = await database.log.get(hash).catch(() => undefined)
        if (previous) stack.push(previous)
        else failedReads++ // a block that never arrived: the next open reads the log again
      }
    }
    return found.reverse()
  }

  /** Adopts what the entries carry and hands every new value to the listeners. */
  async function absorb(entries: readonly LogEntry[], source: string): Promise<string[]> {
    const out: ReplicaEntry[] = []
    const fresh = new Map<string, Uint8Array>()
    const inLog: string[] = []
    for (const entry of entries) {
      const { wellFormed, values } = unbatch(entry.payload)
      if (!wellFormed) malformedEntries++
      for (const [index, value] of values.entries()) {
        if (value instanceof Uint8Array) {
          // IPC and some decoders hand out Buffers or views: keep plain copies.
          const bytes = value.constructor === Uint8Array ? value : new Uint8Array(value)
          const id = idNow(bytes) ?? (await idOf(bytes))
          inLog.push(id)
          if (held.has(id) || foreign.has(id) || fresh.has(id)) continue
          // The id this replica computed: the space takes it as is and keeps this string rather than its own.
          if (isRecordOfSpace(bytes, id, spaceId)) {
            fresh.set(id, bytes)
            out.push(adoptedEntry(bytes, id, source))
          } else {
            remember(id, { bytes, claimedId: id, source, hashed: true })
            out.push({ bytes, claimedId: id, source, hashed: true })
          }
        } else {
          const key = `${entry.hash}/${index}`
          if (foreign.has(key)) continue
          remember(key, { bytes: value, source })
          out.push({ bytes: value, source })
        }
      }
    }
    // Durable before anyone sees it, so what the space accepted survives a crash.
    if (fresh.size > 0) await store.append(toStore(fresh))
    for (const [id, bytes] of fresh) held.set(id, bytes)
    // What the log held at open is the store's, quietly adopted; only a peer's news is delivered.
    if (source !== 'local') base.deliver(out)
    return inLog
  }
  function remember(key: string, entry: ReplicaEntry): void {
    foreign.set(key, entry)
    foreignBytes += sizeOf(entry.bytes)
    while (foreign.size > maxForeign || foreignBytes > maxForeignBytes) {
      const oldest = foreign.keys().next().value!
      foreignBytes -= sizeOf(foreign.get(oldest)!.bytes)
      foreign.delete(oldest)
    }
  }

  const heads = await database.log.heads()
  const checkpoint = await loadCheckpoint(database)
  const openedFromCheckpoint = checkpoint !== undefined && sameHeads(checkpoint.heads, heads) && checkpoint.records === held.size
  if (openedFromCheckpoint) {
    // Closed cleanly with the log fully read, and neither changed since: the store holds every
    // record of the log, the log every record of the store, and these are the entries read.
    for (const hash of checkpoint!.seen) seen.add(hash)
  } else {
    // Whatever the log already holds from earlier sessions: adopted quietly, as the local store's.
    const logged = new Set(await absorb(await unread(heads), 'local'))
    // Records the store has but the log lacks (a crash between the two writes): published again.
    const missing = [...held].filter(([id]) => !logged.has(id)).map(([, bytes]) => bytes)
    // Read already (its records are held): marked so, or this session's close could not vouch for
    // the log's new head and the next open would read the whole log again.
    for (const batch of toBatches(missing, options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES)) seen.add(await database.add(batch))
  }

  const enqueue = (task: () => Promise<unknown>) =>
    base.enqueue(async () => {
      try {
        await task()
      } catch {
        // A failure to read one entry (a block that never arrived) must not stop the ones after it.
        failedReads++
      }
    })
  /**
   * Anti-entropy. OrbitDB announces a new entry once, over gossipsub, and exchanges heads only when
   * a peer subscribes; an announcement lost while the mesh is still forming (a peer that just joined)
   * is otherwise recovered only by the next write. Re-announcing the current heads a few times after
   * each change, and slowly while peers are connected, closes that gap: a peer that already has a
   * head ignores it after one index lookup, one that lacks it fetches what it misses.
   */
  const announceMs = options.announceMs ?? 30_000
  let due: number[] = []
  let lastAnnounce = Date.now()
  const changed = () => {
    const now = Date.now()
    due = [now + 1000, now + 3000, now + 9000]
  }
  const announce = async () => {
    lastAnnounce = Date.now()
    for (const head of await database.log.heads()) await database.sync.add(head)
  }
  const announcer = setInterval(() => {
    const now = Date.now()
    const burst = due.length > 0 && due[0]! <= now
    if (burst) due = due.filter((at) => at > now)
    if (base.stopped || database.peers.size === 0 || (!burst && now - lastAnnounce < announceMs)) return
    void enqueue(announce)
  }, 500)
  ;(announcer as { unref?: () => void }).unref?.()

  const onUpdate = (entry: LogEntry) => {
    if (base.stopped) return
    changed()
    void enqueue(async () => absorb(await unread([entry]), 'peer'))
  }
  // OrbitDB emits `join` once a peer's heads were exchanged and joined; entries are read in order behind it.
  const onJoin = () =>
    void enqueue(async () => {
      everSynced = true
      notifySync()
    })
  const onLeave = () => notifySync()
  // OrbitDB's sync re-emits failures (undecodable messages, failed dials) as `error`: without a
  // listener Node's EventEmitter would throw them and end the process. The listener stays after
  // close: a head exchange already running is not stopped by the database's close and fails when
  // the peer's libp2p stops under it (an unexpected end of stream), seen ending a CI peer process.
  const onError = () => {
    syncErrors++
  }
  database.events.on('update', onUpdate)
  database.events.on('join', onJoin)
  database.events.on('leave', onLeave)
  database.events.on('error', onError)
  const onConnection = () => notifySync()
  peer.libp2p.addEventListener('peer:disconnect', onConnection)
  peer.libp2p.addEventListener('peer:connect', onConnection)

  const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES
  return base.open(
    {
      async publish(fresh) {
        for (const batch of toBatches([...fresh.values()], maxBatchBytes)) await database.add(batch)
      },
      unheld: () => [...foreign.values()],
      sync: () => ({ peers: database.peers.size, synced: everSynced }),
      async stop() {
        clearInterval(announcer)
        presence.close()
        peer.libp2p.removeEventListener('peer:disconnect', onConnection)
        peer.libp2p.removeEventListener('peer:connect', onConnection)
        database.events.off('update', onUpdate)
        // Only a log read to the end, with nothing half done, lets the next open skip reading it. Reads
        // of this device's own entries finish at once; one waiting for a peer's block is not waited for.
        if (
          await settlesWithin(
            base.pending.catch(() => {}),
            CHECKPOINT_WAIT_MS,
          )
        ) {
          if (base.busy === 0 && base.failures === 0 && failedReads === 0) await saveCheckpoint(database, held.size, seen).catch(() => {})
        }
        await database.close().catch(() => {})
        await base.pending.catch(() => {})
        if (options.ownsPeer) await peer.close()
      },
    },
    {
      peer,
      database,
      presence,
      refusedEntries: access.refused,
      get malformedEntries() {
        return malformedEntries
      },
      get syncErrors() {
        return syncErrors
      },
      openedFromCheckpoint,
    },
  )
}

/**
 * Reading the whole log at open is only needed to recover from a crash (records the store lacks,
 * or the log lacks); at 100k records it was ~0.5 s of hashing and decoding, and more with one entry
 * per record. The replica writes this on a clean close. Heads name the whole log (entries are
 * content-addressed) and the store only grows, so the same heads and the same number of stored
 * records mean nothing changed since; anything else, a crash included, reads the log as before.
 */
interface Checkpoint {
  readonly heads: readonly string[]
  readonly records: number
  /** Every log entry read: later reads from new heads stop at them. */
  readonly seen: readonly string[]
}

async function loadCheckpoint(database: SpaceLogDatabase): Promise<Checkpoint | undefined> {
  try {
    const value = await database.checkpoint.load()
    if (!value) return undefined
    const parsed = JSON.parse(new TextDecoder().decode(value)) as Partial<Checkpoint> & { v?: unknown }
    const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every((item) => typeof item === 'string')
    if (parsed.v !== 1 || !strings(parsed.heads) || !strings(parsed.seen) || !Number.isSafeInteger(parsed.records)) return undefined
    return { heads: parsed.heads, records: parsed.records!, seen: parsed.seen }
  } catch {
    return undefined // unreadable: read the log
  }
}

async function saveCheckpoint(database: SpaceLogDatabase, records: number, seen: ReadonlySet<string>): Promise<void> {
  const heads = (await database.log.heads()).map((head) => head.hash)
  // A head not read yet (joined just before close, its update not handled): not a checkpoint.
  if (!heads.every((hash) => seen.has(hash))) return
  const checkpoint = { v: 1, heads, records, seen: [...seen] }
  await database.checkpoint.save(new TextEncoder().encode(JSON.stringify(checkpoint)))
}

function sameHeads(saved: readonly string[], heads: readonly LogEntry[]): boolean {
  if (saved.length !== heads.length) return false
  const now = new Set(heads.map((head) => head.hash))
  return saved.every((hash) => now.has(hash))
}

const CHECKPOINT_WAIT_MS = 2000

async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([work.then(() => true), late])
  } finally {
    clearTimeout(timer)
  }
}
