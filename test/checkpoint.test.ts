/**
 * View checkpoints (core/checkpoint.ts): a space reopened with one shows its polls before reading
 * their ballots, and whatever the checkpoint says or fails to say, every view is the one a full read
 * of the same records gives, at open and once the ballots are read.
 */
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import {
  createIdentity,
  recordCid,
  signRecord,
  Space,
  type Identity,
  type Replica,
  type ReplicaEntry,
  type SignedRecord,
} from '../core/index.js'
import { memoryRecordStore, type RecordStore } from '../core/adapter/index.js'
import { seededRandom } from '../testing/index.js'
import { assertProperty } from './property/runs.js'

import { randomBytes } from '../core/bytes.js'

/** These tests store plain records by hand, so their spaces are public; private spaces reopen from checkpoints in checkpoint-adapters.test.ts. */
const SPACE_SECRET = randomBytes(32)

interface Disk {
  readonly store: RecordStore
  /** Ids whose bytes a space asked for, since the last `reads.clear()`. */
  readonly reads: Set<string>
  /** Gives the stored entries in another order (a store that does not keep its order). */
  shuffle?: (entries: ReplicaEntry[]) => ReplicaEntry[]
  /** Entries a peer sends while the space reads the stored ones. */
  duringOpen?: ReplicaEntry[]
}

const disk = (): Disk => ({ store: memoryRecordStore(), reads: new Set() })

/**
 * A replica over a record store, as the adapters build one (ids computed by the replica and marked
 * `hashed`), without networking. Entries count when their bytes are read.
 */
