/**
 * A large batch is folded in slices (core/slices.ts) so a page keeps drawing while it joins a big
 * space. Slicing must not change what the space shows: a space that ingests a whole space in one
 * call (sliced, with a change emitted per slice) ends with the same views as one that ingested the
 * same records one at a time (never sliced), whatever the order.
 */
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createIdentity, signRecord, Space, type Identity } from '../core/index.js'
import { FOLD_AT_ONCE } from '../core/slices.js'
import { memoryNetwork, seededRandom } from '../testing/index.js'
import { snapshot } from './helpers.js'

const views = (space: Space) => ({ ...snapshot(space), polls: space.getPolls() })

describe('ingest in slices', () => {
  let founder: Space
  let records: Array<{ id: string; bytes: Uint8Array }>

  beforeAll(async () => {
    const network = memoryNetwork()
    founder = await Space.create({
      identity: await createIdentity(),
      name: 'Large',
      visibility: 'public',
      replica: (id) => network.replica(id, { peerId: 'founder' }),
    })
    const plurality = await founder.createPoll({
      question: 'Which?',
      options: ['A', 'B', 'C'],
      method: 'plurality',
      eligibility: { type: 'anyone' },
    })
    const ranked = await founder.createPoll({
      question: 'Rank them',
      options: ['A', 'B', 'C'],
      method: 'instant-runoff',
      eligibility: { type: 'anyone' },
    })
    const space = CID.parse(founder.id)
    for (let i = 0; i < 40; i++) await founder.post(`post ${i}`)
    const voters: Identity[] = await Promise.all(Array.from({ length: 300 }, () => createIdentity()))
    const ballots = []
    for (const [i, voter] of voters.entries()) {
      const poll = i % 2 === 0 ? plurality : ranked
      const choice = poll === plurality ? i % 3 : [i % 3, (i + 1) % 3]
      const first = await signRecord(voter, {
        kind: 'ballot',
        space,
        hlc: [poll.hlc[0] + 1, i],
        refs: [poll.cid],
        body: { poll: poll.cid, choice },
      })
      ballots.push(first)
      // Some voters change their mind: only their latest ballot counts.
      if (i % 7 === 0) {
        const again = poll === plurality ? (i + 1) % 3 : [(i + 2) % 3]
        ballots.push(
          await signRecord(voter, {
            kind: 'ballot',
            space,
            hlc: [poll.hlc[0] + 2, i],
            refs: [poll.cid, first.cid],
            body: { poll: poll.cid, choice: again },
          }),
        )
      }
    }
    await founder.ingest(ballots.map((ballot) => ({ bytes: ballot.bytes, source: 'voters' })))
    await founder.closePoll(plurality.id)
    records = founder.getRecords().map((record) => ({ id: record.id, bytes: record.bytes }))
  })
  afterAll(() => founder.close())

  const open = () =>
    Space.open({ id: founder.id, identity: founder.identity, plainRecords: true, replica: memoryNetwork().replica(founder.id) })

  it.each([1, 2, 3])('shows the same views as a one-by-one ingest (order seed %i)', async (seed) => {
    expect(records.length).toBeGreaterThan(FOLD_AT_ONCE)
    const order = seededRandom(seed).shuffle([...records])

    const oneByOne = await open()
    for (const record of order) await oneByOne.ingest([{ bytes: record.bytes, source: 'peer' }])

    const sliced = await open()
    let changes = 0
    let partial = false
    const total = order.length
    sliced.subscribe(() => {
      changes++
      // Progressive results: a change while only part of the batch is in.
      if (sliced.getRecords().length < total) partial = true
    })
    const change = await sliced.ingest(order.map((record) => ({ bytes: record.bytes, source: 'peer' })))

    expect(changes, `seed ${seed}`).toBeGreaterThan(1)
    expect(partial, `seed ${seed}`).toBe(true)
    expect(new Set(change.added).size, `seed ${seed}`).toBe(change.added.length)
    expect(views(sliced), `seed ${seed}`).toEqual(views(oneByOne))
    expect(views(sliced), `seed ${seed}`).toEqual(views(founder))
    await oneByOne.close()
    await sliced.close()
  })
})
