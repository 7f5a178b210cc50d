/**
 * townhall/orbitdb/node: OrbitDB peers in Node. libp2p over TCP (and WebSockets when asked), Level
 * stores on disk, a stable peer id per data directory, the replica's records in an fsynced file,
 * and the shims Node 20 needs. Import this entry only in Node.
 *
 * @example
 * ```ts
 * import { orbitdbNodeReplica } from 'townhall/orbitdb/node'
 * const replica = await orbitdbNodeReplica({ spaceId, directory: '/var/lib/townhall/alice', peers: ['/ip4/127.0.0.1/tcp/4010/p2p/12D3Koo…'] })
 * ```
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Libp2p } from '@libp2p/interface'
import type { Identity } from '../../core/index.js'
import { fileRecordStore } from '../shared/file-store.js'
import { lockStore } from '../shared/store-lock.js'
import { openDespiteDamage } from './damaged-stores.js'
import type { OrbitdbPeer } from './peer.js'
import { installPromiseWithResolvers } from './with-resolvers.js'
import type { OrbitdbReplica, OrbitdbReplicaOptions } from './replica.js'

/**
 * Gossipsub's IP colocation penalty is off. By default every peer seen from one IP address beyond
 * the 10th costs all of them score, and peers stay counted for an hour after they leave: a relay
 * that had 14 peers from one address (browsers and processes on one host, or behind one NAT) stopped
 * publishing to any of them, so new entries stopped reaching peers (found with the sample apps,
 * after a few dozen page loads). Records are signed and validated by every space, so the penalty
 * protects nothing here.
 */
export const GOSSIPSUB_SCORE_PARAMS = { IPColocationFactorWeight: 0 }

export interface OrbitdbNodePeerOptions {
  /**
   * Where everything persists: `blocks/` and `data/` (Helia, LevelDB), `orbitdb/` (keystore, log
   * heads), `peer-key` (the libp2p identity, so the peer id survives restarts). Omit for memory only.
   */
  readonly directory?: string
  /** Listen addresses (default `/ip4/127.0.0.1/tcp/0`: loopback, any free port). Add `/ws` ones with `websockets`. */
  readonly listen?: readonly string[]
  /** Peers (or a relay) to dial and keep dialing: multiaddrs ending in `/p2p/<peer id>`. */
  readonly peers?: readonly string[]
  /** Adds the WebSockets transport (needed to listen on or dial `/ws` addresses). */
  readonly websockets?: boolean
  /** Told of each inbound WebSocket connection closed for breaking the protocol or not upgrading in time, or refused. */
  readonly onRefused?: (why: string) => void
  /** Admits an inbound WebSocket connection by remote address (see websocket-guard.ts); default: all. */
  readonly admitWebSocket?: (remoteAddress: string | undefined) => (() => void) | undefined
  /** Runs a circuit relay v2 server, so browsers can reserve a relayed address here. */
  readonly relayServer?: boolean
  readonly fetchTimeoutMs?: number
  readonly maxPayloadBytes?: number
  /**
   * When a LevelDB store under `directory` is damaged and will not open: `'refuse'` (the default)
   * throws a `StoreDamagedError` naming each one; `'rebuild'` moves the derived stores (blocks,
   * data, orbitdb) into `directory/damaged/` and starts them empty. Nothing is lost by rebuilding:
   * a replica's records are in its record file and are published again; the rest syncs from peers.
   */
  readonly onDamagedStore?: 'refuse' | 'rebuild'
  /** Told where the damaged stores went, when they were rebuilt. */
  readonly onRebuiltStores?: (movedTo: string, damaged: ReadonlyArray<{ readonly path: string; readonly reason: string }>) => void
}

export async function createOrbitdbNodePeer(options: OrbitdbNodePeerOptions = {}): Promise<OrbitdbPeer> {
  return openDespiteDamage(options.directory, options.onDamagedStore === 'rebuild', () => openNodePeer(options), options.onRebuiltStores)
}

