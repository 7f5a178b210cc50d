/**
 * The OrbitDB entry of the adapter registry (experimental), loaded on first use: a libp2p node in
 * the page (WebSockets only), Helia and OrbitDB on it, dialing the configured relays
 * (`townhall relay`), which replicate the space's log. Browsers never connect to each other: they
 * meet at a relay.
 *
 * Persistence: the records in an IndexedDB record store (the truth: a reload shows them before any
 * relay answers); the OrbitDB log, Helia's blocks and the libp2p identity in memory, rebuilt from
 * the relay each visit.
 *
 * A relay replicates only the spaces it is told to: on every connection to a relay, the page asks
 * it to follow this space (`askToFollow`, a direct stream: only the relay learns the space id). A
 * relay started with `--follow N` (the demo's is) opens up to N spaces this way.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createLibp2p } from 'libp2p'
import type { Identity, Replica, ReplicaContext } from '../../../../core/index.js'
import { askToFollow, createOrbitdbPeer, indexedDbRecordStore, orbitdbReplica } from '../../../../adapters/orbitdb/index.js'
import type { AppConfig } from '../config.js'
import { orbitdbRecordStoreName } from './names.js'

const withoutPeerId = (address: string): string => address.replace(/\/p2p\/[^/]+$/, '')

export async function createOrbitdbReplica(
  spaceId: string,
  { secret }: ReplicaContext,
  identity: Identity,
  config: AppConfig,
): Promise<Replica> {
  // libp2p in browsers refuses ws:// and private addresses by default; the configured relays are
  // exactly what this page should dial (loopback in the demo), and nothing else.
  const allowed = new Set(config.relays.map(withoutPeerId))
  const libp2p = (await createLibp2p({
    addresses: { listen: [] },
    connectionGater: { denyDialMultiaddr: (address) => !allowed.has(withoutPeerId(address.toString())) },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      // As in Node peers (GOSSIPSUB_SCORE_PARAMS): no IP colocation penalty.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false, scoreParams: { IPColocationFactorWeight: 0 } }),
    },
  })) as unknown as Libp2p
  const store = await indexedDbRecordStore(orbitdbRecordStoreName(spaceId)).catch(async (error: unknown) => {
    await libp2p.stop()
    throw error
  })
  try {
    const peer = await createOrbitdbPeer({
      libp2p,
      blockstore: new MemoryBlockstore(),
      datastore: new MemoryDatastore(),
      peers: [...config.relays],
    })
    const replica = await orbitdbReplica({ spaceId, peer, ownsPeer: true, store, identity, ...(secret ? { secret } : {}) }).catch(
      async (error: unknown) => {
        await peer.close()
        throw error
      },
    )
    const relays = new Set(config.relays.map((address) => address.slice(address.lastIndexOf('/p2p/') + 5)))
    /** Connections to a relay that agreed to follow the space, or are being asked. */
    const asked = new Set<string>()
    let warned = false
    const follow = () => {
      for (const connection of libp2p.getConnections()) {
        if (!relays.has(connection.remotePeer.toString()) || asked.has(connection.id)) continue
        asked.add(connection.id)
        askToFollow(connection, spaceId)
          .then((answer) => {
            // Refused ('full', 'invalid'): not asked again on this connection.
            if (answer !== 'ok' && !warned)
              console.warn(`townhall: the relay ${connection.remotePeer} will not replicate this space (${answer})`)
            if (answer !== 'ok') warned = true
          })
          // Not answered (an older relay, a dropped connection): ask again on the next round.
          .catch(() => asked.delete(connection.id))
      }
    }
    // Relays are (re)dialed every 3 s by the peer; ask each new connection soon after it opens.
    const timer = setInterval(follow, 1000)
    follow()
    const close = replica.close.bind(replica)
    let closing: Promise<void> | undefined
    replica.close = () => {
      clearInterval(timer)
      return (closing ??= close())
    }
    return replica
  } catch (error) {
    await store.close().catch(() => {})
    await Promise.resolve(libp2p.stop()).catch(() => {})
    throw error
  }
}
