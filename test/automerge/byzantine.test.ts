/**
 * A Byzantine peer of an Automerge space deletes and overwrites records in the shared document,
 * replaces the records map, writes junk under its own hash, forges and replays presence, and sends
 * the sync server malformed, oversized and hostile protocol messages. Honest peers lose nothing,
 * the server keeps running, and the counters and logs show every rejection.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, signRecord, Space } from '../../core/index.js'
import { randomBytes } from '../../core/bytes.js'
import { eventually } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'
import { startSyncServerProcess, stopAllSyncServers } from '../support/sync-server-process.js'

const open: Space[] = []
afterEach(async () => {
  for (const space of open.splice(0)) await space.close().catch(() => {})
  await killAllPeers()
  await stopAllSyncServers()
})

const texts = (space: Space) => space.getFeed({ order: 'oldest' }).map((item) => item.text)

describe('automerge: Byzantine peer in the space', () => {
  it('cannot make honest peers lose records, nor crash them or the server with bad messages', async () => {
    const server = await startSyncServerProcess({ maxMessageBytes: 1024 * 1024 })
    const url = server.url
    let aliceReplica: ProcessReplica | undefined
    const alice = await Space.create({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'byzantine',
      replica: async (spaceId) => (aliceReplica = await processReplica('automerge-peer.ts', { spaceId, url })),
    })
    open.push(alice)
    const bobReplica = await processReplica('automerge-peer.ts', { spaceId: alice.id, url })
    const bob = await Space.open({ id: alice.id, identity: await createIdentity(), replica: bobReplica })
    open.push(bob)
    const mallory = await processReplica('automerge-peer.ts', { spaceId: alice.id, url, byzantine: true })
    for (let i = 0; i < 5; i++) await alice.post(`post ${i}`)
    const expected = ['post 0', 'post 1', 'post 2', 'post 3', 'post 4']
    await eventually(() => expect(texts(bob)).toEqual(expected), 20_000)
    await eventually(async () => expect((await mallory.getAll()).length).toBeGreaterThanOrEqual(6), 20_000)
    await aliceReplica!.command('presence', { state: { name: 'Alice' } })
    await eventually(() => expect(bobReplica.presencePeers.map((peer) => peer.did)).toContain(aliceReplica!.did), 20_000)

    // Attacks on the shared document.
    const healedInMallorysView = () =>
      eventually(async () => {
        const all = await mallory.getAll()
        expect(all.filter((entry) => entry.bytes instanceof Uint8Array && entry.bytes.length > 3).length).toBeGreaterThanOrEqual(6)
      }, 20_000)
    await mallory.command('dropRecordsMap')
    await mallory.command('replaceRecordsMap')
    // Honest peers write the records back, into the document Mallory sees too.
    await healedInMallorysView()
    await mallory.command('deleteAll')
    await mallory.command('overwriteAll')
    await healedInMallorysView()
    const elsewhere = await signRecord(await createIdentity(), {
      kind: 'post',
      space: null,
      hlc: [1, 0],
      refs: [],
      body: { text: 'elsewhere' },
    })
    await mallory.command('putKeyed', { values: [randomBytes(64), elsewhere.bytes] })
    // Presence: an entry claiming Bob without his key, and Alice's genuine entry replayed by Mallory.
    await mallory.command('forgePresence', { did: bobReplica.did })
    await eventually(() => mallory.command('replayPresence'), 20_000)

    // Attacks on the sync server's protocol, each on a connection of its own.
    const closedFor = async (kind: string, args: Record<string, unknown> = {}) =>
      ((await mallory.command('attack', { kind, ...args })) as { code: number | 'open' }).code
    for (const kind of ['cbor-null', 'garbage', 'before-join', 'bad-versions', 'bad-sync', 'flood'])
      expect(await closedFor(kind), kind).toBe(1008)
    expect(await closedFor('oversized', { bytes: 2 * 1024 * 1024 })).toBe(1009)
    expect(await closedFor('takeover', { peerId: await bobReplica.command('peerId') })).toBe(1008)
    // A sync message that decodes but carries a damaged change: Automerge does not apply the change,
    // and the connection may stay.
    await closedFor('bad-change')
    // Peer metadata that would put a file outside the server's directory.
    await closedFor('evil-storage')
    expect(existsSync(join(dirname(server.directory), 'escaped-by-mallory'))).toBe(false)
    expect(existsSync(join(server.directory, 'escaped-by-mallory'))).toBe(false)

    await alice.post('after the attack')
    for (const [space, replica] of [
      [alice, aliceReplica!],
      [bob, bobReplica],
    ] as const) {
      await eventually(() => expect(texts(space)).toEqual([...expected, 'after the attack']), 20_000)
      await eventually(() => expect(replica.stats.healed).toBeGreaterThan(0), 20_000)
      await eventually(() => expect(replica.stats.forged).toBeGreaterThan(0), 20_000)
      expect(replica.presencePeers.some((peer) => (peer.state as { name?: string }).name === 'impostor')).toBe(false)
      expect(replica.child.exitCode).toBeNull()
      expect(replica.getSyncState().peers).toBe(1) // still connected: the takeover did not cut Bob off
      // The junk was not adopted, and is gone from the document: Mallory's own replica deletes what
      // it writes that is not a record of the space (a peer may receive the deletion with the junk).
      await eventually(async () => expect((await replica.getAll()).some((entry) => entry.claimedId === elsewhere.id)).toBe(false), 20_000)
      const local = (await replica.getAll()).filter((entry) => entry.source === 'local').map((entry) => entry.claimedId)
      expect(local).toHaveLength(expected.length + 2) // genesis, five posts, the post after the attack
      expect(local).not.toContain(elsewhere.id)
    }
    // Mallory's replay of Alice's entry did not show Alice twice on Bob's side.
    expect(bobReplica.presencePeers.filter((peer) => peer.did === aliceReplica!.did)).toHaveLength(1)

    // The server kept running and said why it refused each thing.
    expect(server.child.exitCode).toBeNull()
    const refusals = server.log.filter((line) => /closed a connection|rejected a message/.test(line))
    expect(refusals.length).toBeGreaterThanOrEqual(8)
    expect(server.log.some((line) => line.includes('peer id already connected'))).toBe(true)

    // The shared document was healed: a newcomer receives every record.
    const late = await processReplica('automerge-peer.ts', { spaceId: alice.id, url })
    const carol = await Space.open({ id: alice.id, identity: await createIdentity(), replica: late })
    open.push(carol)
    await eventually(() => expect(texts(carol)).toEqual([...expected, 'after the attack']), 20_000)
  }, 90_000)
})
