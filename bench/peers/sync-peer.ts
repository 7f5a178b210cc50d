/**
 * One peer of the sync workload, in its own process (y-webrtc allows one provider per room per
 * process, and separate processes are what deployments look like). Either a townhall replica with
 * a space on top (`townhall` mode), or the raw library doing the same (`raw` mode):
 *
 * - yjs: a Y.Map over y-webrtc (@roamhq/wrtc) through a `townhall signal` server;
 * - automerge: an automerge-repo document over WebSocket through a `townhall sync-server`;
 * - orbitdb: an OrbitDB `events` log over libp2p TCP, the reader dialing the writer.
 *
 * The writer adds the genesis and the poll, then ballots in chunks; the reader reports the wall
 * time (ms since the epoch, comparable across processes on one machine) at which it shows them all.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import { cidString } from '../../core/cid-string.js'
import { createIdentity, openSpace, recordCid, type Replica, type Space } from '../../core/index.js'
import { fixture, type Fixture } from '../lib/fixtures.js'
import { sleep, wallNow } from '../lib/measure.js'
import { servePeer } from '../lib/peer.js'
import type { AdapterName } from '../lib/adapters.js'

interface Options {
  readonly adapter: AdapterName
  readonly mode: 'townhall' | 'raw'
  readonly n: number
  /** Signaling server (yjs) or sync server (automerge) URL. */
  readonly url?: string
  /** yjs raw: the room; automerge raw (reader): the document URL; orbitdb raw (reader): the log address. */
  readonly name?: string
  /** orbitdb: the writer's multiaddr, for the reader to dial. */
  readonly dial?: string
}

const options = JSON.parse(process.argv[2]!) as Options
const fx: Fixture = await fixture('plurality', options.n)
const ids = new Map<Uint8Array, string>()
for (const bytes of [...fx.head, ...fx.ballots]) ids.set(bytes, cidString(await recordCid(bytes)))
const scratch = await mkdtemp(join(tmpdir(), 'townhall-bench-peer-'))

/** What each mode offers the commands below. */
interface Side {
  /** Extra facts for the parent: the orbitdb address, the automerge document URL. */
  info(): Promise<Record<string, unknown>>
  write(records: readonly Uint8Array[]): Promise<void>
  /** Records (head included) this peer shows right now. */
  count(): number | Promise<number>
  /** Called whenever something arrived; resolves on the next change or after a short poll. */
  changed(): Promise<void>
  close(): Promise<void>
}

function notifier() {
  let waiters: Array<() => void> = []
  return {
    notify() {
      const now = waiters
      waiters = []
      for (const waiter of now) waiter()
    },
    next(pollMs = 20) {
      return new Promise<void>((resolve) => {
        waiters.push(resolve)
        setTimeout(resolve, pollMs)
      })
    },
  }
}

async function townhallSide(): Promise<Side> {
  let replica: Replica
  let address: string | undefined
  if (options.adapter === 'yjs') {
    const { yjsNodeReplica } = await import('../../adapters/yjs/node.js')
    replica = await yjsNodeReplica({ spaceId: fx.spaceId, signaling: [options.url!] })
  } else if (options.adapter === 'automerge') {
    const { automergeNodeReplica } = await import('../../adapters/automerge/node.js')
    replica = await automergeNodeReplica({ spaceId: fx.spaceId, url: options.url!, retryMs: 200 })
  } else {
    const { orbitdbNodeReplica } = await import('../../adapters/orbitdb/node.js')
    const orbit = await orbitdbNodeReplica({ spaceId: fx.spaceId, ...(options.dial ? { peers: [options.dial] } : {}) })
    address = orbit.peer.multiaddrs()[0]
    replica = orbit
  }
  const space: Space = await openSpace({ id: fx.spaceId, identity: await createIdentity(), replica })
  const events = notifier()
  space.subscribe(() => events.notify())
  return {
    info: async () => ({ address }),
    write: (records) => replica.add(records),
    count: () => {
      const poll = space.getPoll(fx.pollId)
      return (space.getInfo() ? 1 : 0) + (poll ? 1 + (poll.live?.ballots ?? 0) : 0)
    },
    changed: () => events.next(),
    close: () => space.close(),
  }
}

function prepareYjsNode(): void {
  const g = globalThis as Record<string, unknown>
  const NodeBroadcastChannel = g.BroadcastChannel as (new (name: string) => { unref?: () => void }) | undefined
  if (NodeBroadcastChannel && !(g as { benchChannel?: boolean }).benchChannel) {
    ;(g as { benchChannel?: boolean }).benchChannel = true
    g.BroadcastChannel = class extends NodeBroadcastChannel {
      constructor(name: string) {
        super(name)
        this.unref?.()
      }
    }
  }
}

