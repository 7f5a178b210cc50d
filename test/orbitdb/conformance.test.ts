/**
 * The shared replica conformance suite on the OrbitDB adapter: each peer is a separate process
 * (libp2p over TCP on 127.0.0.1) that dials every peer of the space started before it.
 */
import { runReplicaConformance, type ReplicaHarness } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'

await runReplicaConformance('orbitdb over libp2p (TCP, loopback)', async (): Promise<ReplicaHarness> => {
  const addresses = new Map<string, string[]>()
  let byzantine: ProcessReplica | undefined
  const start = async (spaceId: string) => {
    const known = addresses.get(spaceId) ?? []
    const peer = await processReplica('orbitdb-peer.ts', { spaceId, peers: known })
    addresses.set(spaceId, [...known, ...((await peer.command('addresses')) as string[])])
    return peer
  }
  return {
    timeoutMs: 20_000,
    createPeer: start,
    async injectRaw(spaceId, values) {
      byzantine ??= await start(spaceId)
      await byzantine.command('raw', { values: [...values] })
    },
    async teardown() {
      await byzantine?.close()
      await killAllPeers()
    },
  }
})
