/**
 * A relay that follows spaces on request (`townhall relay --follow N`, what browsers running the
 * apps on OrbitDB use): a peer asks over its connection, the relay opens the space and replicates
 * it, and stops accepting new spaces at its limit. Relay and peer run in this process on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, Space } from '../../core/index.js'
import { eventually } from '../../testing/index.js'
import { startRelay, type Relay } from '../../cli/relay.js'
import { askToFollow, FOLLOW_PROTOCOL } from '../../adapters/orbitdb/follow.js'
import { orbitdbNodeReplica } from '../../adapters/orbitdb/node.js'
import type { OrbitdbReplica } from '../../adapters/orbitdb/replica.js'

const OTHER_SPACE = 'bafyreigdmqpykrgxyaxtlafqpqhzrb7qy2rh75nldvfd4tucqmqqme5yje'
const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {})
}, 30_000)

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-follow-'))
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function relayWith(follow: number): Promise<Relay> {
  const relay = await startRelay({ directory: tempDir(), spaces: [], tcpPort: 0, wsPort: 0, follow })
  cleanup.push(() => relay.close())
  return relay
}

describe('relay follow requests', () => {
  it('opens and replicates a space a peer asks for, answers full beyond its limit and invalid for junk', async () => {
    const relay = await relayWith(1)
    const tcp = relay.multiaddrs.find((address) => !address.includes('/ws/'))!
    let replica: OrbitdbReplica | undefined
    const space = await Space.create({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'followed',
      replica: async (spaceId) => (replica = await orbitdbNodeReplica({ spaceId, peers: [tcp] })),
    })
    cleanup.push(() => space.close())
    await space.post('kept by the relay')
    const connection = await eventually(() => {
      const found = replica!.peer.libp2p.getConnections().find((c) => c.remotePeer.toString() === relay.peerId)
      if (!found) throw new Error('not connected to the relay yet')
      return found
    }, 15_000)

    // Many peers from one address (browsers on one host, one NAT) must not cost them score: with
    // gossipsub's colocation penalty the relay stopped publishing to anyone after 14 such peers.
    const pubsub = (replica!.peer.libp2p.services as { pubsub: { opts: { scoreParams: { IPColocationFactorWeight: number } } } }).pubsub
    expect(pubsub.opts.scoreParams.IPColocationFactorWeight).toBe(0)

    expect(await relay.status()).toEqual([])
    expect(await askToFollow(connection, space.id)).toBe('ok')
    // Asking again is fine and opens nothing new.
    expect(await askToFollow(connection, space.id)).toBe('ok')
    await eventually(async () => expect((await relay.status())[0]).toMatchObject({ spaceId: space.id, records: 2 }), 30_000)

    expect(await askToFollow(connection, OTHER_SPACE)).toBe('full')
    expect(await askToFollow(connection, 'not a space id')).toBe('invalid')
    expect((await relay.status()).map((status) => status.spaceId)).toEqual([space.id])

    // A request larger than any space id gets no answer, and the relay keeps serving.
    const stream = await connection.newStream(FOLLOW_PROTOCOL)
    stream.send(new Uint8Array(1000).fill(97))
    await stream.close().catch(() => {})
    const answer: unknown[] = []
    try {
      for await (const chunk of stream) answer.push(chunk)
    } catch {
      // reset by the relay
    }
    expect(answer).toEqual([])
    expect(await askToFollow(connection, space.id)).toBe('ok')
  })

  it('does not speak the protocol unless asked to follow', async () => {
    const relay = await relayWith(0)
    const tcp = relay.multiaddrs.find((address) => !address.includes('/ws/'))!
    const replica = await orbitdbNodeReplica({ spaceId: OTHER_SPACE, peers: [tcp] })
    cleanup.push(() => replica.close())
    const connection = await eventually(() => {
      const found = replica.peer.libp2p.getConnections().find((c) => c.remotePeer.toString() === relay.peerId)
      if (!found) throw new Error('not connected to the relay yet')
      return found
    }, 15_000)
    await expect(askToFollow(connection, OTHER_SPACE)).rejects.toThrow()
  })
})