function storedReplica(spaceId: string, { store, reads, shuffle, duringOpen }: Disk): Replica {
  const listeners = new Set<(entries: readonly ReplicaEntry[]) => void>()
  const entry = (id: string, bytes: Uint8Array): ReplicaEntry => ({
    claimedId: id,
    hashed: true,
    source: 'local',
    get bytes() {
      reads.add(id)
      return bytes
    },
  })
  return {
    spaceId,
    verified: store.verified!,
    checkpoint: store.checkpoint!,
    add: async (records) => {
      const held = new Set((await store.load()).map(({ id }) => id))
      const fresh = []
      for (const bytes of records) {
        const id = (await recordCid(bytes)).toString()
        if (!held.has(id)) fresh.push({ id, bytes })
      }
      await store.append(fresh)
    },
    getAll: async () => {
      const entries = (await store.load()).map(({ id, bytes }) => entry(id!, bytes))
      if (duringOpen) {
        for (const listener of listeners) listener(duringOpen)
        // Long enough for the space to fold them before it has the stored entries.
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      return shuffle ? shuffle(entries) : entries
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    getSyncState: () => ({ peers: 0, synced: true, bytesInFlight: 0, received: 0 }),
    subscribeSyncState: () => () => {},
    close: async () => {},
  }
}

/** Stores a record as if its replica had received it, without any space folding it. */
async function stored(d: Disk, record: SignedRecord): Promise<void> {
  await d.store.append([{ id: record.id, bytes: record.bytes }])
}

const open = (d: Disk, id: string, identity: Identity, checkpoint = true) =>
  Space.open({ secret: SPACE_SECRET, id, identity, replica: storedReplica(id, d), checkpoint })

/** Everything a space shows, as plain data. */
function views(space: Space, identity: Identity) {
  const polls = space.getPolls()
  return {
    polls,
    mine: polls.map((poll) => space.getMyBallot(poll.id)?.id ?? null),
    held: [...space.getHeld().keys()].sort(),
    feed: space.getFeed().map((item) => item.id),
    members: space.getMembers().map((member) => [member.did, member.role]),
    role: space.getRole(identity.did),
    records: space
      .getRecords()
      .map((record) => record.id)
      .sort(),
  }
}

/** Views without the list of records (reading it reads every ballot). */
function shown(space: Space) {
  const polls = space.getPolls()
  return { polls, held: [...space.getHeld().keys()].sort(), feed: space.getFeed().map((item) => item.id) }
}

async function ballot(voter: Identity, poll: SignedRecord, choice: unknown, at: number, refs: CID[] = []): Promise<SignedRecord> {
  return signRecord(voter, { kind: 'ballot', space: poll.space, hlc: [at, 0], refs: [poll.cid, ...refs], body: { poll: poll.cid, choice } })
}

async function pollWithBallots(n: number, founderVotes = true) {
  const d = disk()
  const founder = await createIdentity()
  const space = await Space.create({
    visibility: 'public',
    secret: SPACE_SECRET,
    identity: founder,
    name: 'Checkpoints',
    replica: (id) => storedReplica(id, d),
  })
  const poll = await space.createPoll({
    question: 'Which?',
    options: ['a', 'b', 'c'],
    method: 'plurality',
    eligibility: { type: 'anyone' },
  })
  const voters = await Promise.all(Array.from({ length: n }, () => createIdentity()))
  const ballots = await Promise.all(voters.map((voter, i) => ballot(voter, poll, i % 3, 1000 + i)))
  for (const record of ballots) await stored(d, record)
  await space.ingest(ballots.map((record) => ({ bytes: record.bytes, claimedId: record.id, hashed: true, source: 'local' })))
  if (founderVotes) await space.castBallot(poll.id, 2)
  return { d, founder, space, poll, voters, ballots }
}

describe('view checkpoints', () => {
  it('shows a poll at open without reading its ballots, then reads them, and shows the same', async () => {
    const { d, founder, space, poll, ballots } = await pollWithBallots(60)
    const before = views(space, founder)
    await space.close()

    d.reads.clear()
    const reopened = await open(d, space.id, founder)
    // At open: the outcome is there, my ballot too, and no other ballot was read.
    expect(reopened.getTally(poll.id)).toEqual(before.polls[0]!.live)
    expect(shown(reopened)).toEqual({ polls: before.polls, held: before.held, feed: before.feed })
    expect(reopened.getMyBallot(poll.id)?.id).toBe(before.mine[0])
    expect(ballots.filter((record) => d.reads.has(record.id))).toEqual([])
    expect(reopened.hasRecord(ballots[7]!.id)).toBe(true)

    await reopened.idle()
    expect(ballots.every((record) => d.reads.has(record.id))).toBe(true)
    expect(views(reopened, founder)).toEqual(before)
    await reopened.close()
  })

  it('knows that the identity that saved it has no ballot, without reading the others', async () => {
    const { d, founder, space, poll, ballots } = await pollWithBallots(20, false)
    await space.close()
    d.reads.clear()
    const reopened = await open(d, space.id, founder)
    expect(reopened.getMyBallot(poll.id)).toBeUndefined()
    expect(ballots.filter((record) => d.reads.has(record.id))).toEqual([])
    await reopened.close()
    // Another identity's ballot is not in the checkpoint: asking for it reads the poll.
    d.reads.clear()
    const other = await open(d, space.id, await createIdentity())
    expect(ballots.filter((record) => d.reads.has(record.id))).toEqual([])
    expect(other.getMyBallot(poll.id)).toBeUndefined()
    expect(ballots.every((record) => d.reads.has(record.id))).toBe(true)
    await other.close()
  })

  it('reads a restored poll at once when a new ballot changes a vote in it', async () => {
    const { d, founder, space, poll, voters, ballots } = await pollWithBallots(30)
    await space.close()
    const reopened = await open(d, space.id, founder)
    // Voter 0 voted "a" (0); now "c": their old choice must leave the count, which needs their old ballot.
    const change = await ballot(voters[0]!, poll, 2, 5000)
    await reopened.ingest([{ bytes: change.bytes, source: 'peer' }])
    const counts = (reopened.getTally(poll.id) as unknown as { counts: number[] }).counts
    expect(counts).toEqual([9, 10, 12])

    const full = await open(d, space.id, founder, false)
    await full.ingest([{ bytes: change.bytes, source: 'peer' }])
    expect(views(reopened, founder)).toEqual(views(full, founder))
    expect(ballots.every((record) => reopened.hasRecord(record.id))).toBe(true)
    await Promise.all([reopened.close(), full.close()])
  })

  it('restores a closed poll with its final result', async () => {
    const { d, founder, space, poll, ballots } = await pollWithBallots(40)
    await space.closePoll(poll.id)
    const late = await ballot(await createIdentity(), poll, 1, 9_000_000_000_000)
    await stored(d, late)
    await space.ingest([{ bytes: late.bytes, claimedId: late.id, hashed: true, source: 'local' }])
    const before = views(space, founder)
    expect(before.polls[0]!.status).toBe('final')
    expect(before.polls[0]!.close?.late).toBe(1)
    await space.close()

    d.reads.clear()
    const reopened = await open(d, space.id, founder)
    expect(shown(reopened).polls).toEqual(before.polls)
    expect(ballots.filter((record) => d.reads.has(record.id))).toEqual([])
    await reopened.idle()
    expect(views(reopened, founder)).toEqual(before)
    await reopened.close()
  })

  it('reads everything when the checkpoint no longer describes the stored records', async () => {
    const { d, founder, space, ballots } = await pollWithBallots(20)
    const before = views(space, founder)
    await space.close()
    const random = seededRandom(7)
    d.shuffle = (entries) => random.shuffle(entries)
    d.reads.clear()
    const reopened = await open(d, space.id, founder)
    expect(ballots.every((record) => d.reads.has(record.id))).toBe(true)
    expect(views(reopened, founder)).toEqual(before)
    await reopened.close()
  })

  it('ignores a damaged checkpoint, whatever the damage', async () => {
    const { d, founder, space } = await pollWithBallots(12)
    const before = views(space, founder)
    await space.close()
    const saved = (await d.store.checkpoint!.load())!
    const random = seededRandom(11)
    for (let round = 0; round < 40; round++) {
      const damaged = new Uint8Array(saved)
      for (let flips = random.int(1, 3); flips > 0; flips--) damaged[random.int(0, damaged.length - 1)]! ^= 1 << random.int(0, 7)
      await d.store.checkpoint!.save(round % 5 === 0 ? damaged.subarray(0, random.int(0, damaged.length - 1)) : damaged)
      // A plausible but wrong checkpoint (a count, a result changed) must not be shown once the
      // ballots are read; one that fails its checks is never used.
      const reopened = await open(d, space.id, founder)
      await reopened.idle()
      expect(views(reopened, founder)).toEqual(before)
      await reopened.close()
    }
  })

  it('counts again when a membership record it did not cover arrived, and reads every ballot first', async () => {
    const d = disk()
    const founder = await createIdentity()
    const space = await Space.create({
      visibility: 'public',
      secret: SPACE_SECRET,
      identity: founder,
      name: 'Members',
      replica: (id) => storedReplica(id, d),
    })
    const spaceCid = CID.parse(space.id)
    const poll = await space.createPoll({ question: 'Members only?', options: ['yes', 'no'], method: 'plurality' })
    const voters = await Promise.all([0, 1, 2, 3].map(() => createIdentity()))
    const records: SignedRecord[] = []
    const joins: SignedRecord[] = []
    for (const [i, voter] of voters.entries()) {
      const join = await signRecord(voter, { kind: 'join', space: spaceCid, hlc: [100 + i, 0], refs: [], body: {} })
      joins.push(join)
      if (i < 3) records.push(join)
      // Each ballot names its voter's join: membership is judged in the ballot's past.
      records.push(await ballot(voter, poll, i % 2, 1000 + i, [join.cid]))
    }
    for (const record of records) await stored(d, record)
    await space.ingest(records.map((record) => ({ bytes: record.bytes, source: 'local' })))
    expect(space.getTally(poll.id)?.ballots).toBe(3)
    await space.close()

    // The fourth voter's join arrives while the space is closed: their ballot, which waited for it, now counts.
    await stored(d, joins[3]!)
    const reopened = await open(d, space.id, founder)
    const full = await open(d, space.id, founder, false)
    expect(reopened.getTally(poll.id)?.ballots).toBe(4)
    expect(views(reopened, founder)).toEqual(views(full, founder))
    await Promise.all([reopened.close(), full.close()])

    // Then a revocation that had not seen voter 0's ballot arrives late: concurrent with it, it wins (the
    // conservative rule), and that ballot is no longer counted live.
    const revocation = await signRecord(founder, {
      kind: 'role',
      space: spaceCid,
      hlc: [500, 0],
      refs: [],
      body: { member: voters[0]!.did, role: null },
    })
    await stored(d, revocation)
    const revoked = await open(d, space.id, founder)
    expect(revoked.getTally(poll.id)?.ballots).toBe(3)
    const recounted = await open(d, space.id, founder, false)
    expect(views(revoked, founder)).toEqual(views(recounted, founder))
    await Promise.all([revoked.close(), recounted.close()])

    // Or a peer sends it while the space reads what it stored (the checkpoint covers the store).
    const live = disk()
    for (const { id, bytes } of await d.store.load()) if (id !== revocation.id) await live.store.append([{ id: id!, bytes }])
    await open(live, space.id, founder).then((space) => space.close())
    live.duringOpen = [{ bytes: revocation.bytes, source: 'peer' }]
    const told = await open(live, space.id, founder)
    expect(told.getTally(poll.id)?.ballots).toBe(3)
    await told.idle()
    expect(views(told, founder)).toEqual(views(recounted, founder))
    await told.close()
  })
})

// ---- any history, any split between what a checkpoint covers and what came after --------------

/** `at`: the record's time, so that records stored after the checkpoint may claim to be older than those before it. */
type Action =
  | { type: 'join'; voter: number; at: number }
  | { type: 'revoke'; voter: number; at: number }
  | { type: 'ballot'; voter: number; poll: number; choice: number; at: number }
  | { type: 'post'; voter: number; at: number }
  | { type: 'close'; poll: number }

const VOTERS = 3
const at = fc.nat(60)
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant('join' as const), voter: fc.nat(VOTERS - 1), at }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant('revoke' as const), voter: fc.nat(VOTERS - 1), at }), weight: 1 },
  {
    arbitrary: fc.record({ type: fc.constant('ballot' as const), voter: fc.nat(VOTERS - 1), poll: fc.nat(1), choice: fc.nat(3), at }),
    weight: 5,
  },
  { arbitrary: fc.record({ type: fc.constant('post' as const), voter: fc.nat(VOTERS - 1), at }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constant('close' as const), poll: fc.nat(1) }), weight: 1 },
)
/** What arrives after the checkpoint: more often what changes the membership under it. */
const lateArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant('revoke' as const), voter: fc.nat(VOTERS - 1), at }),
  actionArb.filter((action) => action.type !== 'close'),
)

