import { describe, expect, it } from 'vitest'
import { exportSpace, InvalidRecordError, recount } from '../../core/index.js'
import { world } from '../helpers.js'

describe('poll quorum', () => {
  it('says live whether enough have voted, and the final result keeps what the close counted', async () => {
    const w = await world()
    const [bob, carol] = [await w.join(), await w.join()]
    for (const peer of [bob, carol]) await peer.space.join()
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality', quorum: { minBallots: 2 } })
    await w.settle()
    expect(bob.space.getPoll(poll.id)!.quorumStatus).toEqual({ required: 2, ballots: 0, met: false })
    await bob.space.castBallot(poll.id, 0)
    await bob.space.castBallot(poll.id, 1) // a changed ballot is still one voter
    await w.settle()
    expect(w.founder.space.getPoll(poll.id)!.quorumStatus).toEqual({ required: 2, ballots: 1, met: false })
    await carol.space.castBallot(poll.id, 1)
    await w.settle()
    expect(w.founder.space.getPoll(poll.id)!.quorumStatus).toEqual({ required: 2, ballots: 2, met: true })
    await w.founder.space.closePoll(poll.id)
    await w.settle()
    for (const peer of w.peers)
      expect(peer.space.getPoll(poll.id)).toMatchObject({ status: 'final', quorumStatus: { met: true, ballots: 2 } })
    const recounted = await recount(JSON.stringify(exportSpace(carol.space, { poll: poll.id })))
    expect(recounted.polls[0]!.quorumStatus).toEqual({ required: 2, ballots: 2, met: true })
    await w.close()
  })

  it('stays not met once closed short of it, whatever ballots come late; the result is still shown', async () => {
    const w = await world()
    const bob = await w.join()
    await bob.space.join()
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality', quorum: { minBallots: 2 } })
    await w.settle()
    await w.founder.space.castBallot(poll.id, 0)
    await w.founder.space.closePoll(poll.id)
    // Bob votes without having seen the close: his ballot is late, and makes two live voters.
    await bob.space.castBallot(poll.id, 1)
    await w.settle()
    const view = w.founder.space.getPoll(poll.id)!
    expect(view.status).toBe('final')
    expect(view.close?.late).toBe(1)
    expect(view.quorumStatus).toEqual({ required: 2, ballots: 1, met: false })
    expect(view.final?.winner).toBe(0)
    await w.close()
  })

  it('takes a share of an explicit list, rounded up, and refuses a share of members at creation', async () => {
    const w = await world()
    const voters = [await w.join(), await w.join(), await w.join()]
    const poll = await w.founder.space.createPoll({
      question: 'Q',
      options: ['A', 'B'],
      method: 'plurality',
      eligibility: { type: 'list', voters: voters.map((v) => v.identity.did) },
      quorum: { percent: 50 },
    })
    await w.settle()
    await voters[0]!.space.castBallot(poll.id, 0)
    await w.settle()
    expect(w.founder.space.getPoll(poll.id)!.quorumStatus).toEqual({ required: 2, ballots: 1, met: false })
    await voters[2]!.space.castBallot(poll.id, 1)
    await w.settle()
    expect(voters[1]!.space.getPoll(poll.id)!.quorumStatus).toEqual({ required: 2, ballots: 2, met: true })
    await expect(
      w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality', quorum: { percent: 50 } }),
    ).rejects.toBeInstanceOf(InvalidRecordError)
    await w.close()
  })
})
