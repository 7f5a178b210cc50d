/**
 * An automerge-repo sync server for the Automerge adapter: peers connect over WebSocket (the
 * protocol of automerge-repo's WebSocket adapters), and the server keeps every document it is asked
 * for on disk, so a space stays available while all its browsers are closed.
 *
 * Hardened where the upstream `WebSocketServerAdapter` is not: it binds one address (loopback unless
 * told otherwise), bounds message size, connections (in total and per address), open documents (in
 * total, per connection and per address), the bytes of unfinished messages held across all
 * connections, and message rate; it closes connections that do not join in time, releases a
 * document from memory once no connected peer holds it, checks every message before the Repo sees it (a CBOR `null` frame alone ends an unguarded server with a
 * TypeError), refuses peer metadata that would become a path outside its directory, refuses a
 * second connection claiming a peer id that is already connected, and never announces documents:
 * a peer gets only the documents it asks for by id (ids derive from space ids, see
 * adapters/automerge/document.ts).
 *
 * It stores whatever peers put in a document, records and junk alike: it does not validate
 * records (spaces do). Put it behind TLS and authentication before serving the open internet.
 *
 * @example
 * ```ts
 * const server = await startSyncServer({ port: 0, directory: '/var/lib/townhall-sync' })
 * server.url // -> 'ws://127.0.0.1:40123'
 * await server.close()
 * ```
 */
import { mkdir } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cbor, Repo, type DocumentId, type PeerId } from '@automerge/automerge-repo'
import { NodeWSServerAdapter } from '@automerge/automerge-repo-network-websocket'
import { WebSocketServer, type WebSocket } from 'ws'
import { FileStorageAdapter } from '../adapters/automerge/file-storage.js'
import { checkRepoMessage, DEFAULT_MAX_MESSAGE_BYTES, sanitizePeerMetadata } from '../adapters/automerge/guard.js'
import { addressCounter, admitUpgrade } from './address-limits.js'
import { documentKeeper } from './sync-documents.js'
import { unfinishedBytes } from './unfinished-bytes.js'

export interface SyncServerOptions {
  /** Directory for the documents (required: the server's whole point is to keep them). */
  readonly directory: string
  /** Address to bind (default 127.0.0.1). Use 0.0.0.0 or :: deliberately, behind TLS, to serve others. */
  readonly host?: string
  /** Port (default 3030; 0 picks a free one). */
  readonly port?: number
  /** Largest WebSocket message accepted; larger ones close the connection (default 32 MiB). An initial sync carries a whole document. */
  readonly maxMessageBytes?: number
  /** Concurrent connections; further ones are refused with HTTP 503 (default 1000). */
  readonly maxConnections?: number
  /** Concurrent connections from one address (an IPv6 /64 counts as one); further ones get HTTP 429 (default 32). */
  readonly maxConnectionsPerAddress?: number
  /**
   * Bytes of unfinished (fragmented or still arriving) messages held across all connections (default
   * 128 MiB), one address holding at most a quarter of it. A connection whose bytes would go past
   * either is closed with 1013 (try again later). One connection holds at most `maxMessageBytes`.
   */
  readonly maxPendingBytes?: number
  /**
   * Documents with content held in memory at once; requests for further new documents are answered
   * "unavailable" (default 10 000). A document leaves memory once no connected peer holds it, and
   * ids that name no document (nothing on disk, no content from the peer) do not count.
   */
  readonly maxDocuments?: number
  /** Documents one connection may open (default 16); one more closes it with 1008. */
  readonly maxDocumentsPerConnection?: number
  /** Documents all connections from one address may hold open together (default 64). */
  readonly maxDocumentsPerAddress?: number
  /** A connection that has not sent `join` within this is closed with 1008 (default 10 s). */
  readonly joinTimeoutMs?: number
  /** A connection whose unfinished message gets no new byte for this long is closed with 1008 (default 15 s). */
  readonly stallTimeoutMs?: number
  /** Sustained messages per second per connection, with a burst of twice that; a faster peer is disconnected (default 200). */
  readonly messagesPerSecond?: number
  /** Ping interval; a connection that misses a ping is dropped (default 5 s). */
  readonly keepAliveMs?: number
  /** Called for notable events (connections refused or closed for violations); default: silent. */
  readonly log?: (line: string) => void
}

