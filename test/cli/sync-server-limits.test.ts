/**
 * Issue 22, point 3: the sync server's memory stays within its documented limits under the attacks
 * the review ran, with the server in a child process of its own. Sizes are scaled down from the
 * review's (31 MiB messages, 4 MiB documents) to keep the test quick; the limits are scaled with
 * them. Bounds are checked on the server's own accounting (bytes held, documents, connections),
 * which does not depend on load; RSS depends on when the allocator gives freed memory back, so it
 * is only logged (with MEASURE=1). Nothing here asserts on time.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import * as A from '@automerge/automerge'
import { cbor, generateAutomergeUrl, parseAutomergeUrl, Repo } from '@automerge/automerge-repo'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { SyncServerOptions, SyncServerStats } from '../../cli/sync-server.js'
import { WebSocketClientAdapter } from '../../adapters/automerge/websocket-client.js'
import { eventually } from '../../testing/index.js'
import { frame, sendRaw, type RawOptions, type RawOutcome } from '../support/raw-websocket.js'

const MiB = 1024 * 1024
const ATTACKER = '127.0.0.2'
const cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

interface Child {
  readonly url: string
  /** The server's stats and RSS; `gc` forces a collection first (for RSS, which is only logged). */
  stats(gc?: boolean): Promise<{ rss: number; stats: SyncServerStats }>
}

async function serverProcess(options: Partial<SyncServerOptions> = {}): Promise<Child> {
  const directory = mkdtempSync(join(tmpdir(), 'townhall-sync-limits-'))
  const child: ChildProcess = fork(
    resolve(import.meta.dirname, '../support/sync-server-child.ts'),
    [JSON.stringify({ directory, ...options })],
    {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done))
      child.kill('SIGKILL')
      await exited
    }
    rmSync(directory, { recursive: true, force: true })
  })
  let next = 0
  const url = await new Promise<string>((done, fail) => {
    child.once('message', (message: { ready?: string }) => (message.ready ? done(message.ready) : fail(new Error('no ready'))))
    child.once('exit', (code) => fail(new Error(`sync server child exited with ${code}`)))
  })
  return {
    url,
    stats: (gc = false) =>
      new Promise((done) => {
        const id = next++
        const listener = (message: { id?: number; rss: number; stats: SyncServerStats }) => {
          if (message.id !== id) return
          child.off('message', listener)
          done(message)
        }
        child.on('message', listener)
        child.send({ op: 'stats', id, gc })
      }),
  }
}

/**
 * A raw connection that upgrades, then sends the first `bytes` of a fragmented binary message and
 * never finishes it. It stays open until the server closes it or `options.signal` aborts (a minute
 * at most, against a test that never ends).
 */
function unfinished(url: string, bytes: number, from: string, options: RawOptions = {}): Promise<RawOutcome> {
  const first = frame({ opcode: 0x2, fin: false, payload: new Uint8Array(bytes) })
  return sendRaw(url, first, 60_000, from, options)
}
/** The bytes of `unfinished(url, bytes, …)` after the upgrade: a 64-bit length header and the mask. */
const frameBytes = (bytes: number) => 14 + bytes

function socket(url: string, localAddress = '127.0.0.1'): Promise<WebSocket> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(url, { localAddress })
    cleanup.push(() => ws.terminate())
    ws.once('open', () => done(ws))
    ws.once('error', fail)
  })
}

const join_ = (senderId: string) =>
  cbor.encode({ type: 'join', senderId, peerMetadata: { isEphemeral: true }, supportedProtocolVersions: ['1'] })
const requestFor = (senderId: string, documentId: string) =>
  cbor.encode({
    type: 'request',
    senderId,
    targetId: 'server',
    documentId,
    data: A.generateSyncMessage(A.init(), A.initSyncState())[1]!,
  })

