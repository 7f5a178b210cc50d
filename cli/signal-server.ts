/**
 * A signaling server for y-webrtc, speaking its protocol (JSON `subscribe`, `unsubscribe`,
 * `publish`, `ping`), hardened for the open internet where y-webrtc's bundled server is not: it
 * binds one address (loopback unless told otherwise), bounds message size, connections (in total
 * and per remote address), topics per connection, subscribers per topic (in total and per address)
 * and message rate, drops connections that stop answering pings or subscribe to nothing, relays a
 * publish only from a connection subscribed to that topic, and tells a client what it refused.
 *
 * It sees only room names (hashes of space ids) and y-webrtc's encrypted signaling payloads, so it
 * learns which anonymous rooms are busy, never what is said in them.
 *
 * @example
 * ```ts
 * const server = await startSignalServer({ port: 0 })
 * server.url // -> 'ws://127.0.0.1:40123'
 * await server.close()
 * ```
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { addressCounter, admitUpgrade } from './address-limits.js'

export interface SignalServerOptions {
  /** Address to bind (default 127.0.0.1). Use 0.0.0.0 or :: deliberately, behind TLS, to serve others. */
  readonly host?: string
  /** Port (default 4444; 0 picks a free one). */
  readonly port?: number
  /** Largest WebSocket message accepted; larger ones close the connection (default 64 KiB). */
  readonly maxMessageBytes?: number
  /** Concurrent connections; further ones are refused with HTTP 503 (default 1000). */
  readonly maxConnections?: number
  /** Concurrent connections from one address (an IPv6 /64 counts as one); further ones get HTTP 429 (default 32). */
  readonly maxConnectionsPerAddress?: number
  /** Topics (rooms) one connection may subscribe to (default 64). */
  readonly maxTopicsPerConnection?: number
  /** Subscribers per topic; y-webrtc meshes cap out far below this (default 256). */
  readonly maxSubscribersPerTopic?: number
  /** Subscribers per topic from one address, so one client cannot fill a room (default 8). */
  readonly maxSubscribersPerTopicPerAddress?: number
  /** Longest topic name (default 256 characters). */
  readonly maxTopicLength?: number
  /** Sustained messages per second per connection, with a burst of twice that (default 50). */
  readonly messagesPerSecond?: number
  /** A connection that misses a ping for this long is dropped (default 30 s). */
  readonly pingIntervalMs?: number
  /** A connection subscribed to no topic for this long is closed with 1008 (default 30 s). */
  readonly idleTimeoutMs?: number
  /** Called for notable events (connections refused, protocol violations); default: silent. */
  readonly log?: (line: string) => void
}

export interface SignalServerStats {
  readonly connections: number
  readonly topics: number
  /** Messages refused: malformed, oversized, over the rate, or for a topic the sender is not in. */
  readonly refused: number
  readonly relayed: number
}

export interface SignalServer {
  /** `ws://host:port` to hand to y-webrtc's `signaling` option. */
  readonly url: string
  readonly port: number
  stats(): SignalServerStats
  /** Closes every connection (code 1001, going away) and the listener. Idempotent. */
  close(): Promise<void>
}

interface Client {
  readonly socket: WebSocket
  /** Where it connects from (see address-limits.ts). */
  readonly address: string
  /** The address as other peers see it: a salted hash, stable while this server runs. */
  readonly senderTag: string
  readonly topics: Set<string>
  /** When it last had no topic, or undefined while it has some. */
  idleSince: number | undefined
  tokens: number
  lastRefill: number
  /** When it was last told it is over the rate. */
  toldRate: number
  alive: boolean
}

const CLOSE_POLICY = 1008
const CLOSE_TOO_BIG = 1009
const CLOSE_GOING_AWAY = 1001

