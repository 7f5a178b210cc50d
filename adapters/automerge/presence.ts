/**
 * Signed presence over automerge-repo ephemeral messages (`handle.broadcast`, relayed by sync
 * servers to every peer of the document, never stored).
 *
 * Each entry carries the member's did and an Ed25519 signature (the presence roster of townhall/adapter,
 * the scheme the Yjs adapter uses) over the space id, the sending repo's peer id, the state and a
 * timestamp: nobody can appear online as someone else, and an entry replayed by another peer, into
 * another space, or long after it was made does not count. Entries are re-sent periodically and
 * ignored once older than `staleMs`; a peer that closes sends a signed goodbye. When a peer is seen
 * for the first time, this device answers with its own entry so newcomers need not wait a period.
 */
import type { DocHandle, PeerId } from '@automerge/automerge-repo'
import { decodeUntrusted, encode, type Identity, type Presence } from '../../core/index.js'
import { presenceRoster, type PresenceSeal, type SignedPresenceClaim } from '../../core/adapter/index.js'

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
  const { handle, peerId } = options
  const now = options.now ?? Date.now
  let closed = false
  let lastAnswer = 0
  let answerTimer: ReturnType<typeof setTimeout> | undefined

  const send = ({ claim, signature }: SignedPresenceClaim) => {
    const entry: WireEntry = { kind: KIND, ...claim, sig: signature }
    try {
      handle.broadcast(options.seal ? { kind: SEALED_KIND, box: options.seal.seal(encode(entry)) } : entry)
    } catch {
      // Nobody to send to right now; the next refresh tries again.
    }
  }
  /** A newcomer learns who is here from our answer instead of waiting for the next refresh. */
  const answer = () => {
    if (!roster.localState || closed || answerTimer) return
    const wait = Math.max(100, lastAnswer + 1000 - now())
    answerTimer = setTimeout(() => {
      answerTimer = undefined
      lastAnswer = now()
      void roster.publish()
    }, wait)
    ;(answerTimer as { unref?: () => void }).unref?.()
  }
  const roster = presenceRoster<string>({
    spaceId: options.spaceId,
    identity: options.identity,
    self: peerId,
    send,
    staleMs: options.staleMs,
    refreshMs: options.refreshMs,
    maxPeers: MAX_PEERS,
    onNewcomer: answer,
    now,
  })

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
    if (!wellFormed) return roster.reject()
    await roster.receive(sender, { did: raw.did!, state: state as Record<string, unknown> | null, ts: raw.ts! }, () => raw.sig!, {
      rejectReplays: true,
    })
  }

  const onMessage = ({ senderId, message }: { senderId: PeerId; message: unknown }) => {
    if (senderId === peerId) return
    void receive(senderId, message).catch(() => roster.reject())
  }
  handle.on('ephemeral-message', onMessage)

  return {
    get forged() {
      return roster.forged
    },
    set: (state) => roster.set(state),
    get: () => roster.get(),
    subscribe: (listener) => roster.subscribe(listener),
    announce: () => answer(),
    leave: () => roster.leave(),
    close() {
      if (closed) return
      closed = true
      roster.close()
      clearTimeout(answerTimer)
      handle.off('ephemeral-message', onMessage)
    },
  }
}
