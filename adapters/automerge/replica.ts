/**
 * The Automerge replica: a space's records live in one Automerge document managed by an
 * automerge-repo `Repo`, in the `records` map: a record written alone under its id, records written
 * together as one batch value under the batch's id (batch-value.ts). The document's id derives from
 * the space id (document.ts), so peers find it without exchanging URLs.
 *
 * Any peer can change any field of the document, so it is a transport, not the truth: every
 * well-formed record of this space found under its true id, or in a batch under the batch's true
 * id, is kept in a local `RecordStore` (durable before `add` resolves, and before an incoming record
 * is handed to the space). Whatever this replica relies on (records under their id, whole batches
 * of such records) is written back whenever a change removes or replaces it, and a record it holds
 * that sits nowhere it relies on is written again. Everything else a peer puts in the document
 * reaches the space as an untrusted entry, which it validates and rejects with a reason.
 * Inbound network messages are checked before the Repo sees them (guard.ts), and errors the Repo
 * hits while applying a message are caught and counted instead of logged.
 */
import * as A from '@automerge/automerge'
import {
  Repo,
  type DocHandle,
  type DocumentId,
  type NetworkAdapterInterface,
  type StorageAdapterInterface,
} from '@automerge/automerge-repo'
import { equalBytes } from '../../core/bytes.js'
import { ClosedError } from '../../core/errors.js'
import type { Identity } from '../../core/identity.js'
import type { Replica, ReplicaEntry, SyncState } from '../../core/replica.js'
import { isRecordOfSpace, isRecordOfSpaceUnder } from '../shared/adoptable.js'
import { isSealedFrame } from '../../core/private/frame.js'
import { freshRecords, heldEntries, storedRecords, toStore } from '../shared/fresh-records.js'
import { memoryRecordStore, type RecordStore, type StoredRecord } from '../shared/store.js'
import { batchValues, encodeBatch, idNow, idOf, readBatch } from './batch-value.js'
import { genesisBytes, isMap, spaceDocumentId, type SpaceDocument } from './document.js'
import { DEFAULT_MAX_MESSAGE_BYTES, GuardedNetworkAdapter } from './guard.js'
import { ephemeralPresence, type EphemeralPresence } from './presence.js'
import { presenceSeal } from '../shared/presence-sealing.js'

export interface AutomergeReplicaOptions {
  readonly spaceId: string
  /**
   * Network adapters for a Repo this replica creates and owns (closed with it): a
   * `WebSocketClientAdapter` to a sync server, `MessageChannelNetworkAdapter`,
   * `BroadcastChannelNetworkAdapter`, ... Each is wrapped in a `GuardedNetworkAdapter`.
   */
  readonly network?: readonly NetworkAdapterInterface[]
  /** Storage for the Automerge document of the Repo this replica creates (IndexedDB, Node filesystem). */
  readonly storage?: StorageAdapterInterface
  /**
   * An existing Repo to use instead (its adapters are not guarded by this replica, and closing the
   * replica leaves the Repo running). Mutually exclusive with `network` and `storage`.
   */
  readonly repo?: Repo
  /** The space secret from the share link: mixed into the document id, so only its holders can name the document. */
  readonly secret?: Uint8Array | undefined
  /** Durable local copy of the records (default: memory only). */
  readonly store?: RecordStore
  /** Signs this device's presence entries. */
  readonly identity?: Identity
  /** Largest inbound network message passed to the Repo (default 32 MiB). */
  readonly maxMessageBytes?: number
  /** How long `close` waits for connected peers to acknowledge local changes (default 2 s). */
  readonly closeTimeoutMs?: number
}

export interface AutomergeReplica extends Replica {
  readonly repo: Repo
  /** The space's document. Reading this loads the stored document into it, if nothing did yet. */
  readonly handle: DocHandle<SpaceDocument>
  readonly documentId: DocumentId
  readonly presence: EphemeralPresence
  /** Network messages dropped before the Repo saw them, or that failed while applied. */
  readonly rejectedMessages: number
  /** Records and batches restored after a peer deleted or overwrote them. */
  readonly healed: number
  /**
   * Junk this replica deleted from the document after handing it to the space: values under
   * `records` that are neither a record of this space under its id nor a batch of them, and keys
   * at the document's root other than `records`. Automerge keeps every change, so their bytes stay
   * in the document's history (memory and storage); the deletion frees the copy in the current
   * state, which is what every read of the document and every view of it pays for.
   */
  readonly junkDeleted: number
}

