/**
 * Guards the server side of @libp2p/websockets, which leaves two doors open that we close from
 * outside its code:
 *
 * - ws emits `error` on an accepted socket when a frame breaks the protocol (RSV2 set, an unmasked
 *   client frame, opcode 0x3, close code 999, a 126-byte ping). ws has already answered with close
 *   code 1002 by then, but @libp2p/websockets adds no `error` listener, so the error became an
 *   uncaught exception and one frame ended the whole relay (issue 22).
 * - a TCP connection that never completes its HTTP upgrade is held for ever (the listener waits
 *   for a first byte without a timeout), and one address may hold any number of connections.
 *
 * It reaches the listener's `wsServer` and `server` fields, which are not public API: if an upgrade
 * renames them, `guardWebSocketTransport` throws at start rather than leaving the relay crashable.
 */
import type { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'

export interface WebSocketGuardOptions {
  /** Called once per connection closed for a protocol violation or for not upgrading in time. */
  readonly onRefused?: (why: string) => void
  /** A connection must complete its WebSocket upgrade within this (default 10 s). */
  readonly upgradeTimeoutMs?: number
  /**
   * Asked before each upgrade with the remote address: a function to call when that connection
   * closes, or undefined to refuse it with HTTP 429 (per-address caps live with the caller).
   */
  readonly admit?: (remoteAddress: string | undefined) => (() => void) | undefined
}

/** A WebSocket transport that refuses an unguardable listener instead of building one. */
export class UnguardableListenerError extends Error {
  static override readonly name = 'UnguardableListenerError'
  override readonly name = 'UnguardableListenerError'
}

interface UpgradingServer {
  handleUpgrade(request: unknown, socket: Socket, head: Buffer, accepted: (ws: EventEmitter, request: unknown) => void): void
}

interface GuardableTransport {
  createListener(options: unknown): unknown
}

/** Wraps `webSockets()` so that every listener it creates is guarded. */
export function guardWebSocketTransport<F extends (components: never) => object>(factory: F, options: WebSocketGuardOptions = {}): F {
  const refused = options.onRefused ?? (() => {})
  const upgradeTimeoutMs = options.upgradeTimeoutMs ?? 10_000
  return ((components: never) => {
    const transport = factory(components) as GuardableTransport
    const createListener = transport.createListener.bind(transport)
    transport.createListener = (listenerOptions: unknown) => {
      const listener = createListener(listenerOptions) as { wsServer?: UpgradingServer; server?: EventEmitter }
      const { wsServer, server } = listener
      if (typeof wsServer?.handleUpgrade !== 'function' || typeof server?.on !== 'function')
        throw new UnguardableListenerError(
          '@libp2p/websockets changed: its listener has no wsServer/server to guard; refusing to listen unguarded.',
        )
      server.on('connection', (socket: Socket) => {
        socket.setTimeout(upgradeTimeoutMs, () => {
          refused('no WebSocket upgrade in time')
          socket.destroy()
        })
      })
      // The listener hands each upgrade a callback rather than listening for 'connection', so the
      // error listener goes in through that callback, before the socket reads its first frame.
      const handleUpgrade = wsServer.handleUpgrade.bind(wsServer)
      wsServer.handleUpgrade = (request, socket, head, accepted) => {
        const release = options.admit ? options.admit(socket.remoteAddress) : () => {}
        if (!release) {
          refused(`refused a WebSocket connection from ${socket.remoteAddress}: too many from that address`)
          socket.on('error', () => socket.destroy())
          socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy())
          return
        }
        socket.once('close', release)
        handleUpgrade(request, socket, head, (ws, upgraded) => {
          // Upgraded: from here libp2p's own upgrade timeout and connection manager take over.
          socket.setTimeout(0)
          ws.on('error', (error: Error) => refused(`closed a WebSocket connection: ${error.message}`))
          accepted(ws, upgraded)
        })
      }
      return listener
    }
    return transport
  }) as F
}
