/** What happens around an OrbitDB replica's close, in this process, with no other peer. */
import { describe, expect, it } from 'vitest'
import { createIdentity, Space } from '../../core/index.js'
import { orbitdbNodeReplica } from '../../adapters/orbitdb/node.js'
import type { OrbitdbReplica } from '../../adapters/orbitdb/replica.js'

describe('orbitdb: close', () => {
  it('absorbs errors that OrbitDB reports after close instead of ending the process', async () => {
    let replica: OrbitdbReplica | undefined
    const space = await Space.create({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'closing',
      replica: async (spaceId) => (replica = await orbitdbNodeReplica({ spaceId })),
    })
    await space.close()
    // A head exchange OrbitDB's sync started before close runs on, and reports the end of its
    // stream when libp2p stops: with no listener left, Node's EventEmitter would throw it.
    expect(() => replica!.database.events.emit('error', new Error('Unexpected EOF - stream closed while reading 0/1 bytes'))).not.toThrow()
    expect(replica!.syncErrors).toBe(1)
  })
})
