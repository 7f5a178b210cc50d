/**
 * OrbitDB replication between peer processes on 127.0.0.1: convergence of two and three peers (and presence),
 * a relay that keeps a space available after every writer left (and across its own restart),
 * persistence across a reopen with no network, and a batch of 1000 records added in one call.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, signRecord, Space, type Identity } from '../../core/index.js'
import { parseRecordCid } from '../../core/space-id.js'
import { eventually } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'
import { startRelay, stopAllRelays } from '../support/relay-process.js'

const open: Space[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((space) => space.close().catch(() => {})))
  await killAllPeers()
  await stopAllRelays()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}, 30_000)

const WAIT = 30_000
const texts = (space: Space) => space.getFeed({ order: 'oldest' }).map((item) => item.text)
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-orbitdb-'))
  dirs.push(dir)
  return dir
}
const addressOf = async (replica: ProcessReplica) => ((await replica.command('addresses')) as string[])[0]!

async function found(options: Record<string, unknown> = {}, identity?: Identity) {
  let replica: ProcessReplica | undefined
  const space = await Space.create({
    visibility: 'public',
    identity: identity ?? (await createIdentity()),
    name: 'orbitdb sync',
    replica: async (spaceId) => (replica = await processReplica('orbitdb-peer.ts', { spaceId, ...options })),
  })
  open.push(space)
  return { space, replica: replica! }
}
async function joinSpace(spaceId: string, options: Record<string, unknown> = {}) {
  const replica = await processReplica('orbitdb-peer.ts', { spaceId, ...options })
  const space = await Space.open({ id: spaceId, identity: await createIdentity(), replica })
  open.push(space)
  return { space, replica }
}

describe('orbitdb: convergence', () => {
  it('converges two and three peers, one reaching the first only through the second, and shows signed presence', async () => {
    const a = await found()
    const b = await joinSpace(a.space.id, { peers: [await addressOf(a.replica)] })
    await eventually(() => expect(b.space.getInfo()).toBeDefined(), WAIT)
    await a.space.post('from a')
    await b.space.post('from b')
    for (const { space } of [a, b]) await eventually(() => expect(texts(space).sort()).toEqual(['from a', 'from b']), WAIT)
    // Signed presence over the space's pubsub topic.
    await b.replica.command('presence', { state: { name: 'Bob' } })
    await eventually(
      () => expect(a.replica.presencePeers).toEqual([expect.objectContaining({ did: b.replica.did, state: { name: 'Bob' } })]),
      WAIT,
    )
    // Carol knows only Bob.
    const c = await joinSpace(a.space.id, { peers: [await addressOf(b.replica)] })
    await eventually(() => expect(c.space.getInfo()).toBeDefined(), WAIT)
    await c.space.post('from c')
    await a.space.post('again from a')
    const all = ['again from a', 'from a', 'from b', 'from c']
    for (const { space } of [a, b, c])
      await eventually(() => expect(texts(space).sort()).toEqual(all), WAIT).catch(async (error) => {
        // What each peer saw, to tell a lost announcement from a lost connection.
        for (const peer of [a, b, c]) console.log(texts(peer.space), peer.replica.getSyncState(), await peer.replica.command('stats'))
        throw error
      })
    expect(texts(a.space)).toEqual(texts(c.space))
    expect(c.replica.getSyncState()).toMatchObject({ synced: true })
    // The same database on every peer, derived from the space id alone.
    const addresses = await Promise.all(
      [a, b, c].map(async ({ replica }) => ((await replica.command('stats')) as { address: string }).address),
    )
    expect(new Set(addresses).size).toBe(1)
  }, 90_000)
})

describe('orbitdb: relay', () => {
  it('keeps a space available after every writer left, and across its own restart', async () => {
    const relayDir = tempDir()
    const identity = await createIdentity()
    // The space id is known once the genesis exists, so the writer starts first, offline.
    const a = await found({}, identity)
    let relay = await startRelay({ spaces: [a.space.id], directory: relayDir })
    await a.replica.command('dial', { address: relay.tcp })
    for (let i = 0; i < 10; i++) await a.space.post(`post ${i}`)
    const expected = texts(a.space)
    const held = () => Math.max(0, ...[...relay.log().matchAll(/(?:: |, )(\d+) records/g)].map((match) => Number(match[1])))
    await eventually(() => expect(held()).toBe(11), WAIT) // genesis and ten posts
    await a.space.close()
    open.splice(open.indexOf(a.space), 1)

    // Nobody who wrote is online: a newcomer gets everything from the relay.
    const late = await joinSpace(a.space.id, { peers: [relay.tcp] })
    await eventually(() => expect(texts(late.space)).toEqual(expected), WAIT)
    await late.space.close()
    open.splice(open.indexOf(late.space), 1)

    // The relay shuts down cleanly and comes back with what it had, from disk (same peer id).
    const peerId = relay.peerId
    expect(await relay.stop()).toBe(0)
    relay = await startRelay({ spaces: [a.space.id], directory: relayDir })
    expect(relay.peerId).toBe(peerId)
    expect(relay.log()).toMatch(/opened with 11 records/)
    const later = await joinSpace(a.space.id, { peers: [relay.ws], websockets: true })
    await eventually(() => expect(texts(later.space)).toEqual(expected), WAIT)
    expect(await relay.stop()).toBe(0)
  }, 90_000)
})

describe('orbitdb: persistence', () => {
  it('shows everything after a close and a reopen with no network', async () => {
    const dir = tempDir()
    const identity = await createIdentity()
    const a = await found({ directory: dir }, identity)
    for (let i = 0; i < 5; i++) await a.space.post(`kept ${i}`)
    const expected = texts(a.space)
    await a.space.close()
    open.splice(open.indexOf(a.space), 1)
    expect(a.replica.child.exitCode).toBe(0) // exited by itself after close
    const again = await processReplica('orbitdb-peer.ts', { spaceId: a.space.id, directory: dir })
    const reopened = await Space.open({ id: a.space.id, identity, replica: again })
    open.push(reopened)
    expect(texts(reopened)).toEqual(expected)
    expect(reopened.getInfo()?.name).toBe('orbitdb sync')
  }, 60_000)
})

describe('orbitdb: batches', () => {
  it('carries 1000 records added in one call to a second peer (timing reported, not asserted)', async () => {
    const identity = await createIdentity()
    const a = await found({}, identity)
    const b = await processReplica('orbitdb-peer.ts', { spaceId: a.space.id, peers: [await addressOf(a.replica)] })
    const spaceCid = parseRecordCid(a.space.id)!
    const records = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        signRecord(identity, { kind: 'post', space: spaceCid, hlc: [1_700_000_000_000 + i, 0], refs: [], body: { text: `bulk ${i}` } }),
      ),
    )
    let arrived = 0
    b.subscribe((entries) => (arrived += entries.length))
    const started = performance.now()
    await a.replica.add(records.map((record) => record.bytes))
    const added = performance.now()
    await eventually(() => expect(arrived).toBeGreaterThanOrEqual(1000), WAIT)
    const received = performance.now()
    const local = (await b.getAll()).filter((entry) => entry.source === 'local')
    expect(local).toHaveLength(1001) // the genesis and the batch

    // For comparison: records added one call (one log entry) at a time.
    const singles = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        signRecord(identity, { kind: 'post', space: spaceCid, hlc: [1_800_000_000_000 + i, 0], refs: [], body: { text: `single ${i}` } }),
      ),
    )
    const singlesStarted = performance.now()
    for (const record of singles) await a.replica.add([record.bytes])
    const singlesAdded = performance.now()
    await eventually(() => expect(arrived).toBeGreaterThanOrEqual(1100), WAIT)
    const singlesReceived = performance.now()
    console.log(
      `orbitdb batch of 1000: add ${Math.round(added - started)} ms, on the second peer after ${Math.round(received - started)} ms; ` +
        `100 single adds: ${Math.round(singlesAdded - singlesStarted)} ms (${Math.round(100_000 / (singlesAdded - singlesStarted))}/s), ` +
        `all on the second peer after ${Math.round(singlesReceived - singlesStarted)} ms`,
    )
  }, 90_000)
})
