/**
 * An always-on OrbitDB peer: it listens on TCP and WebSockets (loopback unless told otherwise),
 * runs a circuit relay v2 server for browsers, and opens, replicates and pins the logs of the
 * spaces it is given, so they stay available while every other peer is offline.
 *
 * It is a transport like any other peer: it keeps every entry of the logs it carries (that is what
 * pinning means) and adopts the well-formed records of each space into a record file, but it holds
 * no identity in any space and cannot forge, alter or hide a record another peer already has.
 *
 * @example
 * ```ts
 * const relay = await startRelay({ directory: '/var/lib/townhall-relay', spaces: [spaceId], tcpPort: 0, wsPort: 0 })
 * relay.multiaddrs // -> ['/ip4/127.0.0.1/tcp/40123/p2p/12D3Koo…', '/ip4/127.0.0.1/tcp/40124/ws/p2p/12D3Koo…']
 * await relay.close()
 * ```
 */
import { join } from 'node:path'
import { isSpaceId } from '../core/index.js'
import { serveFollowRequests, type FollowAnswer } from '../adapters/orbitdb/follow.js'
import { createOrbitdbNodePeer } from '../adapters/orbitdb/node.js'
import type { OrbitdbPeer } from '../adapters/orbitdb/peer.js'
import type { OrbitdbReplica } from '../adapters/orbitdb/replica.js'
import { fileRecordStore } from '../adapters/shared/file-store.js'
import { addressCounter, addressKey } from './address-limits.js'

export interface RelayOptions {
  /** Where the relay persists logs, blocks, records and its peer key. */
  readonly directory: string
  /** Space ids to open, replicate and pin. */
  readonly spaces: readonly string[]
  /** Address to bind (default 127.0.0.1). Use 0.0.0.0 or :: deliberately, to serve others. */
  readonly host?: string
  /** TCP port for Node peers (default 4010; 0 picks a free one). */
  readonly tcpPort?: number
  /** WebSocket port for browsers and Node peers (default 4011; 0 picks a free one). */
  readonly wsPort?: number
  /** Other peers or relays to dial and keep dialing. */
  readonly peers?: readonly string[]
  /** Damaged LevelDB stores under `directory`: refuse to start (default), or move them aside and rebuild (see `OrbitdbNodePeerOptions`). */
  readonly onDamagedStore?: 'refuse' | 'rebuild'
  /**
   * How many further spaces it opens when peers ask (over `FOLLOW_PROTOCOL`, as the browser app
   * does). Default 0: only `spaces`. Anyone who can reach the relay can ask, so keep it small;
   * requests beyond it are answered `full` (and logged once).
   */
  readonly follow?: number
  /** WebSocket connections from one address (an IPv6 /64 counts as one); further ones get HTTP 429 (default 32). */
  readonly maxConnectionsPerAddress?: number
  /** Progress and notable events; default: silent. */
  readonly log?: (line: string) => void
  /** How often progress is reported while records arrive (default 2 s). */
  readonly progressMs?: number
}

export interface RelaySpaceStatus {
  readonly spaceId: string
  readonly database: string
  readonly records: number
  readonly peers: number
  readonly synced: boolean
}

export interface Relay {
  readonly peerId: string
  /** Every address it listens on, with its peer id: hand one to `peers` of a replica. */
  readonly multiaddrs: readonly string[]
  /** Opens a space now (no-op if open); resolves once its log is open. Not bound by `follow`. */
  openSpace(spaceId: string): Promise<void>
  status(): Promise<RelaySpaceStatus[]>
  /** Inbound WebSocket connections closed for breaking the protocol or not upgrading in time. */
  refused(): number
  /** Closes every space, then OrbitDB, Helia, libp2p and the stores. Idempotent. */
  close(): Promise<void>
}

