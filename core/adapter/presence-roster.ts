/**
 * Signed presence, transport aside: the list of who is online that every adapter kept the same way
 * (verified entries by sender, sorted by did, expiring when stale, re-signed and re-sent
 * periodically), written once. An adapter supplies how its transport sends this device's signed
 * entry and calls `receive` with what arrives; the signing scheme is presence-signing.ts, the
 * sealing for private spaces presence-sealing.ts.
 *
 * @example
 * ```ts
 * import { createIdentity } from 'townhall'
 * import { presenceRoster, type SignedPresenceClaim } from 'townhall/adapter'
 *
 * // Alice's device sends its signed entry over some transport; Bob's device receives it.
 * const sent: SignedPresenceClaim[] = []
 * const alice = presenceRoster({ spaceId: 'bafy-example', identity: await createIdentity(), self: 'alice-device', send: (s) => void sent.push(s) })
 * const bob = presenceRoster({ spaceId: 'bafy-example', self: 'bob-device', send: () => {} })
 * await alice.set({ name: 'Alice' })
 * await bob.receive('alice-device', sent[0]!.claim, () => sent[0]!.signature) // -> 'listed'
 * await bob.receive('mallory-device', sent[0]!.claim, () => sent[0]!.signature) // -> 'forged'
 * bob.get().map((peer) => peer.state.name) // -> ['Alice']
 * alice.close()
 * bob.close()
 * ```
 */
import { InvalidArgumentError } from '../errors.js'
import type { Identity } from '../identity.js'
import type { Presence, PresencePeer } from '../replica.js'
import { presenceExpiry } from './presence-expiry.js'
import { presenceMessage, verifyPresence, type PresenceClaim } from './presence-signing.js'
import { stablePeers } from './stable-peers.js'

/** A claim and this device's signature over it, ready for a transport to carry. */
export interface SignedPresenceClaim {
  readonly claim: PresenceClaim
  readonly signature: Uint8Array
}

export interface PresenceRosterOptions<K extends number | string> {
  readonly spaceId: string
  /** Signs this device's entries; without one, `set` throws and the roster only listens. */
  readonly identity?: Identity | undefined
  /** The transport's id for this device (awareness client id, repo peer id, libp2p peer id): signed into each entry. */
  readonly self: K
  /** Sends this device's signed entry, or its signed goodbye (`claim.state === null`). */
  readonly send: (signed: SignedPresenceClaim) => void | Promise<void>
  /** Entries older than this are not shown, and drop out of the list when they reach it (default 20 s). */
  readonly staleMs?: number | undefined
  /** How often this device re-sends its entry (default 5 s). */
  readonly refreshMs?: number | undefined
  /** Peers listed at most; beyond it the stalest entry is dropped (default: no bound). */
  readonly maxPeers?: number | undefined
  /** Called when a sender is listed for the first time (to answer newcomers). */
  readonly onNewcomer?: ((sender: K) => void) | undefined
  readonly now?: (() => number) | undefined
}

export type ReceiveResult = 'listed' | 'left' | 'forged' | 'ignored'

export interface PresenceRoster<K extends number | string> extends Presence {
  /** Entries that claimed to be presence but did not verify (forged, replayed into another space or client, malformed). */
  readonly forged: number
  /** The state this device last set, if any. */
  readonly localState: Readonly<Record<string, unknown>> | undefined
  /**
   * Checks a claim that arrived from `sender` (as the transport knows it) and lists it; a goodbye
   * (`state: null`) removes the sender. With `rejectReplays`, a claim older than the one held from
   * that sender, or outside `staleMs` of now, is ignored.
   */
  receive(
    sender: K,
    claim: PresenceClaim,
    signature: () => Uint8Array,
    options?: { readonly rejectReplays?: boolean },
  ): Promise<ReceiveResult>
  /** Counts a message that claimed to be presence but could not be read at all. */
  reject(): void
  /** The transport says `sender` is gone. */
  remove(sender: K): void
  /** Whether `sender` is listed. */
  has(sender: K): boolean
  /** Signs the current state and sends it now (nothing without an identity or a state). */
  publish(): Promise<void>
  /** Signs and sends a goodbye, when this device published an entry, so peers drop it at once. */
  leave(): Promise<void>
  /** Stops the refresh and the expiry timers; listeners are dropped. Idempotent. */
  close(): void
}

