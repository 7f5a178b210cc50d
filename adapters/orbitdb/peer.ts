/**
 * One OrbitDB peer: a libp2p node, Helia on top of it (bitswap over libp2p only: no public
 * gateways, no HTTP routers) and OrbitDB, able to open the log of any number of spaces. A replica
 * opens one space on a peer; the relay opens many on one peer.
 *
 * This file is environment-neutral: the caller builds libp2p (transports differ between Node and
 * browsers) and the block and data stores (Level on disk in Node, IndexedDB or memory in browsers).
 * `townhall/orbitdb/node` does that for Node.
 */
// First: libp2p and Helia call Promise.withResolvers, which Node 20 lacks.
import './with-resolvers.js'
import { bitswap } from '@helia/block-brokers'
import { libp2pRouting } from '@helia/routers'
import { Helia, type HeliaInit } from '@helia/utils'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import {
  ComposedStorage,
  createOrbitDB,
  Identities,
  IPFSBlockStorage,
  KeyStore,
  LRUStorage,
  MemoryStorage,
  useAccessController,
  type OrbitDB,
  type Storage,
} from '@orbitdb/core'
import { sha256 } from '@noble/hashes/sha2.js'
import { toBase64Url, utf8 } from '../../core/adapter/index.js'
import { noteRefusal, townhallAccess, townhallAccessType, type AccessStats } from './access.js'
import { byteCache, ENTRY_CACHE_BYTES } from './byte-cache.js'
import { spaceLogDatabase, type SpaceLogDatabase } from './database.js'

export interface OrbitdbPeerOptions {
  /** A started libp2p node with a gossipsub service named `pubsub` and identify. */
  readonly libp2p: Libp2p
  /** Helia's block store (OrbitDB entries, pinned), opened by the caller. */
  readonly blockstore: HeliaInit['blockstore']
  /** Helia's datastore (pins), opened by the caller. */
  readonly datastore: HeliaInit['datastore']
  /** Where OrbitDB keeps its keystore and each log's heads and index. Omit to keep them in memory. */
  readonly directory?: string
  /** Peers to dial and keep dialing (multiaddrs ending in /p2p/<peer id>). There is no discovery. */
  readonly peers?: readonly string[]
  /** How long a missing entry or identity block is waited for before the entry is dropped (default 15 s). */
  readonly fetchTimeoutMs?: number
  /** Largest entry payload accepted into a log (default 2 MiB). */
  readonly maxPayloadBytes?: number
  /** How often unconnected `peers` are re-dialed (default 3 s). */
  readonly redialMs?: number
  /** Runs last in `close`, after Helia stopped: closes what the caller opened (the stores). */
  readonly onClose?: () => Promise<void>
}

export interface OrbitdbPeer {
  readonly libp2p: Libp2p
  readonly helia: Helia<Libp2p>
  readonly orbitdb: OrbitDB
  /** Opens (creating if need be) the log of a space: the same database on every peer. */
  openSpaceLog(spaceId: string, stats?: AccessStats): Promise<SpaceLogDatabase>
  /** Dials a peer now and keeps re-dialing it whenever it is disconnected. */
  dial(address: string): Promise<void>
  /** This peer's listening addresses, with its peer id. */
  multiaddrs(): string[]
  /** Stops OrbitDB, Helia (and libp2p), then the caller's stores. Idempotent. */
  close(): Promise<void>
}

/** Name of a space's database: a hash, so the manifest names no space id. */
export const databaseName = (spaceId: string): string =>
  `townhall-${toBase64Url(sha256(utf8(`townhall/orbitdb/v1\n${spaceId}`))).slice(0, 32)}`

/** libp2p re-dials peers tagged with a name starting with this (`KEEP_ALIVE` in @libp2p/interface). */
const KEEP_ALIVE = 'keep-alive-townhall'

let registered = false

