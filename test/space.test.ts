import { CID } from 'multiformats/cid'
import { describe, expect, it, vi } from 'vitest'
import {
  type SignedRecord,
  Space,
  localReplica,
  signRecord,
  createIdentity,
  InvalidRecordError,
  NotAuthorizedError,
  parseShareLink,
  MAX_POST_LENGTH,
  ClosedError,
} from '../core/index.js'
import { snapshot, world } from './helpers.js'

describe('Space', () => {
  it('creates a space whose id is its genesis record and shows its info on every peer', async () => {
    const w = await world({ policy: 'invite-only' })
    const bob = await w.join()
    expect(w.founder.space.getInfo()).toMatchObject({
      name: 'Test space',
      policy: 'invite-only',
      founder: w.founder.identity.did,
      maxRecordBytes: 65536,
    })
    expect(bob.space.getInfo()).toEqual(w.founder.space.getInfo())
    expect(w.founder.space.hasRecord(w.founder.space.id)).toBe(true)
    await w.close()
  })

  it('converges posts, replies, edits, reactions and retractions between peers', async () => {
    const w = await world()
    const bob = await w.join()
    const alice = w.founder.space
    const post = await alice.post('Meeting on Saturday?')
    await w.settle()
    const reply = await bob.space.reply(post.id, 'Works for me')
    await bob.space.react(post.id, '👍')
    await alice.react(post.id, '👍')
    await alice.editPost(post.id, 'Meeting on Sunday?')
    await w.settle()
    const feed = bob.space.getFeed()
    expect(feed).toHaveLength(1)
    expect(feed[0]).toMatchObject({ text: 'Meeting on Sunday?', replyCount: 1, retracted: false })
    expect(feed[0]!.editedAt).toBeDefined()
    expect(feed[0]!.reactions).toEqual([{ emoji: '👍', count: 2, by: [alice.identity.did, bob.identity.did].sort() }])
    expect(bob.space.getThread(post.id)!.replies.map((node) => node.item.id)).toEqual([reply.id])
    await bob.space.unreact(post.id, '👍')
    await alice.retractPost(post.id)
    await w.settle()
    expect(bob.space.getFeed()).toEqual([])
    expect(bob.space.getThread(post.id)!.item).toMatchObject({ retracted: true, text: '' })
    expect(snapshot(alice)).toEqual(snapshot(bob.space))
    await w.close()
  })

  it('refuses to publish what peers would reject, with typed errors', async () => {
    const w = await world({ policy: 'invite-only' })
    const stranger = await w.join()
    await expect(stranger.space.post('let me in')).rejects.toBeInstanceOf(NotAuthorizedError)
    await expect(w.founder.space.post('')).rejects.toBeInstanceOf(InvalidRecordError)
    await expect(w.founder.space.post('x'.repeat(MAX_POST_LENGTH + 1))).rejects.toThrow(/body.text/)
    await expect(stranger.space.grantRole(stranger.identity.did, 'admin')).rejects.toBeInstanceOf(NotAuthorizedError)
    await expect(stranger.space.hidePost(w.founder.space.id)).rejects.toBeInstanceOf(NotAuthorizedError)
    await w.settle()
    // Nothing was published: the founder's peer saw no rejected record.
    expect(w.founder.space.getRejections().total).toBe(0)
    await w.close()
  })

  it('admits members through invite links, up to the use limit', async () => {
    const w = await world({ policy: 'invite-only' })
    const invite = await w.founder.space.createInvite({ maxUses: 1 })
    const link = parseShareLink(invite.link)
    expect(link.space).toBe(w.founder.space.id)
    const bob = await w.join()
    const carol = await w.join()
    await bob.space.redeemInvite(link.invite!)
    await w.settle()
    await expect(carol.space.redeemInvite(link.invite!)).rejects.toThrow(/already used 1 time/)
    await bob.space.post('hi, I am in')
    await w.settle()
    expect(w.founder.space.getMembers().map((m) => [m.did, m.role])).toEqual(
      expect.arrayContaining([
        [w.founder.identity.did, 'founder'],
        [bob.identity.did, 'member'],
      ]),
    )
    expect(w.founder.space.getRole(carol.identity.did)).toBeNull()
    expect(carol.space.getFeed().map((item) => item.text)).toEqual(['hi, I am in'])
    await w.close()
  })

  it('resolves concurrent redemptions beyond the limit the same way on every peer', async () => {
    const w = await world({ policy: 'invite-only' })
    const invite = await w.founder.space.createInvite({ maxUses: 1 })
    const [bob, carol] = [await w.join(), await w.join()]
    // Neither has seen the other's join: both publish, and the earlier one in (hlc, id) order wins everywhere.
    const joins = await Promise.all([
      bob.space.redeemInvite(parseShareLink(invite.link).invite!),
      carol.space.redeemInvite(parseShareLink(invite.link).invite!),
    ])
    await w.settle()
    const winner = [...joins].sort((a, b) => a.hlc[0] - b.hlc[0] || a.hlc[1] - b.hlc[1] || (a.id < b.id ? -1 : 1))[0]!
    for (const peer of w.peers) {
      expect(peer.space.getInvites().get(invite.id)?.redeemedBy).toEqual([winner.author])
      expect(peer.space.getHeld().get(joins.find((j) => j !== winner)!.id)?.reason).toBe('not-authorized')
    }
    await w.close()
  })

  it('lets admins grant moderation rights and moderators hide posts and authors', async () => {
    const w = await world()
    const mod = await w.join()
    const troll = await w.join()
    await w.founder.space.grantRole(mod.identity.did, 'moderator')
    const spam = await troll.space.post('buy now')
    await troll.space.post('more spam')
    await w.settle()
    await mod.space.hidePost(spam.id, { reason: 'spam' })
    await w.settle()
    expect(w.founder.space.getFeed().map((i) => i.text)).toEqual(['more spam'])
    await mod.space.hideAuthor(troll.identity.did)
    await w.settle()
    expect(w.founder.space.getFeed()).toEqual([])
    expect(w.founder.space.getFeed({ includeHidden: true }).every((item) => item.hidden)).toBe(true)
    await mod.space.hideAuthor(troll.identity.did, { hidden: false })
    await w.settle()
    expect(w.founder.space.getFeed().map((i) => i.text)).toEqual(['more spam'])
    await w.close()
  })

  it('mutes locally without replicating anything', async () => {
    const w = await world()
    const bob = await w.join()
    await bob.space.post('noise')
    await w.settle()
    w.founder.space.muteAuthor(bob.identity.did)
    await w.settle()
    expect(w.founder.space.getFeed()).toEqual([])
    expect(bob.space.getFeed().map((i) => i.text)).toEqual(['noise'])
    w.founder.space.muteAuthor(bob.identity.did, false)
    expect(w.founder.space.getFeed().map((i) => i.text)).toEqual(['noise'])
    await w.close()
  })

  it('keeps profiles latest-wins per owner and shows names in the feed', async () => {
    const w = await world()
    const bob = await w.join()
    await bob.space.setProfile({ name: 'Bob' })
    await bob.space.setProfile({ name: 'Robert', avatar: 'https://example.org/a.png' })
    await bob.space.post('hello')
    await w.settle()
    expect(w.founder.space.getProfile(bob.identity.did)).toMatchObject({ name: 'Robert', avatar: 'https://example.org/a.png' })
    expect(w.founder.space.getFeed()[0]!.authorName).toBe('Robert')
    await expect(bob.space.setProfile({ name: 'x', avatar: 'javascript:alert(1)' })).rejects.toBeInstanceOf(InvalidRecordError)
    await w.close()
  })

  it('notifies subscribers of changes and stops after close', async () => {
    const w = await world()
    const bob = await w.join()
    const changes: number[] = []
    const stop = bob.space.subscribe((change) => changes.push(change.added.length))
    await w.founder.space.post('one')
    await w.settle()
    expect(changes).toEqual([1])
    stop()
    await w.founder.space.post('two')
    await w.settle()
    expect(changes).toEqual([1])
    await bob.space.close()
    await expect(bob.space.post('late')).rejects.toBeInstanceOf(ClosedError)
    await w.close()
  })

  it('reports every record of a change as added when the change also changes membership', async () => {
    const w = await world({ visibility: 'public' })
    const carol = await w.join()
    const join = await carol.space.join()
    const post = await carol.space.post('hi')
    const watcher = await Space.open({
      id: w.founder.space.id,
      identity: await createIdentity(),
      replica: localReplica(w.founder.space.id),
    })
    const genesis = w.founder.space.getRecords().find((r) => r.kind === 'space')!
    await watcher.ingest([{ bytes: genesis.bytes, source: 'founder' }])
    const seen: string[][] = []
    watcher.subscribe((change) => seen.push([...change.added]))
    // The join rebuilds the membership; the post arrives with it and enters the feed all the same.
    const change = await watcher.ingest([join, post].map((record) => ({ bytes: record.bytes, source: 'carol' })))
    expect(change.membershipChanged).toBe(true)
    expect([...change.added].sort()).toEqual([join.id, post.id].sort())
    expect(seen).toEqual([change.added])
    expect(watcher.getFeed().map((item) => item.id)).toEqual([post.id])
    await watcher.close()
    await w.close()
  })

  it('re-evaluates earlier records when the membership that authorizes them arrives later', async () => {
    const w = await world({ policy: 'invite-only' })
    const bob = await w.join()
    // Bob is granted membership, posts, and the observer receives the post before the grant.
    const grant = await w.founder.space.grantRole(bob.identity.did, 'member')
    await w.settle()
    const observer = await createIdentity()
    const post = await bob.space.post('authorized by a grant that arrives later')
    const late = await w.join(observer)
    expect(late.space.getFeed()).toHaveLength(1)
    // Rebuilding from scratch in the opposite order gives the same result.
    expect(snapshot(late.space)).toEqual(snapshot(w.founder.space))
    expect(late.space.hasRecord(grant.id) && late.space.hasRecord(post.id)).toBe(true)
    await w.close()
  })

  it("holds an edit of someone else's post the same way whether it arrives before or after the post", async () => {
    const w = await world({ visibility: 'public' })
    const [bob, mallory] = [await w.join(), await w.join()]
    const post = await bob.space.post('mine')
    const edit = await signRecord(mallory.identity, {
      kind: 'edit',
      space: CID.parse(w.founder.space.id),
      hlc: [Date.now() + 1, 0],
      refs: [],
      body: { post: post.cid, text: 'defaced' },
    })
    // One peer receives the edit before the post, another after: both hold it for the same reason.
    const early = await Space.open({ id: w.founder.space.id, identity: await createIdentity(), replica: localReplica(w.founder.space.id) })
    const genesis = w.founder.space.getRecords().find((r) => r.kind === 'space')!
    await early.ingest([{ bytes: genesis.bytes, source: 'founder' }])
    await early.ingest([{ bytes: edit.bytes, source: 'mallory' }])
    // It names the post: it waits for it, and is judged only once the post is here.
    expect(early.getHeld().get(edit.id)?.reason).toBe('missing-dependency')
    await early.ingest([{ bytes: post.bytes, source: 'bob' }])
    await w.settle()
    await w.founder.space.ingest([{ bytes: edit.bytes, source: 'mallory' }])
    for (const space of [w.founder.space, early]) {
      expect(space.getHeld().get(edit.id)?.reason).toBe('invalid-reference')
      expect(space.getPost(post.id)?.text).toBe('mine')
    }
    await early.close()
    await w.close()
  })

  it('keeps folding records for everyone when a subscriber throws', async () => {
    const w = await world()
    const bob = await w.join()
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    bob.space.subscribe(() => {
      throw new Error('broken UI callback')
    })
    const seen: number[] = []
    bob.space.subscribe((change) => seen.push(change.added.length))
    await w.founder.space.post('still delivered')
    await w.settle()
    expect(bob.space.getFeed().map((item) => item.text)).toEqual(['still delivered'])
    expect(seen).toEqual([1])
    expect(errors).toHaveBeenCalled()
    errors.mockRestore()
    await w.close()
  })

  it('rejects waiting for a record once the space closes', async () => {
    const w = await world()
    const bob = await w.join()
    const waiting = bob.space.whenRecord('bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
    await bob.space.close()
    await expect(waiting).rejects.toBeInstanceOf(ClosedError)
    await w.close()
  })

  it('keeps one instance of each CID that records name, however many records name it', async () => {
    const w = await world()
    const bob = await w.join()
    const poll = await w.founder.space.createPoll({
      question: 'Q?',
      options: ['a', 'b'],
      method: 'plurality',
      eligibility: { type: 'anyone' },
    })
    await w.settle()
    await bob.space.castBallot(poll.id, 0)
    await w.founder.space.castBallot(poll.id, 1)
    await w.settle()
    const ballots = w.founder.space.getRecords().filter((record) => record.kind === 'ballot')
    expect(ballots).toHaveLength(2)
    const [a, b] = ballots as [SignedRecord<{ poll: CID }>, SignedRecord<{ poll: CID }>]
    // Decoded separately (one came from a peer), yet sharing the space's, the poll's and each other's CIDs.
    expect(a.space).toBe(b.space)
    expect(a.refs[0]).toBe(b.refs[0])
    expect(a.body.poll).toBe(b.body.poll)
    expect(a.body.poll).toBe(a.refs[0])
    expect(a.body.poll.toString()).toBe(poll.id)
    expect(w.founder.space.getTally(poll.id)?.ballots).toBe(2)
    await w.close()
  })
})
