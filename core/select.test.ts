/** Views keep their identity until the space changes, and `select` turns any read into an external store. */
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, createSpace, select, type Space } from './index.js'
import { memoryNetwork } from '../testing/index.js'

const open: Space[] = []
afterEach(async () => {
  for (const space of open.splice(0)) await space.close()
})

describe('view identity', () => {
  it('returns the identical object until the space changes, then a new one', async () => {
    const network = memoryNetwork()
    const space = await createSpace({ identity: await createIdentity(), name: 'Club', replica: (id) => network.replica(id) })
    open.push(space)
    const poll = await space.createPoll({ question: 'When?', options: ['9:00', '10:00'], method: 'plurality' })
    const post = await space.post('hello')
    const reads = [
      () => space.getFeed(),
      () => space.getFeed({ order: 'oldest' }),
      () => space.getPolls(),
      () => space.getPoll(poll.id),
      () => space.getMembers(),
      () => space.getInfo(),
      () => space.getRejections(),
      () => space.getThread(post.id),
      () => space.getComments(poll.id),
      () => space.getSyncState(),
    ]
    const before = reads.map((read) => read())
    expect(reads.map((read) => read())).toEqual(before)
    reads.forEach((read, i) => expect(read(), `read ${i}`).toBe(before[i]))
    await space.castBallot(poll.id, 0)
    expect(space.getPoll(poll.id)).not.toBe(before[3])
    expect(space.getPoll(poll.id)?.live?.ballots).toBe(1)
    expect(space.getFeed({ order: 'oldest' })).not.toBe(space.getFeed())
  })

  it('keeps feeds with different mute lists apart', async () => {
    const network = memoryNetwork()
    const space = await createSpace({ identity: await createIdentity(), name: 'Club', replica: (id) => network.replica(id) })
    open.push(space)
    await space.post('mine')
    const me = new Set([space.identity.did])
    const someoneElse = new Set(['did:key:z6MkSomeoneElse'])
    expect(space.getFeed({ mutedAuthors: me })).toHaveLength(0)
    expect(space.getFeed({ mutedAuthors: someoneElse })).toHaveLength(1)
    expect(space.getFeed({ mutedAuthors: new Set() })).toHaveLength(1)
    space.muteAuthor(space.identity.did)
    expect(space.getFeed()).toHaveLength(0)
    space.muteAuthor(space.identity.did, false)
    expect(space.getFeed()).toHaveLength(1)
  })

  it('lets subscribe be called unbound', async () => {
    const network = memoryNetwork()
    const space = await createSpace({ identity: await createIdentity(), name: 'Club', replica: (id) => network.replica(id) })
    open.push(space)
    const { subscribe } = space
    let calls = 0
    const stop = subscribe(() => calls++)
    await space.post('hello')
    stop()
    await space.post('again')
    expect(calls).toBe(1)
  })
})

describe('select', () => {
  it('memoizes an app-defined read per version and tells subscribers of changes', async () => {
    const network = memoryNetwork()
    const space = await createSpace({ identity: await createIdentity(), name: 'Club', replica: (id) => network.replica(id) })
    open.push(space)
    let runs = 0
    const texts = select(space, (s) => {
      runs++
      return s.getFeed().map((item) => item.text)
    })
    const first = texts.get()
    expect(texts.get()).toBe(first)
    expect(runs).toBe(1)
    const seen: string[][] = []
    const stop = texts.subscribe(() => seen.push(texts.get()))
    await space.post('hello')
    expect(seen.at(-1)).toEqual(['hello'])
    expect(texts.get()).toBe(seen.at(-1))
    stop()
    await space.post('unseen')
    expect(seen).toHaveLength(1)
    expect(texts.get()).toEqual(['unseen', 'hello'])
  })

  it('passes the built-in views through with their identity', async () => {
    const network = memoryNetwork()
    const space = await createSpace({ identity: await createIdentity(), name: 'Club', replica: (id) => network.replica(id) })
    open.push(space)
    await space.post('hello')
    expect(select(space, (s) => s.getFeed()).get()).toBe(space.getFeed())
    expect(select(space, (s) => s.getSyncState()).get()).toBe(space.getSyncState())
  })
})
