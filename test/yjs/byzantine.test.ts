/**
 * A Byzantine peer in the Yjs room deletes and overwrites records in the shared document, sends
 * malformed and oversized messages, and forges presence. Honest peers lose nothing and keep running.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, signRecord, Space } from '../../core/index.js'
import { randomBytes } from '../../core/bytes.js'
import { fileRecordStore } from '../../adapters/yjs/file-store.js'
import { eventually } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'
import { startSignal, stopAllSignals } from '../support/signal-process.js'

const open: Space[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const space of open.splice(0)) await space.close().catch(() => {})
  await killAllPeers()
  await stopAllSignals()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const texts = (space: Space) => space.getFeed({ order: 'oldest' }).map((item) => item.text)

describe('yjs: Byzantine peer in the room', () => {
  it('cannot make honest peers lose records by deleting or overwriting them, nor crash them with bad messages', async () => {
    const signal = await startSignal()
    // 128 KiB: above every honest message here, below the two oversized ones Mallory sends (200,000
    // and 150,000 bytes). Her adapter sends those as 64 KiB fragments (sendRaw goes through its
    // fragmenting send), and each honest peer refuses each at reassembly from its first fragment, by
    // the length it declares, dropping the rest unbuffered: one rejection per message.
    const options = { signaling: [signal.url], maxMessageBytes: 128 * 1024 }
    let aliceReplica: ProcessReplica | undefined
    const alice = await Space.create({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'byzantine',
      replica: async (spaceId) => (aliceReplica = await processReplica('yjs-peer.ts', { spaceId, ...options })),
    })
    open.push(alice)
    const bobReplica = await processReplica('yjs-peer.ts', { spaceId: alice.id, ...options })
    const bob = await Space.open({ id: alice.id, identity: await createIdentity(), replica: bobReplica })
    open.push(bob)
    const mallory = await processReplica('yjs-peer.ts', { spaceId: alice.id, ...options })
    for (let i = 0; i < 5; i++) await alice.post(`post ${i}`)
    const expected = ['post 0', 'post 1', 'post 2', 'post 3', 'post 4']
    await eventually(() => expect(texts(bob)).toEqual(expected), 30_000)
    await eventually(async () => expect((await mallory.getAll()).length).toBeGreaterThanOrEqual(6), 30_000)

    await mallory.command('deleteAll')
    await mallory.command('overwriteAll')
    await mallory.command('sendRaw', { bytes: new Uint8Array([0, 1, 255, 255, 255, 255, 15, 9, 9]) })
    await mallory.command('sendRaw', { bytes: new Uint8Array([0, 2, 200, 1, 7, 7, 7]) })
    await mallory.command('sendRaw', { bytes: new Uint8Array(200_000).fill(0) })
    await mallory.command('sendRaw', { bytes: new Uint8Array(150_000).fill(7) })
    await mallory.command('forgePresence', { did: bob.identity.did })
    // Junk stored under its own hash: random bytes, and a genuine record of another space.
    const elsewhere = await signRecord(await createIdentity(), {
      kind: 'post',
      space: null,
      hlc: [1, 0],
      refs: [],
      body: { text: 'elsewhere' },
    })
    const junk = [randomBytes(64), elsewhere.bytes]
    await mallory.command('putKeyed', { values: junk })
    await alice.post('after the attack')

    for (const [space, replica] of [
      [alice, aliceReplica!],
      [bob, bobReplica],
    ] as const) {
      await eventually(() => expect(texts(space)).toEqual([...expected, 'after the attack']), 30_000)
      await eventually(() => expect(replica.stats.healed).toBeGreaterThan(0), 30_000)
      // Four malformed or oversized messages reached each honest peer; each was refused, none applied.
      await eventually(() => expect(replica.stats.rejectedMessages).toBeGreaterThanOrEqual(4), 30_000)
      await eventually(() => expect(replica.stats.forged).toBeGreaterThan(0), 30_000)
      expect(replica.presencePeers.some((p) => (p.state as { name?: string }).name === 'impostor')).toBe(false)
      expect(replica.child.exitCode).toBeNull()
      // The junk reached this peer but was not adopted: not in its store, not healed, not counted as a record.
      const all = await replica.getAll()
      const local = all.filter((entry) => entry.source === 'local').map((entry) => entry.claimedId)
      expect(local).toHaveLength(expected.length + 2) // genesis, five posts, the post after the attack
      // It reached the space, which rejected it; then the replica deleted it from the document (junk.ts).
      await eventually(() => expect(space.getRejections().recent.some((rejection) => rejection.id === elsewhere.id)).toBe(true), 30_000)
      expect(local).not.toContain(elsewhere.id)
    }
    // The shared document itself was healed: a newcomer still receives every record.
    const late = await processReplica('yjs-peer.ts', { spaceId: alice.id, ...options })
    const carol = await Space.open({ id: alice.id, identity: await createIdentity(), replica: late })
    open.push(carol)
    await eventually(() => expect(texts(carol)).toEqual([...expected, 'after the attack']), 30_000)
  }, 120_000)
})

describe('yjs: persistence', () => {
  it('keeps every write that resolved when the process is killed mid-stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'townhall-kill-'))
    dirs.push(dir)
    const identity = await createIdentity()
    let replica: ProcessReplica | undefined
    const space = await Space.create({
      visibility: 'public',
      identity,
      name: 'durable',
      replica: async (spaceId) =>
        (replica = await processReplica('yjs-peer.ts', { spaceId, signaling: ['ws://127.0.0.1:9'], directory: dir })),
    })
    const resolved: string[] = []
    const writes = Array.from({ length: 40 }, (_, i) =>
      space.post(`write ${i}`).then(
        (record) => resolved.push(record.id),
        () => {},
      ),
    )
    await eventually(() => expect(resolved.length).toBeGreaterThanOrEqual(10), 30_000)
    await replica!.kill()
    await Promise.allSettled(writes)
    const store = await fileRecordStore(join(dir, `${space.id}.records`))
    const { recordCid } = await import('../../core/index.js')
    const onDisk = new Set(await Promise.all((await store.load()).map(async ({ bytes }) => (await recordCid(bytes)).toString())))
    await store.close()
    for (const id of resolved) expect(onDisk.has(id)).toBe(true)
    expect(onDisk.has(space.id)).toBe(true)
  }, 60_000)
})
