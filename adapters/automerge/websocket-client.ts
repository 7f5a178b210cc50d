/**
 * A WebSocket client network adapter for automerge-repo, wire-compatible with its
 * WebSocketServerAdapter (and so with `townhall sync-server` and other automerge-repo sync servers).
 *
 * Written here rather than taken from @automerge/automerge-repo-network-websocket because the
 * upstream client, in Node, rethrows socket errors other than ECONNREFUSED from an event listener
 * (a reset connection ends the process), throws from `send` while reconnecting, and schedules
 * reconnects it cannot cancel (a closed replica could reconnect seconds later and keep the process
 * alive). This one bounds and checks every inbound message (see guard.ts), drops outbound messages
 * while disconnected (the sync protocol catches up on reconnect), backs off between attempts, and
 * after `disconnect()` holds no socket and no timer.
 */
import { cbor, NetworkAdapter, type Message, type PeerId, type PeerMetadata } from '@automerge/automerge-repo'
import { checkRepoMessage, DEFAULT_MAX_MESSAGE_BYTES, sanitizePeerMetadata } from './guard.js'

/** The subset of the WebSocket API used here: the browser's and `ws`'s both have it. */
interface Socket {
  binaryType: string
  readonly readyState: number
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
  terminate?: () => void
  addEventListener(type: string, listener: (event: { data?: unknown }) => void): void
  removeEventListener(type: string, listener: (event: { data?: unknown }) => void): void
}
export type WebSocketConstructor = new (url: string) => unknown

const OPEN = 1
/** The browser's network events (`online`, `offline`); absent in Node, where this does nothing. */
const browserNetwork = globalThis as {
  addEventListener?: (type: string, listener: () => void) => void
  removeEventListener?: (type: string, listener: () => void) => void
}
const CLOSED = 3
const PROTOCOL_V1 = '1'

export interface WebSocketClientOptions {
  /** The WebSocket class (default: `globalThis.WebSocket`; Node 20 needs `ws`'s). */
  readonly WebSocket?: WebSocketConstructor
  /** First reconnect delay; doubles on each failure up to `maxRetryMs` (default 500 ms). */
  readonly retryMs?: number
  /** Longest reconnect delay (default 5 s). */
  readonly maxRetryMs?: number
  /** Largest inbound message accepted (default 32 MiB). */
  readonly maxMessageBytes?: number
  /** Told about every inbound message dropped, with the reason. */
  readonly onReject?: (reason: string) => void
}

const toBytes = (data: unknown): Uint8Array | undefined => {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (Array.isArray(data) && data.every((part) => part instanceof Uint8Array)) {
    // ws delivers fragmented messages as a list of buffers when binaryType is 'fragments'.
    const out = new Uint8Array(data.reduce((n: number, part: Uint8Array) => n + part.byteLength, 0))
    let offset = 0
    for (const part of data as Uint8Array[]) {
      out.set(part, offset)
      offset += part.byteLength
    }
    return out
  }
  return undefined
}

export class WebSocketClientAdapter extends NetworkAdapter {
  readonly url: string
  /** The connected server's peer id, once it answered our join. */
  remotePeerId: PeerId | undefined
  /** The current socket, for diagnostics and tests. */
  socket: Socket | undefined

  readonly #WebSocket: WebSocketConstructor
  readonly #retryMs: number
  readonly #maxRetryMs: number
  readonly #maxBytes: number
  readonly #onReject: (reason: string) => void
  #rejected = 0
  #delay: number
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #readyTimer: ReturnType<typeof setTimeout> | undefined
  #stopped = true
  #connected = false
  #cancelled = false
  #ready = false
  #resolveReady!: () => void
  readonly #readyPromise = new Promise<void>((resolve) => (this.#resolveReady = resolve))

