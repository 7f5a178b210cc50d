/**
 * Admission of new WebRTC connections from signaling. y-webrtc opens a connection to every peer id
 * announced in the room while it has fewer than `maxConns`, and answers every offer addressed to
 * it, whoever sent them; a connection that never answers holds its slot for ever. So anyone with
 * the room password could announce 40 peer ids that do not exist and leave no slot for a real
 * member (issue 22). Here, before y-webrtc sees a signaling message of this room:
 *
 * - it is decrypted (again: signaling-guard.ts, which the replica puts first, has already dropped
 *   what y-webrtc could not read; this one drops an undecryptable message too when used alone);
 * - a message that would make y-webrtc open a connection (an announce, or an offer from a peer id
 *   it has no connection to) is refused when the address it came from already has
 *   `maxPendingPerSender` connections here that have not connected yet. townhall's signaling server
 *   tags each relayed message with an opaque tag of the sender's address; other servers do not, and
 *   then only the connect timeout below applies.
 *
 * The replica's watchdog closes connections that have not connected within `connectTimeoutMs`,
 * which frees their slots (and makes y-webrtc announce again). An attacker with k addresses can
 * therefore hold at most k × `maxPendingPerSender` slots of each honest peer at a time.
 */
import { decryptSignaling } from './signaling-guard.js'

type Listener = (...args: unknown[]) => void
interface SignalingConnLike {
  _observers: Map<string, Set<Listener>>
}
interface ConnLike {
  readonly connected: boolean
}
/** Decides, for one room, whether a signaling message may reach y-webrtc. */
type Filter = (message: { data?: unknown; sender?: unknown }) => Promise<boolean>

const filters = new WeakMap<object, Map<string, Filter>>()

/** Routes a signaling connection's messages through the filters of the rooms that installed one. */
function wrapConnection(conn: SignalingConnLike): Map<string, Filter> {
  let rooms = filters.get(conn)
  if (rooms) return rooms
  const installed = new Map<string, Filter>()
  rooms = installed
  filters.set(conn, rooms)
  const listeners = conn._observers.get('message') ?? new Set<Listener>()
  const original = [...listeners]
  const forward = (message: unknown) => original.forEach((listener) => listener(message))
  // One queue per connection keeps a room's messages in order (an offer before its candidates).
  let queue: Promise<void> = Promise.resolve()
  listeners.clear()
  listeners.add((message: unknown) => {
    const m = message as { type?: unknown; topic?: unknown }
    const filter = m?.type === 'publish' && typeof m.topic === 'string' ? installed.get(m.topic) : undefined
    if (!filter) return forward(message)
    queue = queue.then(
      () => filter(message as { data?: unknown }).then((pass) => (pass ? forward(message) : undefined)),
      () => {},
    )
  })
  conn._observers.set('message', listeners)
  return rooms
}

export interface AdmissionOptions {
  readonly roomName: string
  /** y-webrtc's room key (`provider.key`), null without a password. */
  readonly key: PromiseLike<CryptoKey | null>
  readonly peerId: () => string | undefined
  readonly conns: () => Map<string, ConnLike> | undefined
  readonly maxPendingPerSender: number
  /** Told of each message refused. */
  readonly onRefused: (why: string) => void
}

export interface Admission {
  /** Installs the filter on these signaling connections (y-webrtc's `provider.signalingConns`); idempotent. */
  install(conns: readonly unknown[]): void
  uninstall(): void
}

export function admission(options: AdmissionOptions): Admission {
  /** Peer ids of connections opened on a tagged message, with their sender's tag, until they connect or close. */
  const pendingFrom = new Map<string, string>()
  const installedOn = new Set<SignalingConnLike>()

  const pending = (tag: string): number => {
    const conns = options.conns()
    let count = 0
    for (const [peer, sender] of pendingFrom) {
      const conn = conns?.get(peer)
      if (!conn || conn.connected) pendingFrom.delete(peer)
      else if (sender === tag) count++
    }
    return count
  }

  const decrypt = async (data: unknown): Promise<unknown> => decryptSignaling(data, await options.key)

  const filter: Filter = async (message) => {
    let data: unknown
    try {
      data = await decrypt(message.data)
    } catch {
      data = undefined
    }
    if (typeof data !== 'object' || data === null) {
      options.onRefused('signaling message that does not decrypt')
      return false
    }
    const { type, from, to } = data as { type?: unknown; from?: unknown; to?: unknown }
    const self = options.peerId()
    if (typeof from !== 'string' || from === self || (to !== undefined && to !== self)) return true
    // y-webrtc opens a connection for an announce, and for any signal addressed to it from a new peer id.
    const opens = !options.conns()?.has(from) && (type === 'announce' || (type === 'signal' && to === self))
    if (!opens || typeof message.sender !== 'string') return true
    if (pending(message.sender) >= options.maxPendingPerSender) {
      options.onRefused(`${type} while its address has ${options.maxPendingPerSender} unanswered connections here`)
      return false
    }
    pendingFrom.set(from, message.sender)
    return true
  }

  return {
    install(conns) {
      // y-webrtc replaces its signaling connections when the provider reconnects: forget the old ones.
      for (const old of installedOn) if (!conns.includes(old)) installedOn.delete(old)
      for (const conn of conns as SignalingConnLike[]) {
        if (installedOn.has(conn) || !(conn?._observers instanceof Map)) continue
        installedOn.add(conn)
        wrapConnection(conn).set(options.roomName, filter)
      }
    },
    uninstall() {
      for (const conn of installedOn) filters.get(conn)?.delete(options.roomName)
      installedOn.clear()
      pendingFrom.clear()
    },
  }
}