async function openNodePeer(options: OrbitdbNodePeerOptions): Promise<OrbitdbPeer> {
  // Before libp2p is loaded (the other Node 20 gap, a global WebSocket, is filled below only when
  // WebSockets are asked for).
  installPromiseWithResolvers()
  const [{ createLibp2p }, { tcp }, { noise }, { yamux }, { identify }, { gossipsub }, { generateKeyPairFromSeed }, { createOrbitdbPeer }] =
    await Promise.all([
      import('libp2p'),
      import('@libp2p/tcp'),
      import('@chainsafe/libp2p-noise'),
      import('@chainsafe/libp2p-yamux'),
      import('@libp2p/identify'),
      import('@libp2p/gossipsub'),
      import('@libp2p/crypto/keys'),
      import('./peer.js'),
    ])
  const { directory } = options
  let seed: Uint8Array
  if (directory) {
    await mkdir(directory, { recursive: true, mode: 0o700 })
    seed = await loadOrCreateSeed(join(directory, 'peer-key'))
  } else seed = new Uint8Array(randomBytes(32))
  const privateKey = await generateKeyPairFromSeed('Ed25519', seed)

  const stores = directory ? await levelStores(directory) : await memoryStores()
  const transports = [tcp()] as Array<ReturnType<typeof tcp>>
  const services: Record<string, unknown> = {
    identify: identify(),
    // Publishing with nobody subscribed yet must not fail: the entry is saved and heads are exchanged on connect.
    pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false, scoreParams: GOSSIPSUB_SCORE_PARAMS }),
  }
  if (options.websockets) {
    // Node 20 has no global WebSocket (Node 22 has): @libp2p/websockets dials with it.
    const g = globalThis as { WebSocket?: unknown }
    g.WebSocket ??= (await import('ws')).WebSocket
    const [{ webSockets }, { guardWebSocketTransport }] = await Promise.all([import('@libp2p/websockets'), import('./websocket-guard.js')])
    const guarded = guardWebSocketTransport(webSockets(), {
      ...(options.onRefused ? { onRefused: options.onRefused } : {}),
      ...(options.admitWebSocket ? { admit: options.admitWebSocket } : {}),
    })
    transports.push(guarded as unknown as ReturnType<typeof tcp>)
  }
  if (options.relayServer) {
    const { circuitRelayServer } = await import('@libp2p/circuit-relay-v2')
    services.relay = circuitRelayServer()
  }
  let libp2p: Libp2p
  try {
    libp2p = (await createLibp2p({
      privateKey,
      addresses: { listen: [...(options.listen ?? ['/ip4/127.0.0.1/tcp/0'])] },
      transports,
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: services as never,
      datastore: stores.datastore as never,
    })) as unknown as Libp2p
  } catch (error) {
    await stores.close()
    throw error
  }
  try {
    return await createOrbitdbPeer({
      libp2p,
      blockstore: stores.blockstore,
      datastore: stores.datastore,
      ...(directory ? { directory: join(directory, 'orbitdb') } : {}),
      ...(options.peers ? { peers: options.peers } : {}),
      ...(options.fetchTimeoutMs ? { fetchTimeoutMs: options.fetchTimeoutMs } : {}),
      ...(options.maxPayloadBytes ? { maxPayloadBytes: options.maxPayloadBytes } : {}),
      onClose: stores.close,
    })
  } catch (error) {
    await Promise.resolve(libp2p.stop()).catch(() => {})
    await stores.close()
    throw error
  }
}

async function loadOrCreateSeed(path: string): Promise<Uint8Array> {
  try {
    const seed = new Uint8Array(await readFile(path))
    if (seed.length === 32) return seed
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const seed = new Uint8Array(randomBytes(32))
  await writeFile(path, seed, { mode: 0o600 })
  return seed
}

/**
 * The directory is locked first (store-lock.ts): LevelDB's own lock refused a second peer only
 * from inside LevelDB, as an unexplained error; this one names the holder.
 */
async function levelStores(directory: string) {
  const lock = await lockStore(join(directory, 'townhall.lock'), directory)
  const [{ LevelBlockstore }, { LevelDatastore }] = await Promise.all([import('blockstore-level'), import('datastore-level')])
  const blockstore = new LevelBlockstore(join(directory, 'blocks'))
  const datastore = new LevelDatastore(join(directory, 'data'))
  const close = async () => {
    await Promise.resolve(blockstore.close()).catch(() => {})
    await Promise.resolve(datastore.close()).catch(() => {})
    await lock.release()
  }
  try {
    await blockstore.open()
    await datastore.open()
  } catch (error) {
    await close()
    throw error
  }
  return { blockstore, datastore, close }
}

async function memoryStores() {
  const [{ MemoryBlockstore }, { MemoryDatastore }] = await Promise.all([import('blockstore-core'), import('datastore-core')])
  return { blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore(), close: async () => {} }
}

export interface OrbitdbNodeReplicaOptions extends OrbitdbNodePeerOptions, Omit<OrbitdbReplicaOptions, 'peer' | 'ownsPeer' | 'store'> {
  readonly identity?: Identity
}

/**
 * A replica on a peer of its own: records in `<directory>/records/<space id>.records` (fsynced
 * before `add` resolves), OrbitDB and Helia data beside them. Closing the replica stops the peer.
 */
export async function orbitdbNodeReplica(options: OrbitdbNodeReplicaOptions): Promise<OrbitdbReplica> {
  // The log's own stores (heads, index) open with the database, after the peer: covered here too.
  return openDespiteDamage(options.directory, options.onDamagedStore === 'rebuild', () => openNodeReplica(options), options.onRebuiltStores)
}

async function openNodeReplica(options: OrbitdbNodeReplicaOptions): Promise<OrbitdbReplica> {
  const peer = await openNodePeer(options)
  let store: Awaited<ReturnType<typeof fileRecordStore>> | undefined
  try {
    const { orbitdbReplica } = await import('./replica.js')
    if (options.directory) store = await fileRecordStore(join(options.directory, 'records', `${options.spaceId}.records`))
    return await orbitdbReplica({ ...options, peer, ownsPeer: true, ...(store ? { store } : {}) })
  } catch (error) {
    await store?.close()
    await peer.close()
    throw error
  }
}

export { fileRecordStore }