describe('sync server memory under attack', () => {
  it('bounds the bytes of unfinished fragmented messages across connections (24 × 3.9 MiB against a 16 MiB bound)', async () => {
    const bound = 16 * MiB
    const payload = Math.floor(3.9 * MiB)
    // No stall timeout within the test: each connection is either shed or keeps its whole message.
    const server = await serverProcess({ maxMessageBytes: 4 * MiB, maxPendingBytes: bound, stallTimeoutMs: 3_600_000 })
    const before = process.env.MEASURE ? (await server.stats(true)).rss : 0
    const stop = new AbortController()
    let upgraded = 0
    // From 8 addresses (127.0.0.2 to .9), so that the total bound binds, not only the per-address quarter.
    const attacks = Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        unfinished(server.url, payload, `127.0.0.${2 + (i % 8)}`, { signal: stop.signal, onUpgrade: () => upgraded++ }),
      ),
    )
    // Settled, whatever the load: all 24 connected, each shed one gone, and each other one holding
    // its whole message (so no byte of the attack is still on its way).
    const settled = await eventually(
      async () => {
        const { stats } = await server.stats()
        expect(upgraded).toBe(24)
        expect(stats.refused + stats.connections).toBe(24)
        expect(stats.pendingBytes).toBe(stats.connections * frameBytes(payload))
        return stats
      },
      60_000,
      50,
    )
    if (process.env.MEASURE)
      console.log(
        `unfinished messages: RSS ${before} -> ${(await server.stats(true)).rss} (${settled.refused} shed, peak ${settled.peakPendingBytes} bytes held)`,
      )
    // Without the bound the server held all 94 MiB. With it, never more than the bound plus the
    // last socket read (64 KiB at most) of each connection that crossed it, and at the end at most
    // what fits in the bound: 4 whole messages.
    expect(settled.peakPendingBytes).toBeGreaterThan(0)
    expect(settled.peakPendingBytes).toBeLessThanOrEqual(bound + 24 * 64 * 1024)
    expect(settled.pendingBytes).toBeLessThanOrEqual(bound)
    expect(settled.connections).toBeLessThanOrEqual(Math.floor(bound / frameBytes(payload)))
    // Each shed connection was told to come back later; the others are ended from here.
    stop.abort()
    const outcomes = await attacks
    expect(outcomes.filter((outcome) => outcome.closeCode === 1013).length).toBe(settled.refused)
    const next = await socket(server.url)
    expect(next.readyState).toBe(WebSocket.OPEN)
  }, 120_000)

  it('closes a connection whose unfinished message goes silent, and keeps an idle one that finished its messages', async () => {
    const server = await serverProcess({ stallTimeoutMs: 300 })
    const honest = new Repo({ network: [new WebSocketClientAdapter(server.url, { WebSocket })], sharePolicy: async () => true })
    cleanup.push(() => honest.shutdown())
    honest.create<{ text: string }>({ text: 'idle after this' })
    await eventually(async () => expect((await server.stats()).stats.documents).toBe(1), 30_000, 50)
    const stalled = await unfinished(server.url, 64 * 1024, ATTACKER)
    expect(stalled.closeCode).toBe(1008)
    // The honest client stayed silent longer than the stall timeout, holding no unfinished message.
    await eventually(async () => expect((await server.stats()).stats).toMatchObject({ connections: 1, pendingBytes: 0 }), 30_000, 50)
  })

  it('closes a connection that does not join in time, with 1008', async () => {
    const server = await serverProcess({ joinTimeoutMs: 300 })
    const idle = await socket(server.url, ATTACKER)
    const code = await new Promise<number>((done) => idle.once('close', (closeCode) => done(closeCode)))
    expect(code).toBe(1008)
    await eventually(async () => expect((await server.stats()).stats).toMatchObject({ connections: 0, rejected: 1 }), 30_000, 50)
  })

  it('made-up document ids cannot use up --max-documents: a new honest document still syncs', async () => {
    const server = await serverProcess({ maxDocuments: 50 })
    // The attacker joins and asks for 60 ids that name nothing, 16 per connection (one more is refused).
    const refusals: number[] = []
    for (let connection = 0; connection < 4; connection++) {
      const ws = await socket(server.url, ATTACKER)
      ws.on('close', (code) => refusals.push(code))
      const me = `mallory-${connection}`
      ws.send(join_(me))
      for (let i = 0; i < 16; i++) ws.send(requestFor(me, parseAutomergeUrl(generateAutomergeUrl()).documentId))
    }
    const extra = await socket(server.url, ATTACKER)
    extra.send(join_('mallory-extra'))
    const extraClosed = new Promise<number>((done) => extra.once('close', (code) => done(code)))
    for (let i = 0; i < 17; i++) extra.send(requestFor('mallory-extra', parseAutomergeUrl(generateAutomergeUrl()).documentId))
    expect(await extraClosed).toBe(1008)

    // Two stock automerge-repo clients: one creates a document, the other finds it through the server.
    const writer = new Repo({ network: [new WebSocketClientAdapter(server.url, { WebSocket })], sharePolicy: async () => true })
    const reader = new Repo({ network: [new WebSocketClientAdapter(server.url, { WebSocket })], sharePolicy: async () => true })
    cleanup.push(
      () => writer.shutdown(),
      () => reader.shutdown(),
    )
    const handle = writer.create<{ text: string }>({ text: 'honest' })
    await eventually(async () => expect((await server.stats()).stats.documents).toBeGreaterThan(0), 30_000, 50)
    const found = await reader.find<{ text: string }>(handle.url)
    expect(found.doc().text).toBe('honest')
  })

  it('releases junk documents from memory once the client that wrote them has left, round after round', async () => {
    const server = await serverProcess()
    /** A client writes ten 1 MiB junk documents, then leaves; resolves once the server has released them. */
    const round = async (n: number) => {
      const junk = new Repo({ network: [new WebSocketClientAdapter(server.url, { WebSocket })], sharePolicy: async () => true })
      for (let i = 0; i < 10; i++) junk.create<{ junk: Uint8Array }>({ junk: new Uint8Array(MiB).fill(n * 10 + i + 1) })
      await eventually(async () => expect((await server.stats()).stats.documents).toBe(10), 60_000, 50)
      await junk.shutdown()
      await eventually(
        async () => expect((await server.stats()).stats).toMatchObject({ documents: 0, connections: 0, released: 10 * n }),
        60_000,
        50,
      )
      return (await server.stats(Boolean(process.env.MEASURE))).rss
    }
    // Released, round after round (the eventually above): documents 0 and released 10 × n. RSS is
    // logged, not asserted: Automerge's WASM memory never shrinks and grows at times that vary with
    // load, so the difference between rounds 1 and 3 ranged from 6 to 44 MB in runs of this test.
    const first = await round(1)
    await round(2)
    const third = await round(3)
    if (process.env.MEASURE) console.log(`junk documents: RSS after round 1 ${first}, after round 3 ${third}`)
    expect((await server.stats()).stats.released).toBe(30)
  }, 240_000)
})
