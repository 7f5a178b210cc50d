/**
 * Signed presence over a libp2p pubsub topic per space: the kit's presence roster
 * (townhall/adapter). Each message is dag-cbor
 * `{ d: did, st: state, t: timestamp, p: libp2p peer id, s: signature }`, `s` the Ed25519 signature
 * of the member's did key over the kit's presence claim (space, peer id as sender, did, state,
 * timestamp). Gossipsub signs every message
 * with the sender's libp2p key, so a message counts only when its libp2p sender is the peer id it
 * names: nobody can appear online as someone else, nor replay another device's message as theirs.
 * Entries are re-published every `refreshMs` and ignored once older than `staleMs`; a peer that
 * disconnects drops out at once.
 */
import type { Libp2p } from '@libp2p/interface'
import { sha256 } from '@noble/hashes/sha2.js'
import { decodeUntrusted, encode, type Identity, type Presence } from '../../core/index.js'
import { presenceRoster, toBase64Url, utf8, type PresenceSeal } from '../../core/adapter/index.js'

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
  const { libp2p, pubsub, spaceId } = options
  const topic = presenceTopic(spaceId)
  const staleMs = options.staleMs ?? 20_000
  const maxMessageBytes = options.maxMessageBytes ?? 16 * 1024
  const now = options.now ?? Date.now
  const self = libp2p.peerId.toString()
  let lastPublish = 0
  let closed = false

  const roster = presenceRoster<string>({
    spaceId,
    identity: options.identity,
    self,
    staleMs,
    refreshMs: options.refreshMs,
    now,
    async send({ claim, signature }) {
      lastPublish = now()
      const data = encode({ d: claim.did, st: claim.state, t: claim.ts, p: self, s: signature })
      await pubsub.publish(topic, options.seal ? options.seal.seal(data) : data).catch(() => {})
    },
  })

  async function check(event: PubSubMessage): Promise<void> {
    const from = event.type === 'signed' ? event.from?.toString() : undefined
    let entry: { d?: unknown; st?: unknown; t?: unknown; p?: unknown; s?: unknown } | undefined
    try {
      // A private space's presence is sealed: a plain message, or one under another key, is not presence here.
      const data = event.data.length <= maxMessageBytes ? (options.seal ? options.seal.open(event.data) : event.data) : undefined
      if (from && data) entry = decodeUntrusted(data) as typeof entry
    } catch {
      entry = undefined
    }
    // Gossipsub signed the message with the sender's libp2p key: it counts only from the peer it names.
    const wellFormed =
      entry !== undefined &&
      from !== undefined &&
      typeof entry.d === 'string' &&
      entry.p === from &&
      typeof entry.t === 'number' &&
      Math.abs(now() - entry.t) <= staleMs &&
      typeof entry.st === 'object' &&
      entry.st !== null &&
      !Array.isArray(entry.st) &&
      entry.s instanceof Uint8Array
    if (!wellFormed) {
      if (!closed) roster.reject()
      return
    }
    const signature = entry!.s as Uint8Array
    await roster.receive(
      from!,
      { did: entry!.d as string, state: entry!.st as Record<string, unknown>, ts: entry!.t as number },
      () => signature,
    )
  }

  const onMessage = (event: CustomEvent<PubSubMessage>) => {
    if (event.detail.topic === topic) void check(event.detail).catch(() => roster.reject())
  }
  const onDisconnect = (event: CustomEvent<{ toString(): string }>) => roster.remove(event.detail.toString())
  // A newcomer subscribing hears this device within a second instead of at the next refresh.
  const onSubscriptions = () => {
    if (now() - lastPublish > 1000) void roster.publish()
  }
  pubsub.addEventListener('message', onMessage)
  pubsub.addEventListener('subscription-change', onSubscriptions)
  libp2p.addEventListener('peer:disconnect', onDisconnect)
  pubsub.subscribe(topic)

  return {
    get forged() {
      return roster.forged
    },
    set: (state) => roster.set(state),
    get: () => roster.get(),
    subscribe: (listener) => roster.subscribe(listener),
    close() {
      if (closed) return
      closed = true
      roster.close()
      pubsub.removeEventListener('message', onMessage)
      pubsub.removeEventListener('subscription-change', onSubscriptions)
      libp2p.removeEventListener('peer:disconnect', onDisconnect)
      try {
        pubsub.unsubscribe(topic)
      } catch {
        // libp2p already stopped.
      }
    },
  }
}
