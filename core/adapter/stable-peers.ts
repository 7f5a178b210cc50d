/**
 * A presence list that keeps its identity while nobody came, left or refreshed: `presence.get()`
 * called twice returns the same array, so external-store hooks (which compare by identity) do not
 * render again for nothing.
 */
import type { PresencePeer } from '../replica.js'

export function stablePeers(read: () => readonly PresencePeer[]): () => readonly PresencePeer[] {
  let last: readonly PresencePeer[] = []
  return () => {
    const next = read()
    const same =
      next.length === last.length &&
      next.every((peer, i) => peer.did === last[i]!.did && peer.lastSeen === last[i]!.lastSeen && peer.state === last[i]!.state)
    if (!same) last = next
    return last
  }
}