export async function createOrbitdbPeer(options: OrbitdbPeerOptions): Promise<OrbitdbPeer> {
  if (!registered) {
    useAccessController(townhallAccessType)
    registered = true
  }
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 15_000
  const maxPayloadBytes = options.maxPayloadBytes ?? 2 * 1024 * 1024
  const { libp2p, directory } = options
  const helia = new Helia<Libp2p>({
    libp2p,
    blockstore: options.blockstore,
    datastore: options.datastore,
    blockBrokers: [bitswap()],
    routers: [libp2pRouting(libp2p)],
  })
  await helia.start()

  // The cache in front of the blocks is bounded by bytes (byte-cache.ts): log entries are up to
  // `maxPayloadBytes` each, and a thousand of a peer's junk ones would otherwise stay in memory.
  const blocks = async () =>
    ComposedStorage(byteCache({ maxBytes: ENTRY_CACHE_BYTES }), await IPFSBlockStorage({ ipfs: helia, pin: true, timeout: fetchTimeoutMs }))
  // Built here rather than by OrbitDB so that identity blocks from peers are fetched with the same
  // bounded wait, and so that nothing defaults to ./orbitdb in the working directory.
  const keystore = await KeyStore(directory ? { path: `${directory}/keystore` } : { storage: await MemoryStorage() })
  const identities = await Identities({ keystore, ipfs: helia, storage: await blocks() })
  const orbitdb = await createOrbitDB({ ipfs: helia, identities, directory: directory ?? '/nonexistent/townhall-orbitdb-in-memory' })

  const wanted = new Map<string, PeerId | undefined>()
  let closing: Promise<void> | undefined

  const connected = (peer: PeerId | undefined) => peer !== undefined && libp2p.getConnections(peer).length > 0
  async function connect(address: string): Promise<void> {
    const connection = await libp2p.dial(multiaddr(address))
    wanted.set(address, connection.remotePeer)
    // Tagged keep-alive: libp2p reconnects on its own too, and never prunes the connection.
    await libp2p.peerStore.merge(connection.remotePeer, { tags: { [KEEP_ALIVE]: { value: 100 } } }).catch(() => {})
  }
  const redial = setInterval(() => {
    if (closing) return
    for (const [address, peer] of wanted) if (!connected(peer)) void connect(address).catch(() => {})
  }, options.redialMs ?? 3000)
  ;(redial as { unref?: () => void }).unref?.()

  const peer: OrbitdbPeer = {
    libp2p,
    helia,
    orbitdb,
    async openSpaceLog(spaceId, stats) {
      const memory = directory
        ? {}
        : {
            headsStorage: await ComposedStorage(await LRUStorage({ size: 1000 }), await MemoryStorage()),
            indexStorage: await ComposedStorage(await LRUStorage({ size: 1000 }), await MemoryStorage()),
          }
      const database = await orbitdb.open(databaseName(spaceId), {
        type: 'events',
        Database: spaceLogDatabase((entry, reason) => noteRefusal(stats, entry, reason), directory ? undefined : () => MemoryStorage()),
        AccessController: townhallAccess({ maxPayloadBytes, ...(stats ? { stats } : {}) }),
        entryStorage: (await blocks()) as Storage,
        ...memory,
      })
      // Our Database module made it (OrbitDB returns an open database as it is, whatever the options).
      return database as SpaceLogDatabase
    },
    async dial(address) {
      if (!wanted.has(address)) wanted.set(address, undefined)
      await connect(address)
    },
    multiaddrs: () => libp2p.getMultiaddrs().map((address) => address.toString()),
    close() {
      closing ??= (async () => {
        clearInterval(redial)
        // The order that lets Node exit: OrbitDB (logs, keystore), Helia with libp2p, then the stores.
        await orbitdb.stop().catch(() => {})
        await helia.stop().catch(() => {})
        await options.onClose?.()
      })()
      return closing
    },
  }
  // Initial dials fail quietly when a peer is not up yet: the re-dial loop keeps trying.
  await Promise.all((options.peers ?? []).map((address) => peer.dial(address).catch(() => {})))
  return peer
}
