/**
 * Serves a built web app from a directory on one address, for the local demo, with sirv: only
 * files inside the directory, index.html for unknown paths so hash and history routes load, and
 * a generated `config.json` that tells the app where its servers are.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import sirv from 'sirv'

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
  const config = JSON.stringify(options.config)
  // dev: files are looked up per request and sent with an ETag and `cache-control: no-cache`, so a
  // rebuild of the apps shows on the next load.
  const serve = sirv(resolve(options.directory), { dev: true, single: true, etag: true })
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (new URL(request.url ?? '/', 'http://localhost').pathname === '/config.json') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(config)
      return
    }
    serve(request, response, () => void response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'))
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
