/**
 * Signed presence over Yjs awareness: the kit's presence roster (townhall/adapter), carried in
 * this client's awareness state. Every entry carries the member's did and an Ed25519 signature
 * over (space, did, awareness client id, state, timestamp), so nobody can appear online as someone
 * else or replay another client's entry. Entries are re-signed periodically and ignored once older
 * than `staleMs`, so a peer that vanished drops out even if awareness keeps its state.
 */
import type { Awareness } from 'y-protocols/awareness'
import type { Identity, Presence } from '../../core/index.js'
import { fromBase64Url, presenceRoster, toBase64Url } from '../../core/adapter/index.js'

/** Awareness states travel as JSON, so the signature is base64url text rather than bytes. */
interface SignedEntry {
  did: string
  state: Record<string, unknown>
  ts: number
  sig: string
}

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
  const { awareness } = options
  let closed = false
  let withdrawn = false

  const roster = presenceRoster<number>({
    spaceId: options.spaceId,
    identity: options.identity,
    self: awareness.clientID,
    staleMs: options.staleMs,
    refreshMs: options.refreshMs,
    now: options.now,
    send({ claim, signature }) {
      // Set whole: after a withdrawal the local state is null, where setLocalStateField does nothing.
      if (closed || withdrawn || claim.state === null) return
      const entry: SignedEntry = { did: claim.did, state: claim.state, ts: claim.ts, sig: toBase64Url(signature) }
      awareness.setLocalState({ ...(awareness.getLocalState() ?? {}), townhall: entry })
    },
  })

  async function check(clientId: number): Promise<void> {
    const raw = (awareness.getStates().get(clientId) as { townhall?: SignedEntry } | undefined)?.townhall
    if (!raw) return roster.remove(clientId)
    const wellFormed =
      typeof raw.did === 'string' &&
      typeof raw.sig === 'string' &&
      typeof raw.ts === 'number' &&
      typeof raw.state === 'object' &&
      raw.state !== null
    if (!wellFormed) roster.reject()
    // A client whose entry does not verify is not listed: its awareness state is that entry now.
    if (!wellFormed || (await roster.receive(clientId, raw, () => fromBase64Url(raw.sig))) === 'forged') roster.remove(clientId)
  }

  const onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    for (const id of removed) roster.remove(id)
    for (const id of [...added, ...updated]) void check(id).catch(() => roster.reject())
  }
  awareness.on('change', onChange)

  return {
    get forged() {
      return roster.forged
    },
    set: (state) => roster.set(state),
    get: () => roster.get(),
    subscribe: (listener) => roster.subscribe(listener),
    withdraw() {
      if (closed || withdrawn) return
      withdrawn = true
      awareness.setLocalState(null)
    },
    restore() {
      if (closed || !withdrawn) return
      withdrawn = false
      void roster.publish()
    },
    close() {
      closed = true
      roster.close()
      awareness.off('change', onChange)
    },
  }
}
