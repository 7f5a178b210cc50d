/**
 * The reference replica and a simulated network for it. Peers exchange records as messages that
 * the network may delay, drop, duplicate and reorder (seeded), and partitions can split and heal.
 * Lost messages are made good by anti-entropy (peers exchange what the other lacks) when links
 * come up and on every `flush`, as real adapters do on reconnect.
 *
 * Two scheduling modes: `auto` delivers with timers (for examples and apps embedding townhall),
 * `manual` queues everything until `flush()` (for deterministic property tests).
 */
import { ClosedError, type ReplicaEntry, type SyncState } from '../core/index.js'
import { lifecycle, type SkeletonReplica } from '../core/adapter/index.js'
import { seededRandom, type Random } from './random.js'

export interface MemoryNetworkOptions {
  seed?: number
  /** 'auto' (default): timers deliver messages. 'manual': nothing moves until `flush()`. */
  mode?: 'auto' | 'manual'
  /** Delivery delay range in ms, auto mode only (default [0, 5]). */
  latencyMs?: readonly [number, number]
  /** Probability that a message is lost (default 0). */
  loss?: number
  /** Probability that a message is delivered twice (default 0). */
  duplicate?: number
}

export interface MemoryReplicaOptions {
  peerId?: string
  /** Bytes accepted from any one peer before further entries from it are dropped (default 64 MiB). */
  maxBytesPerPeer?: number
}

/**
 * Not built on the kit's replica skeleton, which keys records by their hash and keeps them in a
 * store: the simulated network holds raw values (garbage included) keyed by their bytes, shared
 * with the peers' messages. It has the skeleton's lifecycle states all the same.
 */
export interface MemoryReplica extends SkeletonReplica {
  readonly peerId: string
  /** Entries dropped because a peer exceeded its quota. */
  readonly dropped: number
}

interface Message {
  readonly from: string
  readonly to: string
  readonly values: readonly unknown[]
}

interface Peer {
  readonly id: string
  readonly spaceId: string
  /** Values held, keyed by identity so duplicates collapse; values may be garbage injected by peers. */
  readonly store: Map<unknown, unknown>
  readonly listeners: Set<(entries: readonly ReplicaEntry[]) => void>
  readonly syncListeners: Set<(state: SyncState) => void>
  readonly bytesFrom: Map<string, number>
  readonly maxBytesPerPeer: number
  received: number
  dropped: number
  synced: boolean
}

export interface MemoryNetwork {
  replica(spaceId: string, options?: MemoryReplicaOptions): MemoryReplica
  /** Splits peers into groups that cannot reach each other; peers not listed form one more group. */
  partition(groups: readonly (readonly string[])[]): void
  heal(): void
  /** Delivers everything in flight and runs anti-entropy until nothing moves. */
  flush(): Promise<void>
  /** Sends raw values to a peer as if another peer had sent them: the Byzantine peer's tool. */
  inject(to: string, values: readonly unknown[], from?: string): void
  readonly peers: readonly string[]
  /** Messages queued or scheduled and not yet delivered. */
  readonly inFlight: number
}

const keyOf = (value: unknown): unknown => (value instanceof Uint8Array ? bytesKey(value) : value)
const bytesKey = (bytes: Uint8Array): string => {
  let out = ''
  for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode(...bytes.subarray(i, i + 4096))
  return out
}
const sizeOf = (value: unknown): number => (value instanceof Uint8Array ? value.length : 64)

