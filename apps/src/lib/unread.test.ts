/** Unread counts and marks on real spaces: what is new since a mark, hidden and muted posts left out. */
import { afterEach, describe, expect, it } from 'vitest'
import { closeSpaces, community } from '../polls/test-helpers.js'
import { memoryKeyValueStore } from './storage.js'
import { keyValueSeenStore, parseSeen, unreadOf } from './unread.js'

afterEach(closeSpaces)

describe('unread', () => {
  it('counts posts, replies, polls and comments by others since the mark, and the ones that mention me', async () => {
    const { founder, members, sync } = await community(2)
    const [bob, carol] = members as [(typeof members)[0], (typeof members)[0]]
    const me = founder.identity.did
    const first = await bob.post('hello')
    const poll = await carol.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality' })
    await founder.post('my own post never counts')
    await sync()
    expect(unreadOf(founder, {}, me)).toMatchObject({ feed: { items: 1, mentions: 0 }, polls: { items: 1, mentions: 0 } })

    const seen = { feed: unreadOf(founder, {}, me).feed.newest!, polls: unreadOf(founder, {}, me).polls.newest! }
    expect(unreadOf(founder, seen, me)).toMatchObject({ feed: { items: 0 }, polls: { items: 0 } })

    await bob.reply(first.id, 'a reply to @you', { mentions: [me] })
    await carol.reply(poll.id, 'a comment', { mentions: [me] })
    await carol.reply(poll.id, 'another comment')
    const hidden = await bob.post('hidden later')
    await sync()
    expect(unreadOf(founder, seen, me)).toMatchObject({ feed: { items: 2, mentions: 1 }, polls: { items: 2, mentions: 1 } })
    await founder.hidePost(hidden.id)
    founder.muteAuthor(carol.identity.did)
    await sync()
    expect(unreadOf(founder, seen, me)).toMatchObject({ feed: { items: 1, mentions: 1 }, polls: { items: 0, mentions: 0 } })
  })

  it('keeps marks per space in the app store, and reads back only well-formed ones', async () => {
    const store = keyValueSeenStore(memoryKeyValueStore())
    await store.save('space-a', { feed: [5, 1] })
    expect(await store.load('space-a')).toEqual({ feed: [5, 1] })
    expect(await store.load('space-b')).toEqual({})
    expect(parseSeen({ feed: [1, 'x'], polls: [2, 0], other: [1, 1] })).toEqual({ polls: [2, 0] })
    expect(parseSeen('garbage')).toEqual({})
  })
})
