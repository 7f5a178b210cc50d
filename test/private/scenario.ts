/**
 * The private-space scenarios every adapter runs over its real transport (test/private/yjs.test.ts,
 * automerge.test.ts, orbitdb.test.ts): members write a profile, a post, a poll and a ballot while a
 * hostile peer without the share link's secret holds everything replicated; and a removed member,
 * still connected, reads nothing published after the removal while the others converge.
 *
 * Peers run in their own processes (test/support/*-peer.ts). Their replicas are given no transport
 * secret: the room, document or log is found from the space id alone, so the hostile peer needs
 * nothing but the id, and what keeps it out is the sealing layer alone (the transport's own
 * keying, which hides the room from holders of the id only, is not what these tests measure).
 */
import { expect } from 'vitest'
import { createIdentity, Space, type Identity } from '../../core/index.js'
import { eventually } from '../../testing/index.js'
import type { ProcessReplica } from '../support/process-replica.js'
import { needlesOf, search, type Needle } from '../support/held-bytes.js'
import { snapshot } from '../helpers.js'

export const WAIT = 30_000

/** Long enough that none turns up by chance in megabytes of ciphertext. */
export const TEXT = {
  name: 'Allotment garden club',
  description: 'seeds, soil and the shed rota',
  profile: 'Rosalind Franklin',
  post: 'tomatoes need the south wall',
  question: 'Which compost this spring?',
  options: ['Bokashi buckets', 'Worm towers'],
} as const

export interface Peer {
  readonly identity: Identity
  readonly space: Space
  readonly replica: ProcessReplica
}

/** Starts a replica process for `spaceId`, keeping its store in `directory` when given. */
export type MakeReplica = (spaceId: string, directory?: string) => Promise<ProcessReplica>

export const texts = (space: Space) =>
  space
    .getFeed()
    .map((item) => item.text)
    .sort()

export function privateSpaces(make: MakeReplica, opened: Space[]) {
  async function found(directory?: string): Promise<Peer> {
    const identity = await createIdentity()
    let replica: ProcessReplica | undefined
    const space = await Space.create({
      identity,
      name: TEXT.name,
      description: TEXT.description,
      keyRotationDelayMs: 0,
      replica: async (spaceId) => (replica = await make(spaceId, directory)),
    })
    opened.push(space)
    expect(space.getPrivacy().private).toBe(true)
    return { identity, space, replica: replica! }
  }

  /** A peer of the space; with the founder's secret it can read, without it it only holds. */
  async function open(founder: Peer, options: { secret: boolean; directory?: string }): Promise<Peer> {
    const identity = await createIdentity()
    const replica = await make(founder.space.id, options.directory)
    const space = await Space.open({
      id: founder.space.id,
      identity,
      replica,
      keyRotationDelayMs: 0,
      ...(options.secret ? { secret: founder.space.secret! } : {}),
    })
    opened.push(space)
    return { identity, space, replica }
  }

  /** A member: opens with the secret, joins once the genesis is here, and is seen by the founder. */
  async function member(founder: Peer, directory?: string): Promise<Peer> {
    const peer = await open(founder, { secret: true, ...(directory ? { directory } : {}) })
    await eventually(() => expect(peer.space.getInfo()).toBeDefined(), WAIT)
    await peer.space.join()
    await eventually(() => expect(founder.space.getRole(peer.identity.did)).toBe('member'), WAIT)
    return peer
  }

  return { found, open, member }
}

export interface World {
  readonly founder: Peer
  readonly alice: Peer
  /** Removed by the founder half way through. */
  readonly bob: Peer
  /** Opened without the share link's secret: holds what is replicated, reads nothing. */
  readonly hostile: Peer
}

type Directories = Partial<Record<keyof World, string>>

/** One world per adapter, for both scenarios: each peer process costs seconds to start on a loaded machine. */
export async function privateWorld(spaces: ReturnType<typeof privateSpaces>, directories: Directories = {}): Promise<World> {
  const founder = await spaces.found(directories.founder)
  // Started together: an OrbitDB peer process took 12 to 16 s to start on a loaded two-core machine.
  const [alice, bob, hostile] = await Promise.all([
    spaces.member(founder, directories.alice),
    spaces.member(founder, directories.bob),
    spaces.open(founder, { secret: false, ...(directories.hostile ? { directory: directories.hostile } : {}) }),
  ])
  return { founder, alice, bob, hostile }
}

const held = async (peer: Peer) => (await peer.replica.getAll()).length

