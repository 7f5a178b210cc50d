import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import type { CID } from 'multiformats/cid'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Did } from './did.js'
import { FeedState, insertSorted, type FeedOptions, type ThreadNode } from './feed.js'
import { identityFromSecretKey, type Identity } from './identity.js'
import { compareRecords, recordCid, signRecord, type SignedRecord } from './record.js'

let alice: Identity
let bob: Identity
let mod: Identity
let space: CID

beforeAll(async () => {
  ;[alice, bob, mod] = (await Promise.all([1, 2, 3].map((n) => identityFromSecretKey(new Uint8Array(32).fill(n))))) as [
    Identity,
    Identity,
    Identity,
  ]
  space = await recordCid(new Uint8Array([42]))
})

const make = <B>(author: Identity, kind: string, wall: number, body: B, counter = 0): Promise<SignedRecord<B>> =>
  signRecord(author, { kind, space, hlc: [wall, counter], refs: [], body })

const post = (author: Identity, wall: number, text: string, replyTo?: SignedRecord, counter = 0) =>
  make(author, 'post', wall, replyTo ? { text, replyTo: replyTo.cid } : { text }, counter)
const edit = (author: Identity, wall: number, target: SignedRecord, text: string, counter = 0) =>
  make(author, 'edit', wall, { post: target.cid, text }, counter)
const retract = (author: Identity, wall: number, target: SignedRecord) => make(author, 'retract', wall, { post: target.cid })
const react = (author: Identity, wall: number, target: SignedRecord, emoji: string, on: boolean) =>
  make(author, 'react', wall, { post: target.cid, emoji, on })
const hidePost = (wall: number, target: SignedRecord, hidden: boolean) => make(mod, 'moderate', wall, { post: target.cid, hidden })
const hideAuthor = (wall: number, author: Did, hidden: boolean) => make(mod, 'moderate', wall, { author, hidden, reason: 'spam' })
const profile = (author: Identity, wall: number, name: string, avatar?: string) =>
  make(author, 'profile', wall, avatar ? { name, avatar } : { name })

function feedOf(records: readonly SignedRecord[]): FeedState {
  const feed = new FeedState()
  for (const record of records) feed.add(record)
  return feed
}

const texts = (feed: FeedState, options?: FeedOptions) => feed.getFeed(options).map((item) => item.text)
const shape = (node: ThreadNode | undefined): unknown =>
  node && { text: node.item.text, retracted: node.item.retracted, replies: node.replies.map(shape) }