export interface SyncServerStats {
  readonly connections: number
  /** Documents held in memory (with content, or still being looked up). */
  readonly documents: number
  /** Bytes of unfinished messages held across all connections. */
  readonly pendingBytes: number
  /**
   * The most `pendingBytes` has been since the start: at most `maxPendingBytes` plus one socket
   * read (64 KiB) per connection closed for crossing it.
   */
  readonly peakPendingBytes: number
  /** Documents released from memory since the start, because no connected peer held them. */
  readonly released: number
  /** Connections refused (limit reached, shutting down). */
  readonly refused: number
  /** Messages rejected: malformed, oversized, over the rate, or failing when applied. */
  readonly rejected: number
}

export interface SyncServer {
  /** `ws://host:port`, for `automergeNodeReplica({ url })` or a `WebSocketClientAdapter`. */
  readonly url: string
  readonly port: number
  readonly repo: Repo
  stats(): SyncServerStats
  /** Saves every document, closes every connection and the listener. Idempotent. */
  close(): Promise<void>
}

const CLOSE_POLICY = 1008
const CLOSE_GOING_AWAY = 1001
const CLOSE_TRY_AGAIN_LATER = 1013
const OPEN = 1

interface Client {
  readonly address: string
  tokens: number
  last: number
  peerId?: string
  /** Closed for a violation: whatever it still had in flight is ignored. */
  closed?: boolean
  /** Documents it has named in a message that passed the checks. */
  readonly documents: Set<DocumentId>
  joinTimer?: ReturnType<typeof setTimeout>
}

