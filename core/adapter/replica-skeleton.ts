/**
 * The part of a replica every adapter writes the same way, so that an adapter is only its
 * transport. In the manner of TinyBase's `createCustomPersister(store, getPersisted, setPersisted,
 * addListener, delListener)`, the adapter hands over a few functions and the skeleton owns the rest:
 *
 * - the records held under their true id, loaded from the `RecordStore` at open;
 * - `add`: dedup by id, durable in the store before it resolves (invariant 6), then `publish`;
 * - `getAll`: the held records plus what the transport carries unadopted, after queued work;
 * - `subscribe` / `subscribeSyncState` and the `received` count;
 * - `close`: idempotent, drains, stops the transport, waits for queued work, closes the store;
 * - the lifecycle as explicit states (lifecycle.ts) instead of flags.
 *
 * Two steps, because a transport's handlers need the held records and `deliver` before the
 * replica exists: `openReplicaBase` (state `opening`), then `base.open(transport)` (state `open`).
 *
 * @example
 * ```ts
 * import { openReplicaBase, type ReplicaEntry } from 'townhall/adapter'
 *
 * // A transport that only echoes to itself: a replica with no peers, on the skeleton.
 * async function loneReplica(spaceId: string) {
 *   const base = await openReplicaBase({ spaceId })
 *   return base.open({
 *     publish: () => {},
 *     sync: () => ({ peers: 0, synced: true }),
 *     stop: () => {},
 *   })
 * }
 * const replica = await loneReplica('bafy-example')
 * replica.getLifecycle() // -> 'open'
 * await replica.close()
 * replica.getLifecycle() // -> 'closed'
 * ```
 */
import { ClosedError } from '../errors.js'
import type { Replica, ReplicaEntry, SyncState } from '../replica.js'
import { isRecordOfSpace } from './adoptable.js'
import { adoptedEntry, freshRecords, heldEntries, storedRecords, toStore } from './fresh-records.js'
import { idNow, idOf } from './record-id.js'
import { lifecycle, type Lifecycle, type ReplicaState } from './lifecycle.js'
import { memoryRecordStore, type RecordStore } from './record-store.js'

/** What an adapter supplies: its transport, as a few functions. */
export interface ReplicaTransport {
  /**
   * Puts records on the transport, keyed by id, once they are durable in the store and held.
   * Called while the replica is open or draining; after that `add` resolves without it (the
   * records are durable: peers get them the next time the space is open).
   */
  publish(fresh: ReadonlyMap<string, Uint8Array>): Promise<void> | void
  /** Values the transport carries that the replica did not adopt (peers' junk), for `getAll`. */
  unheld?(): readonly ReplicaEntry[] | Promise<readonly ReplicaEntry[]>
  /** Peers connected, whether a first exchange completed, bytes in flight where known. */
  sync(): { readonly peers: number; readonly synced: boolean; readonly bytesInFlight?: number }
  /**
   * While `closing`, before deliveries stop (bounded; errors are ignored): flush local changes to
   * peers, say goodbye. Writes are already refused.
   */
  drain?(): Promise<void>
  /** Releases every socket, timer and handle of the transport. Called once, before the store closes. */
  stop(): Promise<void> | void
}

/** A replica built on the skeleton: the contract plus its observable lifecycle. */
export interface SkeletonReplica extends Replica {
  getLifecycle(): ReplicaState
  /** Called on every change of lifecycle state. Returns an unsubscribe function. */
  subscribeLifecycle(listener: (state: ReplicaState) => void): () => void
}

export interface ReplicaBaseOptions {
  readonly spaceId: string
  /** Durable local copy of the records (default: memory only). */
  readonly store?: RecordStore | undefined
}

/** What the adapter works with while it builds its transport, and after. */
export interface ReplicaBase {
  readonly spaceId: string
  readonly store: RecordStore
  /** Records held under their true id: from the store at open, `add`, and what the adapter adopted. */
  readonly held: Map<string, Uint8Array>
  readonly lifecycle: Lifecycle
  /** True while entries still reach listeners: open, or closing until the drain ends. */
  readonly live: boolean
  /**
   * True once the transport must stop acting (close() drained, or opening failed): no more
   * deliveries, healing or writes to the transport. False while opening, when the adapter may
   * already write what its store has into the transport.
   */
  readonly stopped: boolean
  /** Hands entries from peers to subscribers and counts them as received. Nothing once not live. */
  deliver(entries: readonly ReplicaEntry[]): void
  /**
   * Takes values a peer sent, queued behind earlier work: each well-formed record of this space
   * (by the id computed here) not held yet is adopted (held, durable in the store) and everything
   * new, adopted or not, is delivered for the space to validate. What a minimal transport needs;
   * the built-in adapters do their own adoption (records under keys, batches, healing). Never
   * rejects: a failure is counted in `failures` and makes the next `getAll` reject.
   */
  receive(values: readonly unknown[], source: string): Promise<void>
  /** Tells sync-state listeners the current state. Nothing once not live. */
  notifySync(): void
  getSyncState(): SyncState
  /**
   * Runs `work` after the work queued before it (changes from peers are examined in order);
   * `getAll` and `close` wait for the queue. A failed piece of work does not stop the next; the
   * last failure makes `getAll` reject, as the store it came from could not be written.
   */
  enqueue(work: () => Promise<unknown>): Promise<void>
  /** The queue as it stands (resolves or rejects with its last piece of work). */
  readonly pending: Promise<void>
  /** Adds and queued work not finished yet. */
  readonly busy: number
  /** Adds and queued work that failed since open. */
  readonly failures: number
  /** Opening failed: moves to `failed` and rethrows (the adapter stops what it started first). */
  fail(error: unknown): never
  /** Opening is done: the replica, with the adapter's own fields (getters kept) on it. */
  open<Extra extends object = object>(transport: ReplicaTransport, extra?: Extra): SkeletonReplica & Extra
}

