/**
 * The replica conformance suite on the smallest adapter built on the adapter kit
 * (examples/broadcast-replica.ts, the one docs/extending.md shows): the kit's replica skeleton and
 * `base.receive` are what a third-party adapter gets, and they alone must meet the contract.
 */
import { runReplicaConformance, type ReplicaHarness } from '../../testing/index.js'
import { broadcastReplica } from '../../examples/broadcast-replica.js'

await runReplicaConformance('a BroadcastChannel adapter on the kit', async (): Promise<ReplicaHarness> => {
  const channels: BroadcastChannel[] = []
  return {
    timeoutMs: 5_000,
    createPeer: (spaceId) => broadcastReplica(spaceId),
    async injectRaw(spaceId, values) {
      // A peer that speaks the protocol and sends whatever it likes.
      const channel = new BroadcastChannel(`my-app/${spaceId}`)
      channels.push(channel)
      channel.postMessage({ from: 'mallory', records: [...values] })
    },
    async teardown() {
      for (const channel of channels) channel.close()
    },
  }
})
