/**
 * The shared replica conformance suite on the Automerge adapter: peers in separate processes
 * syncing through a `townhall sync-server` process on 127.0.0.1.
 */
import { afterAll } from 'vitest'
import { runReplicaConformance, type ReplicaHarness } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'
import { startSyncServerProcess, stopAllSyncServers, type SyncServerProcess } from '../support/sync-server-process.js'

// One server for the file: every test uses a new space, so a new document on it.
let server: Promise<SyncServerProcess> | undefined
afterAll(() => stopAllSyncServers())

await runReplicaConformance('automerge over a sync server', async (): Promise<ReplicaHarness> => {
  const { url } = await (server ??= startSyncServerProcess())
  let byzantine: ProcessReplica | undefined
  return {
    timeoutMs: 20_000,
    createPeer: (spaceId) => processReplica('automerge-peer.ts', { spaceId, url }),
    async injectRaw(spaceId, values) {
      byzantine ??= await processReplica('automerge-peer.ts', { spaceId, url, byzantine: true })
      await byzantine.command('raw', { values: [...values] })
    },
    async teardown() {
      await byzantine?.close()
      await killAllPeers()
    },
  }
})