describe('FeedState', () => {
  it('lists top-level posts newest first by default and oldest first on request', async () => {
    const records = [await post(alice, 30, 'third'), await post(bob, 10, 'first'), await post(alice, 20, 'second')]
    const feed = feedOf(records)
    expect(texts(feed)).toEqual(['third', 'second', 'first'])
    expect(texts(feed, { order: 'newest' })).toEqual(['third', 'second', 'first'])
    expect(texts(feed, { order: 'oldest' })).toEqual(['first', 'second', 'third'])
  })

  it('orders posts with the same hlc by id', async () => {
    const a = await post(alice, 10, 'a')
    const b = await post(bob, 10, 'b')
    const c = await post(alice, 10, 'c', undefined, 1)
    const feed = feedOf([c, b, a])
    const [first, second] = [a, b].sort(compareRecords)
    expect(feed.getFeed({ order: 'oldest' }).map((item) => item.id)).toEqual([first!.id, second!.id, c.id])
  })

  it('describes a post completely', async () => {
    const p = await make(alice, 'post', 10, { text: 'hi', mentions: [bob.did] })
    const item = feedOf([p]).getPost(p.id)!
    expect(item).toEqual({
      id: p.id,
      author: alice.did,
      authorName: undefined,
      text: 'hi',
      createdAt: [10, 0],
      editedAt: undefined,
      retracted: false,
      hidden: false,
      replyTo: undefined,
      replyCount: 0,
      mentions: [bob.did],
      reactions: [],
    })
    expect(feedOf([await post(alice, 1, 'x')]).getFeed()[0]!.mentions).toEqual([])
  })

  it('keeps replies out of the feed, in threads oldest first, and counts them', async () => {
    const root = await post(alice, 10, 'root')
    const late = await post(bob, 30, 'late reply', root)
    const early = await post(bob, 20, 'early reply', root)
    const nested = await post(alice, 40, 'nested', early)
    const feed = feedOf([nested, late, root, early])
    expect(texts(feed)).toEqual(['root'])
    expect(feed.getFeed()[0]!.replyCount).toBe(2)
    expect(shape(feed.getThread(root.id))).toEqual({
      text: 'root',
      retracted: false,
      replies: [
        { text: 'early reply', retracted: false, replies: [{ text: 'nested', retracted: false, replies: [] }] },
        { text: 'late reply', retracted: false, replies: [] },
      ],
    })
    expect(feed.getPost(early.id)!.replyTo).toBe(root.id)
    expect(feed.getPost(early.id)!.replyCount).toBe(1)
    expect(feed.getThread(early.id)!.replies.length).toBe(1)
    expect(feed.getThread('unknown')).toBeUndefined()
    expect(feed.hasPost(nested.id)).toBe(true)
    expect(feed.postAuthor(nested.id)).toBe(alice.did)
    expect(feed.postAuthor('unknown')).toBeUndefined()
  })

  it('keeps a reply that arrives before its parent, and shows it once the parent arrives', async () => {
    const root = await post(alice, 10, 'root')
    const reply = await post(bob, 20, 'reply', root)
    const feed = feedOf([reply])
    expect(texts(feed)).toEqual([])
    feed.add(root)
    expect(shape(feed.getThread(root.id))).toEqual({
      text: 'root',
      retracted: false,
      replies: [{ text: 'reply', retracted: false, replies: [] }],
    })
  })

  it('leaves out of a thread the replies nested more than 65 levels deep (docs/concepts.md)', async () => {
    const chain = [await post(alice, 10, 'level 0')]
    for (let level = 1; level <= 67; level++) chain.push(await post(bob, 10 + level, `level ${level}`, chain[level - 1]))
    const feed = feedOf(chain)
    const levels: string[] = []
    for (let node = feed.getThread(chain[0]!.id); node; node = node.replies[0]) levels.push(node.item.text)
    expect(levels.at(-1)).toBe('level 65')
    expect(levels).toHaveLength(66)
    // The limit counts from the post asked for, and comments are one level down.
    expect(feed.getThread(chain[2]!.id)!.replies[0]!.item.text).toBe('level 3')
    let deepest = feed.getReplies(chain[0]!.id)[0]
    while (deepest?.replies[0]) deepest = deepest.replies[0]
    expect(deepest!.item.text).toBe('level 65')
  })

  describe('edits', () => {
    it("applies only the author's edits; the latest by (hlc, id) wins in any arrival order", async () => {
      const p = await post(alice, 10, 'original')
      const e1 = await edit(alice, 20, p, 'first edit')
      const e2 = await edit(alice, 30, p, 'second edit')
      const byBob = await edit(bob, 40, p, 'vandalism')
      for (const order of [
        [p, e1, e2, byBob],
        [byBob, e2, e1, p],
        [e2, p, byBob, e1],
      ]) {
        const item = feedOf(order).getPost(p.id)!
        expect(item.text).toBe('second edit')
        expect(item.editedAt).toEqual([30, 0])
        expect(item.createdAt).toEqual([10, 0])
      }
    })

    it('breaks hlc ties between edits by id', async () => {
      const p = await post(alice, 10, 'original')
      const a = await edit(alice, 20, p, 'A')
      const b = await edit(alice, 20, p, 'B')
      const winner = compareRecords(a, b) > 0 ? 'A' : 'B'
      expect(feedOf([p, a, b]).getPost(p.id)!.text).toBe(winner)
      expect(feedOf([p, b, a]).getPost(p.id)!.text).toBe(winner)
    })

    it('ignores an edit by someone else, leaving the original text', async () => {
      const p = await post(alice, 10, 'original')
      const item = feedOf([p, await edit(bob, 20, p, 'hijacked')]).getPost(p.id)!
      expect(item.text).toBe('original')
      expect(item.editedAt).toBeUndefined()
    })
  })

  describe('retractions', () => {
    it('hide a post from the feed but keep it as a placeholder in its thread', async () => {
      const root = await post(alice, 10, 'root')
      const reply = await post(bob, 20, 'reply', root)
      const replyToReply = await post(alice, 30, 'answer', reply)
      const other = await post(bob, 15, 'other')
      const feed = feedOf([root, reply, replyToReply, other, await retract(alice, 40, root), await retract(bob, 41, reply)])
      expect(texts(feed)).toEqual(['other'])
      expect(shape(feed.getThread(root.id))).toEqual({
        text: '',
        retracted: true,
        replies: [{ text: '', retracted: true, replies: [{ text: 'answer', retracted: false, replies: [] }] }],
      })
      const item = feed.getPost(root.id)!
      expect(item.retracted).toBe(true)
      expect(item.text).toBe('')
      expect(item.replyCount).toBe(1)
    })

    it('count only when made by the author', async () => {
      const p = await post(alice, 10, 'mine')
      const feed = feedOf([p, await retract(bob, 20, p)])
      expect(texts(feed)).toEqual(['mine'])
      expect(feed.getPost(p.id)!.retracted).toBe(false)
    })

    it('win over edits, whichever is later', async () => {
      const p = await post(alice, 10, 'original')
      const feed = feedOf([p, await retract(alice, 20, p), await edit(alice, 30, p, 'edited after retraction')])
      expect(feed.getPost(p.id)!.text).toBe('')
      expect(texts(feed)).toEqual([])
    })
  })

  describe('reactions', () => {
    it('count one per person per emoji, sorted by emoji, with sorted reactors', async () => {
      const p = await post(alice, 10, 'p')
      const feed = feedOf([
        p,
        await react(bob, 20, p, '👍', true),
        await react(bob, 21, p, '👍', true),
        await react(alice, 22, p, '👍', true),
        await react(bob, 23, p, '🎉', true),
        await react(bob, 24, p, 'a', true),
      ])
      expect(feed.getPost(p.id)!.reactions).toEqual([
        { emoji: 'a', count: 1, by: [bob.did] },
        { emoji: '🎉', count: 1, by: [bob.did] },
        { emoji: '👍', count: 2, by: [alice.did, bob.did].sort() },
      ])
    })

    it('take the latest reaction per person and emoji, in any arrival order', async () => {
      const p = await post(alice, 10, 'p')
      const on = await react(bob, 20, p, '👍', true)
      const off = await react(bob, 30, p, '👍', false)
      const onAgain = await react(bob, 40, p, '👍', true)
      expect(feedOf([p, off, on]).getPost(p.id)!.reactions).toEqual([])
      expect(feedOf([p, on, off]).getPost(p.id)!.reactions).toEqual([])
      expect(feedOf([onAgain, off, on, p]).getPost(p.id)!.reactions).toEqual([{ emoji: '👍', count: 1, by: [bob.did] }])
    })

    it('removing one emoji keeps the others', async () => {
      const p = await post(alice, 10, 'p')
      const feed = feedOf([
        p,
        await react(bob, 20, p, '👍', true),
        await react(bob, 21, p, '🎉', true),
        await react(bob, 22, p, '👍', false),
      ])
      expect(feed.getPost(p.id)!.reactions).toEqual([{ emoji: '🎉', count: 1, by: [bob.did] }])
    })
  })

  describe('moderation', () => {
    it('hides and unhides a post; includeHidden shows it flagged', async () => {
      const p = await post(alice, 10, 'p')
      const q = await post(bob, 11, 'q')
      const hide = await hidePost(20, p, true)
      const unhide = await hidePost(30, p, false)
      let feed = feedOf([p, q, hide])
      expect(texts(feed)).toEqual(['q'])
      expect(feed.getPost(p.id)).toBeUndefined()
      expect(feed.getFeed({ includeHidden: true }).map((item) => [item.text, item.hidden])).toEqual([
        ['q', false],
        ['p', true],
      ])
      feed = feedOf([unhide, p, hide, q])
      expect(texts(feed)).toEqual(['q', 'p'])
      expect(feed.getPost(p.id)!.hidden).toBe(false)
      // an older unhide does not undo a newer hide
      expect(texts(feedOf([p, await hidePost(5, p, false), hide]))).toEqual([])
    })

    it('counts only the replies its thread shows with the same options', async () => {
      const root = await post(alice, 10, 'root')
      const kept = await post(bob, 11, 'kept', root)
      const hiddenReply = await post(bob, 12, 'hidden', root)
      const mutedReply = await post(mod, 13, 'muted', root)
      const feed = feedOf([root, kept, hiddenReply, mutedReply, await hidePost(20, hiddenReply, true)])
      const options = { mutedAuthors: new Set([mod.did]) }
      expect(feed.getPost(root.id, options)!.replyCount).toBe(feed.getThread(root.id, options)!.replies.length)
      expect(feed.getPost(root.id, options)!.replyCount).toBe(1)
      expect(feed.getPost(root.id)!.replyCount).toBe(2)
      expect(feed.getPost(root.id, { includeHidden: true })!.replyCount).toBe(3)
    })

    it('hides and unhides everything by an author', async () => {
      const p1 = await post(alice, 10, 'a1')
      const p2 = await post(alice, 11, 'a2')
      const q = await post(bob, 12, 'b')
      const hide = await hideAuthor(20, alice.did, true)
      let feed = feedOf([p1, p2, q, hide])
      expect(texts(feed)).toEqual(['b'])
      expect(feed.isAuthorHidden(alice.did)).toBe(true)
      expect(feed.isAuthorHidden(bob.did)).toBe(false)
      expect(texts(feed, { includeHidden: true })).toEqual(['b', 'a2', 'a1'])
      feed = feedOf([p1, p2, q, hide, await hideAuthor(25, alice.did, false)])
      expect(texts(feed)).toEqual(['b', 'a2', 'a1'])
      expect(feed.isAuthorHidden(alice.did)).toBe(false)
    })

    it('drops hidden replies from threads unless includeHidden', async () => {
      const root = await post(alice, 10, 'root')
      const reply = await post(bob, 20, 'reply', root)
      const feed = feedOf([root, reply, await hidePost(30, reply, true)])
      expect(feed.getThread(root.id)!.replies).toEqual([])
      expect(feed.getThread(root.id, { includeHidden: true })!.replies.map((n) => [n.item.text, n.item.hidden])).toEqual([['reply', true]])
      expect(feed.getThread(reply.id)).toBeUndefined()
    })
  })

  it('applies local mutes of authors and posts', async () => {
    const p = await post(alice, 10, 'a')
    const q = await post(bob, 11, 'b')
    const reply = await post(bob, 12, 'reply', p)
    const feed = feedOf([p, q, reply])
    expect(texts(feed, { mutedAuthors: new Set([alice.did]) })).toEqual(['b'])
    expect(texts(feed, { mutedPosts: new Set([q.id]) })).toEqual(['a'])
    expect(feed.getThread(p.id, { mutedAuthors: new Set([bob.did]) })!.replies).toEqual([])
    expect(feed.getPost(p.id, { mutedPosts: new Set([p.id]) })).toBeUndefined()
    // muting is per call: nothing is remembered
    expect(texts(feed)).toEqual(['b', 'a'])
  })

  it('keeps the latest profile per author and names post authors', async () => {
    const p = await post(alice, 10, 'hello')
    const feed = feedOf([
      p,
      await profile(alice, 30, 'Alice B.', 'https://example.org/a.png'),
      await profile(alice, 20, 'Alice'),
      await profile(bob, 5, 'Bob'),
    ])
    expect(feed.getPost(p.id)!.authorName).toBe('Alice B.')
    expect(feed.getProfile(alice.did)).toEqual({
      did: alice.did,
      name: 'Alice B.',
      avatar: 'https://example.org/a.png',
      updatedAt: [30, 0],
    })
    expect(feed.getProfile(mod.did)).toBeUndefined()
    expect(feed.getProfiles().map((x) => x.did)).toEqual([alice.did, bob.did].sort())
  })

  it('ignores records of other kinds', async () => {
    const p = await post(alice, 10, 'p')
    const feed = feedOf([p, await make(alice, 'ballot', 20, { x: 1 }), await make(alice, 'role', 21, { member: bob.did, role: 'admin' })])
    expect(texts(feed)).toEqual(['p'])
  })

  describe('arrival order', () => {
    let records: SignedRecord[]
    let rootIds: string[]

    beforeAll(async () => {
      const p1 = await post(alice, 10, 'p1')
      const p2 = await post(bob, 10, 'p2')
      const p3 = await post(alice, 15, 'p3')
      const r1 = await post(bob, 20, 'r1', p1)
      const r2 = await post(alice, 21, 'r2', r1)
      const r3 = await post(mod, 22, 'r3', p1)
      rootIds = [p1.id, p2.id, p3.id]
      records = [
        p1,
        p2,
        p3,
        r1,
        r2,
        r3,
        await edit(alice, 30, p1, 'p1 edited'),
        await edit(alice, 30, p1, 'p1 edited concurrently'),
        await edit(bob, 31, p1, "not bob's"),
        await edit(bob, 32, r1, 'r1 edited'),
        await retract(alice, 40, p3),
        await retract(bob, 41, r1),
        await react(bob, 50, p1, '👍', true),
        await react(bob, 51, p1, '👍', false),
        await react(alice, 50, p1, '👍', true),
        await react(mod, 52, p2, '🎉', true),
        await hidePost(60, p2, true),
        await hidePost(61, p2, false),
        await hidePost(62, r3, true),
        await hideAuthor(63, bob.did, true),
        await hideAuthor(63, bob.did, false),
        await profile(alice, 70, 'Alice'),
        await profile(alice, 71, 'Alice 2'),
        await profile(bob, 72, 'Bob'),
      ]
    })

    const views = (feed: FeedState) => ({
      newest: feed.getFeed(),
      oldest: feed.getFeed({ order: 'oldest', includeHidden: true }),
      threads: rootIds.map((id) => [feed.getThread(id), feed.getThread(id, { includeHidden: true })]),
      profiles: feed.getProfiles(),
      hiddenBob: feed.isAuthorHidden(bob.did),
    })

    it('any arrival order gives deep-equal views', () => {
      const expected = views(feedOf(records))
      expect(expected.newest.length).toBeGreaterThan(0)
      assertProperty(
        fc.property(fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }), (shuffled) => {
          expect(views(feedOf(shuffled))).toEqual(expected)
        }),
      )
    })
  })

  it('insertSorted keeps a list in (hlc, id) order', () => {
    assertProperty(
      fc.property(
        fc.array(fc.record({ wall: fc.nat(5), counter: fc.nat(2), id: fc.string({ maxLength: 2 }) }), { maxLength: 30 }),
        (items) => {
          const list: Array<{ hlc: readonly [number, number]; id: string }> = []
          for (const x of items) insertSorted(list, { hlc: [x.wall, x.counter] as const, id: x.id })
          const expected = items.map((x) => ({ hlc: [x.wall, x.counter] as const, id: x.id })).sort(compareRecords)
          expect(list).toEqual(expected)
        },
      ),
    )
  })
})