export async function startSignalServer(options: SignalServerOptions = {}): Promise<SignalServer> {
  const host = options.host ?? '127.0.0.1'
  const maxMessageBytes = options.maxMessageBytes ?? 64 * 1024
  const maxConnections = options.maxConnections ?? 1000
  const maxTopicsPerConnection = options.maxTopicsPerConnection ?? 64
  const maxSubscribersPerTopic = options.maxSubscribersPerTopic ?? 256
  const perAddress = addressCounter(options.maxConnectionsPerAddress ?? 32)
  const maxSubscribersPerTopicPerAddress = options.maxSubscribersPerTopicPerAddress ?? 8
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000
  const maxTopicLength = options.maxTopicLength ?? 256
  const rate = options.messagesPerSecond ?? 50
  const log = options.log ?? (() => {})

  const salt = randomBytes(16)
  const topics = new Map<string, Set<Client>>()
  const clients = new Set<Client>()
  let refused = 0
  let relayed = 0
  let closing: Promise<void> | undefined

  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    // A plain GET answers health checks; everything else is for WebSocket upgrades only.
    response.writeHead(request.url === '/' ? 200 : 404, { 'content-type': 'text/plain' })
    response.end(request.url === '/' ? 'townhall signal: y-webrtc signaling over WebSocket\n' : 'not found\n')
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes, perMessageDeflate: false })

  const refusedConnection = (line: string) => {
    refused++
    log(line)
  }
  http.on('upgrade', (request, socket, head) =>
    admitUpgrade(
      { request, socket, head },
      { wss, perAddress, closing: closing !== undefined, connections: clients.size, maxConnections, refused: refusedConnection },
      accept,
    ),
  )

  function send(client: Client, message: string): void {
    if (client.socket.readyState !== client.socket.OPEN) return
    // Backpressure: a receiver that cannot keep up is dropped rather than buffered without bound.
    if (client.socket.bufferedAmount > 16 * maxMessageBytes) {
      client.socket.terminate()
      return
    }
    client.socket.send(message)
  }

  function unsubscribe(client: Client, topic: string): void {
    const subscribers = topics.get(topic)
    subscribers?.delete(client)
    if (subscribers?.size === 0) topics.delete(topic)
    client.topics.delete(topic)
    if (client.topics.size === 0) client.idleSince ??= Date.now()
  }

  /** A refusal the client can see: y-webrtc ignores message types it does not know. */
  function tell(client: Client, reason: string, topic?: string): void {
    refused++
    send(client, JSON.stringify({ type: 'error', reason, ...(topic !== undefined ? { topic } : {}) }))
  }

  function withinRate(client: Client): boolean {
    const now = Date.now()
    client.tokens = Math.min(2 * rate, client.tokens + ((now - client.lastRefill) / 1000) * rate)
    client.lastRefill = now
    if (client.tokens < 1) return false
    client.tokens--
    return true
  }

  function violation(client: Client, why: string): void {
    refused++
    log(`closed a connection: ${why}`)
    client.socket.close(CLOSE_POLICY, why.slice(0, 120))
    // ws would wait 30 s for the peer's half of the closing handshake, keeping its slot.
    setTimeout(() => client.socket.terminate(), 1000).unref()
  }

  function onMessage(client: Client, data: RawData, isBinary: boolean): void {
    if (!withinRate(client)) {
      // Over the rate: drop the message, keep the connection (y-webrtc bursts when a room fills).
      // Told at most once a second, so the answers cannot become a flood of their own.
      const now = Date.now()
      if (now - client.toldRate < 1000) refused++
      else {
        client.toldRate = now
        tell(client, 'rate-limited')
      }
      return
    }
    let message: unknown
    try {
      message = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString())
    } catch {
      return violation(client, 'message is not JSON')
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return violation(client, 'message is not a JSON object')
    const { type } = message as { type?: unknown }
    switch (type) {
      case 'subscribe': {
        const wanted = (message as { topics?: unknown }).topics
        if (!Array.isArray(wanted)) return violation(client, 'subscribe needs a "topics" list')
        for (const topic of wanted) {
          if (typeof topic !== 'string' || topic.length === 0 || topic.length > maxTopicLength)
            return violation(client, 'topic must be a non-empty string of bounded length')
          if (client.topics.has(topic)) continue
          if (client.topics.size >= maxTopicsPerConnection)
            return violation(client, `more than ${maxTopicsPerConnection} topics on one connection`)
          const subscribers = topics.get(topic) ?? new Set<Client>()
          if (subscribers.size >= maxSubscribersPerTopic) {
            log(`refused a subscription: topic is full (${maxSubscribersPerTopic})`)
            tell(client, 'room-full', topic)
            continue
          }
          let fromAddress = 0
          for (const other of subscribers) if (other.address === client.address) fromAddress++
          if (fromAddress >= maxSubscribersPerTopicPerAddress) {
            log(`refused a subscription from ${client.address}: it holds ${fromAddress} in that topic already`)
            tell(client, 'room-full-for-address', topic)
            continue
          }
          subscribers.add(client)
          topics.set(topic, subscribers)
          client.topics.add(topic)
          client.idleSince = undefined
        }
        return
      }
      case 'unsubscribe': {
        const gone = (message as { topics?: unknown }).topics
        if (!Array.isArray(gone)) return violation(client, 'unsubscribe needs a "topics" list')
        for (const topic of gone) if (typeof topic === 'string') unsubscribe(client, topic)
        return
      }
      case 'publish': {
        const topic = (message as { topic?: unknown }).topic
        if (typeof topic !== 'string' || !client.topics.has(topic))
          return tell(client, 'not-subscribed', typeof topic === 'string' ? topic.slice(0, maxTopicLength) : undefined)
        const receivers = topics.get(topic)!
        // y-webrtc reads `clients` to size its mesh; the payload itself is the sender's ciphertext.
        // `sender` names the sender's address by an opaque tag (salted per server start), so peers can
        // cap how many unanswered connections one address makes them open (see adapters/yjs/admission.ts);
        // y-webrtc ignores it.
        const out = JSON.stringify({ ...message, clients: receivers.size, sender: client.senderTag })
        for (const receiver of receivers) send(receiver, out)
        relayed++
        return
      }
      case 'ping':
        return send(client, '{"type":"pong"}')
      default:
        tell(client, 'unknown-type')
    }
  }

  function accept(socket: WebSocket, address: string): void {
    const senderTag = createHash('sha256').update(salt).update(address).digest('base64url').slice(0, 16)
    const client: Client = {
      socket,
      address,
      senderTag,
      topics: new Set(),
      idleSince: Date.now(),
      tokens: 2 * rate,
      lastRefill: Date.now(),
      toldRate: 0,
      alive: true,
    }
    clients.add(client)
    socket.on('message', (data, isBinary) => onMessage(client, data, isBinary))
    socket.on('pong', () => (client.alive = true))
    socket.on('error', (error: Error & { code?: string }) => {
      // ws raises WS_ERR_UNSUPPORTED_MESSAGE_LENGTH for messages over maxPayload and closes with 1009.
      refused++
      log(`closed a connection: ${error.message}`)
      if (socket.readyState === socket.OPEN) socket.close(error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? CLOSE_TOO_BIG : CLOSE_POLICY)
    })
    socket.on('close', () => {
      clients.delete(client)
      perAddress.give(address)
      for (const topic of [...client.topics]) unsubscribe(client, topic)
    })
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 4444, host, () => {
      http.off('error', reject)
      resolve()
    })
  })
  const { port } = http.address() as AddressInfo
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}`

  // Started only once listening, so a failed listen (port in use) leaves no timer behind.
  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        client.socket.terminate()
        continue
      }
      client.alive = false
      client.socket.ping()
    }
  }, options.pingIntervalMs ?? 30_000)
  heartbeat.unref()
  // A connection that subscribes to nothing costs a slot and serves no room: time it out, so idle
  // connections cannot hold the server's slots for as long as their owner likes.
  const idleSweep = setInterval(
    () => {
      const now = Date.now()
      for (const client of clients)
        if (client.idleSince !== undefined && now - client.idleSince >= idleTimeoutMs)
          violation(client, `subscribed to nothing for ${idleTimeoutMs} ms`)
    },
    Math.max(50, idleTimeoutMs / 4),
  )
  idleSweep.unref()

  return {
    url,
    port,
    stats: () => ({ connections: clients.size, topics: topics.size, refused, relayed }),
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat)
        clearInterval(idleSweep)
        const closed = new Promise<void>((resolve) => http.close(() => resolve()))
        // ws reports a connection closed a little after its TCP socket (and so after the listener), so
        // wait for both: once close() resolves, stats() shows no connections and no topics.
        const gone = [...clients].map((client) => new Promise<void>((resolve) => client.socket.once('close', () => resolve())))
        for (const client of clients) client.socket.close(CLOSE_GOING_AWAY, 'server shutting down')
        // Peers that do not complete the closing handshake promptly are cut off, as are plain HTTP
        // connections still mid-request (http.close() would otherwise wait for them).
        const force = setTimeout(() => {
          clients.forEach((client) => client.socket.terminate())
          http.closeAllConnections()
        }, 1000)
        force.unref()
        http.closeIdleConnections()
        await Promise.all([closed, ...gone])
        clearTimeout(force)
        wss.close()
      })()
      return closing
    },
  }
}