export function memoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  const random: Random = seededRandom(options.seed ?? 1)
  const mode = options.mode ?? 'auto'
  const [minLatency, maxLatency] = options.latencyMs ?? [0, 5]
  const loss = options.loss ?? 0
  const duplicate = options.duplicate ?? 0
  const peers = new Map<string, Peer>()
  const group = new Map<string, number>()
  const queue: Message[] = []
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let nextPeer = 0

  const connected = (a: string, b: string) => (group.get(a) ?? 0) === (group.get(b) ?? 0)
  const neighbours = (peer: Peer) =>
    [...peers.values()].filter((other) => other !== peer && other.spaceId === peer.spaceId && connected(peer.id, other.id))

  function send(message: Message, reliable = false): void {
    if (!reliable && random.chance(loss)) {
      // Manual mode repairs losses by anti-entropy in flush(); auto mode retransmits, as a transport would.
      if (mode === 'auto') schedule(() => send(message), maxLatency + random.int(1, 10))
      return
    }
    const copies = !reliable && random.chance(duplicate) ? 2 : 1
    for (let i = 0; i < copies; i++) {
      if (mode === 'manual') {
        queue.push(message)
      } else {
        schedule(() => deliver(message), random.int(minLatency, maxLatency))
      }
    }
  }

  function schedule(task: () => void, delay: number): void {
    const timer = setTimeout(() => {
      timers.delete(timer)
      task()
    }, delay)
    timers.add(timer)
  }

  function deliver(message: Message): void {
    const peer = peers.get(message.to)
    // A message in flight when a partition formed is lost, like a packet on a cut link.
    if (!peer || !connected(message.from, message.to)) return
    const fresh: ReplicaEntry[] = []
    for (const value of message.values) {
      const key = keyOf(value)
      if (peer.store.has(key)) continue
      const used = (peer.bytesFrom.get(message.from) ?? 0) + sizeOf(value)
      if (used > peer.maxBytesPerPeer) {
        peer.dropped++
        continue
      }
      peer.bytesFrom.set(message.from, used)
      peer.store.set(key, value)
      fresh.push({ bytes: value, source: message.from })
    }
    peer.received += fresh.length
    if (!peer.synced) {
      peer.synced = true
      notifySync(peer)
    }
    if (fresh.length > 0) for (const listener of [...peer.listeners]) listener(fresh)
  }

  /** Anti-entropy: each side sends the other what it lacks. */
  /** Returns whether either side lacked anything (whether or not the messages then got through). */
  function exchange(a: Peer, b: Peer, reliable: boolean): boolean {
    const missingOnB = [...a.store].filter(([key]) => !b.store.has(key)).map(([, value]) => value)
    const missingOnA = [...b.store].filter(([key]) => !a.store.has(key)).map(([, value]) => value)
    if (missingOnB.length) send({ from: a.id, to: b.id, values: missingOnB }, reliable)
    if (missingOnA.length) send({ from: b.id, to: a.id, values: missingOnA }, reliable)
    return missingOnA.length + missingOnB.length > 0
  }

  function syncAll(reliable: boolean): boolean {
    const list = [...peers.values()]
    let missing = false
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!
        const b = list[j]!
        if (a.spaceId === b.spaceId && connected(a.id, b.id) && exchange(a, b, reliable)) missing = true
      }
    }
    return missing
  }

  function stateOf(peer: Peer): SyncState {
    return { peers: neighbours(peer).length, synced: peer.synced, bytesInFlight: 0, received: peer.received }
  }
  function notifySync(peer: Peer): void {
    const state = stateOf(peer)
    for (const listener of [...peer.syncListeners]) listener(state)
  }

  return {
    replica(spaceId, replicaOptions = {}) {
      const id = replicaOptions.peerId ?? `peer-${++nextPeer}`
      if (peers.has(id)) throw new Error(`A peer named ${id} is already on this network.`)
      const peer: Peer = {
        id,
        spaceId,
        store: new Map(),
        listeners: new Set(),
        syncListeners: new Set(),
        bytesFrom: new Map(),
        maxBytesPerPeer: replicaOptions.maxBytesPerPeer ?? 64 * 1024 * 1024,
        received: 0,
        dropped: 0,
        synced: false,
      }
      peers.set(id, peer)
      const others = neighbours(peer)
      if (others.length === 0) peer.synced = true
      for (const other of others) {
        exchange(other, peer, false)
        notifySync(other)
      }
      const states = lifecycle()
      states.to('open')
      // What the space verified, kept with this peer's records for as long as they live.
      const verified: string[] = []
      const replica: MemoryReplica = {
        spaceId,
        peerId: id,
        verified: { load: async () => [...verified], add: async (ids) => void verified.push(...ids) },
        get dropped() {
          return peer.dropped
        },
        async add(records) {
          if (!states.isOpen) throw new ClosedError('replica')
          const fresh = records.filter((bytes) => !peer.store.has(keyOf(bytes)))
          for (const bytes of fresh) peer.store.set(keyOf(bytes), bytes)
          if (fresh.length) for (const other of neighbours(peer)) send({ from: id, to: other.id, values: fresh })
        },
        async getAll() {
          if (!states.isOpen) throw new ClosedError('replica')
          return [...peer.store.values()].map((bytes) => ({ bytes, source: 'local' }))
        },
        subscribe(listener) {
          peer.listeners.add(listener)
          return () => peer.listeners.delete(listener)
        },
        getSyncState: () => stateOf(peer),
        subscribeSyncState(listener) {
          peer.syncListeners.add(listener)
          return () => peer.syncListeners.delete(listener)
        },
        getLifecycle: () => states.state,
        subscribeLifecycle: (listener) => states.subscribe(listener),
        async close() {
          if (states.isEnding) return
          states.to('closing')
          peers.delete(id)
          peer.listeners.clear()
          peer.syncListeners.clear()
          for (const other of neighbours(peer)) notifySync(other)
          if (peers.size === 0) {
            for (const timer of timers) clearTimeout(timer)
            timers.clear()
            queue.length = 0
          }
          states.to('closed')
        },
      }
      return replica
    },
    partition(groups) {
      group.clear()
      groups.forEach((members, index) => members.forEach((member) => group.set(member, index + 1)))
      for (const peer of peers.values()) notifySync(peer)
    },
    heal() {
      group.clear()
      for (const peer of peers.values()) notifySync(peer)
      syncAll(false)
    },
    async flush() {
      // Bounded: each round either delivers messages or runs anti-entropy; loss makes rounds repeat.
      for (let round = 0; round < 10_000; round++) {
        if (mode === 'manual' && queue.length > 0) {
          const batch = random.shuffle(queue.splice(0, queue.length))
          for (const message of batch) deliver(message)
          await Promise.resolve()
          continue
        }
        if (mode === 'auto' && timers.size > 0) {
          await new Promise((resolve) => setTimeout(resolve, maxLatency + 1))
          continue
        }
        const missing = syncAll(false)
        if (!missing && queue.length === 0 && timers.size === 0) return
      }
      throw new Error('memory network did not settle in 10000 rounds')
    },
    inject(to, values, from = 'byzantine') {
      const peer = peers.get(to)
      if (!peer) throw new Error(`No peer ${to} on this network.`)
      peer.received += values.length
      const entries: ReplicaEntry[] = values.map((value) => ({ bytes: value, source: from }))
      for (const value of values) if (value instanceof Uint8Array) peer.store.set(keyOf(value), value)
      for (const listener of [...peer.listeners]) listener(entries)
    },
    get peers() {
      return [...peers.keys()]
    },
    get inFlight() {
      return queue.length + timers.size
    },
  }
}
