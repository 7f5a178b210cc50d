import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import {
  compareCausal,
  createIdentity,
  type Identity,
  signRecord,
  exportSpace,
  InvalidRecordError,
  NotAuthorizedError,
  recount,
  type MethodName,
  type Space,
} from '../../core/index.js'
import { world } from '../helpers.js'

const everyMethod: Array<{ method: MethodName; params?: unknown; choices: [unknown, unknown, unknown]; winner: number }> = [
  { method: 'plurality', choices: [0, 1, 1], winner: 1 },
  { method: 'approval', params: { min: 1, max: 2 }, choices: [[0, 1], [1], [1, 2]], winner: 1 },
  {
    method: 'instant-runoff',
    choices: [
      [0, 1],
      [1, 0],
      [1, 2],
    ],
    winner: 1,
  },
  {
    method: 'schulze',
    choices: [
      [0, 1, 2],
      [1, 0, 2],
      [1, 2, 0],
    ],
    winner: 1,
  },
  {
    method: 'copeland',
    choices: [
      [0, 1, 2],
      [1, 0, 2],
      [1, 2, 0],
    ],
    winner: 1,
  },
  {
    method: 'score',
    params: { min: 0, max: 5 },
    choices: [
      [5, 4, 0],
      [0, 5, 1],
      [1, 5, 0],
    ],
    winner: 1,
  },
  {
    method: 'quadratic',
    params: { credits: 9 },
    choices: [
      [3, 0, 0],
      [0, 2, 2],
      [0, 2, 1],
    ],
    winner: 1,
  },
  {
    method: 'weighted',
    params: { points: 10 },
    choices: [
      [10, 0, 0],
      [0, 6, 4],
      [0, 6, 4],
    ],
    winner: 1,
  },
]

