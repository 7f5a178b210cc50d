/**
 * Signed presence over Yjs awareness. Every entry carries the member's did and an Ed25519
 * signature over (space, did, awareness client id, state, timestamp), so nobody can appear online
 * as someone else or replay another client's entry. Entries are re-signed periodically and ignored
 * once older than `staleMs`, so a peer that vanished drops out even if awareness keeps its state.
 */
import type { Awareness } from 'y-protocols/awareness'
import { fromBase64Url, toBase64Url } from '../../core/bytes.js'
import { InvalidArgumentError } from '../../core/errors.js'
import type { Identity } from '../../core/identity.js'
import type { Presence, PresencePeer } from '../../core/replica.js'
import { presenceExpiry } from '../shared/presence-expiry.js'
import { presenceMessage, verifyPresence } from '../shared/presence-signing.js'
import { stablePeers } from '../shared/stable-peers.js'

/** Awareness states travel as JSON, so the signature is base64url text rather than bytes. */
interface SignedEntry {
  did: string
  state: Record<string, unknown>
  ts: number
  sig: string
}

const message = (space: string, clientId: number, entry: Omit<SignedEntry, 'sig'>) => presenceMessage(space, clientId, entry)

export interface SignedPresence extends Presence {
  /** Entries rejected because their signature did not verify. */
  readonly forged: number
  /** Stops announcing this device and tells peers it is gone (the browser went offline). */
  withdraw(): void
  /** Announces this device again after `withdraw`. */
  restore(): void
  close(): void
}

export function signedPresence(options: {
  awareness: Awareness
  spaceId: string
  identity?: Identity
  staleMs?: number
  refreshMs?: number
  now?: () => number
}): SignedPresence {
  const { awareness, spaceId, identity } = options
  const staleMs = options.staleMs ?? 20_000
  const now = options.now ?? Date.now
  const verified = new Map<number, PresencePeer>()
  const listeners = new Set<(peers: readonly PresencePeer[]) => void>()
  let forged = 0
  let localState: Record<string, unknown> | undefined
  let closed = false
  let withdrawn = false

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

  async function check(clientId: number): Promise<void> {
    const raw = (awareness.getStates().get(clientId) as { townhall?: SignedEntry } | undefined)?.townhall
    if (!raw) {
      if (verified.delete(clientId)) notify()
      return
    }
    const valid =
      typeof raw.did === 'string' &&
      typeof raw.sig === 'string' &&
      typeof raw.ts === 'number' &&
      typeof raw.state === 'object' &&
      raw.state !== null &&
      (await verifyPresence(spaceId, clientId, raw, () => fromBase64Url(raw.sig)))
    if (closed) return
    if (!valid) {
      forged++
      verified.delete(clientId)
    } else verified.set(clientId, { did: raw.did, lastSeen: raw.ts, state: raw.state })
    notify()
  }

  const onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    for (const id of removed) verified.delete(id)
    for (const id of [...added, ...updated]) void check(id).catch(() => forged++)
    if (removed.length) notify()
  }
  awareness.on('change', onChange)

  async function publish(): Promise<void> {
    if (!identity || !localState || closed || withdrawn) return
    const entry = { did: identity.did, state: localState, ts: now() }
    const sig = toBase64Url(await identity.sign(message(spaceId, awareness.clientID, entry)))
    // Set whole: after a withdrawal the local state is null, where setLocalStateField does nothing.
    if (!closed && !withdrawn) awareness.setLocalState({ ...(awareness.getLocalState() ?? {}), townhall: { ...entry, sig } })
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
    withdraw() {
      if (closed || withdrawn) return
      withdrawn = true
      awareness.setLocalState(null)
    },
    restore() {
      if (closed || !withdrawn) return
      withdrawn = false
      void publish()
    },
    close() {
      closed = true
      clearInterval(refresh)
      expiry.stop()
      awareness.off('change', onChange)
      listeners.clear()
    },
  }
}
