/**
 * What the Automerge replica knows of its peers' copies of the document: the heads each connected
 * peer has (from the sync protocol), whether some peer ever had all of ours (`synced`), and a
 * bounded wait at close until a peer has every local change.
 */
import * as A from '@automerge/automerge'
import type { DocHandle, DocumentId, Repo } from '@automerge/automerge-repo'
import type { SpaceDocument } from './document.js'

/** The Repo's collection synchronizer: not part of automerge-repo's documented API, used with care. */
export interface Synchronizer {
  receiveMessage(message: unknown): Promise<void>
  on(event: 'sync-state', listener: (event: SyncStateEvent) => void): void
  off(event: 'sync-state', listener: (event: SyncStateEvent) => void): void
}
interface SyncStateEvent {
  documentId: DocumentId
  peerId: string
  syncState: { theirHeads?: string[] | null }
}
/** The Repo's network subsystem, for its peer events. */
export interface NetworkEvents {
  on(event: string, listener: () => void): void
  off(event: string, listener: () => void): void
}

export const sameHeads = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((head) => b.includes(head))

export interface PeerSync {
  /** True once some peer's heads equalled ours. */
  readonly synced: boolean
  /** Waits (bounded) until a connected peer has every local change. */
  flush(timeoutMs: number): Promise<void>
  stop(): void
}

export function peerSync(options: {
  readonly repo: Repo
  readonly handle: DocHandle<SpaceDocument>
  readonly documentId: DocumentId
  readonly synchronizer: Synchronizer | undefined
  readonly network: NetworkEvents | undefined
  /** Whether deliveries still happen (false once the replica stopped). */
  readonly live: () => boolean
  /** Peers came or went, or the replica synced for the first time. */
  readonly onChange: () => void
  /** A peer connected (before `onChange`). */
  readonly onPeer: () => void
}): PeerSync {
  const { repo, handle, documentId, synchronizer, network } = options
  let everSynced = false
  /** Heads each connected peer is known to have, from the sync protocol. */
  const peerHeads = new Map<string, readonly string[]>()
  /** Waiters of flush(), told whenever what peers have may have changed. */
  const flushWaiters = new Set<() => void>()

  // Synced: some peer's heads (as the sync protocol reports them) equal ours.
  const checkSynced = () => {
    if (!options.live() || !handle.isReady()) return
    const ours = A.getHeads(handle.doc())
    if (!everSynced && [...peerHeads.values()].some((theirs) => sameHeads(theirs, ours))) {
      everSynced = true
      options.onChange()
    }
    for (const waiter of [...flushWaiters]) waiter()
  }
  const onSyncState = ({ documentId: id, peerId, syncState }: SyncStateEvent) => {
    if (id !== documentId || !syncState.theirHeads) return
    peerHeads.set(peerId, [...syncState.theirHeads])
    // Emitted before the message's changes are applied: look once the update is done.
    queueMicrotask(checkSynced)
  }
  const onPeers = () => {
    for (const peer of [...peerHeads.keys()]) if (!repo.peers.includes(peer as never)) peerHeads.delete(peer)
    for (const waiter of [...flushWaiters]) waiter()
    options.onChange()
  }
  const onPeer = () => {
    options.onPeer()
    onPeers()
  }
  synchronizer?.on('sync-state', onSyncState)
  network?.on('peer', onPeer)
  network?.on('peer-disconnected', onPeers)

  return {
    get synced() {
      return everSynced
    },
    async flush(timeoutMs) {
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
      if (repo.peers.length === 0 || delivered()) return
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
    },
    stop() {
      flushWaiters.clear()
      synchronizer?.off('sync-state', onSyncState)
      network?.off('peer', onPeer)
      network?.off('peer-disconnected', onPeers)
    },
  }
}
