/**
 * Checks automerge-repo messages from peers before the Repo sees them.
 *
 * automerge-repo trusts its network: a message of the wrong shape throws inside a socket or port
 * listener (a process-ending uncaught exception in Node), a malformed sync message is only
 * `console.log`ged after it failed, and peer metadata is used unchecked as a storage path segment.
 * Here every inbound message is bounded in size, checked for the fields its type needs, and a sync
 * message must decode as one before anything applies it. Whatever fails becomes a counted rejection.
 */
import * as A from '@automerge/automerge'
import {
  cbor,
  isValidDocumentId,
  NetworkAdapter,
  type Message,
  type NetworkAdapterInterface,
  type PeerId,
  type PeerMetadata,
} from '@automerge/automerge-repo'

/** Default bound on one inbound message: an initial sync carries the whole document in one message. */
export const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024
/** Ephemeral messages (presence) are small; larger ones are refused whatever the message bound. */
export const MAX_EPHEMERAL_BYTES = 64 * 1024
const MAX_ID_LENGTH = 128
const STORAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH

/**
 * Peer metadata as the Repo may use it. The storage id becomes a path segment of the sync state the
 * Repo saves (`<doc>/sync-state/<storageId>`), so anything but a UUID (say `../../elsewhere`) is
 * dropped: the peer is then treated as ephemeral and nothing is written for it.
 */
export function sanitizePeerMetadata(value: unknown): PeerMetadata {
  if (typeof value !== 'object' || value === null) return { isEphemeral: true }
  const { storageId, isEphemeral } = value as { storageId?: unknown; isEphemeral?: unknown }
  if (typeof storageId === 'string' && STORAGE_ID.test(storageId))
    return { storageId: storageId as PeerMetadata['storageId'], isEphemeral: isEphemeral === true }
  return { isEphemeral: true }
}

/** Returns why a message from a peer must be dropped, or undefined when the Repo may process it. */
export function checkRepoMessage(message: unknown, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): string | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return 'not an object'
  const { type, senderId, targetId, documentId, data } = message as Record<string, unknown>
  if (!isId(senderId)) return 'bad senderId'
  if (!isId(targetId)) return 'bad targetId'
  if (typeof type !== 'string') return 'no type'
  if (type !== 'sync' && type !== 'request' && type !== 'ephemeral' && type !== 'doc-unavailable')
    // remote-heads gossip is off on townhall repos; anything else is unknown.
    return `unexpected message type ${JSON.stringify(type.slice(0, 40))}`
  if (!isId(documentId) || !isValidDocumentId(documentId)) return 'bad documentId'
  if (type === 'doc-unavailable') return undefined
  if (!(data instanceof Uint8Array) || data.byteLength === 0) return 'no data'
  if (type === 'ephemeral') {
    const { count, sessionId } = message as { count?: unknown; sessionId?: unknown }
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) return 'bad count'
    if (!isId(sessionId)) return 'bad sessionId'
    if (data.byteLength > Math.min(maxBytes, MAX_EPHEMERAL_BYTES)) return `ephemeral message larger than ${MAX_EPHEMERAL_BYTES} bytes`
    try {
      cbor.decode(data)
    } catch (error) {
      return `ephemeral data does not decode: ${(error as Error).message}`
    }
    return undefined
  }
  if (data.byteLength > maxBytes) return `larger than ${maxBytes} bytes`
  try {
    A.decodeSyncMessage(data)
  } catch (error) {
    return `malformed sync message: ${(error as Error).message}`
  }
  return undefined
}

const ephemeralKey = (message: Message) => {
  const { senderId, sessionId, count } = message as Message & { sessionId?: unknown; count?: unknown }
  return `${senderId}\n${String(sessionId)}\n${String(count)}`
}

export interface GuardOptions {
  /** Largest message passed on (default 32 MiB). */
  readonly maxMessageBytes?: number
  /** Told about every message dropped, with the reason. */
  readonly onReject?: (reason: string) => void
  /** Called before the Repo hears of a peer, so that the document can be made ready for it first. */
  readonly beforePeer?: () => void
}

/**
 * Wraps any automerge-repo network adapter (MessageChannel, BroadcastChannel, a WebSocket client)
 * so that only well-formed messages reach the Repo, and peer metadata is sanitized.
 */
export class GuardedNetworkAdapter extends NetworkAdapter {
  readonly #inner: NetworkAdapterInterface
  readonly #maxBytes: number
  readonly #onReject: (reason: string) => void
  readonly #beforePeer: () => void
  /** Ephemeral messages that came in through this adapter (sender, session, count), most recent last. */
  readonly #delivered = new Set<string>()
  #connected = false
  #cancelled = false

  constructor(inner: NetworkAdapterInterface, options: GuardOptions = {}) {
    super()
    this.#inner = inner
    this.#maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    this.#onReject = options.onReject ?? (() => {})
    this.#beforePeer = options.beforePeer ?? (() => {})
    inner.on('peer-candidate', ({ peerId, peerMetadata }) => {
      if (!isId(peerId)) return this.#onReject('bad peer id')
      this.#beforePeer()
      this.emit('peer-candidate', { peerId, peerMetadata: sanitizePeerMetadata(peerMetadata) })
    })
    inner.on('peer-disconnected', (payload) => this.emit('peer-disconnected', payload))
    inner.on('close', () => this.emit('close'))
    inner.on('message', (message: Message) => {
      const why = checkRepoMessage(message, this.#maxBytes)
      if (why) return this.#onReject(why)
      if (message.type === 'ephemeral') {
        this.#delivered.add(ephemeralKey(message))
        if (this.#delivered.size > 4096) this.#delivered.delete(this.#delivered.values().next().value!)
      }
      this.emit('message', message)
    })
  }

  get inner(): NetworkAdapterInterface {
    return this.#inner
  }
  isReady(): boolean {
    return this.#inner.isReady()
  }
  whenReady(): Promise<void> {
    return this.#inner.whenReady()
  }
  connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    // The Repo connects its adapters once its storage id has loaded: a Repo shut down before that
    // would otherwise connect afterwards and stay connected.
    if (this.#cancelled) return
    this.#connected = true
    this.peerId = peerId
    if (peerMetadata) this.peerMetadata = peerMetadata
    this.#inner.connect(peerId, peerMetadata)
  }
  send(message: Message): void {
    // automerge-repo passes every ephemeral message it receives on to all its peers but the original
    // sender, including the peer it came from: back to the sync server that just delivered it, which
    // doubles presence traffic and lets one peer's flood bounce off every other peer.
    if (message.type === 'ephemeral' && message.senderId !== this.peerId && this.#delivered.has(ephemeralKey(message))) return
    try {
      this.#inner.send(message)
    } catch {
      // Upstream adapters throw when their channel is not open; the sync protocol recovers on reconnect.
    }
  }
  disconnect(): void {
    if (!this.#connected) this.#cancelled = true
    try {
      this.#inner.disconnect()
    } catch {
      // Some adapters assert they were connected; disconnecting twice is not an error here.
    }
  }
}