export async function openReplicaBase(options: ReplicaBaseOptions): Promise<ReplicaBase> {
  const { spaceId } = options
  const store = options.store ?? memoryRecordStore()
  const states = lifecycle()
  let held: Map<string, Uint8Array>
  try {
    held = await storedRecords(await store.load())
  } catch (error) {
    states.to('failed')
    throw error
  }
  const listeners = new Set<(entries: readonly ReplicaEntry[]) => void>()
  const syncListeners = new Set<(state: SyncState) => void>()
  let transport: ReplicaTransport | undefined
  let draining = false
  let received = 0
  let busy = 0
  let failures = 0
  let pending: Promise<void> = Promise.resolve()
  let closing: Promise<void> | undefined

  const isLive = () => states.isOpen || draining
  const getSyncState = (): SyncState => {
    const now = transport?.sync() ?? { peers: 0, synced: false }
    return { peers: now.peers, synced: now.synced, bytesInFlight: now.bytesInFlight ?? 0, received }
  }
  const notifySync = () => {
    if (!isLive()) return
    const current = getSyncState()
    for (const listener of [...syncListeners]) listener(current)
  }
  const track = async (work: () => Promise<unknown>): Promise<void> => {
    busy++
    try {
      await work()
    } catch (error) {
      failures++
      throw error
    } finally {
      busy--
    }
  }

  const base: ReplicaBase = {
    spaceId,
    store,
    held,
    lifecycle: states,
    get live() {
      return isLive()
    },
    get stopped() {
      return states.isEnding && !draining
    },
    deliver(entries) {
      if (!isLive() || entries.length === 0) return
      received += entries.length
      for (const listener of [...listeners]) listener(entries)
      notifySync()
    },
    receive(values, source) {
      // Never rejects, so a transport may fire and forget: a store that could not be written is
      // counted in `failures`, and the next `getAll` rejects with it.
      const work = base.enqueue(async () => {
        const fresh = new Map<string, Uint8Array>()
        const entries: ReplicaEntry[] = []
        for (const value of values) {
          if (!(value instanceof Uint8Array)) {
            entries.push({ bytes: value, source })
            continue
          }
          const bytes = value.constructor === Uint8Array ? value : new Uint8Array(value)
          const id = idNow(bytes) ?? (await idOf(bytes))
          if (held.has(id) || fresh.has(id)) continue
          if (isRecordOfSpace(bytes, id, spaceId)) {
            fresh.set(id, bytes)
            entries.push(adoptedEntry(bytes, id, source))
          } else entries.push({ bytes, claimedId: id, source, hashed: true })
        }
        // Durable before the space sees it, so what it accepted survives a crash.
        if (fresh.size > 0) await store.append(toStore(fresh))
        for (const [id, bytes] of fresh) held.set(id, bytes)
        base.deliver(entries)
      })
      return work.catch(() => {})
    },
    notifySync,
    getSyncState,
    enqueue(work) {
      // Busy from the moment it is queued: a checkpoint taken at close must see it.
      busy++
      const run = async () => {
        try {
          await work()
        } catch (error) {
          failures++
          throw error
        } finally {
          busy--
        }
      }
      pending = pending.then(run, run)
      return pending
    },
    get pending() {
      return pending
    },
    get busy() {
      return busy
    },
    get failures() {
      return failures
    },
    fail(error) {
      if (states.state === 'opening') states.to('failed')
      throw error
    },
    open(given, extra) {
      transport = given
      states.to('open')
      const replica: SkeletonReplica = {
        spaceId,
        ...(store.verified ? { verified: store.verified } : {}),
        ...(store.checkpoint ? { checkpoint: store.checkpoint } : {}),
        ...(store.getDamage ? { getStorageDamage: () => store.getDamage!() } : {}),
        add: (records) =>
          track(async () => {
            if (!states.isOpen) throw new ClosedError('replica')
            const fresh = await freshRecords(records, held)
            if (fresh.size === 0) return
            // Durable first (invariant 6); the transport follows. A crash in between is repaired on reopen.
            await store.append(toStore(fresh))
            for (const [id, bytes] of fresh) held.set(id, bytes)
            if (isLive()) await given.publish(fresh)
          }),
        async getAll() {
          if (!states.isOpen) throw new ClosedError('replica')
          await pending
          const out = heldEntries(held)
          if (given.unheld) out.push(...(await given.unheld()))
          return out
        },
        subscribe(listener) {
          listeners.add(listener)
          return () => listeners.delete(listener)
        },
        getSyncState,
        subscribeSyncState(listener) {
          syncListeners.add(listener)
          return () => syncListeners.delete(listener)
        },
        getLifecycle: () => states.state,
        subscribeLifecycle: (listener) => states.subscribe(listener),
        close() {
          closing ??= (async () => {
            states.to('closing')
            try {
              if (given.drain) {
                draining = true
                await given.drain().catch(() => {})
              }
              draining = false
              listeners.clear()
              syncListeners.clear()
              await given.stop()
              await pending.catch(() => {})
              await store.close()
              states.to('closed')
            } catch (error) {
              draining = false
              states.to('failed')
              throw error
            }
          })()
          return closing
        },
      }
      if (extra) Object.defineProperties(replica, Object.getOwnPropertyDescriptors(extra))
      return replica as SkeletonReplica & NonNullable<typeof extra>
    },
  }
  return base
}