/**
 * The founder names itself, posts and opens a poll; alice votes. Resolves once the members read it
 * all (so a search of nothing cannot pass) and the hostile peer holds every entry the founder's
 * replica holds, reading none.
 */
export async function postPollVote({ founder, alice, bob, hostile }: World): Promise<void> {
  await founder.space.setProfile({ name: TEXT.profile })
  await founder.space.post(TEXT.post)
  const poll = (await founder.space.createPoll({ question: TEXT.question, options: [...TEXT.options], method: 'plurality' })).id
  await eventually(() => expect(alice.space.getPoll(poll)).toBeDefined(), WAIT)
  await alice.space.castBallot(poll, 1)
  for (const member of [founder, alice, bob])
    await eventually(() => {
      expect(texts(member.space)).toEqual([TEXT.post])
      expect(member.space.getPoll(poll)?.turnout).toBe(1)
      expect(member.space.getProfile(founder.identity.did)?.name).toBe(TEXT.profile)
    }, WAIT)
  await eventually(async () => expect(await held(hostile)).toBe(await held(founder)), WAIT)
  expect(await held(hostile)).toBeGreaterThanOrEqual(7) // genesis, two joins, profile, post, poll, ballot
  expect(hostile.space.getInfo()).toBeUndefined()
  expect(hostile.space.getFeed()).toEqual([])
  expect(hostile.space.getPolls()).toEqual([])
  expect(hostile.space.getPrivacy().epochs).toEqual([])
}

export const AFTER = {
  founder: 'the founder, after the removal',
  alice: 'alice, after the removal',
  question: 'Move the shed to the orchard?',
  options: ['Move it this autumn', 'Leave it where it is'],
} as const

/**
 * The founder revokes bob's membership, which rotates the key, then posts and opens a poll, and
 * alice posts. The founder and alice converge on them; bob, still connected, receives the frames
 * and opens none; the hostile peer holds them too.
 */
export async function removeBob({ founder, alice, bob, hostile }: World): Promise<void> {
  const before = texts(founder.space)
  await founder.space.revokeRole(bob.identity.did)
  expect(founder.space.getPrivacy().epoch).toBe(1)
  await eventually(() => expect(alice.space.getPrivacy().epoch).toBe(1), WAIT)
  await founder.space.post(AFTER.founder)
  await alice.space.post(AFTER.alice)
  const poll = (await founder.space.createPoll({ question: AFTER.question, options: [...AFTER.options], method: 'plurality' })).id
  const after = [...before, AFTER.founder, AFTER.alice].sort()
  for (const member of [founder, alice])
    await eventually(() => {
      expect(texts(member.space)).toEqual(after)
      expect(member.space.getPoll(poll)).toBeDefined()
    }, WAIT)
  expect(snapshot(alice.space)).toEqual(snapshot(founder.space))
  expect(alice.space.getPolls()).toEqual(founder.space.getPolls())

  // Bob is still connected and receives the three frames of epoch 1, and opens none of them.
  await eventually(() => expect(bob.space.getRejections().byReason['unknown-epoch'] ?? 0).toBeGreaterThanOrEqual(3), WAIT)
  expect(bob.replica.getSyncState().peers).toBeGreaterThan(0)
  expect(texts(bob.space)).toEqual(before)
  expect(bob.space.getPolls().map((p) => p.question)).toEqual([TEXT.question])
  expect(bob.space.getPrivacy().epochs).toEqual([0])
  expect(bob.space.getRole(bob.identity.did)).not.toBe('member')
  await eventually(async () => expect(await held(hostile)).toBe(await held(founder)), WAIT)
}

/** Every text and member of the world, checked to be found by the search in a plain copy of the founder's view. */
export function needlesOfWorld({ founder, alice, bob }: World): Needle[] {
  const needles = needlesOf(
    [
      TEXT.name,
      TEXT.description,
      TEXT.profile,
      TEXT.post,
      TEXT.question,
      ...TEXT.options,
      AFTER.founder,
      AFTER.alice,
      AFTER.question,
      ...AFTER.options,
    ],
    [founder.identity, alice.identity, bob.identity],
  )
  // A plain copy: the founder's views as JSON and the signed records it opened, as they are.
  const view = founder.space
  const plain = Buffer.concat([
    Buffer.from(JSON.stringify([view.getInfo(), view.getFeed(), view.getPolls(), view.getMembers(), view.getProfile()])),
    ...view.getRecords().map((record) => record.bytes),
  ])
  const found = new Set(search([{ where: 'plain copy', bytes: plain }], needles).map((hit) => hit.needle))
  expect([...found].sort()).toEqual(needles.map((n) => n.label).sort())
  return needles
}