describe('polls', () => {
  for (const { method, params, choices, winner } of everyMethod) {
    it(`runs a ${method} poll across peers: vote, change, close, final, recount`, async () => {
      const w = await world()
      const [bob, carol] = [await w.join(), await w.join()]
      for (const peer of [bob, carol]) await peer.space.join()
      const poll = await w.founder.space.createPoll({ question: 'Which?', options: ['A', 'B', 'C'], method, params })
      await w.settle()
      // Everyone first votes like the founder, then bob and carol change their minds.
      for (const peer of w.peers) await peer.space.castBallot(poll.id, choices[0])
      await w.settle()
      expect(w.founder.space.getPoll(poll.id)!.turnout).toBe(3)
      await bob.space.castBallot(poll.id, choices[1])
      await carol.space.castBallot(poll.id, choices[2])
      await w.settle()
      const live = w.founder.space.getPoll(poll.id)!.live!
      expect(live.winner).toBe(winner)
      await w.founder.space.closePoll(poll.id)
      await w.settle()
      for (const peer of w.peers) {
        const view = peer.space.getPoll(poll.id)!
        expect(view.status).toBe('final')
        expect(view.final).toEqual(live)
        expect(view.close).toMatchObject({ committed: 3, missing: 0, late: 0, invalid: 0 })
      }
      const recounted = await recount(JSON.stringify(exportSpace(bob.space, { poll: poll.id })))
      expect(recounted.polls.map((p) => p.final)).toEqual([live])
      await w.close()
    })
  }

  it("rejects invalid choices for the method with a reason and keeps the voter's valid ballot", async () => {
    const w = await world()
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'approval', params: { min: 1, max: 1 } })
    await w.founder.space.castBallot(poll.id, [0])
    await expect(w.founder.space.castBallot(poll.id, [0, 1])).rejects.toBeInstanceOf(InvalidRecordError)
    await expect(w.founder.space.castBallot(poll.id, [7])).rejects.toThrow(/approval choice/)
    expect(w.founder.space.getTally(poll.id)).toMatchObject({ counts: [1, 0] })
    await w.close()
  })

  it('enforces eligibility: members, an explicit list, or anyone', async () => {
    const w = await world({ policy: 'invite-only' })
    const member = await w.join()
    const outsider = await w.join()
    await w.founder.space.grantRole(member.identity.did, 'member')
    const members = await w.founder.space.createPoll({ question: 'm', options: ['A', 'B'], method: 'plurality' })
    const listed = await w.founder.space.createPoll({
      question: 'l',
      options: ['A', 'B'],
      method: 'plurality',
      eligibility: { type: 'list', voters: [outsider.identity.did] },
    })
    const anyone = await w.founder.space.createPoll({
      question: 'a',
      options: ['A', 'B'],
      method: 'plurality',
      eligibility: { type: 'anyone' },
    })
    await w.settle()
    await expect(outsider.space.castBallot(members.id, 0)).rejects.toBeInstanceOf(NotAuthorizedError)
    await expect(member.space.castBallot(listed.id, 0)).rejects.toBeInstanceOf(NotAuthorizedError)
    await outsider.space.castBallot(listed.id, 1)
    await outsider.space.castBallot(anyone.id, 1)
    await member.space.castBallot(members.id, 0)
    await expect(outsider.space.createPoll({ question: 'x', options: ['A', 'B'], method: 'plurality' })).rejects.toBeInstanceOf(
      NotAuthorizedError,
    )
    await w.settle()
    expect([members, listed, anyone].map((p) => w.founder.space.getPoll(p.id)!.turnout)).toEqual([1, 1, 1])
    await w.close()
  })

  it('shows a close whose ballots have not all arrived as syncing, then final; later ballots are late', async () => {
    const w = await world({ visibility: 'public' })
    const bob = await w.join()
    await bob.space.join()
    const observer = await w.join()
    await observer.space.join()
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality' })
    await w.settle()
    // The observer is cut off while bob votes and the founder closes.
    w.network.partition([['peer-2']])
    await bob.space.castBallot(poll.id, 1)
    await w.founder.space.castBallot(poll.id, 0)
    await w.network.flush()
    await Promise.all(w.peers.map((p) => p.space.idle()))
    await w.founder.space.closePoll(poll.id)
    await w.network.flush()
    await Promise.all(w.peers.map((p) => p.space.idle()))
    expect(w.founder.space.getPoll(poll.id)!.status).toBe('final')
    expect(observer.space.getPoll(poll.id)!.status).toBe('open')
    // Deliver only the close to the observer: it knows the poll is closed but lacks the ballots.
    const close = w.founder.space.getRecords().find((r) => r.kind === 'close')!
    await observer.space.ingest([{ bytes: close.bytes, source: 'test' }])
    const ballots = [w.founder, bob].map((peer) => peer.space.getMyBallot(poll.id)!.id).sort()
    const shown = observer.space.getPoll(poll.id)!
    expect(shown).toMatchObject({ status: 'syncing', final: undefined, pending: [], close: { committed: 2, missing: 2 } })
    expect([...shown.close!.waitingFor].sort()).toEqual(ballots)
    // Voting is not over until the close is in force: a close may be a ghost (see the finality tests).
    w.network.heal()
    await w.settle()
    expect(observer.space.getPoll(poll.id)).toMatchObject({ status: 'final', close: { missing: 0 } })
    // Once the close is known, castBallot refuses; a ballot from a peer that had not seen the close
    // (signed here directly, as an offline voter would have) is late and never counted: the first
    // voter's only ballot, then a second ballot of a counted voter.
    await expect(bob.space.castBallot(poll.id, 0)).rejects.toThrow(/closed/)
    const offline = (peer: { identity: Identity; space: Space }) =>
      signRecord(peer.identity, {
        kind: 'ballot',
        space: CID.parse(poll.space!.toString()),
        hlc: [Date.now() + 5, 0],
        // What that voter had seen: their join, not the close.
        refs: [peer.space.getRecords().find((r) => r.kind === 'join' && r.author === peer.identity.did)!.cid],
        body: { poll: poll.cid, choice: 0 },
      })
    let late = 0
    for (const ballot of [await offline(observer), await offline(bob)]) {
      for (const id of w.network.peers) w.network.inject(id, [ballot.bytes])
      await w.settle()
      late++
      for (const peer of w.peers) {
        expect(peer.space.getPoll(poll.id)).toMatchObject({ status: 'final', turnout: 2, close: { late, invalid: 0 } })
        expect(peer.space.getTally(poll.id)).toMatchObject({ counts: [1, 1] })
      }
    }
    await w.close()
  })

  it('recounts a poll export to the same result when the poll names posts its author had seen', async () => {
    const w = await world()
    const bob = await w.join()
    await bob.space.join()
    await bob.space.post('before the poll')
    await w.settle()
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality' })
    await w.settle()
    await bob.space.castBallot(poll.id, 1)
    await w.settle()
    await w.founder.space.closePoll(poll.id)
    await w.settle()
    const exported = exportSpace(w.founder.space, { poll: poll.id })
    expect(exported.records.length).toBeLessThan(w.founder.space.getRecords().length + 1)
    const recounted = await recount(JSON.stringify(exported))
    expect(recounted.polls).toMatchObject([{ status: 'final', final: { counts: [0, 1] } }])
    expect(recounted.rejections.byReason['missing-dependency'] ?? 0).toBe(0)
    await w.close()
  })

  it('lets only the author or an admin close; concurrent closes of one ballot set agree', async () => {
    const w = await world()
    const [admin, voter] = [await w.join(), await w.join()]
    await voter.space.join()
    await w.founder.space.grantRole(admin.identity.did, 'admin')
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality' })
    await w.settle()
    await expect(voter.space.closePoll(poll.id)).rejects.toBeInstanceOf(NotAuthorizedError)
    await voter.space.castBallot(poll.id, 1)
    await w.network.flush()
    await Promise.all(w.peers.map((p) => p.space.idle()))
    const first = await w.founder.space.closePoll(poll.id)
    const second = await admin.space.closePoll(poll.id)
    await w.settle()
    // Both commit the same ballots: they agree, the poll is final, shown with the earlier in record order.
    const earliest = [first, second].sort(compareCausal)[0]!
    for (const peer of w.peers) expect(peer.space.getPoll(poll.id)).toMatchObject({ status: 'final', close: { id: earliest.id } })
    await w.close()
  })

  it('splits large closes into parts and still reaches a final result on every peer', async () => {
    const w = await world({ maxRecordBytes: 4096, visibility: 'public' })
    const voter = await w.join()
    const poll = await w.founder.space.createPoll({
      question: 'Q',
      options: ['A', 'B'],
      method: 'plurality',
      eligibility: { type: 'anyone' },
    })
    await w.settle()
    await voter.space.castBallot(poll.id, 1)
    // 120 ballots from throwaway keys: more than one 4 KiB close record can hold.
    const ballots = []
    for (let i = 0; i < 120; i++) {
      const body = { poll: poll.cid, choice: 0 }
      ballots.push(
        (
          await signRecord(await createIdentity(), {
            kind: 'ballot',
            space: CID.parse(w.founder.space.id),
            hlc: [Date.now(), 0],
            refs: [poll.cid],
            body,
          })
        ).bytes,
      )
    }
    await w.founder.space.replica.add(ballots)
    await w.founder.space.ingest(ballots.map((bytes) => ({ bytes, source: 'voters' })))
    await w.settle()
    const close = await w.founder.space.closePoll(poll.id)
    await w.settle()
    expect((close.body as { parts: unknown[] }).parts.length).toBeGreaterThan(1)
    for (const peer of w.peers) {
      expect(peer.space.getPoll(poll.id)).toMatchObject({ status: 'final', close: { committed: 121, missing: 0 } })
      expect(peer.space.getTally(poll.id)).toMatchObject({ counts: [120, 1] })
    }
    await w.close()
  })

  it('keeps secret ballots hidden until close, then counts automatic reveals', async () => {
    const w = await world()
    const [bob, carol, dave] = [await w.join(), await w.join(), await w.join()]
    for (const peer of [bob, carol, dave]) await peer.space.join()
    const poll = await w.founder.space.createPoll({ question: 'Secret?', options: ['yes', 'no'], method: 'plurality', secret: true })
    await w.settle()
    await bob.space.castBallot(poll.id, 0)
    await carol.space.castBallot(poll.id, 1)
    await dave.space.castBallot(poll.id, 1)
    await w.settle()
    const open = w.founder.space.getPoll(poll.id)!
    expect(open).toMatchObject({ status: 'open', turnout: 3, live: undefined })
    // Nothing on the wire reveals a choice before close: ballots carry only commitments.
    for (const ballot of w.founder.space.getRecords().filter((r) => r.kind === 'ballot')) expect(ballot.body).not.toHaveProperty('choice')
    await dave.space.close() // dave goes offline for good and never reveals
    w.peers.splice(w.peers.indexOf(dave), 1)
    await w.founder.space.closePoll(poll.id)
    await w.settle()
    await w.settle()
    for (const peer of w.peers) {
      // Dave's commitment is counted in turnout but his choice never arrives: not final, and nothing is claimed final.
      expect(peer.space.getPoll(poll.id)).toMatchObject({
        status: 'revealing',
        final: undefined,
        revealed: { counts: [1, 1] },
        close: { committed: 3, unrevealed: 1 },
      })
      expect(peer.space.getTally(poll.id)).toBeUndefined()
    }
    await w.close()
  })
})