const voterPool: Identity[] = []

describe('view checkpoint properties', () => {
  it('a reopened space shows what a full read shows, at open, after reading, and after saving again', async () => {
    while (voterPool.length < VOTERS + 1) voterPool.push(await createIdentity())
    const founder = voterPool[VOTERS]!
    await assertProperty(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(actionArb, { maxLength: 16 }),
        fc.array(lateArb, { maxLength: 3 }),
        fc.constantFrom('none', 'none', 'none', 'torn', 'shuffled', 'another-writer'),
        async (everyoneJoined, before, after, trouble) => {
          const d = disk()
          const space = await Space.create({
            secret: SPACE_SECRET,
            identity: founder,
            name: 'Property',
            replica: (id) => storedReplica(id, d),
          })
          const spaceCid = CID.parse(space.id)
          // Members-only and anyone-may-vote: joins and leaves change only the first.
          const polls = [
            await space.createPoll({ question: 'Members?', options: ['a', 'b', 'c', 'd'], method: 'plurality' }),
            await space.createPoll({
              question: 'Anyone?',
              options: ['a', 'b', 'c', 'd'],
              method: 'approval',
              params: { min: 1, max: 2 },
              eligibility: { type: 'anyone' },
            }),
          ]
          const choice = (poll: number, n: number) => (poll === 0 ? n : n % 2 === 0 ? [n] : [n - 1, n])
          let sequence = 0
          const record = async (action: Action): Promise<SignedRecord | undefined> => {
            if (action.type === 'close') return undefined
            const at: [number, number] = [1000 + action.at, sequence++]
            const voter = voterPool[action.voter]!
            if (action.type === 'join') return signRecord(voter, { kind: 'join', space: spaceCid, hlc: at, refs: [], body: {} })
            if (action.type === 'revoke')
              return signRecord(founder, { kind: 'role', space: spaceCid, hlc: at, refs: [], body: { member: voter.did, role: null } })
            if (action.type === 'post')
              return signRecord(voter, { kind: 'post', space: spaceCid, hlc: at, refs: [], body: { text: `${sequence}` } })
            const poll = polls[action.poll]!
            return signRecord(voter, {
              kind: 'ballot',
              space: spaceCid,
              hlc: at,
              refs: [poll.cid],
              body: { poll: poll.cid, choice: choice(action.poll, action.choice) },
            })
          }
          const joins: Action[] = everyoneJoined ? voterPool.slice(0, VOTERS).map((_, voter) => ({ type: 'join', voter, at: 0 })) : []
          // Folded by the space, which saves a checkpoint when it closes.
          for (const action of [...joins, ...before]) {
            if (action.type === 'close') {
              await space.closePoll(polls[action.poll]!.id).catch(() => {})
              continue
            }
            const signed = (await record(action))!
            await stored(d, signed)
            await space.ingest([{ bytes: signed.bytes, claimedId: signed.id, hashed: true, source: 'local' }])
          }
          await space.close()
          // Then stored while no space was open (or by one that never closed).
          for (const action of after) {
            const signed = await record(action)
            if (signed) await stored(d, signed)
          }
          if (trouble === 'torn') {
            const saved = await d.store.checkpoint!.load()
            if (saved) await d.store.checkpoint!.save(saved.subarray(0, saved.length >> 1))
          }
          if (trouble === 'shuffled') {
            const random = seededRandom(before.length * 31 + after.length)
            d.shuffle = (entries) => random.shuffle(entries)
          }
          const identity = trouble === 'another-writer' ? voterPool[0]! : founder
          const full = await open(d, space.id, identity, false)
          const expected = views(full, identity)
          const reopened = await open(d, space.id, identity)
          expect(shown(reopened)).toEqual({ polls: expected.polls, held: expected.held, feed: expected.feed })
          expect(views(reopened, identity)).toEqual(expected)
          await reopened.close()
          // It saved again if it had to; opening on that checkpoint shows the same once more.
          const again = await open(d, space.id, identity)
          expect(shown(again)).toEqual({ polls: expected.polls, held: expected.held, feed: expected.feed })
          await again.idle()
          expect(views(again, identity)).toEqual(expected)
          await Promise.all([again.close(), full.close()])
        },
      ),
    )
  }, 120_000)
})
