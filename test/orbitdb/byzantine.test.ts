/**
 * A Byzantine peer in a space's OrbitDB log appends junk records and malformed entries, floods the
 * log's pubsub topic with garbage, announces an entry that points at a block nobody has, appends an
 * oversized entry and forges presence. Honest peers lose nothing, keep running and keep syncing,
 * and every rejection is counted with a reason.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, signRecord, Space } from '../../core/index.js'
import { randomBytes } from '../../core/bytes.js'
import { eventually } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'

const open: Space[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((space) => space.close().catch(() => {})))
  await killAllPeers()
}, 30_000)

const WAIT = 30_000
const texts = (space: Space) => space.getFeed({ order: 'oldest' }).map((item) => item.text)
const addressOf = async (replica: ProcessReplica) => ((await replica.command('addresses')) as string[])[0]!
interface Stats {
  malformedEntries: number
  refusedEntries: Array<{ reason: string }>
  syncErrors: number
  forged: number
}
const stats = async (replica: ProcessReplica) => (await replica.command('stats')) as Stats

describe('orbitdb: Byzantine peer in the log', () => {
  it('cannot make honest peers lose records, crash or stall, and every rejection has a reason', async () => {
    // Honest peers give up on a missing block after 3 s and accept payloads up to 1 MiB.
    const honest = { fetchTimeoutMs: 3000, maxPayloadBytes: 1024 * 1024 }
    let aliceReplica: ProcessReplica | undefined
    const alice = await Space.create({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'byzantine',
      replica: async (spaceId) => (aliceReplica = await processReplica('orbitdb-peer.ts', { spaceId, ...honest })),
    })
    open.push(alice)
    const aliceAddress = await addressOf(aliceReplica!)
    const bobReplica = await processReplica('orbitdb-peer.ts', { spaceId: alice.id, peers: [aliceAddress], ...honest })
    const bob = await Space.open({ id: alice.id, identity: await createIdentity(), replica: bobReplica })
    open.push(bob)
    // Mallory accepts anything locally, so her oversized entry leaves her process.
    const mallory = await processReplica('orbitdb-peer.ts', {
      spaceId: alice.id,
      peers: [aliceAddress, await addressOf(bobReplica)],
      maxPayloadBytes: 8 * 1024 * 1024,
    })
    for (let i = 0; i < 5; i++) await alice.post(`post ${i}`)
    const expected = ['post 0', 'post 1', 'post 2', 'post 3', 'post 4']
    await eventually(() => expect(texts(bob)).toEqual(expected), WAIT)
    await eventually(async () => expect((await mallory.getAll()).length).toBeGreaterThanOrEqual(6), WAIT)

    // Junk in well-formed batches: random bytes, another space's genuine record, values that are not bytes.
    const elsewhere = await signRecord(await createIdentity(), {
      kind: 'post',
      space: null,
      hlc: [1, 0],
      refs: [],
      body: { text: 'elsewhere' },
    })
    await mallory.command('raw', { values: [randomBytes(64), elsewhere.bytes, 'text', 42, null, { bytes: 'no' }, new Uint8Array(0)] })
    // Entries that are not batches at all.
    const malformed = [
      'a string',
      7,
      { op: 'PUT', key: 'x', value: 1 },
      { op: 'ADD', value: { townhall: 1, records: 'nope' } },
      { op: 'ADD', value: { townhall: 9 } },
    ]
    await mallory.command('appendPayloads', { payloads: malformed })
    await mallory.command('publishGarbage', { count: 20 })
    await mallory.command('publishDangling')
    await mallory.command('appendPayloads', { payloads: [{ op: 'ADD', value: { townhall: 1, records: [new Uint8Array(1536 * 1024)] } }] })
    await mallory.command('forgePresence', { did: bob.identity.did })
    await alice.post('after the attack')

    for (const [name, space, replica] of [
      ['alice', alice, aliceReplica!],
      ['bob', bob, bobReplica],
    ] as const) {
      await eventually(() => expect(texts(space)).toEqual([...expected, 'after the attack']), WAIT)
      await eventually(async () => {
        const seen = await stats(replica)
        // Five entries that are not batches, plus the batch that held values that are not bytes.
        expect(seen.malformedEntries).toBeGreaterThanOrEqual(6)
        // Garbage on the topic reached OrbitDB's decoder and was reported, not thrown.
        expect(seen.syncErrors).toBeGreaterThan(0)
        // Kept out of the log, with reasons: the oversized entry, the one pointing at a block nobody has, another log's entry.
        expect(seen.refusedEntries.map((entry) => entry.reason)).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/exceeds/),
            expect.stringMatching(/Failed to load block/),
            expect.stringMatching(/doesn.t match the log/),
          ]),
        )
        expect(seen.forged).toBeGreaterThan(0)
      }, WAIT)
      // Seven junk values in the batch and five entries that are not batches: each rejected by the space, with a reason.
      await eventually(() => expect(space.getRejections().total, name).toBeGreaterThanOrEqual(7 + malformed.length), WAIT)
      const reasons = (await stats(replica)).refusedEntries.map((entry) => entry.reason.slice(0, 80))
      console.log(
        `orbitdb byzantine: ${name}: space rejected ${JSON.stringify(space.getRejections().byReason)}; log refused ${JSON.stringify(reasons)}`,
      )
      expect(replica.presencePeers.some((peer) => (peer.state as { name?: string }).name === 'impostor')).toBe(false)
      expect(replica.child.exitCode, name).toBeNull()
      // The junk reached this peer but was not adopted: only the genesis and the six posts are its own.
      const all = await replica.getAll()
      expect(all.filter((entry) => entry.source === 'local')).toHaveLength(expected.length + 2)
    }

    // The log itself is intact: a newcomer that knows only Bob receives every record.
    const late = await processReplica('orbitdb-peer.ts', { spaceId: alice.id, peers: [await addressOf(bobReplica)], ...honest })
    const carol = await Space.open({ id: alice.id, identity: await createIdentity(), replica: late })
    open.push(carol)
    await eventually(() => expect(texts(carol)).toEqual([...expected, 'after the attack']), WAIT)
  }, 120_000)
})
