/**
 * Junk in the shared OrbitDB log (issue 22, point 6): a peer appends large junk entries. The log
 * is append-only and every peer pins what it holds, so the junk stays on disk; what it costs in
 * memory is bounded in part: the cache in front of the blocks by bytes (16 MiB), the junk kept
 * for `getAll` by bytes (4 MiB). Each junk value is counted by the space as a rejection.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, Space } from '../../core/index.js'
import { eventually } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'

const open: Space[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((space) => space.close().catch(() => {})))
  await killAllPeers()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}, 30_000)
/** A data directory: without one a peer keeps its blocks in memory, junk included, by design. */
const directory = () => {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-orbitdb-junk-'))
  dirs.push(dir)
  return dir
}

interface Memory {
  readonly heap: number
  readonly arrayBuffers: number
}
const memory = async (peer: ProcessReplica) => {
  const m = (await peer.command('memory')) as Memory
  return m.heap + m.arrayBuffers
}
const addressOf = async (replica: ProcessReplica) => ((await replica.command('addresses')) as string[])[0]!
const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

describe('orbitdb: junk in the shared log', () => {
  it('counts every junk value as a rejection, and the junk costs less than twice its size in memory (not yet the 2x-valid target)', async () => {
    let aliceReplica: ProcessReplica | undefined
    const alice = await Space.create({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'junk',
      replica: async (spaceId) => (aliceReplica = await processReplica('orbitdb-peer.ts', { spaceId, directory: directory() })),
    })
    open.push(alice)
    const aliceAddress = await addressOf(aliceReplica!)
    const bobReplica = await processReplica('orbitdb-peer.ts', { spaceId: alice.id, peers: [aliceAddress], directory: directory() })
    const bob = await Space.open({ id: alice.id, identity: await createIdentity(), replica: bobReplica })
    open.push(bob)
    const before = await memory(bobReplica)
    const posts = 300
    for (let i = 0; i < posts; i += 50)
      await Promise.all(Array.from({ length: 50 }, (_, j) => alice.post(`valid post ${i + j} ${'.'.repeat(200)}`)))
    await eventually(() => expect(bob.getFeed().length).toBe(posts), 60_000)
    const valid = await memory(bobReplica)
    const rejectedBefore = bob.getRejections().total

    const mallory = await processReplica('orbitdb-peer.ts', { spaceId: alice.id, peers: [aliceAddress, await addressOf(bobReplica)] })
    const entries = 48
    await mallory.command('junkEntries', { count: entries, size: 1024 * 1024 })
    await eventually(() => expect(bob.getRejections().total - rejectedBefore).toBeGreaterThanOrEqual(entries), 120_000)
    await alice.post('after the junk')
    await eventually(() => expect(bob.getFeed().length).toBe(posts + 1), 60_000)
    const attacked = await memory(bobReplica)
    const junkBytes = entries * 1024 * 1024
    console.log(
      `orbitdb junk: honest peer before ${MB(before)}, with valid records ${MB(valid)}, after ${entries} MiB of junk ${MB(attacked)}`,
    )
    // Measured: 193 MB with OrbitDB's count-bounded cache and the unbounded bytes kept for getAll
    // (the junk held 3.1 times over), 115 MB with both bounded by bytes. What still holds the
    // rest (about 1.5 times the junk, as buffers) was not found: the 2x-valid target is not met
    // for OrbitDB, and docs/THREAT_MODEL.md says so.
    expect(attacked - valid).toBeLessThanOrEqual(2 * junkBytes)
    expect(bobReplica.child.exitCode).toBeNull()
  }, 240_000)
})
