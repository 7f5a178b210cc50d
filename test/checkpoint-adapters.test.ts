/**
 * View checkpoints on each Node adapter's own storage: a space reopened on the same directory
 * shows its poll before reading the ballots. That needs the adapter to give its stored entries in
 * the same order after a reopen, with ids it computed; an adapter that did not would still show the
 * right views (test/checkpoint.test.ts), only without the checkpoint's help, which this test catches.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, signRecord, Space, type Identity, type Replica, type ReplicaEntry, type SignedRecord } from '../core/index.js'

import { randomBytes } from '../core/bytes.js'

/** One secret for every space here: they are private, as new spaces are, and each peer opens them with their share link's secret. */
const SPACE_SECRET = randomBytes(32)

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

const adapters = {
  yjs: async (spaceId: string, directory: string): Promise<Replica> => {
    const { yjsNodeReplica } = await import('../adapters/yjs/node.js')
    return yjsNodeReplica({ spaceId, signaling: [], directory })
  },
  automerge: async (spaceId: string, directory: string): Promise<Replica> => {
    const { automergeNodeReplica } = await import('../adapters/automerge/node.js')
    return automergeNodeReplica({ spaceId, directory, closeTimeoutMs: 0 })
  },
  orbitdb: async (spaceId: string, directory: string): Promise<Replica> => {
    const { orbitdbNodeReplica } = await import('../adapters/orbitdb/node.js')
    return orbitdbNodeReplica({ spaceId, directory })
  },
}

/** The replica, with the ids of the stored entries whose bytes were read noted in `reads`. */
function watched(replica: Replica, reads: Set<string>): Replica {
  const watch = (entry: ReplicaEntry): ReplicaEntry => ({
    ...entry,
    get bytes() {
      if (entry.claimedId) reads.add(entry.claimedId)
      return entry.bytes
    },
  })
  return new Proxy(replica, {
    get(target, property) {
      if (property === 'getAll') return async () => (await target.getAll()).map(watch)
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

const cases = (Object.keys(adapters) as Array<keyof typeof adapters>).flatMap((adapter) =>
  (['public', 'private'] as const).map((visibility) => [adapter, visibility] as const),
)

describe.each(cases)('view checkpoint on %s storage, %s space', (adapter, visibility) => {
  // A private space opens every frame at open (core/private/sealed-replica.ts): its checkpoint
  // still spares the signature checks and the counting, not the reading.
  it('reopens a closed space showing its poll before reading the ballots', async () => {
    const directory = mkdtempSync(join(tmpdir(), `townhall-checkpoint-${adapter}-`))
    dirs.push(directory)
    const founder: Identity = await createIdentity()
    const space = await Space.create({
      secret: SPACE_SECRET,
      visibility,
      identity: founder,
      name: 'Stored',
      replica: (id) => adapters[adapter](id, directory),
    })
    const poll = await space.createPoll({ question: 'Which?', options: ['a', 'b'], method: 'plurality', eligibility: { type: 'anyone' } })
    const ballots: SignedRecord[] = []
    for (let i = 0; i < 40; i++) {
      const voter = await createIdentity()
      ballots.push(
        await signRecord(voter, {
          kind: 'ballot',
          space: poll.space,
          hlc: [1000 + i, 0],
          refs: [poll.cid],
          body: { poll: poll.cid, choice: i % 3 === 0 ? 1 : 0 },
        }),
      )
    }
    // As a replica receives them: stored in batches, then folded.
    for (let i = 0; i < ballots.length; i += 10) await space.replica.add(ballots.slice(i, i + 10).map((ballot) => ballot.bytes))
    // What the replica holds, as the space reads it (opened, in a private space).
    await space.ingest(await space.replica.getAll())
    const before = space.getPoll(poll.id)
    expect(before?.live?.ballots).toBe(40)
    await space.close()

    const reads = new Set<string>()
    const reopened = await Space.open({
      secret: SPACE_SECRET,
      id: space.id,
      identity: founder,
      replica: watched(await adapters[adapter](space.id, directory), reads),
    })
    expect(reopened.getPoll(poll.id)).toEqual(before)
    if (visibility === 'public') expect(ballots.filter((ballot) => reads.has(ballot.id))).toEqual([])
    await reopened.idle()
    if (visibility === 'public') expect(ballots.every((ballot) => reads.has(ballot.id))).toBe(true)
    expect(reopened.getPoll(poll.id)).toEqual(before)
    await reopened.close()
  }, 60_000)
})
