/**
 * Serves a built web app from a directory on one address, for the local demo: only files inside
 * the directory (no traversal), index.html for unknown paths so hash and history routes load, and
 * a generated `config.json` that tells the app where its signaling server is.
 *
 * Nothing a client sends can end it (a path like `/%` made `decodeURIComponent` throw inside the
 * async handler: an unhandled rejection, which ends Node); connections are capped in total and per
 * address (refused with 503 or 429), and slow or idle clients time out.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { addressCounter, addressKey } from './address-limits.js'
import { extname, join, normalize, resolve, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
}

export interface StaticServer {
  readonly url: string
  /** Requests and connections refused: bad paths, over a connection cap. */
  refused(): number
  close(): Promise<void>
}

/** Connections at once, in total and from one address (an IPv6 /64 counts as one). */
const MAX_CONNECTIONS = 1000
const MAX_CONNECTIONS_PER_ADDRESS = 64

export async function startStaticServer(options: {
  directory: string
  host: string
  port: number
  config: unknown
}): Promise<StaticServer> {
  const root = resolve(options.directory)
  const config = JSON.stringify(options.config)
  let refused = 0
  const server: Server = createServer((request, response) => {
    serve(request, response).catch(() => {
      refused++
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' }).end('server error\n')
      else response.destroy()
    })
  })
  // Slow or silent clients (slowloris) are cut off; Node's defaults (60 s, 300 s) are generous.
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  server.setTimeout(30_000, (socket: Socket) => socket.destroy())
  const perAddress = addressCounter(MAX_CONNECTIONS_PER_ADDRESS)
  let connections = 0
  server.on('connection', (socket: Socket) => {
    const address = addressKey(socket.remoteAddress)
    const full = connections >= MAX_CONNECTIONS
    if (full || !perAddress.take(address)) {
      refused++
      socket.on('error', () => socket.destroy())
      const status = full ? '503 Service Unavailable' : '429 Too Many Requests'
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy())
      return
    }
    connections++
    socket.once('close', () => {
      connections--
      perAddress.give(address)
    })
  })
  // A malformed request line or header: Node answers 400 itself once a listener is present.
  server.on('clientError', (_error, socket: Socket) => {
    refused++
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    socket.destroy()
  })

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    let path: string
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
    } catch {
      refused++
      response.writeHead(400, { 'content-type': 'text/plain' }).end('bad path\n')
      return
    }
    if (path === '/config.json') {
      response.writeHead(200, { 'content-type': TYPES['.json']!, 'cache-control': 'no-store' }).end(config)
      return
    }
    let file = normalize(join(root, path))
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(403).end()
      return
    }
    const info = await stat(file).catch(() => undefined)
    if (!info?.isFile()) file = join(root, 'index.html')
    const type = TYPES[extname(file)] ?? 'application/octet-stream'
    const stream = createReadStream(file)
    stream.once('error', () => {
      // A read that fails midway cannot change the status any more: cut the response short.
      if (response.headersSent) response.destroy()
      else response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
    })
    stream.once('open', () => {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' })
      if (request.method === 'HEAD') response.end()
      else stream.pipe(response)
    })
  }
  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(options.port, options.host, () => done())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/`,
    refused: () => refused,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
}
