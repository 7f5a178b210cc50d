import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { InvalidRecordError, signRecord } from '../../core/index.js'
import { seenBy, world } from '../helpers.js'

describe('comments on a poll', () => {
  it('are posts that reply to the poll: they reach other peers, thread, and stay out of the feed', async () => {
    const w = await world()
    const bob = await w.join()
    await bob.space.join()
    const poll = await w.founder.space.createPoll({ question: 'Repaint?', options: ['Yes', 'No'], method: 'plurality' })
    await w.settle()
    const comment = await bob.space.reply(poll.id, 'Which colour, though?', { mentions: [w.founder.identity.did] })
    await w.settle()
    await w.founder.space.reply(comment.id, 'Green.')
    await w.settle()
    const comments = bob.space.getComments(poll.id)
    expect(comments.map((node) => [node.item.text, node.item.replyTo, node.replies.map((r) => r.item.text)])).toEqual([
      ['Which colour, though?', poll.id, ['Green.']],
    ])
    expect(w.founder.space.getComments(poll.id)).toEqual(comments)
    expect(w.founder.space.getPost(comment.id)?.mentions).toEqual([w.founder.identity.did])
    expect(w.founder.space.getFeed()).toEqual([])
    await w.close()
  })

  it('follow moderation like any post', async () => {
    const w = await world()
    const bob = await w.join()
    await bob.space.join()
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality' })
    await w.settle()
    const comment = await bob.space.reply(poll.id, 'spam')
    await w.settle()
    await w.founder.space.hidePost(comment.id, { reason: 'spam' })
    await w.settle()
    expect(bob.space.getComments(poll.id)).toEqual([])
    expect(bob.space.getComments(poll.id, { includeHidden: true }).map((n) => n.item.hidden)).toEqual([true])
    await w.close()
  })

  it('refuses a reply to anything but a post or a poll, here and on every peer', async () => {
    // Public: the hand-signed record is injected as a plain record, as a hostile peer would.
    const w = await world({ visibility: 'public' })
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality' })
    const ballot = await w.founder.space.castBallot(poll.id, 0)
    await expect(w.founder.space.reply(ballot.id, 'a reply to a ballot')).rejects.toSatisfy(
      (error: unknown) => error instanceof InvalidRecordError && /a reply names a post or a poll/.test(error.message),
    )
    // The same record signed by hand reaches a peer, which holds it with the reason.
    const bob = await w.join()
    const forged = await signRecord(w.founder.identity, {
      kind: 'post',
      space: CID.parse(w.founder.space.id),
      hlc: [Date.now(), 0],
      refs: [...seenBy(w.founder.space), ballot.cid],
      body: { text: 'a reply to a ballot', replyTo: ballot.cid },
    })
    await bob.space.ingest([{ bytes: forged.bytes, source: 'test' }])
    await bob.space.idle()
    expect(bob.space.getHeld().get(forged.id)?.reason).toBe('invalid-reference')
    expect(bob.space.getComments(ballot.id)).toEqual([])
    await w.close()
  })
})
