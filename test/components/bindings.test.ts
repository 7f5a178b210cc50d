/** townhall/svelte: stores that follow the store contract, rune objects, and release on last unsubscribe. */
import { render, screen } from '@testing-library/svelte'
import { get } from 'svelte/store'
import { flushSync } from 'svelte'
import { afterEach, describe, expect, it } from 'vitest'
import { reactiveSpace, spaceStores } from '../../adapters/svelte/index.js'
import { createIdentity, createSpace, type Space } from '../../core/index.js'
import { eventually, memoryNetwork } from '../../testing/index.js'
import LiveFeed from './fixtures/LiveFeed.svelte'
import StoreFeed from './fixtures/StoreFeed.svelte'

const open: Space[] = []
afterEach(async () => {
  for (const space of open.splice(0)) await space.close()
})

/** A space whose listener count the test can read: the bindings must detach what they attach. */
async function countedSpace() {
  const network = memoryNetwork()
  const space = await createSpace({
    visibility: 'public',
    identity: await createIdentity(),
    name: 'Garden club',
    replica: (id) => network.replica(id),
  })
  open.push(space)
  let listening = 0
  const subscribe = space.subscribe.bind(space)
  space.subscribe = (listener) => {
    listening++
    const off = subscribe(listener)
    return () => {
      listening--
      off()
    }
  }
  return { space, listening: () => listening }
}

describe('spaceStores', () => {
  it('calls a subscriber at once, on every change, and detaches after the last unsubscribe', async () => {
    const { space, listening } = await countedSpace()
    const { feed } = spaceStores(space)
    const seen: string[][] = []
    const stop = feed.subscribe((items) => seen.push(items.map((item) => item.text)))
    expect(seen).toEqual([[]])
    expect(listening()).toBe(1)
    const second = feed.subscribe(() => {})
    await space.post('first')
    expect(seen.at(-1)).toEqual(['first'])
    stop()
    expect(listening()).toBe(1)
    second()
    expect(listening()).toBe(0)
    await space.post('unseen')
    expect(seen.at(-1)).toEqual(['first'])
    // Read without a subscriber: the current value, still correct.
    expect(get(feed).map((item) => item.text)).toEqual(['unseen', 'first'])
  })

  it('follows one poll from live to final', async () => {
    const { space } = await countedSpace()
    const record = await space.createPoll({ question: 'When?', options: ['9:00', '10:00'], method: 'plurality' })
    const poll = spaceStores(space).poll(record.id)
    const statuses: string[] = []
    const stop = poll.subscribe((view) => view && statuses.push(`${view.status}:${(view.final ?? view.live)?.ballots ?? 0}`))
    await space.castBallot(record.id, 1)
    await space.closePoll(record.id)
    stop()
    expect(statuses[0]).toBe('open:0')
    expect(statuses).toContain('open:1')
    expect(statuses.at(-1)).toBe('final:1')
    expect(get(poll)?.final?.winner).toBe(1)
  })

  it('renders with $store syntax in a component, and releases the space on unmount', async () => {
    const { space, listening } = await countedSpace()
    await space.post('hello')
    const view = render(StoreFeed, { space })
    expect(screen.getByRole('heading').textContent).toBe('Garden club')
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['hello'])
    await space.post('again')
    flushSync()
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['again', 'hello'])
    expect(listening()).toBeGreaterThan(0)
    view.unmount()
    expect(listening()).toBe(0)
  })
})

describe('reactiveSpace', () => {
  it('updates templates that read it and releases the space when they unmount', async () => {
    const { space, listening } = await countedSpace()
    const view = render(LiveFeed, { space })
    expect(screen.getByRole('heading').textContent).toBe('Garden club')
    expect(screen.queryAllByRole('listitem')).toHaveLength(0)
    await space.post('live')
    await eventually(() => expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['live']))
    expect(screen.getByTestId('peers').textContent).toBe('0')
    // One subscription per view read (info, feed, sync state), each released on unmount.
    expect(listening()).toBeGreaterThan(0)
    view.unmount()
    await eventually(() => expect(listening()).toBe(0))
  })
})

describe('feeds with mute lists', () => {
  it('gives two different mute lists two different results, in both bindings', async () => {
    const { space } = await countedSpace()
    await space.post('mine')
    const me = new Set([space.identity.did])
    const someoneElse = new Set(['did:key:z6MkSomeoneElse'])
    const live = reactiveSpace(space)
    expect(live.feedWith({ mutedAuthors: me })).toHaveLength(0)
    expect(live.feedWith({ mutedAuthors: someoneElse })).toHaveLength(1)
    const stores = spaceStores(() => space)
    expect(get(stores.feedWith({ mutedAuthors: me }))).toHaveLength(0)
    expect(get(stores.feedWith({ mutedAuthors: someoneElse }))).toHaveLength(1)
    // A set changed after the call is a new list, not the cached one.
    const changing = new Set<string>()
    expect(live.feedWith({ mutedAuthors: changing })).toHaveLength(1)
    changing.add(space.identity.did)
    expect(live.feedWith({ mutedAuthors: changing })).toHaveLength(0)
  })
})

describe('view(read)', () => {
  it('keeps an app-defined read current in a store and returns the same value until the space changes', async () => {
    const { space, listening } = await countedSpace()
    const texts = (s: Space) => s.getFeed().map((item) => item.text)
    const live = reactiveSpace(() => space)
    expect(live.view(texts)).toBe(live.view(texts))
    const store = spaceStores(space).view(texts)
    const seen: string[][] = []
    const stop = store.subscribe((value) => seen.push(value))
    await space.post('one')
    expect(seen).toEqual([[], ['one']])
    expect(live.view(texts)).toEqual(['one'])
    stop()
    expect(listening()).toBe(0)
  })
})
