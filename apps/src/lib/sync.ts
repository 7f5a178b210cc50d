/** The words of the sync indicator, from the replica's sync state and the browser's network state. */
import type { SyncState } from '../../../core/index.js'

export type SyncStatus = 'offline' | 'waiting' | 'syncing' | 'synced'

export interface SyncLabel {
  readonly status: SyncStatus
  readonly text: string
  /** A longer explanation for the tooltip and screen readers. */
  readonly detail: string
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

export interface NetworkInfo {
  /** The browser's idea of being online (`navigator.onLine`). */
  readonly online: boolean
  /** How many servers the adapter in use has configured. */
  readonly servers: number
  /** What those servers are called ("signaling server", "sync server", "relay"). */
  readonly serverKind?: string
  /** The explanation while no peer is connected (default: peers sync when someone opens the space). */
  readonly waiting?: string
}

/**
 * The browser saying it is offline wins over the replica's peer count: a connection whose network
 * went away can look open for minutes (Automerge showed "Up to date · 1 peer" for 93 s), and
 * `navigator.onLine` is false only when no network interface is up at all. Adapters drop their
 * connections on the same signal, so the count follows within moments.
 */
export function syncLabel(state: SyncState, network: NetworkInfo): SyncLabel {
  const peers = plural(state.peers, 'peer', 'peers')
  if (!network.online) {
    return {
      status: 'offline',
      text: 'Offline',
      detail: 'This device is offline. Everything here keeps working and syncs when peers are back.',
    }
  }
  if (state.peers > 0 && !state.synced) {
    return {
      status: 'syncing',
      text: `Syncing… ${plural(state.received, 'record', 'records')} received`,
      detail: `Connected to ${peers}; exchanging records.`,
    }
  }
  if (state.peers > 0) return { status: 'synced', text: 'Up to date', detail: `Connected to ${peers}; everything they hold is here.` }
  if (network.servers === 0) {
    return { status: 'offline', text: 'Offline', detail: `No ${network.serverKind ?? 'signaling server'} is configured.` }
  }
  return {
    status: 'waiting',
    text: 'No peers online',
    detail: network.waiting ?? 'Working from this device. Changes sync when someone else opens the space.',
  }
}

/** Presence entries reduced to one per identity (the same key may be open in several tabs), self first. */
export function onlineMembers(
  peers: ReadonlyArray<{ did: string; state: Readonly<Record<string, unknown>> }>,
  self: string,
): Array<{ did: string; name: string | undefined; self: boolean }> {
  const byDid = new Map<string, string | undefined>()
  for (const peer of peers) {
    const name = typeof peer.state.name === 'string' && peer.state.name.trim() ? peer.state.name.trim().slice(0, 64) : undefined
    if (!byDid.has(peer.did) || name) byDid.set(peer.did, name ?? byDid.get(peer.did))
  }
  return [...byDid]
    .map(([did, name]) => ({ did, name, self: did === self }))
    .sort((a, b) => Number(b.self) - Number(a.self) || (a.name ?? a.did).localeCompare(b.name ?? b.did))
}