export async function startSyncServer(options: SyncServerOptions): Promise<SyncServer> {
  if (!options.directory) throw new Error('startSyncServer: `directory` is required.')
  const host = options.host ?? '127.0.0.1'
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  const maxConnections = options.maxConnections ?? 1000
  const maxDocuments = options.maxDocuments ?? 10_000
  const maxDocumentsPerConnection = options.maxDocumentsPerConnection ?? 16
  const documentsPerAddress = addressCounter(options.maxDocumentsPerAddress ?? 64)
  const connectionsPerAddress = addressCounter(options.maxConnectionsPerAddress ?? 32)
  const maxPendingBytes = options.maxPendingBytes ?? 128 * 1024 * 1024
  const joinTimeoutMs = options.joinTimeoutMs ?? 10_000
  const stallMs = options.stallTimeoutMs ?? 15_000
  const rate = options.messagesPerSecond ?? 200
  const log = options.log ?? (() => {})
  let refused = 0
  let rejected = 0
  let closing: Promise<void> | undefined
  // Created (and its permissions checked) up front, so a bad directory fails the start, not a later save.
  await mkdir(options.directory, { recursive: true, mode: 0o700 })

  const http = createServer((request: IncomingMessage, response: ServerResponse) => {
    // A plain GET answers health checks; everything else is for WebSocket upgrades only.
    response.writeHead(request.url === '/' ? 200 : 404, { 'content-type': 'text/plain' })
    response.end(request.url === '/' ? 'townhall sync-server: automerge-repo sync over WebSocket\n' : 'not found\n')
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes, perMessageDeflate: false })
  const clients = new Map<WebSocket, Client>()

  const violation = (socket: WebSocket, why: string) => {
    const client = clients.get(socket)
    if (client) client.closed = true
    rejected++
    log(`closed a connection: ${why}`)
    if (socket.readyState === OPEN) socket.close(CLOSE_POLICY, why.slice(0, 120))
    // Reads no more from it: what it sent from here on would sit in ws's buffers, counted nowhere,
    // until it is cut off.
    socket.pause()
    // ws would wait 30 s for the peer's half of the closing handshake, keeping its slot and buffers.
    setTimeout(() => socket.terminate(), 1000).unref()
  }

  let connected!: () => void
  const adapterConnected = new Promise<void>((resolve) => (connected = resolve))

  class GuardedServerAdapter extends NodeWSServerAdapter {
    // The Repo connects its adapters only once its storage id has loaded; a socket accepted before
    // that would get no message handler and hang, so the server listens only after this.
    override connect(...args: Parameters<NodeWSServerAdapter['connect']>): void {
      super.connect(...args)
      connected()
    }

    override receiveMessage(bytes: Uint8Array, socket: WebSocket): void {
      const client = clients.get(socket)
      if (!client || client.closed || closing) return
      const now = Date.now()
      client.tokens = Math.min(2 * rate, client.tokens + ((now - client.last) / 1000) * rate)
      client.last = now
      if (client.tokens < 1) return violation(socket, `more than ${rate} messages per second`)
      client.tokens--
      let message: unknown
      try {
        message = cbor.decode(bytes)
      } catch {
        return violation(socket, 'message does not decode')
      }
      if (typeof message !== 'object' || message === null || Array.isArray(message)) return violation(socket, 'message is not an object')
      const { type, senderId } = message as { type?: unknown; senderId?: unknown }
      if (type === 'join') {
        if (typeof senderId !== 'string' || senderId.length === 0 || senderId.length > 128) return violation(socket, 'bad peer id')
        if (client.peerId !== undefined && client.peerId !== senderId) return violation(socket, 'a connection may join only once')
        const existing = (this.sockets as Record<string, WebSocket>)[senderId]
        // Peer ids are not authenticated: a second connection claiming a connected peer's id would
        // otherwise cut that peer off. A peer that really reconnects gets in once its old connection
        // is closed or fails the keep-alive.
        if (existing && existing !== socket && existing.readyState === OPEN) return violation(socket, 'peer id already connected')
        const versions = (message as { supportedProtocolVersions?: unknown }).supportedProtocolVersions
        if (versions !== undefined && !(Array.isArray(versions) && versions.every((version) => typeof version === 'string')))
          return violation(socket, 'bad protocol version list')
        client.peerId = senderId
        const join = {
          ...(message as object),
          peerMetadata: sanitizePeerMetadata((message as { peerMetadata?: unknown }).peerMetadata),
        }
        return super.receiveMessage(new Uint8Array(cbor.encode(join)), socket)
      }
      if (client.peerId === undefined) return violation(socket, 'message before join')
      // automerge-repo peers pass on ephemeral messages they received under the original sender's id;
      // the upstream adapter ignores anything not from the connection's own peer id, and so does this.
      if (senderId !== client.peerId) return
      const why = checkRepoMessage(message, maxMessageBytes)
      if (why) return violation(socket, why)
      const documentId = (message as { documentId: DocumentId }).documentId
      if (!client.documents.has(documentId)) {
        if (client.documents.size >= maxDocumentsPerConnection)
          return violation(socket, `more than ${maxDocumentsPerConnection} documents on one connection`)
        if (!documentsPerAddress.take(client.address))
          return violation(socket, `its address holds ${documentsPerAddress.count(client.address)} documents already`)
        client.documents.add(documentId)
        documents.hold(documentId)
      }
      super.receiveMessage(bytes, socket)
    }

    override send(message: Parameters<NodeWSServerAdapter['send']>[0]): void {
      const socket = (this.sockets as Record<string, WebSocket>)[(message as { targetId?: string }).targetId ?? '']
      // Backpressure: a peer that does not read is dropped rather than buffered without bound.
      if (socket && socket.bufferedAmount > 4 * maxMessageBytes) {
        log('dropped a connection that stopped reading')
        socket.terminate()
        return
      }
      try {
        super.send(message)
      } catch {
        // A zero-length message or a peer that just left: nothing to send.
      }
    }
  }

  // isomorphic-ws types the server as its own; at runtime it is this ws server.
  const adapter = new GuardedServerAdapter(
    wss as unknown as ConstructorParameters<typeof NodeWSServerAdapter>[0],
    options.keepAliveMs ?? 5000,
  )
  const storage = new FileStorageAdapter(options.directory)
  const repo: Repo = new Repo({
    network: [adapter],
    storage,
    peerId: `townhall-sync-${Math.random().toString(36).slice(2, 10)}` as PeerId,
    shareConfig: {
      // Never announce: a peer learns of a document only by asking for it by id.
      announce: async () => false,
      access: async (_peer, documentId) => documentId in repo.handles || documents.loaded() < maxDocuments,
    },
  })
  const documents = documentKeeper(repo, { log })

  // automerge-repo `console.log`s a message that failed while applied (Automerge leaves the document
  // unchanged); count it instead.
  const synchronizer = (repo as unknown as { synchronizer?: { receiveMessage(message: unknown): Promise<void> } }).synchronizer
  if (synchronizer) {
    const receive = synchronizer.receiveMessage.bind(synchronizer)
    synchronizer.receiveMessage = (message) =>
      receive(message).catch((error: unknown) => {
        rejected++
        log(`rejected a message: ${String((error as Error)?.message ?? error).slice(0, 200)}`)
      })
  }

  const unfinished = unfinishedBytes({ max: maxPendingBytes })
  /** Stops reading (TCP pushes back on the sender), tells it to come back later, and cuts it off if it does not close. */
  const shed = (socket: WebSocket, client: Client, why: string) => {
    refused++
    log(`closed a connection: ${why}`)
    // What it holds stays counted until its socket is gone: ws keeps those bytes until then, and
    // forgetting them at once let other connections read the same amount again (RSS 388 MB against
    // a 32 MiB bound in a measurement).
    client.closed = true
    socket.pause()
    socket.close(CLOSE_TRY_AGAIN_LATER, 'too many unfinished messages on the server; try again later')
    setTimeout(() => socket.terminate(), 1000).unref()
  }
  // An unfinished message that stops growing holds its bytes for nothing: its connection is closed.
  const stalls = setInterval(
    () => {
      for (const socket of unfinished.stalled(stallMs) as WebSocket[])
        if (!clients.get(socket)?.closed) violation(socket, `message unfinished and silent for ${stallMs} ms`)
    },
    Math.max(50, stallMs / 4),
  )
  stalls.unref()

  const refusedConnection = (line: string) => {
    refused++
    log(line)
  }
  http.on('upgrade', (request, socket, head) => {
    const server = {
      wss,
      perAddress: connectionsPerAddress,
      closing: closing !== undefined,
      connections: clients.size,
      maxConnections,
      refused: refusedConnection,
    }
    admitUpgrade({ request, socket, head }, server, (ws, address) => {
      const client: Client = { address, tokens: 2 * rate, last: Date.now(), documents: new Set() }
      clients.set(ws, client)
      client.joinTimer = setTimeout(() => {
        if (client.peerId === undefined) violation(ws, `no join within ${joinTimeoutMs} ms`)
      }, joinTimeoutMs)
      client.joinTimer.unref()
      // ws keeps the fragments of an unfinished message until it completes (up to maxPayload per
      // connection): count what arrives between complete messages, across all connections.
      // Ahead of ws's own listener: counted before ws parses the chunk, so a message that completes
      // in it is forgotten on 'message' and an idle connection holds nothing.
      socket.prependListener('data', (chunk: Buffer) => {
        if (client.closed) return
        const why = unfinished.arrived(ws, address, chunk.length)
        if (why) shed(ws, client, why)
      })
      ws.on('message', () => unfinished.forget(ws))
      ws.on('close', () => {
        clearTimeout(client.joinTimer)
        unfinished.forget(ws)
        clients.delete(ws)
        connectionsPerAddress.give(address)
        for (const documentId of client.documents) {
          documentsPerAddress.give(address)
          documents.letGo(documentId)
        }
      })
      ws.on('error', (error: Error & { code?: string }) => {
        // ws raises WS_ERR_UNSUPPORTED_MESSAGE_LENGTH for messages over maxPayload and closes with 1009.
        rejected++
        log(`closed a connection: ${error.message}`)
      })
      wss.emit('connection', ws, request)
    })
  })

  await adapterConnected
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port ?? 3030, host, () => {
      http.off('error', reject)
      resolve()
    })
  }).catch(async (error) => {
    wss.close()
    await repo.shutdown().catch(() => {})
    throw error
  })
  const { port } = http.address() as AddressInfo
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}`

  return {
    url,
    port,
    repo,
    stats: () => ({
      connections: clients.size,
      documents: Object.keys(repo.handles).length,
      pendingBytes: unfinished.held(),
      peakPendingBytes: unfinished.peak(),
      released: documents.released(),
      refused,
      rejected,
    }),
    close() {
      closing ??= (async () => {
        // Save what is open (only documents that loaded: others have nothing to save).
        const ready = Object.values(repo.handles)
          .filter((handle) => handle.isReady())
          .map((handle) => handle.documentId as DocumentId)
        await repo.flush(ready).catch((error: unknown) => log(`could not save every document: ${String(error)}`))
        const closed = new Promise<void>((resolve) => http.close(() => resolve()))
        const gone = [...clients.keys()].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())))
        for (const socket of clients.keys()) socket.close(CLOSE_GOING_AWAY, 'server shutting down')
        const force = setTimeout(() => {
          for (const socket of clients.keys()) socket.terminate()
          http.closeAllConnections()
        }, 1000)
        force.unref()
        http.closeIdleConnections()
        await Promise.all([closed, ...gone])
        clearTimeout(force)
        // Emits 'close', which stops the adapter's keep-alive timer.
        wss.close()
        documents.close()
        clearInterval(stalls)
        await repo.shutdown().catch(() => {})
      })()
      return closing
    },
  }
}