async function rawYjs(): Promise<Side> {
  const { default: WebSocket } = await import('ws')
  ;(globalThis as Record<string, unknown>).WebSocket ??= WebSocket
  prepareYjsNode()
  const { WebrtcProvider } = await import('y-webrtc')
  const { default: wrtc } = await import('@roamhq/wrtc')
  const doc = new Y.Doc()
  const map = doc.getMap<Uint8Array>('records')
  const provider = new WebrtcProvider(options.name!, doc, {
    signaling: [options.url!],
    peerOpts: { wrtc, config: { iceServers: [] }, iceCompleteTimeout: 200 },
  } as unknown as ConstructorParameters<typeof WebrtcProvider>[2])
  const events = notifier()
  map.observe(() => events.notify())
  return {
    info: async () => ({}),
    write: async (records) => doc.transact(() => records.forEach((bytes) => map.set(ids.get(bytes)!, bytes))),
    count: () => map.size,
    changed: () => events.next(),
    async close() {
      provider.disconnect()
      provider.destroy()
      doc.destroy()
    },
  }
}

async function rawAutomerge(): Promise<Side> {
  const { default: WebSocket } = await import('ws')
  ;(globalThis as Record<string, unknown>).WebSocket ??= WebSocket
  const { Repo } = await import('@automerge/automerge-repo')
  const { BrowserWebSocketClientAdapter } = await import('@automerge/automerge-repo-network-websocket')
  const repo = new Repo({ network: [new BrowserWebSocketClientAdapter(options.url!)], sharePolicy: async () => true })
  type Doc = { records: Record<string, Uint8Array> }
  const handle = options.name ? await repo.find<Doc>(options.name as never) : repo.create<Doc>({ records: {} })
  const events = notifier()
  handle.on('change', () => events.notify())
  return {
    info: async () => ({ url: handle.url }),
    async write(records) {
      handle.change((doc) => {
        for (const bytes of records) doc.records[ids.get(bytes)!] = bytes
      })
    },
    count: () => Object.keys(handle.doc()?.records ?? {}).length,
    changed: () => events.next(),
    async close() {
      // Give the last change a moment to reach the server, as a user closing a tab would not.
      await sleep(300)
      await repo.shutdown()
    },
  }
}

async function rawOrbitdb(): Promise<Side> {
  const { createOrbitdbNodePeer } = await import('../../adapters/orbitdb/node.js')
  const core = (await import('@orbitdb/core')) as unknown as { IPFSAccessController(options: { write: string[] }): unknown }
  const peer = await createOrbitdbNodePeer({ directory: join(scratch, 'orbitdb'), ...(options.dial ? { peers: [options.dial] } : {}) })
  const database = await peer.orbitdb.open(options.name ?? `bench-plain-${Date.now()}-${Math.random()}`, {
    type: 'events',
    AccessController: core.IPFSAccessController({ write: ['*'] }) as never,
  })
  const events = notifier()
  database.events.on('update', () => events.notify())
  const all = database as unknown as { all(): Promise<unknown[]> }
  return {
    info: async () => ({ address: peer.multiaddrs()[0], log: database.address }),
    // Plain OrbitDB: one entry per record, one after the other, as an app without batching writes.
    async write(records) {
      for (const bytes of records) await database.add(bytes)
    },
    count: async () => (await all.all()).length,
    changed: () => events.next(100),
    async close() {
      await database.close()
      await peer.close()
    },
  }
}

let side: Side | undefined
servePeer({
  ready: async () => true,
  open: async () => {
    side =
      options.mode === 'townhall'
        ? await townhallSide()
        : options.adapter === 'yjs'
          ? await rawYjs()
          : options.adapter === 'automerge'
            ? await rawAutomerge()
            : await rawOrbitdb()
    return side.info()
  },
  /** Writes the genesis and the poll. */
  head: async () => side!.write(fx.head),
  /** Writes ballots [from, to) in chunks; returns when the writes were handed to the library. */
  write: async (args) => {
    const from = Number(args.from ?? 0)
    const to = Number(args.to ?? fx.ballots.length)
    const chunk = Number(args.chunk ?? 1000)
    const start = wallNow()
    for (let i = from; i < to; i += chunk) await side!.write(fx.ballots.slice(i, Math.min(to, i + chunk)))
    return { start, end: wallNow() }
  },
  /** Resolves with the wall time at which this peer shows `count` records. */
  waitFor: async (args) => {
    const target = Number(args.count)
    const deadline = Date.now() + Number(args.timeoutMs ?? 120_000)
    for (;;) {
      const count = await side!.count()
      if (count >= target) return { at: wallNow(), count }
      if (Date.now() > deadline) throw new Error(`shows ${count} of ${target} records after ${args.timeoutMs} ms`)
      await side!.changed()
    }
  },
  close: async () => {
    await side?.close()
    await rm(scratch, { recursive: true, force: true })
  },
})