/** A libp2p listen address for a host and port; `ws` adds the WebSocket path. */
export function listenAddress(host: string, port: number, ws = false): string {
  const family = host.includes(':') ? 'ip6' : 'ip4'
  return `/${family}/${host}/tcp/${port}${ws ? '/ws' : ''}`
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const host = options.host ?? '127.0.0.1'
  const log = options.log ?? (() => {})
  let refused = 0
  const perAddress = addressCounter(options.maxConnectionsPerAddress ?? 32)
  const peer: OrbitdbPeer = await createOrbitdbNodePeer({
    directory: options.directory,
    listen: [listenAddress(host, options.tcpPort ?? 4010), listenAddress(host, options.wsPort ?? 4011, true)],
    websockets: true,
    relayServer: true,
    onRefused: (why) => {
      refused++
      log(why)
    },
    admitWebSocket: (remote) => {
      const address = addressKey(remote)
      if (!perAddress.take(address)) return undefined
      return () => perAddress.give(address)
    },
    ...(options.peers ? { peers: options.peers } : {}),
    onDamagedStore: options.onDamagedStore ?? 'refuse',
    onRebuiltStores: (movedTo, damaged) =>
      log(
        `rebuilding damaged stores (${damaged.map(({ path, reason }) => `${path}: ${reason}`).join('; ')}); the old ones are in ${movedTo}`,
      ),
  })
  const { orbitdbReplica } = await import('../adapters/orbitdb/replica.js')
  const replicas: OrbitdbReplica[] = []
  const opened = new Map<string, Promise<void>>()
  const timers: Array<ReturnType<typeof setInterval>> = []
  let closing: Promise<void> | undefined
  let followed = 0
  let saidFull = false
  let stopFollowing: (() => Promise<void>) | undefined

  const close = () => {
    closing ??= (async () => {
      await stopFollowing?.().catch(() => {})
      timers.forEach((timer) => clearInterval(timer))
      await Promise.all([...opened.values()].map((open) => open.catch(() => {})))
      for (const replica of replicas) await replica.close().catch(() => {})
      await peer.close()
    })()
    return closing
  }

  async function open(spaceId: string): Promise<void> {
    const store = await fileRecordStore(join(options.directory, 'records', `${spaceId}.records`))
    if (closing) {
      await store.close()
      return
    }
    const replica = await orbitdbReplica({ spaceId, peer, store }).catch(async (error: unknown) => {
      await store.close()
      throw error
    })
    replicas.push(replica)
    const held = async () => (await replica.getAll()).filter((entry) => entry.source === 'local').length
    log(`space ${spaceId}: opened with ${await held()} records (log ${replica.database.address})`)
    let reported = replica.getSyncState()
    let announcedSync = false
    const report = async () => {
      const now = replica.getSyncState()
      if (now.synced && !announcedSync) {
        announcedSync = true
        log(`space ${spaceId}: initial replication done with ${now.peers} peer(s), ${await held()} records`)
      } else if (now.received !== reported.received || now.peers !== reported.peers) {
        log(`space ${spaceId}: ${await held()} records, ${now.received - reported.received} new, ${now.peers} peer(s)`)
      }
      reported = now
    }
    const timer = setInterval(() => void report().catch(() => {}), options.progressMs ?? 2000)
    timer.unref()
    timers.push(timer)
  }
  /** Opens each space once, one at a time (OrbitDB opens are not meant to race). */
  let queue: Promise<void> = Promise.resolve()
  const openSpace = (spaceId: string): Promise<void> => {
    let opening = opened.get(spaceId)
    if (!opening) {
      opening = queue.then(() => open(spaceId))
      queue = opening.catch(() => {})
      opened.set(spaceId, opening)
    }
    return opening
  }

  const maxFollow = options.follow ?? 0
  /** A peer asked for a space: open it if it is a space id and the limit allows. */
  async function onFollow(spaceId: string): Promise<FollowAnswer> {
    if (closing || !isSpaceId(spaceId)) return 'invalid'
    if (!opened.has(spaceId)) {
      if (followed >= maxFollow) {
        if (!saidFull) log(`follow limit reached (${maxFollow} spaces): refusing requests for further spaces`)
        saidFull = true
        return 'full'
      }
      followed++
      log(`space ${spaceId}: a peer asked to follow it (${followed} of ${maxFollow})`)
    }
    try {
      await openSpace(spaceId)
      return 'ok'
    } catch (error) {
      log(`space ${spaceId}: could not open: ${String(error)}`)
      return 'invalid'
    }
  }

  try {
    for (const spaceId of new Set(options.spaces)) await openSpace(spaceId)
    if (maxFollow > 0) stopFollowing = await serveFollowRequests(peer.libp2p, onFollow)
  } catch (error) {
    await close()
    throw error
  }

  return {
    peerId: peer.libp2p.peerId.toString(),
    multiaddrs: peer.multiaddrs(),
    openSpace,
    refused: () => refused,
    async status() {
      return Promise.all(
        replicas.map(async (replica) => {
          const state = replica.getSyncState()
          const records = (await replica.getAll()).filter((entry) => entry.source === 'local').length
          return { spaceId: replica.spaceId, database: replica.database.address, records, peers: state.peers, synced: state.synced }
        }),
      )
    },
    close,
  }
}
