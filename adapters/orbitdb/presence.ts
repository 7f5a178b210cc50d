/**
 * Signed presence over a libp2p pubsub topic per space. Each message is dag-cbor
 * `{ d: did, st: state, t: timestamp, p: libp2p peer id, s: signature }`, the Ed25519 signature of
 * the member's did key over (space, peer id, did, state, timestamp). Gossipsub signs every message
 * with the sender's libp2p key, so a message counts only when its libp2p sender is the peer id it
 * names: nobody can appear online as someone else, nor replay another device's message as theirs.
 * Entries are re-published every `refreshMs` and ignored once older than `staleMs`; a peer that
 * disconnects drops out at once.
 */
import type { Libp2p } from '@libp2p/interface'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, toBase64Url, utf8 } from '../../core/bytes.js'
import type { PresenceSeal } from '../shared/presence-sealing.js'
import { decodeUntrusted, encode } from '../../core/codec.js'
import { publicKeyFromDid } from '../../core/did.js'
import { ed25519Backend } from '../../core/ed25519.js'
import { InvalidArgumentError } from '../../core/errors.js'
import type { Identity } from '../../core/identity.js'
import type { Presence, PresencePeer } from '../../core/replica.js'
import { presenceExpiry } from '../shared/presence-expiry.js'
import { stablePeers } from '../shared/stable-peers.js'

const DOMAIN = utf8('townhall/presence/v1\n')

export const presenceTopic = (spaceId: string): string =>
  `townhall-presence-${toBase64Url(sha256(utf8(`townhall/orbitdb-presence/v1\n${spaceId}`))).slice(0, 32)}`

/** The part of a gossipsub service this module uses. */
export interface PubSubLike {
  subscribe(topic: string): void
  unsubscribe(topic: string): void
  publish(topic: string, data: Uint8Array): Promise<unknown>
  addEventListener(type: 'message', listener: (event: CustomEvent<PubSubMessage>) => void): void
  removeEventListener(type: 'message', listener: (event: CustomEvent<PubSubMessage>) => void): void
  addEventListener(type: 'subscription-change', listener: () => void): void
  removeEventListener(type: 'subscription-change', listener: () => void): void
}
interface PubSubMessage {
  readonly type: 'signed' | 'unsigned'
  readonly topic: string
  readonly data: Uint8Array
  readonly from?: { toString(): string }
}

export interface OrbitdbPresence extends Presence {
  /** Messages dropped: malformed, oversized, unsigned, or signed by someone other than they claim. */
  readonly forged: number
  close(): void
}

const message = (space: string, peer: string, did: string, state: unknown, ts: number) =>
  concatBytes(DOMAIN, encode({ s: space, p: peer, d: did, st: state, t: ts }))

export function pubsubPresence(options: {
  libp2p: Libp2p
  pubsub: PubSubLike
  spaceId: string
  identity?: Identity
  /** Seals messages for the share link's holders (private spaces); without it they travel in plain form. */
  seal?: PresenceSeal
  staleMs?: number
  refreshMs?: number
  maxMessageBytes?: number
  now?: () => number
}): OrbitdbPresence {
  const { libp2p, pubsub, spaceId, identity } = options
  const topic = presenceTopic(spaceId)
  const staleMs = options.staleMs ?? 20_000
  const maxMessageBytes = options.maxMessageBytes ?? 16 * 1024
  const now = options.now ?? Date.now
  const self = libp2p.peerId.toString()
  const verified = new Map<string, PresencePeer>()
  const listeners = new Set<(peers: readonly PresencePeer[]) => void>()
  let forged = 0
  let localState: Record<string, unknown> | undefined
  let lastPublish = 0
  let closed = false

  const peers = stablePeers((): PresencePeer[] =>
    [...verified.values()].filter((peer) => now() - peer.lastSeen <= staleMs).sort((a, b) => (a.did < b.did ? -1 : 1)),
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

  async function check(event: PubSubMessage): Promise<void> {
    const from = event.type === 'signed' ? event.from?.toString() : undefined
    let valid = false
    let entry: { d?: unknown; st?: unknown; t?: unknown; p?: unknown; s?: unknown } = {}
    try {
      // A private space's presence is sealed: a plain message, or one under another key, is not presence here.
      const data = event.data.length <= maxMessageBytes ? (options.seal ? options.seal.open(event.data) : event.data) : undefined
      if (from && data) {
        entry = decodeUntrusted(data) as typeof entry
        const key = typeof entry.d === 'string' ? publicKeyFromDid(entry.d) : undefined
        valid =
          key !== undefined &&
          entry.p === from &&
          typeof entry.t === 'number' &&
          Math.abs(now() - entry.t) <= staleMs &&
          typeof entry.st === 'object' &&
          entry.st !== null &&
          !Array.isArray(entry.st) &&
          entry.s instanceof Uint8Array &&
          (await (await ed25519Backend()).verify(key, entry.s, message(spaceId, from, entry.d as string, entry.st, entry.t)))
      }
    } catch {
      valid = false
    }
    if (closed) return
    if (!valid) {
      forged++
      return
    }
    verified.set(from!, { did: entry.d as string, lastSeen: entry.t as number, state: entry.st as Record<string, unknown> })
    notify()
  }

  const onMessage = (event: CustomEvent<PubSubMessage>) => {
    if (event.detail.topic === topic) void check(event.detail)
  }
  const onDisconnect = (event: CustomEvent<{ toString(): string }>) => {
    if (verified.delete(event.detail.toString())) notify()
  }
  // A newcomer subscribing hears this device within a second instead of at the next refresh.
  const onSubscriptions = () => {
    if (now() - lastPublish > 1000) void publish()
  }
  pubsub.addEventListener('message', onMessage)
  pubsub.addEventListener('subscription-change', onSubscriptions)
  libp2p.addEventListener('peer:disconnect', onDisconnect)
  pubsub.subscribe(topic)

  async function publish(): Promise<void> {
    if (!identity || !localState || closed) return
    lastPublish = now()
    const ts = now()
    const sig = await identity.sign(message(spaceId, self, identity.did, localState, ts))
    if (closed) return
    const data = encode({ d: identity.did, st: localState, t: ts, p: self, s: sig })
    await pubsub.publish(topic, options.seal ? options.seal.seal(data) : data).catch(() => {})
  }
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
    close() {
      if (closed) return
      closed = true
      clearInterval(refresh)
      expiry.stop()
      pubsub.removeEventListener('message', onMessage)
      pubsub.removeEventListener('subscription-change', onSubscriptions)
      libp2p.removeEventListener('peer:disconnect', onDisconnect)
      try {
        pubsub.unsubscribe(topic)
      } catch {
        // libp2p already stopped.
      }
      listeners.clear()
    },
  }
}
