/**
 * Junk in the shared Y.Doc (issue 22, point 6): a hostile peer in the room writes thousands of
 * junk values under the records map and fills root types the replica does not use. Each honest
 * peer counts every such entry as a rejection, deletes it, and its memory stays within twice what
 * the valid records cost plus the constant docs/THREAT_MODEL.md gives.
 *
 * The hostile peer is plain y-webrtc: it cannot read the honest peers' fragmented messages
 * (adapters/yjs/fragments.ts), so it never receives the space's records, and it does not need to:
 * its junk updates are items of its own that honest peers apply whatever it has seen. It only
 * waits until its data channels to both honest peers are up.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, Space } from '../../core/index.js'
import { eventually } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'
import { startSignal, stopAllSignals } from '../support/signal-process.js'

const open: Space[] = []
afterEach(async () => {
  for (const space of open.splice(0)) await space.close().catch(() => {})
  await killAllPeers()
  await stopAllSignals()
})

interface Memory {
  readonly state: number
  readonly heap: number
  readonly arrayBuffers: number
}
const memory = async (peer: ProcessReplica) => (await peer.command('memory')) as Memory
/** Heap and buffers after a full collection: buffers matter, as Yjs keeps binary values as views on the message they came in. */
const cost = (m: Memory) => m.heap + m.arrayBuffers
const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

/** The documented constant (docs/THREAT_MODEL.md): a fixed part, and the tombstone Yjs keeps per junk map key. */
const FIXED = 4 * 1024 * 1024
const PER_JUNK_KEY = 350
const PER_JUNK_KEY_ENCODED = 64

describe('yjs: junk in the shared document', () => {
  it('counts every junk entry and foreign root type as a rejection, deletes it, and keeps memory within 2x the valid records plus the constant', async () => {
    const signal = await startSignal()
    const options = { signaling: [signal.url] }
    const alice = await Space.create({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'junk',
      replica: (spaceId) => processReplica('yjs-peer.ts', { spaceId, ...options }),
    })
    open.push(alice)
    const bobReplica = await processReplica('yjs-peer.ts', { spaceId: alice.id, ...options })
    const before = await memory(bobReplica)
    const bob = await Space.open({ id: alice.id, identity: await createIdentity(), replica: bobReplica })
    open.push(bob)
    // Plain y-webrtc, none of townhall's replica code: it never deletes its own junk.
    const mallory = await processReplica('yjs-hostile-peer.ts', { spaceId: alice.id, ...options })
    const posts = 300
    for (let i = 0; i < posts; i += 50)
      await Promise.all(Array.from({ length: 50 }, (_, j) => alice.post(`valid post ${i + j} ${'.'.repeat(200)}`)))
    await eventually(() => expect(bob.getFeed().length).toBe(posts), 60_000)
    await eventually(async () => expect(await mallory.command('connected')).toBe(2), 60_000)
    const valid = await memory(bobReplica)
    const rejectedBefore = bob.getRejections().total

    // 20,000 junk values of 100 bytes under the records map, and three foreign root types: a map
    // with 5,000 keys, an array of 5,000 binary items, a text of 2 MB in 20 inserts.
    const junkKeys = 20_000
    const foreign = 5_000 + 5_000 + 20
    await mallory.command('junkEntries', { tag: 'a', count: junkKeys, size: 100 })
    await mallory.command('foreignRoots', { tag: 'a', count: 5_000, bytes: 2_000_000 })
    await eventually(() => expect(bob.getRejections().total - rejectedBefore).toBeGreaterThanOrEqual(junkKeys + foreign), 60_000)
    // Out of Bob's document (some deletions may be another honest peer's, which Bob receives).
    await eventually(async () => expect(await bobReplica.command('docEntries')).toEqual({ records: posts + 1, foreign: 0 }), 30_000)
    expect(bobReplica.stats.junkDeleted).toBeGreaterThan(0)
    await alice.post('after the junk')
    await eventually(() => expect(bob.getFeed().length).toBe(posts + 1), 30_000)
    await eventually(async () => expect(await bobReplica.command('docEntries')).toEqual({ records: posts + 2, foreign: 0 }), 30_000)
    const attacked = await memory(bobReplica)

    const validCost = Math.max(0, cost(valid) - cost(before))
    const bound = cost(before) + 2 * validCost + FIXED + PER_JUNK_KEY * junkKeys
    console.log(
      `yjs junk: honest peer before ${MB(cost(before))}, valid records +${MB(validCost)} (state ${MB(valid.state)}),` +
        ` after junk ${MB(cost(attacked))} (state ${MB(attacked.state)}), bound ${MB(bound)}`,
    )
    expect(cost(attacked)).toBeLessThanOrEqual(bound)
    expect(attacked.state).toBeLessThanOrEqual(2 * valid.state + FIXED + PER_JUNK_KEY_ENCODED * junkKeys)
    // Counted by the space: nothing of it is a record, and none of it reached the views.
    expect(bob.getFeed().length).toBe(posts + 1)
    expect(bobReplica.child.exitCode).toBeNull()
    // A newcomer receives the valid records, and only the tombstones of the junk.
    const carolReplica = await processReplica('yjs-peer.ts', { spaceId: alice.id, ...options })
    const carol = await Space.open({ id: alice.id, identity: await createIdentity(), replica: carolReplica })
    open.push(carol)
    await eventually(() => expect(carol.getFeed().length).toBe(posts + 1), 60_000)
    expect((await memory(carolReplica)).state).toBeLessThanOrEqual(2 * valid.state + FIXED + PER_JUNK_KEY_ENCODED * junkKeys)
  }, 240_000)
})
