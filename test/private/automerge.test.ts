/**
 * A private space on the Automerge adapter between peer processes syncing through a `townhall
 * sync-server` process on 127.0.0.1: nothing the server (its storage directory and its log), a
 * peer without the secret or any peer's disk holds shows a text, name, option or member; a removed
 * member reads nothing after the removal. Scenarios in scenario.ts. One world for both scenarios:
 * 40 s on a two-core machine at load 18; the timeout is twice the 60 s budget so that load alone
 * does not fail it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Space } from '../../core/index.js'
import { killAllPeers, processReplica } from '../support/process-replica.js'
import { startSyncServerProcess, stopAllSyncServers } from '../support/sync-server-process.js'
import { heldOnDisk, heldValues, probeRecordFile, search, summary } from '../support/held-bytes.js'
import { needlesOfWorld, postPollVote, privateSpaces, privateWorld, removeBob, TEXT } from './scenario.js'

const opened: Space[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const space of opened.splice(0)) await space.close().catch(() => {})
  await killAllPeers()
  await stopAllSyncServers()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-private-automerge-'))
  dirs.push(dir)
  return dir
}

describe('private spaces on automerge through a sync server', () => {
  it('members read, a removed member reads nothing after the removal, and no byte the sync server, a peer without the secret or any disk holds shows a text, name, option or member', async () => {
    const server = await startSyncServerProcess()
    const spaces = privateSpaces(
      (spaceId, directory) => processReplica('automerge-peer.ts', { spaceId, url: server.url, ...(directory ? { directory } : {}) }),
      opened,
    )
    const directories = { founder: scratch(), alice: scratch(), bob: scratch(), hostile: scratch() }
    const world = await privateWorld(spaces, directories)
    await postPollVote(world)
    await removeBob(world)
    const needles = needlesOfWorld(world)

    // The hostile peer's replica holds the document as the server serves it from memory: what it
    // got is what the server's in-memory copy (in another process, not reachable here) held.
    const live = heldValues('hostile replica', await world.hostile.replica.getAll())
    for (const space of opened.splice(0)) await space.close()
    // SIGTERM: the server saves its documents, so its directory holds everything before it is read.
    await server.stop()
    const disks = [...(await heldOnDisk('server', server.directory))]
    for (const [party, dir] of Object.entries(directories)) disks.push(...(await heldOnDisk(party, dir)))
    // Automerge chunks (columns deflated past 256 bytes) were loaded and every change decoded, on
    // the server and on each peer; the peers' record files were read back inflated.
    for (const party of ['server', ...Object.keys(directories)])
      expect(
        disks.some((h) => h.where.startsWith(`${party}:`) && h.where.endsWith('(Automerge)')),
        party,
      ).toBe(true)
    expect(disks.filter((h) => h.where.endsWith('(records)')).length).toBe(4)
    const log = [{ where: 'server:log', bytes: Buffer.from(server.log.join('\n')) }]
    const all = [...live, ...disks, ...log]
    const hits = search(all, needles)
    console.log(`automerge searched: ${summary(all)}; hits: ${hits.length}`)
    expect(hits).toEqual([])
    // The same search finds a text in a record file, where it is stored deflated.
    expect(await probeRecordFile(scratch(), TEXT.post)).toEqual({ raw: 0, decoded: 3 })
  }, 120_000)
})
