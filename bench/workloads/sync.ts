/**
 * Sync: N records written on one Node peer, until they are in another peer's views, over each
 * adapter's real transport on 127.0.0.1, against the raw library doing the same. Every server and
 * peer is a separate process, started and stopped here for each run.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AdapterName } from '../lib/adapters.js'
import { sleep } from '../lib/measure.js'
import { startPeer, startServer, type Peer } from '../lib/peer.js'

export interface SyncRun {
  readonly adapter: AdapterName
  readonly mode: 'townhall' | 'raw'
  /** Records written (ballots). */
  readonly records: number
  /** From the first write to the reader showing every record. */
  readonly ms: number
  /** How long the writer took to hand the records to the library. */
  readonly writeMs: number
  readonly rate: number
  /** Every process ended by itself after being asked to close. */
  readonly cleanExit: boolean
}

export interface SyncOptions {
  readonly adapter: AdapterName
  readonly mode: 'townhall' | 'raw'
  /** Fixture size (the ballots are taken from the plurality fixture of this size). */
  readonly n: number
  /** How many records to write (≤ n). */
  readonly records: number
  /** Records per write call (townhall: per `replica.add`; raw Yjs/Automerge: per transaction/change; raw OrbitDB: always 1). */
  readonly chunk: number
  readonly timeoutMs: number
}

export async function syncOnce(options: SyncOptions): Promise<SyncRun> {
  const { adapter, mode } = options
  const scratch = await mkdtemp(join(tmpdir(), 'townhall-bench-sync-'))
  let server: { url: string; stop(): Promise<void> } | undefined
  const peers: Peer[] = []
  let clean = true
  try {
    if (adapter === 'yjs') server = await startServer('signal', ['--quiet'])
    if (adapter === 'automerge') server = await startServer('sync-server', ['--dir', scratch, '--quiet'])
    const room = `townhall-bench-${randomBytes(8).toString('hex')}`
    const base = { adapter, mode, n: options.n, ...(server ? { url: server.url } : {}) }
    const writer = await startPeer('peers/sync-peer.ts', { ...base, ...(adapter === 'yjs' && mode === 'raw' ? { name: room } : {}) })
    peers.push(writer)
    const info = await writer.command<{ address?: string; url?: string; log?: string }>('open')
    await writer.command('head')
    // y-webrtc: peers that announce at the same instant can both become initiator and never sync.
    if (adapter === 'yjs') await sleep(500)
    const reader = await startPeer('peers/sync-peer.ts', {
      ...base,
      ...(adapter === 'yjs' && mode === 'raw' ? { name: room } : {}),
      ...(adapter === 'automerge' && mode === 'raw' ? { name: info.url } : {}),
      ...(adapter === 'orbitdb' && mode === 'raw' ? { name: info.log } : {}),
      ...(adapter === 'orbitdb' ? { dial: info.address } : {}),
    })
    peers.push(reader)
    await reader.command('open')
    // Connected and synced on the genesis and the poll before anything is timed.
    await reader.command('waitFor', { count: 2, timeoutMs: 60_000 }, 70_000)
    await sleep(300)
    const [written, shown] = await Promise.all([
      writer.command<{ start: number; end: number }>('write', { to: options.records, chunk: options.chunk }, options.timeoutMs),
      reader.command<{ at: number }>('waitFor', { count: options.records + 2, timeoutMs: options.timeoutMs }, options.timeoutMs + 10_000),
    ])
    const ms = shown.at - written.start
    return {
      adapter,
      mode,
      records: options.records,
      ms,
      writeMs: written.end - written.start,
      rate: options.records / (ms / 1000),
      get cleanExit() {
        return clean
      },
    }
  } finally {
    // The reader first, then the writer (y-webrtc's native side dislikes both closing at once).
    for (const peer of peers.reverse()) {
      const { exitedByItself } = await peer.stop()
      clean &&= exitedByItself
    }
    await server?.stop()
    await rm(scratch, { recursive: true, force: true })
  }
}
