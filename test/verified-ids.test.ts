/**
 * The list of ids a device verified (`Replica.verified`): written by the space only after it
 * verified a record, and read on the next open so stored records are not verified again.
 */
import { describe, expect, it } from 'vitest'
import {
  createIdentity,
  decodeUntrusted,
  encode,
  recordCid,
  Space,
  type Replica,
  type ReplicaEntry,
  type SignedRecord,
} from '../core/index.js'
import { memoryRecordStore, type RecordStore } from '../core/adapter/index.js'

import { randomBytes } from '../core/bytes.js'

/** These tests store plain records by hand, so their spaces are public; private spaces reopen from checkpoints in checkpoint-adapters.test.ts. */
const SPACE_SECRET = randomBytes(32)

/** A replica over a record store, as the adapters build one, without networking. */
function storedReplica(spaceId: string, store: RecordStore, injected: ReplicaEntry[] = []): Replica {
  return {
    spaceId,
    ...(store.verified ? { verified: store.verified } : {}),
    add: async (records) =>
      store.append(await Promise.all(records.map(async (bytes) => ({ id: (await recordCid(bytes)).toString(), bytes })))),
    getAll: async () => [...(await store.load()).map(({ bytes }) => ({ bytes, source: 'local' })), ...injected],
    subscribe: () => () => {},
    getSyncState: () => ({ peers: 0, synced: true, bytesInFlight: 0, received: 0 }),
    subscribeSyncState: () => () => {},
    close: async () => {},
  }
}

async function forge(record: SignedRecord): Promise<{ bytes: Uint8Array; id: string }> {
  const wire = decodeUntrusted(record.bytes) as Record<string, unknown>
  const bytes = encode({ ...wire, x: new Uint8Array(64).fill(7) })
  return { bytes, id: (await recordCid(bytes)).toString() }
}

async function seeded() {
  const store = memoryRecordStore()
  const identity = await createIdentity()
  const space = await Space.create({
    visibility: 'public',
    secret: SPACE_SECRET,
    identity,
    name: 'Verified',
    replica: (id) => storedReplica(id, store),
  })
  const poll = await space.createPoll({
    question: 'Lunch?',
    options: ['soup', 'salad'],
    method: 'plurality',
    eligibility: { type: 'anyone' },
  })
  const voters = await Promise.all([1, 2, 3].map(() => createIdentity()))
  const ballots: SignedRecord[] = []
  for (const [i, voter] of voters.entries()) {
    const other = await Space.open({
      secret: SPACE_SECRET,
      id: space.id,
      identity: voter,
      replica: storedReplica(
        space.id,
        memoryRecordStore(),
        (await store.load()).map(({ bytes }) => ({ bytes, source: 'peer' })),
      ),
    })
    const ballot = await other.castBallot(poll.id, i % 2)
    ballots.push(ballot)
    await other.close()
  }
  return { store, identity, space, poll, ballots }
}

