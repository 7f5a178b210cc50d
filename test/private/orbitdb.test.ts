/**
 * A private space on the OrbitDB adapter between peer processes on 127.0.0.1, through a `townhall
 * relay --follow 1` process that the founder asks to follow the space: nothing the relay (its whole
 * data directory: blocks, data, OrbitDB log and records), a peer without the secret or any peer's
 * disk holds shows a text, name, option or member; a removed member reads nothing after the
 * removal. Scenarios in scenario.ts. One world for both scenarios: 58 to 67 s on a two-core machine
 * at load 17 to 18, most of it starting OrbitDB peer processes (12 to 16 s each at that load); the
 * timeout is twice the 60 s budget so that load alone does not fail it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Space } from '../../core/index.js'
import { eventually } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'
import { startRelay, stopAllRelays, type RelayProcess } from '../support/relay-process.js'
import { heldOnDisk, heldValues, probeRecordFile, search, summary } from '../support/held-bytes.js'
import { needlesOfWorld, postPollVote, privateSpaces, privateWorld, removeBob, TEXT, WAIT, type MakeReplica } from './scenario.js'

const opened: Space[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((space) => space.close().catch(() => {})))
  await killAllPeers()
  await stopAllRelays()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}, 30_000)

const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-private-orbitdb-'))
  dirs.push(dir)
  return dir
}

/**
 * Peers that dial the relay and the first peer (gossip through the relay alone took most of a
 * minute to form); the first asks the relay to follow the space.
 */
function throughRelay(relay: RelayProcess): MakeReplica {
  let first: string | undefined
  return async (spaceId, directory) => {
    const peers = first ? [relay.tcp, first] : [relay.tcp]
    const replica: ProcessReplica = await processReplica('orbitdb-peer.ts', { spaceId, peers, ...(directory ? { directory } : {}) })
    if (!first) {
      await eventually(async () => expect(await replica.command('follow', { peerId: relay.peerId })).toBe('ok'), WAIT)
      first = ((await replica.command('addresses')) as string[])[0]!
    }
    return replica
  }
}

/** The most records the relay's progress lines said it held. */
const relayHolds = (relay: RelayProcess) =>
  Math.max(0, ...[...relay.log().matchAll(/(?:: |, )(\d+) records/g)].map((match) => Number(match[1])))

describe('private spaces on orbitdb through a following relay', () => {
  it('members read, a removed member reads nothing after the removal, and no byte the relay, a peer without the secret or any disk holds shows a text, name, option or member', async () => {
    const relayDir = scratch()
    const relay = await startRelay({ spaces: [], directory: relayDir, extra: ['--follow', '1'] })
    const directories = { founder: scratch(), alice: scratch(), bob: scratch(), hostile: scratch() }
    const world = await privateWorld(privateSpaces(throughRelay(relay), opened), directories)
    await postPollVote(world)
    await removeBob(world)
    const needles = needlesOfWorld(world)
    // The relay followed the space on request and holds every record, as frames.
    const entries = (await world.founder.replica.getAll()).length
    await eventually(() => expect(relayHolds(relay)).toBe(entries), WAIT)

    const live = heldValues('hostile replica', await world.hostile.replica.getAll())
    await Promise.all(opened.splice(0).map((space) => space.close()))
    expect(await relay.stop()).toBe(0)
    const disks = [...(await heldOnDisk('relay', relayDir))]
    for (const [party, dir] of Object.entries(directories)) disks.push(...(await heldOnDisk(party, dir)))
    // LevelDB (snappy-compressed tables) was read back through LevelDB, and each records file
    // inflated, on the relay and on each peer.
    for (const party of ['relay', ...Object.keys(directories)]) {
      expect(
        disks.some((h) => h.where.startsWith(`${party}:`) && h.where.endsWith('(LevelDB)')),
        party,
      ).toBe(true)
      expect(
        disks.some((h) => h.where.startsWith(`${party}:`) && h.where.endsWith('(records)')),
        party,
      ).toBe(true)
    }
    const log = [{ where: 'relay:log', bytes: Buffer.from(relay.log()) }]
    const all = [...live, ...disks, ...log]
    const hits = search(all, needles)
    console.log(`orbitdb searched: ${summary(all)}; hits: ${hits.length}`)
    expect(hits).toEqual([])
    // The same search finds a text in a record file, where it is stored deflated.
    expect(await probeRecordFile(scratch(), TEXT.post)).toEqual({ raw: 0, decoded: 3 })
  }, 120_000)
})
