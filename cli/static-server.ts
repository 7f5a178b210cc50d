/**
 * Serves a built web app from a directory on one address, for the local demo: only files inside
 * the directory (no traversal), index.html for unknown paths so hash and history routes load, and
 * a generated `config.json` that tells the app where its signaling server is.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
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
  close(): Promise<void>
}

export async function startStaticServer(options: {
  directory: string
  host: string
  port: number
  config: unknown
}): Promise<StaticServer> {
  const root = resolve(options.directory)
  const config = JSON.stringify(options.config)
  const server: Server = createServer(async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
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
    stream.once('error', () => response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'))
    stream.once('open', () => {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' })
      if (request.method === 'HEAD') response.end()
      else stream.pipe(response)
    })
  })
  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(options.port, options.host, () => done())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
}