export function presenceRoster<K extends number | string>(options: PresenceRosterOptions<K>): PresenceRoster<K> {
  const { spaceId, identity, self, send } = options
  const staleMs = options.staleMs ?? 20_000
  const now = options.now ?? Date.now
  const maxPeers = options.maxPeers ?? Infinity
  const verified = new Map<K, PresencePeer>()
  const listeners = new Set<(peers: readonly PresencePeer[]) => void>()
  let forged = 0
  let localState: Record<string, unknown> | undefined
  let closed = false

  // The same array until someone comes, leaves or refreshes, for hooks that compare by identity.
  const peers = stablePeers((): PresencePeer[] =>
    [...verified.values()].filter((peer) => now() - peer.lastSeen <= staleMs).sort((a, b) => (a.did < b.did ? -1 : a.did > b.did ? 1 : 0)),
  )
  const tell = () => {
    const list = peers()
    for (const listener of [...listeners]) listener(list)
  }
  const expiry = presenceExpiry(verified, { staleMs, now, onExpire: tell })
  const notify = () => {
    expiry.schedule()
    tell()
  }

  async function sign(state: Record<string, unknown> | null): Promise<SignedPresenceClaim | undefined> {
    if (!identity) return undefined
    const claim: PresenceClaim = { did: identity.did, state, ts: now() }
    return { claim, signature: await identity.sign(presenceMessage(spaceId, self, claim)) }
  }
  async function publish(): Promise<void> {
    if (!localState || closed) return
    const signed = await sign(localState)
    if (signed && !closed) await send(signed)
  }
  const refresh = setInterval(() => void publish().catch(() => {}), options.refreshMs ?? 5_000)
  ;(refresh as { unref?: () => void }).unref?.()

  const remove = (sender: K) => {
    if (verified.delete(sender)) notify()
  }

  return {
    get forged() {
      return forged
    },
    get localState() {
      return localState
    },
    async set(state) {
      if (!identity) throw new InvalidArgumentError('Presence needs an identity: pass `identity` to the replica.')
      localState = state
      await publish()
    },
    get: peers,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async receive(sender, claim, signature, receiveOptions = {}) {
      const valid = await verifyPresence(spaceId, sender, claim, signature)
      if (closed) return 'ignored'
      if (!valid) {
        forged++
        return 'forged'
      }
      const known = verified.get(sender)
      // Replays: an entry older than the one held from this sender, or too old (or too far ahead) to be current.
      if (receiveOptions.rejectReplays && ((known && claim.ts < known.lastSeen) || Math.abs(now() - claim.ts) > staleMs)) return 'ignored'
      if (claim.state === null) {
        remove(sender)
        return 'left'
      }
      if (!known) options.onNewcomer?.(sender)
      verified.set(sender, { did: claim.did, lastSeen: claim.ts, state: claim.state })
      if (verified.size > maxPeers) {
        const stalest = [...verified].sort(([, a], [, b]) => a.lastSeen - b.lastSeen)[0]
        if (stalest) verified.delete(stalest[0])
      }
      notify()
      return 'listed'
    },
    reject() {
      forged++
    },
    remove,
    has: (sender) => verified.has(sender),
    publish,
    async leave() {
      if (closed || !localState) return
      const goodbye = await sign(null)
      if (goodbye && !closed) await send(goodbye)
    },
    close() {
      if (closed) return
      closed = true
      clearInterval(refresh)
      expiry.stop()
      listeners.clear()
    },
  }
}
