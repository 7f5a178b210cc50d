/**
 * The OrbitDB replica's open after a clean close: it skips reading the log only when nothing can
 * need recovering, and reads it after each kind of crash it guards against. In this process, on
 * disk, with no other peer.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, signRecord, Space, type Identity } from '../../core/index.js'
import { parseRecordCid } from '../../core/space-id.js'
import { createOrbitdbNodePeer, fileRecordStore, orbitdbNodeReplica } from '../../adapters/orbitdb/node.js'
import { toBatches } from '../../adapters/orbitdb/batch.js'
import type { OrbitdbReplica } from '../../adapters/orbitdb/replica.js'

const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {})
}, 30_000)

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-checkpoint-'))
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function openReplica(directory: string, spaceId: string): Promise<OrbitdbReplica> {
  const replica = await orbitdbNodeReplica({ spaceId, directory })
  cleanup.push(() => replica.close())
  return replica
}

const texts = (space: Space) => space.getFeed({ order: 'oldest' }).map((item) => item.text)

/** A space with a few posts, closed cleanly. */
async function closedSpace(directory: string, identity: Identity) {
  let first: OrbitdbReplica | undefined
  const space = await Space.create({
    visibility: 'public',
    identity,
    name: 'checkpoint',
    replica: async (spaceId) => (first = await openReplica(directory, spaceId)),
  })
  for (let i = 0; i < 3; i++) await space.post(`post ${i}`)
  const expected = texts(space)
  await space.close()
  expect(first!.openedFromCheckpoint).toBe(false) // a new log is read (it is empty)
  return { spaceId: space.id, expected }
}

/** Reopens after a clean close: the log must not be read, and the space must show `expected`. */
async function reopensFromCheckpoint(directory: string, spaceId: string, identity: Identity, expected: string[]): Promise<void> {
  const replica = await openReplica(directory, spaceId)
  expect(replica.openedFromCheckpoint).toBe(true)
  const space = await Space.open({ id: spaceId, identity, replica })
  expect(texts(space)).toEqual(expected)
  await space.close()
}

const post = (identity: Identity, spaceId: string, text: string) =>
  signRecord(identity, { kind: 'post', space: parseRecordCid(spaceId)!, hlc: [Date.now(), 0], refs: [], body: { text } })

describe('orbitdb: opening from a checkpoint', () => {
  it('skips reading the log after a clean close, and shows the same', async () => {
    const directory = tempDir()
    const identity = await createIdentity()
    const { spaceId, expected } = await closedSpace(directory, identity)
    const replica = await openReplica(directory, spaceId)
    expect(replica.openedFromCheckpoint).toBe(true)
    const space = await Space.open({ id: spaceId, identity, replica })
    expect(texts(space)).toEqual(expected)
    // Writes after it: the next clean open still needs no reading, and shows them.
    await space.post('after the checkpoint')
    await space.close()
    await reopensFromCheckpoint(directory, spaceId, identity, [...expected, 'after the checkpoint'])
  }, 60_000)

  it('reads the log, and publishes what it lacks, when the store gained a record the log never got', async () => {
    const directory = tempDir()
    const identity = await createIdentity()
    const { spaceId, expected } = await closedSpace(directory, identity)
    // A crash between the two writes of `add`: the record reached the store only.
    const record = await post(identity, spaceId, 'store only')
    const store = await fileRecordStore(join(directory, 'records', `${spaceId}.records`))
    await store.append([{ id: record.id, bytes: record.bytes }])
    await store.close()
    const replica = await openReplica(directory, spaceId)
    expect(replica.openedFromCheckpoint).toBe(false)
    const logged = await loggedRecordCount(replica)
    const space = await Space.open({ id: spaceId, identity, replica })
    expect(texts(space)).toEqual([...expected, 'store only'])
    expect(logged).toBe(expected.length + 2) // genesis, posts, and the record published again
    await space.close()
    // The entry published again counts as read: this close wrote a checkpoint.
    await reopensFromCheckpoint(directory, spaceId, identity, [...expected, 'store only'])
  }, 60_000)

  it('reads the log when it gained an entry the store never got', async () => {
    const directory = tempDir()
    const identity = await createIdentity()
    const { spaceId, expected } = await closedSpace(directory, identity)
    // A crash after OrbitDB joined a peer's entry, before the replica copied it to the store.
    const peer = await createOrbitdbNodePeer({ directory })
    const database = await peer.openSpaceLog(spaceId)
    for (const batch of toBatches([(await post(identity, spaceId, 'log only')).bytes])) await database.add(batch)
    await peer.close()
    const replica = await openReplica(directory, spaceId)
    expect(replica.openedFromCheckpoint).toBe(false)
    const space = await Space.open({ id: spaceId, identity, replica })
    expect(texts(space)).toEqual([...expected, 'log only'])
    await space.close()
    // Now in the store, and the close wrote a checkpoint again.
    const again = await openReplica(directory, spaceId)
    expect(again.openedFromCheckpoint).toBe(true)
    expect((await again.getAll()).length).toBe(expected.length + 2)
  }, 60_000)
})

/** Records in the log, counted from its heads back. */
async function loggedRecordCount(replica: OrbitdbReplica): Promise<number> {
  const { unbatch } = await import('../../adapters/orbitdb/batch.js')
  const log = replica.database.log
  const seen = new Set<string>()
  const stack = [...(await log.heads())]
  let records = 0
  while (stack.length > 0) {
    const entry = stack.pop()!
    if (seen.has(entry.hash)) continue
    seen.add(entry.hash)
    records += unbatch(entry.payload).values.length
    for (const hash of entry.next ?? []) {
      const previous = await log.get(hash)
      if (previous) stack.push(previous)
    }
  }
  return records
}
