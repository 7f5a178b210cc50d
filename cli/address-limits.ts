/**
 * Per-address accounting shared by the servers: a server caps connections (and what they hold)
 * per remote address as well as in total, so one client cannot take every slot and make every
 * other client wait (issue 22: one client holding 1,000 idle connections kept everyone else out).
 *
 * An IPv6 client usually controls a whole /64, so IPv6 addresses count by their /64 prefix;
 * IPv4-mapped IPv6 addresses count as the IPv4 address. Behind a reverse proxy every client has the
 * proxy's address: raise the per-address limits there, or let the proxy apply them.
 */
import type { IncomingMessage } from 'node:http'
import { isIPv4, isIPv6 } from 'node:net'
import type { Duplex } from 'node:stream'
import type { WebSocket, WebSocketServer } from 'ws'

/** The key under which a remote address is counted. */
export function addressKey(remote: string | undefined): string {
  if (!remote) return 'unknown'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote)
  if (mapped) return mapped[1]!
  if (isIPv4(remote)) return remote
  if (!isIPv6(remote)) return remote
  // Expand '::' so that the first four groups are the /64 prefix.
  const [head = '', tail = ''] = remote.split('%')[0]!.split('::')
  const left = head ? head.split(':') : []
  const right = remote.includes('::') ? (tail ? tail.split(':') : []) : []
  const groups = remote.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left
  return `${groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}

/** Counts of something held per address (connections, subscriptions), with a cap. */
export interface AddressCounter {
  /** Takes one unit for `key`; false (and nothing taken) if the address is at its cap. */
  take(key: string): boolean
  give(key: string): void
  count(key: string): number
}

export function addressCounter(max: number): AddressCounter {
  const counts = new Map<string, number>()
  return {
    take(key) {
      const now = counts.get(key) ?? 0
      if (now >= max) return false
      counts.set(key, now + 1)
      return true
    },
    give(key) {
      const now = (counts.get(key) ?? 0) - 1
      if (now > 0) counts.set(key, now)
      else counts.delete(key)
    },
    count: (key) => counts.get(key) ?? 0,
  }
}

/** A token bucket: `rate` a second sustained, bursts of twice that. */
export interface Bucket {
  take(): boolean
}

export function bucket(rate: number, now: () => number = Date.now): Bucket {
  let tokens = 2 * rate
  let last = now()
  return {
    take() {
      const at = now()
      tokens = Math.min(2 * rate, tokens + ((at - last) / 1000) * rate)
      last = at
      if (tokens < 1) return false
      tokens--
      return true
    },
  }
}

/** Answers a refused WebSocket upgrade with an HTTP status the client can see, then drops the socket. */
export function refuseUpgrade(socket: Duplex, status: 429 | 503, why: string): void {
  const text = status === 429 ? 'Too Many Requests' : 'Service Unavailable'
  // Node's HTTP server detaches its own handlers from an upgrading socket: without this listener a
  // peer that resets the refused connection would crash the process, and the server allows half-open
  // sockets, so the socket is destroyed once the answer is written rather than left for the peer to end.
  socket.on('error', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why) + 1}\r\n\r\n${why}\n`,
    () => socket.destroy(),
  )
}

export interface Upgrade {
  readonly request: IncomingMessage
  readonly socket: Duplex
  readonly head: Buffer
}

/**
 * Admits a WebSocket upgrade under a server's total cap and its per-address cap, or refuses it
 * visibly (503 when shutting down or full, 429 over the address's cap) and says why through
 * `refused`. The address's slot is taken before the upgrade completes, so a burst of upgrades from
 * one address cannot overshoot, and given back if the socket closes before it is accepted; once
 * accepted, the server gives it back when the connection ends.
 */
export function admitUpgrade(
  { request, socket, head }: Upgrade,
  server: {
    readonly wss: WebSocketServer
    readonly perAddress: AddressCounter
    readonly closing: boolean
    readonly connections: number
    readonly maxConnections: number
    refused(line: string): void
  },
  accept: (ws: WebSocket, address: string) => void,
): void {
  if (server.closing || server.connections >= server.maxConnections) {
    server.refused(`refused a connection: ${server.closing ? 'shutting down' : `limit of ${server.maxConnections} connections reached`}`)
    return refuseUpgrade(socket, 503, server.closing ? 'shutting down' : 'server full')
  }
  const address = addressKey(request.socket.remoteAddress)
  if (!server.perAddress.take(address)) {
    server.refused(`refused a connection from ${address}: it holds ${server.perAddress.count(address)} already`)
    return refuseUpgrade(socket, 429, 'too many connections from your address')
  }
  let accepted = false
  socket.once('close', () => {
    if (!accepted) server.perAddress.give(address)
  })
  server.wss.handleUpgrade(request, socket, head, (ws) => {
    accepted = true
    accept(ws, address)
  })
}
