/** Real spaces on the simulated network for the poll component tests: no mocks of core. */
import { createIdentity, createSpace, openSpace, type CreatePollOptions, type PollView, type Space } from '../../../core/index.js'
import { memoryNetwork } from '../../../testing/index.js'

const opened: Space[] = []

/** Closes every space the helpers opened (call from afterEach). */
export async function closeSpaces(): Promise<void> {
  for (const space of opened.splice(0)) await space.close()
}

/** One founder's space on its own network. */
export async function soloSpace(name = 'Garden club'): Promise<Space> {
  const network = memoryNetwork()
  const space = await createSpace({ identity: await createIdentity(), name, replica: (id) => network.replica(id) })
  opened.push(space)
  return space
}

/**
 * A founder and `voters` members who joined, all on one manual network: `sync()` delivers
 * everything and waits until every peer has folded it, so tests are deterministic.
 */
export async function community(
  voters: number,
  /** 'public' for tests that hand records to a peer as plain bytes (see `observer`). */
  visibility: 'private' | 'public' = 'private',
): Promise<{ founder: Space; members: Space[]; sync: () => Promise<void> }> {
  const network = memoryNetwork({ mode: 'manual' })
  const founder = await createSpace({
    identity: await createIdentity(),
    visibility,
    name: 'Garden club',
    replica: (id) => network.replica(id, { peerId: 'founder' }),
  })
  opened.push(founder)
  const members: Space[] = []
  for (let i = 0; i < voters; i++) {
    const member = await openSpace({
      id: founder.id,
      // Spaces are private by default: a member reads them with the link's secret.
      ...(founder.secret ? { secret: founder.secret } : {}),
      identity: await createIdentity(),
      replica: network.replica(founder.id, { peerId: `voter-${i}` }),
    })
    opened.push(member)
    members.push(member)
  }
  const all = [founder, ...members]
  const sync = async () => {
    await network.flush()
    await Promise.all(all.map((space) => space.idle()))
    await network.flush()
    await Promise.all(all.map((space) => space.idle()))
  }
  await sync()
  for (const member of members) await member.join()
  await sync()
  return { founder, members, sync }
}

/**
 * A peer of `source`'s space that receives only the records `pick` lets through (by hand, with
 * `space.ingest`), e.g. a close without the ballots it commits to. The records go as plain bytes,
 * so `source` must be a public space.
 */
export async function observer(source: Space, pick: (kind: string) => boolean): Promise<Space> {
  const network = memoryNetwork({ mode: 'manual' })
  const space = await openSpace({ id: source.id, identity: await createIdentity(), replica: network.replica(source.id) })
  opened.push(space)
  await space.ingest(
    source
      .getRecords()
      .filter((record) => pick(record.kind))
      .map((record) => ({ bytes: record.bytes, source: 'test' })),
  )
  return space
}

/** Creates a poll and returns its view. */
export async function makePoll(space: Space, options: CreatePollOptions): Promise<PollView> {
  const record = await space.createPoll(options)
  return space.getPoll(record.id)!
}