/** The Repo's collection synchronizer: not part of automerge-repo's documented API, used with care. */
interface Synchronizer {
  receiveMessage(message: unknown): Promise<void>
  on(event: 'sync-state', listener: (event: SyncStateEvent) => void): void
  off(event: 'sync-state', listener: (event: SyncStateEvent) => void): void
}
interface SyncStateEvent {
  documentId: DocumentId
  peerId: string
  syncState: { theirHeads?: string[] | null }
}
interface RepoInternals {
  synchronizer?: Synchronizer
  storageSubsystem?: {
    loadDoc<T>(documentId: DocumentId): Promise<A.Doc<T> | null>
    loadDocData?(documentId: DocumentId): Promise<Uint8Array | null>
    saveDoc?(documentId: DocumentId, doc: A.Doc<unknown>): Promise<void>
  }
  networkSubsystem?: { on(event: string, listener: () => void): void; off(event: string, listener: () => void): void }
}

/**
 * Records handed to the space at a time while a large arrival is read (10k records in one sync
 * message): the space verifies each slice on worker threads while this replica reads the next.
 */
const DELIVER_EVERY = 1000

const sameHeads = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((head) => b.includes(head))

export async function automergeReplica(options: AutomergeReplicaOptions): Promise<AutomergeReplica> {
  if (options.repo && (options.network || options.storage))
    throw new Error('automergeReplica: pass either `repo` or `network`/`storage`, not both.')
  const { spaceId } = options
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  const store = options.store ?? memoryRecordStore()
  let rejectedMessages = 0
  const reject = () => {
    rejectedMessages++
  }

  const ownsRepo = !options.repo
  /** Makes the document ready before the Repo hears of a peer (set once the replica is built). */
  let whenPeer = () => {}
  const repo =
    options.repo ??
    new Repo({
      network: (options.network ?? []).map(
        (adapter) => new GuardedNetworkAdapter(adapter, { maxMessageBytes, onReject: reject, beforePeer: () => whenPeer() }),
      ),
      ...(options.storage ? { storage: options.storage } : {}),
      // Peers of a space announce its document to the peers they connect to (a sync server, tabs).
      sharePolicy: async () => true,
    })
  const internals = repo as unknown as RepoInternals

  // automerge-repo `console.log`s a message that failed while applied; count it instead (Automerge
  // leaves the document unchanged when it refuses a sync message).
  const synchronizer = internals.synchronizer
  if (ownsRepo && synchronizer) {
    const receive = synchronizer.receiveMessage.bind(synchronizer)
    synchronizer.receiveMessage = (message) => receive(message).catch(reject)
  }

  // The shared genesis first, before anything is awaited, so that a peer's early message finds the
  // document ready (rather than starting a load from storage that would replace it); then whatever
  // the Repo's storage kept of the document, merged in.
  const documentId = spaceDocumentId(spaceId, options.secret)
  const handle = repo.import<SpaceDocument>(genesisBytes(spaceId, options.secret), { docId: documentId })

  const listeners = new Set<(entries: readonly ReplicaEntry[]) => void>()
  const syncListeners = new Set<(state: SyncState) => void>()
  let received = 0
  let healed = 0
  let junkDeleted = 0
  let everSynced = false
  /** Set when close() starts: writes are refused from then on. */
  let closing: Promise<void> | undefined
  /** Set once networking stops: nothing is delivered from then on. */
  let closed = false
  /** Heads each connected peer is known to have, from the sync protocol. */
  const peerHeads = new Map<string, readonly string[]>()

  const state = (): SyncState => ({ peers: repo.peers.length, synced: everSynced, bytesInFlight: 0, received })
  const notifySync = () => {
    if (closed) return
    const current = state()
    for (const listener of [...syncListeners]) listener(current)
  }

  /** Waiters of close(), told whenever what peers have may have changed. */
  const flushWaiters = new Set<() => void>()
  // Synced: some peer's heads (as the sync protocol reports them) equal ours.
  const checkSynced = () => {
    if (closed || !handle.isReady()) return
    const ours = A.getHeads(handle.doc())
    if (!everSynced && [...peerHeads.values()].some((theirs) => sameHeads(theirs, ours))) {
      everSynced = true
      notifySync()
    }
    for (const waiter of [...flushWaiters]) waiter()
  }
  const onSyncState = ({ documentId: id, peerId, syncState }: SyncStateEvent) => {
    if (id !== documentId || !syncState.theirHeads) return
    peerHeads.set(peerId, [...syncState.theirHeads])
    // Emitted before the message's changes are applied: look once the update is done.
    queueMicrotask(checkSynced)
  }
  synchronizer?.on('sync-state', onSyncState)
  const onPeers = () => {
    for (const peer of [...peerHeads.keys()]) if (!repo.peers.includes(peer as never)) peerHeads.delete(peer)
    for (const waiter of [...flushWaiters]) waiter()
    notifySync()
  }
  /** Set once presence exists: a new peer gets this device's presence entry without waiting for a refresh. */
  let announcePresence = () => {}
  const onPeer = () => {
    announcePresence()
    onPeers()
  }
  internals.networkSubsystem?.on('peer', onPeer)
  internals.networkSubsystem?.on('peer-disconnected', onPeers)

  /** Opening failed (the record store could not be read or written): leave nothing running. */
  const fail = async (error: unknown): Promise<never> => {
    closed = true
    synchronizer?.off('sync-state', onSyncState)
    internals.networkSubsystem?.off('peer', onPeer)
    internals.networkSubsystem?.off('peer-disconnected', onPeers)
    if (ownsRepo) await repo.shutdown().catch(() => {})
    throw error
  }

  /**
   * The document as the Repo's storage kept it. automerge-repo's `loadDoc` applies the stored
   * chunks with `loadIncremental` into an empty document, which Automerge 3.5 does change by change:
   * 7 s for a space of 10k records, where `load` of the same bytes takes 61 ms. So the chunks are
   * read through the storage subsystem (which notes them, so its next save compacts them into one
   * snapshot) and loaded with `load`.
   */
  const loadStored = async (): Promise<A.Doc<SpaceDocument> | Uint8Array | null> => {
    const storage = internals.storageSubsystem
    if (!storage) return null
    if (!storage.loadDocData) return storage.loadDoc<SpaceDocument>(documentId)
    const binary = await storage.loadDocData(documentId)
    if (!binary) return null
    if (ownsRepo) skipUnchangedSave(storage)
    return binary
  }

  /**
   * `loadDoc` records the heads it loaded, so the Repo does not save a document that has not
   * changed; `loadDocData` cannot (the record is private), and the Repo would write the whole
   * document back on every open: an `A.save` that grows Automerge's memory by ~2 KB per record,
   * never returned. Until the document changes, its save is skipped; the first save after a change
   * writes it whole, compacting what was loaded. Before the stored document is loaded (see
   * `ensureLoaded`) the handle holds only the genesis, which must not replace what is stored.
   */
  const skipUnchangedSave = (storage: NonNullable<RepoInternals['storageSubsystem']>) => {
    const save = storage.saveDoc?.bind(storage)
    if (!save) return
    let unchanged = true
    storage.saveDoc = async (id, doc) => {
      if (id === documentId && unchanged) {
        if (!loadedHeads || sameHeads(A.getHeads(doc), loadedHeads)) return
        unchanged = false
      }
      return save(id, doc)
    }
  }
  /** The heads of the stored document, once loaded into the handle. */
  let loadedHeads: readonly string[] | undefined

  /** Records held under their true id: the set this replica heals from. */
  const held = await storedRecords(await store.load().catch(fail))
  /** Held records this replica relies on under their own id in the document: written back there if damaged. */
  const singles = new Set<string>()
  /** Batches this replica relies on (every record in them held), by key, with their records' ids in batch order. */
  const batches = new Map<string, readonly string[]>()
  /** The records of those batches (never removed: a batch relied on is healed, not dropped). */
  const batched = new Set<string>()
  const rely = (key: string, ids: readonly string[]) => {
    batches.set(key, ids)
    for (const id of ids) batched.add(id)
  }
  /** A batch relied on, encoded again from the records held: its very bytes, since only canonical batches are relied on. */
  const batchBytes = (key: string): Uint8Array => encodeBatch(batches.get(key)!.map((id) => held.get(id)!))
  /** The records of `value` when it is a batch whose id is `key`, else undefined. */
  const batchUnder = async (value: Uint8Array, key: string): Promise<readonly Uint8Array[] | undefined> => {
    const records = readBatch(value)
    return records && (await idOf(value)) === key ? records : undefined
  }
  /**
   * The stored document, read at open but loaded into the handle only when first needed: when a
   * peer appears, on the first local write, or when the handle is asked for. Showing a space needs
   * only the record store, and loading a large document (1.2 s for 100k records, then ~0.5 s for
   * automerge-repo's diff of it against the genesis) would delay that for nothing on a device
   * alone; the Yjs replica builds its document late for the same reason.
   */
  let stored: A.Doc<SpaceDocument> | Uint8Array | null = null
  try {
    stored = await loadStored()
  } catch {
    // A damaged document in storage is only a cache: the record store and peers have the records.
  }

  /** Whether this replica ever changed the document: only then does close wait for peers to have it. */
  let wroteLocally = false
  /** While opening, records written back are what storage lacked, not damage done by a peer. */
  let opening = true

  /**
   * Writes held records that sit nowhere this replica relies on: one alone under its id, more as
   * batches (sorted by id, so that replicas writing the same records write the same keys).
   */
  const house = async (ids: Iterable<string>) => {
    if (closed) return
    const homeless = new Map<string, Uint8Array>()
    for (const id of ids) {
      const bytes = held.get(id)
      if (bytes && !singles.has(id) && !batched.has(id)) homeless.set(id, bytes)
    }
    if (homeless.size === 0) return
    const values = homeless.size === 1 ? [] : await batchValues(homeless)
    if (closed) return
    handle.change((doc) => {
      if (!isMap(doc.records)) doc.records = {}
      if (homeless.size === 1) {
        const [id, bytes] = homeless.entries().next().value!
        doc.records[id] = bytes
        singles.add(id)
      }
      for (const { key, bytes, ids: members } of values) {
        doc.records[key] = bytes
        rely(key, members)
      }
    })
    wroteLocally = true
  }

  const incoming = async (changes: ReadonlyArray<{ key: string; value: unknown }>, source: string, announce: boolean) => {
    let entries: ReplicaEntry[] = []
    let fresh: StoredRecord[] = []
    /** Records adopted from a batch this replica cannot rely on (it also holds junk): written again by it. */
    const strays: string[] = []
    /** Keys whose value is junk, with the value seen: deleted once handed over. */
    const junk: Array<{ key: string; value: unknown }> = []
    const adopt = (id: string, bytes: Uint8Array) => {
      held.set(id, bytes)
      fresh.push({ id, bytes })
      // Hashed and parsed here: the key is its id.
      entries.push({ bytes, claimedId: id, source, hashed: true, wellFormed: !isSealedFrame(bytes) })
    }
    /** Stores what was adopted so far, then hands it over: the space verifies it while the rest is read. */
    const deliver = async () => {
      const out = entries
      const adopted = fresh
      entries = []
      fresh = []
      // Durable before anyone sees it, so what the space accepted survives a crash.
      if (adopted.length) await store.append(adopted)
      if (!announce || closed || out.length === 0) return
      received += out.length
      for (const listener of [...listeners]) listener(out)
      notifySync()
    }
    for (const { key, value } of changes) {
      if (held.has(key) || batches.has(key)) continue
      // A batch is tried first: parsing one as a record would decode and encode all of it for nothing.
      const records = value instanceof Uint8Array ? await batchUnder(value, key) : undefined
      if (!(value instanceof Uint8Array)) {
        entries.push({ bytes: value, claimedId: key, source })
        junk.push({ key, value })
      } else if (records) {
        const ids: string[] = []
        let whole = true
        for (const record of records) {
          const id = idNow(record) ?? (await idOf(record))
          if (held.has(id)) ids.push(id)
          else if (isRecordOfSpace(record, id, spaceId)) {
            // A copy: the batch's records are views on the whole value.
            adopt(id, new Uint8Array(record))
            ids.push(id)
          } else {
            whole = false
            entries.push({ bytes: record, source })
          }
        }
        if (whole) rely(key, ids)
        else {
          strays.push(...ids)
          junk.push({ key, value })
        }
      } else if (await isRecordOfSpaceUnder(value, key, spaceId)) {
        adopt(key, new Uint8Array(value))
        singles.add(key)
      } else {
        entries.push({ bytes: value, claimedId: key, source })
        junk.push({ key, value })
      }
      if (entries.length >= DELIVER_EVERY) await deliver()
    }
    await deliver()
    if (strays.length) await house(strays)
    if (junk.length) dropJunk(junk)
  }

  /**
   * Deletes junk under `records` once the space has had it. Only what was seen goes: a key that
   * holds other bytes by now is left for the examination of the change that wrote them. A value
   * that is not bytes can never be a record, whatever was seen.
   */
  const dropJunk = (junk: ReadonlyArray<{ key: string; value: unknown }>) => {
    if (closed) return
    handle.change((doc) => {
      if (!isMap(doc.records)) return
      for (const { key, value } of junk) {
        const now = doc.records[key]
        if (now === undefined || held.has(key) || batches.has(key)) continue
        if (now instanceof Uint8Array && !(value instanceof Uint8Array && equalBytes(now, value))) continue
        delete doc.records[key]
        junkDeleted++
      }
    })
  }

  /**
   * Keys at the root of the document other than `records` are junk by construction: each is handed
   * to the space as a non-record, one entry per key and per change written under it, then deleted.
   */
  const dropForeignRoots = (written: ReadonlyMap<string, number>, source: string) => {
    if (closed || written.size === 0) return
    const entries: ReplicaEntry[] = []
    handle.change((doc) => {
      const root = doc as unknown as Record<string, unknown>
      for (const [key, count] of written) {
        if (key === 'records' || !(key in root)) continue
        delete root[key]
        junkDeleted += count
        for (let entry = 0; entry < count; entry++) entries.push({ bytes: { foreignRoot: key, entry }, source })
      }
    })
    if (!opening && entries.length) {
      received += entries.length
      for (const listener of [...listeners]) listener(entries)
      notifySync()
    }
  }
  let foreignQueued: Map<string, number> | undefined
  const queueForeign = (key: string, count: number) => {
    if (!foreignQueued) {
      foreignQueued = new Map()
      // After this event: a change cannot be made from inside the handle's change notification.
      queueMicrotask(() => {
        const written = foreignQueued!
        foreignQueued = undefined
        dropForeignRoots(written, 'peer')
      })
    }
    foreignQueued.set(key, (foreignQueued.get(key) ?? 0) + count)
  }
  let pending: Promise<void> = Promise.resolve()
  const enqueue = (work: () => Promise<void>) => {
    pending = pending.then(work, work)
  }

  /** Writes back what this replica relies on where the document lacks it or has something else, as one change. */
  const heal = (keys: Iterable<string>, count: boolean) => {
    if (closed) return
    let restored = 0
    handle.change((doc) => {
      if (!isMap(doc.records)) doc.records = {}
      for (const key of keys) {
        const single = held.get(key)
        const ours = single ?? (batches.has(key) ? batchBytes(key) : undefined)
        const now = doc.records[key]
        if (!ours || (now instanceof Uint8Array && equalBytes(now, ours))) continue
        doc.records[key] = ours
        if (single) singles.add(key)
        restored++
      }
    })
    if (restored) wroteLocally = true
    if (count) healed += restored
  }
  let healQueued: Set<string> | undefined
  const queueHeal = (keys: Iterable<string>) => {
    if (!healQueued) {
      healQueued = new Set()
      // After this event: a change cannot be made from inside the handle's change notification.
      queueMicrotask(() => {
        const keys = healQueued!
        healQueued = undefined
        heal(keys, !opening)
      })
    }
    for (const key of keys) healQueued.add(key)
  }

  /** Compares the touched keys with what this replica relies on: heal that, hand over the rest. */
  const examine = (doc: A.Doc<SpaceDocument>, touched: Iterable<string> | 'all', source: string, announce: boolean) => {
    const records = isMap(doc.records) ? doc.records : undefined
    if (!records) {
      queueHeal([...singles, ...batches.keys()])
      return
    }
    const keys = touched === 'all' ? new Set([...Object.keys(records), ...singles, ...batches.keys()]) : touched
    const damaged: string[] = []
    const changes: Array<{ key: string; value: unknown }> = []
    for (const key of keys) {
      const ours = held.get(key)
      const now = records[key]
      if (ours) {
        if (now instanceof Uint8Array && equalBytes(now, ours)) singles.add(key)
        // Missing is damage only where this replica relied on it: a record may sit in a batch instead.
        else if (now !== undefined || singles.has(key)) damaged.push(key)
      } else if (batches.has(key)) {
        // Compared with its bytes encoded again: no hash, so no await.
        if (!(now instanceof Uint8Array) || !equalBytes(now, batchBytes(key))) damaged.push(key)
      } else if (now !== undefined) changes.push({ key, value: now })
    }
    if (damaged.length) queueHeal(damaged)
    if (changes.length) enqueue(() => incoming(changes, source, announce))
  }

  const onChange = ({ doc, patches }: { doc: A.Doc<SpaceDocument>; patches: A.Patch[] }) => {
    if (closed || loading) return
    let all = false
    const touched = new Set<string>()
    for (const patch of patches) {
      if (patch.path[0] !== 'records') {
        // A patch of a key this replica just deleted is its own deletion: nothing a peer wrote.
        if (patch.path.length > 0 && patch.action !== 'del') queueForeign(String(patch.path[0]), 1)
        continue
      }
      if (patch.path.length === 1) all = true
      else touched.add(String(patch.path[1]))
    }
    if (all || touched.size) examine(doc, all ? 'all' : touched, 'peer', !opening)
  }

  /** Set once the stored document is in the handle, with what housing the held records it lacks. */
  let loaded: Promise<void> | undefined
  /** While the stored document goes into the handle: examined as a whole right after. */
  let loading = false
  /**
   * Puts the stored document into the handle, adopting what it holds where it qualifies, then
   * writes the held records it lacks, as batches. Synchronous up to the writing, so that the
   * document is whole before the Repo syncs it with a peer.
   */
  const ensureLoaded = (): Promise<void> => {
    if (loaded) return loaded
    try {
      const doc = stored instanceof Uint8Array ? A.load<SpaceDocument>(stored) : stored
      stored = null
      if (doc) {
        loadedHeads = A.getHeads(doc)
        loading = true
        // The stored document normally already holds the shared genesis: then it is taken as it is.
        handle.update((current) => (A.hasHeads(doc, A.getHeads(current)) ? doc : A.merge(current, doc)))
      }
    } catch {
      // A damaged document in storage is only a cache: the record store and peers have the records.
    } finally {
      loading = false
    }
    loadedHeads ??= []
    // What the document had (storage, a peer) is adopted where it qualifies; the change event of
    // the update above was too early for this examination, which sees everything.
    examine(handle.doc(), 'all', 'peer', !opening)
    for (const key of Object.keys(handle.doc())) if (key !== 'records') queueForeign(key, 1)
    const work = (async () => {
      await pending
      if (healQueued) {
        const keys = healQueued
        healQueued = undefined
        heal(keys, false)
      }
      await house(held.keys())
    })()
    loaded = work
    return work
  }
  handle.on('change', onChange)
  // Loaded at once when the document may be all there is: a Repo passed in (a peer or storage may
  // have filled it before this replica existed), or an empty record store (memory only, or lost).
  if (!ownsRepo || held.size === 0) await ensureLoaded().catch(fail)
  opening = false
  whenPeer = () => void ensureLoaded().catch(() => {})
  // A peer the Repo heard of while this replica was opening.
  if (repo.peers.length > 0) whenPeer()

  const presenceSealOf = presenceSeal(spaceId, options.secret)
  const presence = ephemeralPresence({
    handle: handle as DocHandle<unknown>,
    peerId: repo.peerId,
    spaceId,
    ...(options.identity ? { identity: options.identity } : {}),
    ...(presenceSealOf ? { seal: presenceSealOf } : {}),
  })
  announcePresence = () => presence.announce()

  /** Waits (bounded) until a connected peer has every local change, so closing right after a write still delivers it. */
  const flushToPeers = async (timeoutMs: number) => {
    // A peer has every local change when nothing in our document lies outside the history of its
    // heads (a peer with heads we lack is ahead of us: we learn more when its changes arrive).
    const delivered = () => {
      const doc = handle.doc()
      for (const [peer, theirs] of peerHeads) {
        if (!repo.peers.includes(peer as never) || !A.hasHeads(doc, [...theirs])) continue
        if (A.getChanges(A.view(doc, [...theirs]), doc).length === 0) return true
      }
      return false
    }
    if (!wroteLocally || repo.peers.length === 0 || delivered()) return
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        flushWaiters.delete(check)
        resolve()
      }
      const check = () => {
        // Done once a peer has everything, or when no peer is left to give it to.
        if (repo.peers.length === 0 || delivered()) done()
      }
      const timer = setTimeout(done, timeoutMs)
      flushWaiters.add(check)
    })
  }

  return {
    spaceId,
    repo,
    get handle() {
      // Whoever reads the document gets it whole.
      void ensureLoaded().catch(() => {})
      return handle
    },
    documentId,
    presence,
    ...(store.verified ? { verified: store.verified } : {}),
    ...(store.checkpoint ? { checkpoint: store.checkpoint } : {}),
    ...(store.getDamage ? { getStorageDamage: () => store.getDamage!() } : {}),
    get rejectedMessages() {
      // Plus what adapters dropped before decoding (WebSocketClientAdapter counts its own).
      let total = rejectedMessages
      for (const adapter of options.network ?? []) {
        const own = (adapter as { rejectedMessages?: unknown }).rejectedMessages
        if (typeof own === 'number') total += own
      }
      return total
    },
    get healed() {
      return healed
    },
    get junkDeleted() {
      return junkDeleted
    },
    async add(bytesList) {
      if (closing) throw new ClosedError('replica')
      const fresh = await freshRecords(bytesList, held)
      if (fresh.size === 0) return
      await store.append(toStore(fresh))
      if (closed) return // durable locally; peers get it next time the space is open
      for (const [id, bytes] of fresh) held.set(id, bytes)
      await ensureLoaded()
      // Records that arrive together become one change, and batches of them one key each.
      await house(fresh.keys())
    },
    async getAll() {
      if (closing) throw new ClosedError('replica')
      await pending
      const out = heldEntries(held)
      const records = handle.doc().records
      // Keys first: reading a value copies it out of Automerge's memory, and held ones are not needed.
      if (!isMap(records)) return out
      for (const key of Object.keys(records)) {
        if (held.has(key) || batches.has(key)) continue
        const value = records[key]
        const inBatch = value instanceof Uint8Array ? await batchUnder(value, key) : undefined
        // A batch with junk in it, as `incoming` saw it: its records one by one, those not held.
        if (inBatch) {
          for (const record of inBatch) if (!held.has(await idOf(record))) out.push({ bytes: record, source: 'peer' })
        } else out.push({ bytes: value, claimedId: key, source: 'peer' })
      }
      return out
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    getSyncState: state,
    subscribeSyncState(listener) {
      syncListeners.add(listener)
      return () => syncListeners.delete(listener)
    },
    close() {
      closing ??= (async () => {
        await flushToPeers(options.closeTimeoutMs ?? 2000).catch(() => {})
        await presence.leave().catch(() => {})
        closed = true
        listeners.clear()
        syncListeners.clear()
        flushWaiters.clear()
        presence.close()
        handle.off('change', onChange)
        synchronizer?.off('sync-state', onSyncState)
        internals.networkSubsystem?.off('peer', onPeer)
        internals.networkSubsystem?.off('peer-disconnected', onPeers)
        await pending.catch(() => {})
        await loaded?.catch(() => {})
        if (ownsRepo) await repo.shutdown().catch(() => {})
        await store.close()
      })()
      return closing
    },
  }
}
