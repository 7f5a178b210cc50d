/**
 * Byzantine voters and closers: every attack is rejected (or ignored) with a reason, the counted
 * result stays what honest records alone determine, and nothing throws.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import {
  ballotCommitment,
  ballotSetDigest,
  createIdentity,
  signRecord,
  type Identity,
  type RejectionReason,
  type SignedRecord,
} from '../../core/index.js'
import { seenBy, world, type Peer, type World } from '../helpers.js'

let w: World
let voter: Peer
let mallory: Identity
let space: CID

beforeEach(async () => {
  w = await world({ visibility: 'public' })
  voter = await w.join()
  await voter.space.join()
  mallory = await createIdentity()
  space = CID.parse(w.founder.space.id)
})
afterEach(() => w.close())

// Hand-signed records name what the founder's peer has seen, as an honest peer's records would.
const sign = (identity: Identity, kind: string, body: unknown, wall = Date.now()) =>
  signRecord(identity, { kind, space, hlc: [wall, 0], refs: seenBy(w.founder.space), body })

async function deliver(records: SignedRecord[]) {
  for (const peer of w.network.peers)
    w.network.inject(
      peer,
      records.map((r) => r.bytes),
    )
  await w.settle()
}

function expectHeld(record: SignedRecord, reason: RejectionReason, detail?: RegExp) {
  for (const peer of w.peers) {
    const held = peer.space.getHeld().get(record.id)
    expect(held?.reason).toBe(reason)
    if (detail) expect(held?.detail).toMatch(detail)
  }
}

async function poll(options: Partial<Parameters<typeof w.founder.space.createPoll>[0]> = {}) {
  const record = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B', 'C'], method: 'plurality', ...options })
  await w.settle()
  return record
}

describe('Byzantine voting', () => {
  it('counts one vote per voter however many ballots they send', async () => {
    const p = await poll()
    const ballots = await Promise.all(
      [0, 1, 1, 1].map((choice, i) => sign(voter.identity, 'ballot', { poll: p.cid, choice }, Date.now() + i)),
    )
    await deliver([...ballots, ...ballots])
    for (const peer of w.peers) expect(peer.space.getTally(p.id)).toMatchObject({ counts: [0, 1, 0], ballots: 1 })
  })

  it('rejects ballots by ineligible voters', async () => {
    const p = await poll()
    const listed = await poll({ eligibility: { type: 'list', voters: [voter.identity.did] } })
    const outsider = await sign(mallory, 'ballot', { poll: p.cid, choice: 0 })
    const notListed = await sign(w.founder.identity, 'ballot', { poll: listed.cid, choice: 0 })
    await deliver([outsider, notListed])
    expectHeld(outsider, 'not-authorized', /not eligible/)
    expectHeld(notListed, 'not-authorized', /not eligible/)
    expect(w.founder.space.getPoll(p.id)!.turnout).toBe(0)
  })

  it('never counts ballots outside the close set', async () => {
    const p = await poll()
    await voter.space.castBallot(p.id, 0)
    await w.settle()
    await w.founder.space.closePoll(p.id)
    await w.settle()
    const after = await sign(voter.identity, 'ballot', { poll: p.cid, choice: 2 }, Date.now() + 1000)
    await deliver([after])
    for (const peer of w.peers)
      expect(peer.space.getPoll(p.id)).toMatchObject({ status: 'final', final: { counts: [1, 0, 0] }, close: { late: 1 } })
  })

  it('rejects a close by someone without the right, and one with a forged digest', async () => {
    const p = await poll()
    await voter.space.castBallot(p.id, 1)
    await w.settle()
    const ballotIds = [w.founder.space.getMyBallot(p.id), voter.space.getMyBallot(p.id)].filter(Boolean).map((b) => b!.cid)
    const unauthorized = await sign(voter.identity, 'close', {
      poll: p.cid,
      count: ballotIds.length,
      digest: ballotSetDigest(ballotIds),
      ballots: ballotIds,
      parts: [],
    })
    await deliver([unauthorized])
    expectHeld(unauthorized, 'not-authorized', /author or an admin/)
    // The author's close with a digest that does not match its ids is skipped: the poll stays open.
    const forged = await sign(w.founder.identity, 'close', {
      poll: p.cid,
      count: ballotIds.length,
      digest: new Uint8Array(32),
      ballots: ballotIds,
      parts: [],
    })
    await deliver([forged])
    for (const peer of w.peers) expect(peer.space.getPoll(p.id)!.status).toBe('open')
  })

  it("refuses a close naming two ballots of one voter as stale-ballot: it must commit each voter's latest only", async () => {
    const p = await poll()
    const first = await voter.space.castBallot(p.id, 0)
    await w.settle()
    const second = await voter.space.castBallot(p.id, 1)
    await w.settle()
    const both = await sign(w.founder.identity, 'close', {
      poll: p.cid,
      count: 2,
      digest: ballotSetDigest([first.cid, second.cid]),
      ballots: [first.cid, second.cid],
      parts: [],
    })
    await deliver([both])
    expectHeld(both, 'stale-ballot', /newer ballot/)
    for (const peer of w.peers) expect(peer.space.getPoll(p.id)!.status).toBe('open')
  })

  it('refuses a close by a moderator: only the poll author, an admin or the founder may close', async () => {
    const p = await poll()
    await w.founder.space.grantRole(voter.identity.did, 'moderator')
    await w.settle()
    await expect(voter.space.closePoll(p.id)).rejects.toThrow(/author or an admin/)
    const byModerator = await sign(voter.identity, 'close', { poll: p.cid, count: 0, digest: ballotSetDigest([]), ballots: [], parts: [] })
    await deliver([byModerator])
    expectHeld(byModerator, 'not-authorized', /author or an admin/)
    for (const peer of w.peers) expect(peer.space.getPoll(p.id)!.status).toBe('open')
  })

  it('refuses a close whose count does not match the ballots it names', async () => {
    const p = await poll()
    const ballot = await voter.space.castBallot(p.id, 1)
    await w.settle()
    const miscounted = await sign(w.founder.identity, 'close', {
      poll: p.cid,
      count: 2,
      digest: ballotSetDigest([ballot.cid]),
      ballots: [ballot.cid],
      parts: [],
    })
    await deliver([miscounted])
    expectHeld(miscounted, 'invalid-reference', /counts 2 ballots but names 1/)
    for (const peer of w.peers) expect(peer.space.getPoll(p.id)!.status).toBe('open')
  })

  it('does not count committed ids that are not valid ballots of the poll', async () => {
    const p = await poll()
    const other = await poll()
    await voter.space.castBallot(p.id, 1)
    const stranger = await sign(mallory, 'ballot', { poll: p.cid, choice: 0 })
    await deliver([stranger])
    const ids = [voter.space.getMyBallot(p.id)!.cid, stranger.cid, other.cid]
    const close = await sign(w.founder.identity, 'close', {
      poll: p.cid,
      count: ids.length,
      digest: ballotSetDigest(ids),
      ballots: ids,
      parts: [],
    })
    await deliver([close])
    for (const peer of w.peers)
      expect(peer.space.getPoll(p.id)).toMatchObject({ status: 'final', final: { counts: [0, 1, 0] }, close: { invalid: 2 } })
  })

  it('rejects reveals that do not match the commitment or come from someone else', async () => {
    const p = await poll({ secret: true })
    const salt = new Uint8Array(32).fill(3)
    const ballot = await sign(voter.identity, 'ballot', { poll: p.cid, commitment: ballotCommitment(p.cid, voter.identity.did, 0, salt) })
    await deliver([ballot])
    const close = await sign(w.founder.identity, 'close', {
      poll: p.cid,
      count: 1,
      digest: ballotSetDigest([ballot.cid]),
      ballots: [ballot.cid],
      parts: [],
    })
    await deliver([close])
    const wrongChoice = await sign(voter.identity, 'reveal', { poll: p.cid, ballot: ballot.cid, close: close.cid, choice: 1, salt })
    const wrongVoter = await sign(mallory, 'reveal', { poll: p.cid, ballot: ballot.cid, close: close.cid, choice: 0, salt })
    const wrongClose = await sign(voter.identity, 'reveal', { poll: p.cid, ballot: ballot.cid, close: ballot.cid, choice: 0, salt })
    await deliver([wrongChoice, wrongVoter, wrongClose])
    expectHeld(wrongChoice, 'invalid-reference', /do not match/)
    expectHeld(wrongVoter, 'invalid-reference', /only the voter/)
    expectHeld(wrongClose, 'invalid-reference', /names the close/)
    const honest = await sign(voter.identity, 'reveal', { poll: p.cid, ballot: ballot.cid, close: close.cid, choice: 0, salt })
    await deliver([honest])
    for (const peer of w.peers)
      expect(peer.space.getPoll(p.id)).toMatchObject({ status: 'final', final: { counts: [1, 0, 0] }, close: { unrevealed: 0 } })
  })

  it('rejects malformed choices for every method', async () => {
    const cases: Array<[Parameters<typeof w.founder.space.createPoll>[0]['method'], unknown, unknown[]]> = [
      ['plurality', undefined, [3, -1, 1.5, '0', null, [0]]],
      ['approval', { min: 1, max: 2 }, [[], [0, 1, 2], [1, 1], [5], [1, 0]]],
      ['instant-runoff', undefined, [[], [0, 0], [0, 9], [0, 1, 2, 0]]],
      ['schulze', undefined, [[0, 0], [-1], 'abc']],
      ['copeland', undefined, [[1, 1], [3]]],
      [
        'score',
        { min: 0, max: 5 },
        [
          [6, 0, 0],
          [0, 0],
          [1, 2, 3, 4],
          [0.5, 0, 0],
        ],
      ],
      [
        'quadratic',
        { credits: 9 },
        [
          [3, 1, 0],
          [-1, 0, 0],
          [0, 0],
        ],
      ],
      [
        'weighted',
        { points: 10 },
        [
          [5, 4, 0],
          [11, -1, 0],
          [10, 0],
        ],
      ],
    ]
    for (const [method, params, choices] of cases) {
      const p = await poll({ method, params })
      const ballots = await Promise.all(choices.map((choice, i) => sign(voter.identity, 'ballot', { poll: p.cid, choice }, Date.now() + i)))
      await deliver(ballots)
      for (const ballot of ballots) expectHeld(ballot, 'schema', new RegExp(`invalid ${method} choice`))
      expect(w.founder.space.getPoll(p.id)!.turnout).toBe(0)
    }
  })

  it('rejects a ballot copied into another poll or space', async () => {
    const p = await poll()
    const q = await poll()
    await voter.space.castBallot(p.id, 1)
    await w.settle()
    const original = voter.space.getMyBallot(p.id)!
    // Re-pointing the ballot at another poll changes the signed bytes: the signature no longer verifies.
    const { decode } = await import('@ipld/dag-cbor')
    const { encode } = await import('../../core/index.js')
    const wire = decode(original.bytes) as Record<string, unknown>
    const moved = encode({ ...wire, b: { poll: q.cid, choice: 1 } })
    const before = w.founder.space.getRejections().byReason['bad-signature'] ?? 0
    for (const peer of w.network.peers) w.network.inject(peer, [moved])
    await w.settle()
    expect(w.founder.space.getRejections().byReason['bad-signature']).toBe(before + 1)
    const other = await world({ visibility: 'public' })
    const foreignSpace = await other.founder.space.createPoll({
      question: 'Q',
      options: ['A', 'B'],
      method: 'plurality',
      eligibility: { type: 'anyone' },
    })
    await other.close()
    for (const peer of w.network.peers) w.network.inject(peer, [foreignSpace.bytes])
    await w.settle()
    expect(w.founder.space.getRejections().byReason['wrong-space']).toBe(1)
    expect(w.founder.space.getPoll(q.id)!.turnout).toBe(0)
  })
})
