/** `townhall sync-server`: its command line, and the server's binding, limits and shutdown. */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { dataDirectory } from '../../cli/paths.js'
import { startSyncServer, type SyncServer } from '../../cli/sync-server.js'

const run = promisify(execFile)
const bin = resolve(import.meta.dirname, '../../bin/townhall.js')
const cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

async function server(options: Partial<Parameters<typeof startSyncServer>[0]> = {}): Promise<SyncServer> {
  const directory = mkdtempSync(join(tmpdir(), 'townhall-sync-unit-'))
  cleanup.push(() => rmSync(directory, { recursive: true, force: true }))
  const started = await startSyncServer({ directory, port: 0, ...options })
  cleanup.push(() => started.close())
  return started
}

/** Resolves with 'open', or with the HTTP status the upgrade was refused with. */
function connect(url: string): Promise<{ result: 'open' | number; socket: WebSocket }> {
  const socket = new WebSocket(url)
  cleanup.push(() => socket.terminate())
  return new Promise((done) => {
    socket.once('open', () => done({ result: 'open', socket }))
    socket.once('unexpected-response', (_request, response) => done({ result: response.statusCode ?? 0, socket }))
    socket.once('error', () => done({ result: -1, socket }))
  })
}

describe('townhall sync-server', () => {
  it('explains itself with --help and refuses bad options', async () => {
    const help = await run(process.execPath, [bin, 'sync-server', '--help'])
    expect(help.stdout).toContain('Usage: townhall sync-server')
    expect(help.stdout).toContain('--max-message-bytes')
    const bad = await run(process.execPath, [bin, 'sync-server', '--port', 'eighty']).catch(
      (error: { code: number; stderr: string }) => error,
    )
    expect((bad as { code: number }).code).toBe(2)
    expect((bad as { stderr: string }).stderr).toMatch(/--port must be a whole number/)
  })

  it('keeps its documents in the OS data folder by default, never the working directory', async () => {
    const help = await run(process.execPath, [bin, 'sync-server', '--help'])
    expect(help.stdout).toContain(dataDirectory('sync'))
    expect(isAbsolute(dataDirectory('sync'))).toBe(true)
    expect(dataDirectory('sync').startsWith(process.cwd())).toBe(false)
  })

  it('binds loopback, answers health checks, refuses connections over its limit, and closes cleanly', async () => {
    const started = await server({ maxConnections: 1 })
    expect(started.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    const health = await fetch(started.url.replace('ws:', 'http:') + '/')
    expect(health.status).toBe(200)
    expect((await connect(started.url)).result).toBe('open')
    expect((await connect(started.url)).result).toBe(503)
    expect(started.stats()).toMatchObject({ connections: 1, refused: 1 })
    await started.close()
    await started.close() // idempotent
    expect(started.stats().connections).toBe(0)
    expect((await connect(started.url)).result).toBe(-1) // nothing listens any more
  })
})
