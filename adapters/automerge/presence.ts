/**
 * Signed presence over automerge-repo ephemeral messages (`handle.broadcast`, relayed by sync
 * servers to every peer of the document, never stored).
 *
 * Each entry carries the member's did and an Ed25519 signature (adapters/shared/presence-signing.ts,
 * the scheme the Yjs adapter uses) over the space id, the sending repo's peer id, the state and a
 * timestamp: nobody can appear online as someone else, and an entry replayed by another peer, into
 * another space, or long after it was made does not count. Entries are re-sent periodically and
 * ignored once older than `staleMs`; a peer that closes sends a signed goodbye. When a peer is seen
 * for the first time, this device answers with its own entry so newcomers need not wait a period.
 */
import type { DocHandle, PeerId } from '@automerge/automerge-repo'
import { InvalidArgumentError } from '../../core/errors.js'
import type { Identity } from '../../core/identity.js'
import type { Presence, PresencePeer } from '../../core/replica.js'
import { presenceExpiry } from '../shared/presence-expiry.js'
import { decodeUntrusted, encode } from '../../core/codec.js'
import type { PresenceSeal } from '../shared/presence-sealing.js'
import { presenceMessage, verifyPresence, type PresenceClaim } from '../shared/presence-signing.js'
import { stablePeers } from '../shared/stable-peers.js'

/** Marks townhall's presence among whatever else an app broadcasts on the document. */
const KIND = 'townhall/presence/v1'
/** A sealed entry (private spaces): `box` holds the dag-cbor of a `KIND` entry. */
const SEALED_KIND = 'townhall/presence-sealed/v1'

/** The entry inside a sealed message; null for anything else, plain entries included (a private space's presence is sealed). */
function unseal(message: unknown, seal: PresenceSeal): unknown {
  if (typeof message !== 'object' || message === null || (message as { kind?: unknown }).kind !== SEALED_KIND) return null
  const box = (message as { box?: unknown }).box
  const opened = box instanceof Uint8Array ? seal.open(box) : undefined
  if (!opened) return null
  try {
    return decodeUntrusted(opened)
  } catch {
    return null
  }
}

/** Peers tracked at most; beyond it the stalest entry is dropped. */
const MAX_PEERS = 1024

interface WireEntry {
  kind: typeof KIND
  did: string
  state: Record<string, unknown> | null
  ts: number
  sig: Uint8Array
}

export interface EphemeralPresence extends Presence {
  /** Entries that claimed to be presence but did not verify (forged, replayed, malformed). */
  readonly forged: number
  /** Sends a signed goodbye, when this device published an entry, so peers drop it at once. */
  leave(): Promise<void>
  /**
   * A peer (a sync server, a tab) connected: re-sends this device's entry shortly (at most once a
   * second), since one published while disconnected was dropped.
   */
  announce(): void
  close(): void
}

export interface EphemeralPresenceOptions {
  readonly handle: DocHandle<unknown>
  /** This repo's peer id: the sender id peers see on our messages. */
  readonly peerId: string
  readonly spaceId: string
  readonly identity?: Identity
  /** Seals entries for the share link's holders (private spaces); without it they travel in plain form. */
  readonly seal?: PresenceSeal
  /** Entries older than this are not shown, and drop out of the list when they reach it (default 20 s). */
  readonly staleMs?: number
  /** How often this device re-sends its entry (default 5 s). */
  readonly refreshMs?: number
  readonly now?: () => number
}

export function ephemeralPresence(options: EphemeralPresenceOptions): EphemeralPresence {
  const { handle, peerId, spaceId, identity } = options
  const staleMs = options.staleMs ?? 20_000
  const now = options.now ?? Date.now
  /** Verified entries by sender peer id. */
  const verified = new Map<string, PresencePeer>()
  const listeners = new Set<(peers: readonly PresencePeer[]) => void>()
  let forged = 0
  let localState: Record<string, unknown> | undefined
  let closed = false
  let lastAnswer = 0
  let answerTimer: ReturnType<typeof setTimeout> | undefined

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

  async function sign(state: Record<string, unknown> | null): Promise<WireEntry | undefined> {
    if (!identity) return undefined
    const claim: PresenceClaim = { did: identity.did, state, ts: now() }
    const sig = await identity.sign(presenceMessage(spaceId, peerId, claim))
    return { kind: KIND, ...claim, sig }
  }
  const send = (entry: WireEntry | undefined) => {
    if (!entry) return
    try {
      handle.broadcast(options.seal ? { kind: SEALED_KIND, box: options.seal.seal(encode(entry)) } : entry)
    } catch {
      // Nobody to send to right now; the next refresh tries again.
    }
  }
  async function publish(): Promise<void> {
    if (!identity || !localState || closed) return
    const entry = await sign(localState)
    if (!closed) send(entry)
  }

  /** A newcomer learns who is here from our answer instead of waiting for the next refresh. */
  const answer = () => {
    if (!localState || closed || answerTimer) return
    const wait = Math.max(100, lastAnswer + 1000 - now())
    answerTimer = setTimeout(() => {
      answerTimer = undefined
      lastAnswer = now()
      void publish()
    }, wait)
    ;(answerTimer as { unref?: () => void }).unref?.()
  }

  async function receive(sender: string, received: unknown): Promise<void> {
    const message = options.seal ? unseal(received, options.seal) : received
    if (typeof message !== 'object' || message === null || (message as { kind?: unknown }).kind !== KIND) return
    const raw = message as Partial<WireEntry>
    const state = raw.state
    const wellFormed =
      typeof raw.did === 'string' &&
      typeof raw.ts === 'number' &&
      Number.isFinite(raw.ts) &&
      raw.sig instanceof Uint8Array &&
      (state === null || (typeof state === 'object' && !Array.isArray(state)))
    const claim = wellFormed ? { did: raw.did!, state: state as PresenceClaim['state'], ts: raw.ts! } : undefined
    const valid = claim !== undefined && (await verifyPresence(spaceId, sender, claim, () => raw.sig!))
    if (closed) return
    if (!valid || !claim) {
      forged++
      return
    }
    // Replays: an entry older than the one we hold from this sender, or too old (or too far ahead) to be current.
    const known = verified.get(sender)
    if ((known && claim.ts < known.lastSeen) || Math.abs(now() - claim.ts) > staleMs) return
    if (claim.state === null) {
      if (verified.delete(sender)) notify()
      return
    }
    if (!known) answer()
    verified.set(sender, { did: claim.did, lastSeen: claim.ts, state: claim.state })
    if (verified.size > MAX_PEERS) {
      const stalest = [...verified].sort(([, a], [, b]) => a.lastSeen - b.lastSeen)[0]
      if (stalest) verified.delete(stalest[0])
    }
    notify()
  }

  const onMessage = ({ senderId, message }: { senderId: PeerId; message: unknown }) => {
    if (senderId === peerId) return
    void receive(senderId, message).catch(() => forged++)
  }
  handle.on('ephemeral-message', onMessage)

  const refresh = setInterval(() => void publish(), options.refreshMs ?? 5_000)
  ;(refresh as { unref?: () => void }).unref?.()

  return {
    get forged() {
      return forged
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
    announce: () => answer(),
    async leave() {
      if (closed || !localState || !identity) return
      const goodbye = await sign(null)
      if (!closed) send(goodbye)
    },
    close() {
      if (closed) return
      closed = true
      clearInterval(refresh)
      expiry.stop()
      clearTimeout(answerTimer)
      handle.off('ephemeral-message', onMessage)
      listeners.clear()
    },
  }
}