  constructor(url: string, options: WebSocketClientOptions = {}) {
    super()
    this.url = url
    const ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (!ctor) throw new Error('No WebSocket implementation: pass `WebSocket` (in Node 20, the one from the ws package).')
    this.#WebSocket = ctor
    this.#retryMs = options.retryMs ?? 500
    this.#maxRetryMs = options.maxRetryMs ?? 5000
    this.#maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
    const onReject = options.onReject ?? (() => {})
    this.#onReject = (reason) => {
      this.#rejected++
      onReject(reason)
    }
    this.#delay = this.#retryMs
  }

  /** Inbound messages dropped: undecodable, oversized, or not a well-formed repo message. */
  get rejectedMessages(): number {
    return this.#rejected
  }

  isReady(): boolean {
    return this.#ready
  }
  whenReady(): Promise<void> {
    return this.#readyPromise
  }
  #markReady(): void {
    if (this.#ready) return
    this.#ready = true
    clearTimeout(this.#readyTimer)
    this.#resolveReady()
  }

  connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    // Disconnected before the Repo got round to connecting (it waits for its storage id): stay down.
    if (this.#cancelled) return
    this.#connected = true
    this.peerId = peerId
    this.peerMetadata = peerMetadata ?? {}
    this.#stopped = false
    browserNetwork.addEventListener?.('online', this.#onBrowserOnline)
    browserNetwork.addEventListener?.('offline', this.#onBrowserOffline)
    // "Ready" means the network has had its chance: the Repo waits on it before declaring a document
    // unavailable, so an unreachable server must not hold that up for long.
    if (!this.#ready && !this.#readyTimer) this.#readyTimer = setTimeout(() => this.#markReady(), 1000)
    this.#open()
  }

  #open(): void {
    if (this.#stopped) return
    let socket: Socket
    try {
      socket = new this.#WebSocket(this.url) as Socket
    } catch {
      // A malformed URL throws synchronously: treat it like a failed connection.
      this.#scheduleRetry()
      return
    }
    socket.binaryType = 'arraybuffer'
    this.socket = socket
    socket.addEventListener('open', this.#onOpen)
    socket.addEventListener('message', this.#onMessage)
    socket.addEventListener('close', this.#onClose)
    // Errors are followed by 'close', where the reconnect happens; a listener keeps ws from throwing.
    socket.addEventListener('error', this.#onError)
  }

  #detach(socket: Socket): void {
    socket.removeEventListener('open', this.#onOpen)
    socket.removeEventListener('message', this.#onMessage)
    socket.removeEventListener('close', this.#onClose)
    // The error listener stays: a late error on a closing socket must still have a listener.
  }

  #onOpen = (): void => {
    this.#delay = this.#retryMs
    this.#sendRaw({
      type: 'join',
      senderId: this.peerId,
      peerMetadata: this.peerMetadata ?? {},
      supportedProtocolVersions: [PROTOCOL_V1],
    })
  }

  #onError = (): void => {}

  /**
   * The browser says it went offline: drop the connection now, so the peer count (and the status
   * shown from it) says so at once. A socket whose network is gone can otherwise look open for
   * minutes, until TCP gives up.
   */
  #onBrowserOffline = (): void => {
    const socket = this.socket
    if (this.#stopped || !socket) return
    this.socket = undefined
    this.#detach(socket)
    try {
      socket.close(1000, 'offline')
    } catch {
      // Already closing.
    }
    this.#lost()
    this.#scheduleRetry()
  }

  /** Back online: reconnect now rather than at the end of a backoff that grew while offline. */
  #onBrowserOnline = (): void => {
    if (this.#stopped || this.socket) return
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    this.#delay = this.#retryMs
    this.#open()
  }

  #onClose = (): void => {
    if (this.socket) this.#detach(this.socket)
    this.socket = undefined
    this.#lost()
    this.#markReady()
    this.#scheduleRetry()
  }

  #lost(): void {
    const peerId = this.remotePeerId
    this.remotePeerId = undefined
    if (peerId) this.emit('peer-disconnected', { peerId })
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#retryTimer) return
    const delay = this.#delay
    this.#delay = Math.min(this.#delay * 2, this.#maxRetryMs)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      this.#open()
    }, delay)
  }

  #onMessage = (event: { data?: unknown }): void => {
    const bytes = toBytes(event.data)
    if (!bytes) return this.#onReject('not binary')
    if (bytes.byteLength > this.#maxBytes) return this.#onReject(`larger than ${this.#maxBytes} bytes`)
    let message: unknown
    try {
      message = cbor.decode(bytes)
    } catch (error) {
      return this.#onReject(`does not decode: ${(error as Error).message}`)
    }
    if (typeof message !== 'object' || message === null) return this.#onReject('not an object')
    const { type, senderId } = message as { type?: unknown; senderId?: unknown }
    if (type === 'peer') {
      if (typeof senderId !== 'string' || senderId.length === 0 || senderId.length > 128) return this.#onReject('bad server peer id')
      if (this.remotePeerId && this.remotePeerId !== senderId) this.#lost()
      this.remotePeerId = senderId as PeerId
      this.#markReady()
      this.emit('peer-candidate', {
        peerId: senderId as PeerId,
        peerMetadata: sanitizePeerMetadata((message as { peerMetadata?: unknown }).peerMetadata),
      })
      return
    }
    if (type === 'error') return this.#onReject(`server error: ${String((message as { message?: unknown }).message).slice(0, 200)}`)
    const why = checkRepoMessage(message, this.#maxBytes)
    if (why) return this.#onReject(why)
    this.emit('message', message as Message)
  }

  #sendRaw(message: unknown): void {
    const socket = this.socket
    if (!socket || socket.readyState !== OPEN) return
    try {
      socket.send(new Uint8Array(cbor.encode(message)))
    } catch {
      // The socket closed under us: 'close' follows and reconnects.
    }
  }

  send(message: Message): void {
    // Dropped while disconnected: on reconnect the Repo starts a fresh sync round with the server.
    if ('data' in message && message.data?.byteLength === 0) return
    this.#sendRaw(message)
  }

  disconnect(): void {
    if (!this.#connected) this.#cancelled = true
    this.#stopped = true
    browserNetwork.removeEventListener?.('online', this.#onBrowserOnline)
    browserNetwork.removeEventListener?.('offline', this.#onBrowserOffline)
    clearTimeout(this.#retryTimer)
    this.#retryTimer = undefined
    clearTimeout(this.#readyTimer)
    this.#readyTimer = undefined
    const socket = this.socket
    this.socket = undefined
    this.#lost()
    if (!socket) return
    this.#detach(socket)
    if (socket.readyState === CLOSED) return
    try {
      socket.close(1000, 'closing')
    } catch {
      // Already closing.
    }
    // ws waits up to 30 s for the server's closing handshake, which would keep a Node process
    // alive; cut it short (browsers have no terminate and need none).
    if (socket.terminate) {
      const timer = setTimeout(() => socket.terminate?.(), 1000)
      ;(timer as { unref?: () => void }).unref?.()
    }
  }
}