describe('ids verified on this device', () => {
  it('lists what the space verified or signed, and nothing a peer sent that failed', async () => {
    const { store, space, poll, ballots } = await seeded()
    const forged = await forge(ballots[0]!)
    // Received from peers: three good ballots, a forged one and bytes that are not a record.
    await space.ingest([
      ...ballots.map((ballot) => ({ bytes: ballot.bytes, source: 'peer' })),
      { bytes: forged.bytes, source: 'peer' },
      { bytes: new Uint8Array([1, 2, 3]), source: 'peer' },
    ])
    await space.idle()
    const listed = await store.verified!.load()
    expect(new Set(listed)).toEqual(new Set([space.id, poll.id, ...ballots.map((ballot) => ballot.id)]))
    expect(listed).not.toContain(forged.id)
    expect(space.getTally(poll.id)?.ballots).toBe(3)
    await space.close()
  })

  it('does not verify again on the next open what it listed, and verifies everything else', async () => {
    const { store, identity, space, poll, ballots } = await seeded()
    await space.ingest(ballots.map((ballot) => ({ bytes: ballot.bytes, source: 'peer' })))
    await space.close()
    await store.append(ballots.map(({ id, bytes }) => ({ id, bytes })))

    // A forged ballot whose id the list names is taken as verified: that proves the list is used.
    // Only the space writes the list, and only after verifying, so this cannot happen unless the
    // device's own storage was tampered with.
    const listedForgery = await forge(ballots[1]!)
    const unlistedForgery = await forge(ballots[2]!)
    await store.verified!.add([listedForgery.id])
    const reopened = await Space.open({
      secret: SPACE_SECRET,
      id: space.id,
      identity,
      replica: storedReplica(space.id, store, [
        { bytes: listedForgery.bytes, source: 'local' },
        { bytes: unlistedForgery.bytes, source: 'local' },
      ]),
    })
    expect(reopened.hasRecord(listedForgery.id)).toBe(true)
    expect(reopened.hasRecord(unlistedForgery.id)).toBe(false)
    expect(
      reopened.getRejections().recent.some((rejection) => rejection.reason === 'bad-signature' && rejection.id === unlistedForgery.id),
    ).toBe(true)
    // The reopened view is the one the first open showed (the listed forgery is a second ballot of
    // a voter who already voted, so the tally still counts one ballot per voter).
    expect(reopened.getTally(poll.id)?.ballots).toBe(3)
    await reopened.close()
  })

  it('still judges authorization of listed records against the membership', async () => {
    const store = memoryRecordStore()
    const founder = await createIdentity()
    const space = await Space.create({
      visibility: 'public',
      secret: SPACE_SECRET,
      identity: founder,
      name: 'Closed',
      policy: 'invite-only',
      replica: (id) => storedReplica(id, store),
    })
    const outsider = await createIdentity()
    const peerStore = memoryRecordStore()
    const theirs = await Space.open({
      secret: SPACE_SECRET,
      id: space.id,
      identity: outsider,
      replica: storedReplica(
        space.id,
        peerStore,
        (await store.load()).map(({ bytes }) => ({ bytes, source: 'peer' })),
      ),
    })
    // Signed and valid, but the author is not a member: publish refuses, so write it as a peer would.
    const post = await theirs.publish('post', { text: 'let me in' }).catch(() => undefined)
    expect(post).toBeUndefined()
    await theirs.close()
    const { signRecord } = await import('../core/index.js')
    const { CID } = await import('multiformats/cid')
    const record = await signRecord(outsider, {
      kind: 'post',
      space: CID.parse(space.id),
      hlc: [Date.now(), 0],
      refs: [],
      body: { text: 'let me in' },
    })
    await space.ingest([{ bytes: record.bytes, source: 'peer' }])
    await space.idle()
    expect(await store.verified!.load()).toContain(record.id)
    await space.close()
    await store.append([{ id: record.id, bytes: record.bytes }])

    const reopened = await Space.open({ secret: SPACE_SECRET, id: space.id, identity: founder, replica: storedReplica(space.id, store) })
    expect(reopened.getFeed().map((item) => item.text)).not.toContain('let me in')
    expect(reopened.getRejections().recent.some((rejection) => rejection.reason === 'not-authorized' && rejection.id === record.id)).toBe(
      true,
    )
    await reopened.close()
  })

  it('opens and verifies everything when the list cannot be read', async () => {
    const { store, identity, space, poll, ballots } = await seeded()
    await space.close()
    await store.append(ballots.map(({ id, bytes }) => ({ id, bytes })))
    const broken: RecordStore = {
      ...store,
      verified: { load: () => Promise.reject(new Error('disk on fire')), add: () => Promise.reject(new Error('disk on fire')) },
    }
    const reopened = await Space.open({ secret: SPACE_SECRET, id: space.id, identity, replica: storedReplica(space.id, broken) })
    expect(reopened.getTally(poll.id)?.ballots).toBe(3)
    await reopened.post('still works')
    await reopened.close()
  })
})
