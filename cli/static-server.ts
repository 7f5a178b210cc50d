/**
 * Serves a built web app from a directory on one address, for the local demo, with sirv: only
 * files inside the directory, index.html for unknown paths so hash and history routes load, and
 * a generated `config.json` that tells the app where its servers are.
 *
 * Nothing a client sends can end it (a path like `/%` made `decodeURIComponent` throw inside an
 * async handler: an unhandled rejection, which ends Node); connections are capped in total and per
 * address (refused with 503 or 429), and slow or idle clients time out.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { resolve } from 'node:path'
import sirv from 'sirv'
import { addressCounter, addressKey } from './address-limits.js'

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
  const config = JSON.stringify(options.config)
  // dev: files are looked up per request and sent with an ETag and `cache-control: no-cache`, so a
  // rebuild of the apps shows on the next load.
  const files = sirv(resolve(options.directory), { dev: true, single: true, etag: true })
  let refused = 0
  const refuse = (response: ServerResponse, status: number, text: string) => {
    refused++
    if (!response.headersSent) response.writeHead(status, { 'content-type': 'text/plain' }).end(`${text}\n`)
    else response.destroy()
  }
  const serve = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    let path: string
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
    } catch {
      refuse(response, 400, 'bad path')
      return
    }
    if (path === '/config.json') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(config)
      return
    }
    files(request, response, () => void response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'))
  }
  const server: Server = createServer((request, response) => {
    try {
      serve(request, response)
    } catch {
      refuse(response, 500, 'server error')
    }
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
