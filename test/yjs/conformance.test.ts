/** The shared replica conformance suite on the Yjs adapter: real WebRTC between peer processes. */
import { runReplicaConformance, type ReplicaHarness } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'
import { startSignal, stopAllSignals } from '../support/signal-process.js'

await runReplicaConformance('yjs over y-webrtc', async (): Promise<ReplicaHarness> => {
  const signal = await startSignal()
  let byzantine: ProcessReplica | undefined
  return {
    timeoutMs: 20_000,
    createPeer: (spaceId) => processReplica('yjs-peer.ts', { spaceId, signaling: [signal.url] }),
    async injectRaw(spaceId, values) {
      // Plain y-webrtc: a townhall replica deletes junk, its own included, before it has a peer to send it to.
      byzantine ??= await processReplica('yjs-hostile-peer.ts', { spaceId, signaling: [signal.url] })
      await byzantine.command('raw', { values: [...values] })
    },
    async teardown() {
      await byzantine?.close()
      await killAllPeers()
      await stopAllSignals()
    },
  }
})
