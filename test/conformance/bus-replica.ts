/**
 * A deliberately small replica (one in-process bus, every peer sees every message) with switches
 * that each break one promise of the replica contract. Honest, it passes the conformance suite;
 * each switch must make the suite fail, or the suite does not test what it claims to.
 */
import { ClosedError } from '../../core/errors.js'
import type { Replica, ReplicaEntry, SyncState } from '../../core/replica.js'
import type { ReplicaHarness } from '../../testing/index.js'

export interface Faults {
  /** A peer joining late receives only the first n records already there (a truncated first sync). */
  readonly lateJoinLimit?: number
  /** Every value is stored and delivered twice. */
  readonly duplicates?: boolean
  /** Live messages arrive in reverse order and every second one is lost, with no anti-entropy to heal it. */
  readonly reorderWithoutHealing?: boolean
  /** close() leaves the peer on the bus: its listeners keep being called. */
  readonly leakOnClose?: boolean
  /** Vouches for every entry (`hashed`, `wellFormed`, a made-up `claimedId`) without checking any. */
  readonly acceptGarbage?: boolean
  /** Offers no list of verified ids. */
  readonly noVerified?: boolean
}

interface BusPeer {
  readonly store: unknown[]
  readonly listeners: Set<(entries: readonly ReplicaEntry[]) => void>
  received: number
  open: boolean
}

export function busHarness(faults: Faults = {}): ReplicaHarness {
  const peers = new Set<BusPeer>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let sent = 0

  const entry = (value: unknown, source: string): ReplicaEntry =>
    faults.acceptGarbage ? { bytes: value, source, claimedId: 'bafyreigarbage', hashed: true, wellFormed: true } : { bytes: value, source }
  const has = (peer: BusPeer, value: unknown) =>
    value instanceof Uint8Array && peer.store.some((held) => held instanceof Uint8Array && sameBytes(held, value))

  function receive(peer: BusPeer, values: readonly unknown[], source: string): void {
    if (!peer.open && !faults.leakOnClose) return
    const copies: unknown[] = []
    for (const value of values) {
      if (!faults.duplicates && has(peer, value)) continue
      peer.store.push(value)
      copies.push(value)
      if (faults.duplicates) {
        peer.store.push(value)
        copies.push(value)
      }
    }
    if (copies.length === 0) return
    peer.received += copies.length
    for (const listener of [...peer.listeners]) listener(copies.map((value) => entry(value, source)))
  }

  function broadcast(from: BusPeer | undefined, values: readonly unknown[]): void {
    for (const peer of peers) {
      if (peer === from) continue
      const batch = faults.reorderWithoutHealing ? [...values].reverse().filter(() => sent++ % 2 === 0) : values
      const timer = setTimeout(() => {
        timers.delete(timer)
        receive(peer, batch, 'bus')
      }, 1)
      timers.add(timer)
    }
  }

  return {
    timeoutMs: 1500,
    async createPeer(spaceId) {
      const peer: BusPeer = { store: [], listeners: new Set(), received: 0, open: true }
      // The first sync: everything any peer holds, or only the first few records when broken.
      const known: unknown[] = []
      for (const other of peers)
        for (const value of other.store)
          if (!known.some((k) => k === value || (k instanceof Uint8Array && value instanceof Uint8Array && sameBytes(k, value))))
            known.push(value)
      peer.store.push(...(faults.lateJoinLimit === undefined ? known : known.slice(0, faults.lateJoinLimit)))
      peers.add(peer)
      const verified: string[] = []
      const state = (): SyncState => ({ peers: Math.max(0, peers.size - 1), synced: true, bytesInFlight: 0, received: peer.received })
      const replica: Replica = {
        spaceId,
        ...(faults.noVerified
          ? {}
          : { verified: { load: async () => [...verified], add: async (ids: readonly string[]) => void verified.push(...ids) } }),
        async add(records) {
          if (!peer.open) throw new ClosedError('replica')
          const fresh = records.filter(
            (bytes, i) => faults.duplicates || (!has(peer, bytes) && records.findIndex((b) => sameBytes(b, bytes)) === i),
          )
          peer.store.push(...(faults.duplicates ? fresh.flatMap((bytes) => [bytes, bytes]) : fresh))
          if (fresh.length) broadcast(peer, fresh)
        },
        async getAll() {
          if (!peer.open) throw new ClosedError('replica')
          return peer.store.map((value) => entry(value, 'local'))
        },
        subscribe(listener) {
          peer.listeners.add(listener)
          return () => peer.listeners.delete(listener)
        },
        getSyncState: state,
        subscribeSyncState: () => () => {},
        async close() {
          peer.open = false
          if (faults.leakOnClose) return
          peers.delete(peer)
          peer.listeners.clear()
        },
      }
      return replica
    },
    async injectRaw(_spaceId, values) {
      for (const peer of peers) receive(peer, values, 'byzantine')
    },
    async teardown() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    },
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
