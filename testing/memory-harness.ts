/** Conformance harness for the memory replica: every peer of a space on one simulated network. */
import type { ReplicaHarness } from './conformance.js'
import { memoryNetwork, type MemoryNetworkOptions } from './memory-network.js'

export function memoryHarness(options: MemoryNetworkOptions = {}): ReplicaHarness {
  const network = memoryNetwork(options)
  return {
    createPeer: async (spaceId) => network.replica(spaceId),
    // A Byzantine peer's writes reach everyone connected, as they would through a shared document.
    async injectRaw(_spaceId, values) {
      for (const peer of network.peers) network.inject(peer, values)
    },
    async teardown() {
      if (network.inFlight > 0) await network.flush()
    },
  }
}
