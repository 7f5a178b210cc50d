/**
 * Presence entries expire: a peer not heard from within `staleMs` is no longer listed. Filtering
 * stale entries when the list is read is not enough, because nothing reads it while nothing is
 * received: a device that went offline (or whose peer vanished without a goodbye) kept showing the
 * last list, the other person "online", for as long as the silence lasted. This timer wakes up when
 * the oldest entry goes stale, drops every stale entry and tells the listeners.
 */
import type { PresencePeer } from '../replica.js'

export interface PresenceExpiry {
  /** Call after entries changed: re-arms the timer for the oldest entry. */
  schedule(): void
  stop(): void
}

export function presenceExpiry<K>(
  entries: Map<K, PresencePeer>,
  options: { readonly staleMs: number; readonly now: () => number; readonly onExpire: () => void },
): PresenceExpiry {
  const { staleMs, now, onExpire } = options
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  const sweep = () => {
    timer = undefined
    let dropped = false
    for (const [key, peer] of entries) {
      if (now() - peer.lastSeen > staleMs) {
        entries.delete(key)
        dropped = true
      }
    }
    if (dropped) onExpire()
    schedule()
  }

  function schedule(): void {
    if (stopped) return
    clearTimeout(timer)
    timer = undefined
    let oldest = Infinity
    for (const peer of entries.values()) oldest = Math.min(oldest, peer.lastSeen)
    if (oldest === Infinity) return
    timer = setTimeout(sweep, Math.max(0, oldest + staleMs - now()) + 1)
    ;(timer as { unref?: () => void }).unref?.()
  }

  return {
    schedule,
    stop() {
      stopped = true
      clearTimeout(timer)
      timer = undefined
    },
  }
}
