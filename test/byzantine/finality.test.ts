/**
 * Finality that no signer can backdate (issue 21): the four attacks of the review, on the memory
 * network, each by a closer or founder signing only valid records with whatever clock and refs
 * suit them. None may change a final result: the poll becomes disputed (with the signed evidence),
 * or the record is refused, or it is shown for what it is.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { ballotSetDigest, signRecord, type Identity, type SignedRecord } from '../../core/index.js'
import { seenBy, world, type Peer, type World } from '../helpers.js'

let w: World | undefined
afterEach(async () => {
  await w?.close()
  w = undefined
})

const spaceOf = (peer: Peer) => CID.parse(peer.space.id)

/** A record signed by hand, claiming `wall` as its clock and `refs` as everything it had seen. */
const sign = (peer: Peer, identity: Identity, kind: string, body: unknown, refs: readonly CID[], wall: number) =>
  signRecord(identity, { kind, space: spaceOf(peer), hlc: [wall, 0], refs: [...refs], body })

async function deliver(world: World, records: readonly SignedRecord[]) {
  for (const peer of world.network.peers)
    world.network.inject(
      peer,
      records.map((record) => record.bytes),
    )
  await world.settle()
}

async function voters(world: World, count: number): Promise<Peer[]> {
  const out: Peer[] = []
  for (let i = 0; i < count; i++) {
    const peer = await world.join()
    await peer.space.join()
    out.push(peer)
  }
  await world.settle()
  return out
}

const closeBody = (poll: CID, ballots: readonly CID[]) => ({
  poll,
  count: ballots.length,
  digest: ballotSetDigest([...ballots]),
  ballots: [...ballots],
  parts: [],
})

describe('finality: the attacks of the review', () => {
  it('attack 1: a closer who rewrites a revealed secret result by a backdated second close makes the poll disputed', async () => {
    // Three voters, [1, 2] rewritten as [1, 1]; five voters, [3, 2] rewritten as [3, 0].
    for (const choices of [
      [0, 1, 1],
      [0, 0, 0, 1, 1],
    ]) {
      await w?.close()
      w = await world({ visibility: 'public' })
      const people = await voters(w, choices.length)
      const author = w.founder
      const poll = await author.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality', secret: true })
      await w.settle()
      for (const [i, choice] of choices.entries()) await people[i]!.space.castBallot(poll.id, choice)
      await w.settle()
      const first = await author.space.closePoll(poll.id)
      await w.settle()
      const counts = [choices.filter((c) => c === 0).length, choices.filter((c) => c === 1).length]
      for (const peer of w.peers) expect(peer.space.getPoll(poll.id)).toMatchObject({ status: 'final', final: { counts } })

      // Knowing every choice, the author commits only the ballots that suit them, with a clock 1 ms
      // before the first close. Once naming nothing it had seen (backdated), once naming everything.
      const keep = people.filter((_, i) => choices[i] === 0 || i === choices.indexOf(1)).map((p) => p.space.getMyBallot(poll.id)!.cid)
      const backdated = await sign(author, author.identity, 'close', closeBody(poll.cid, keep), [poll.cid], first.hlc[0] - 1)
      const knowing = await sign(author, author.identity, 'close', closeBody(poll.cid, keep), seenBy(author.space), first.hlc[0] + 1)
      for (const second of [backdated, knowing]) {
        await deliver(w, [second])
        for (const peer of w.peers) {
          const view = peer.space.getPoll(poll.id)!
          expect(view.status).toBe('disputed')
          expect(view.final).toBeUndefined()
          expect(view.dispute!.closes.map((close) => close.id).sort()).toEqual(
            [first.id, backdated.id, ...(second === knowing ? [knowing.id] : [])].sort(),
          )
          expect(view.dispute!.closes.every((close) => close.by === author.identity.did)).toBe(true)
          // Nothing can be voted or closed on a disputed poll.
          await expect(peer.space.castBallot(poll.id, 0)).rejects.toThrow(/disputed/)
        }
      }
    }
  })

  it("attack 2: a close that commits a voter's older ballot while its past holds the newer one is refused as stale-ballot", async () => {
    w = await world({ visibility: 'public' })
    const [bob] = await voters(w, 1)
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality' })
    await w.settle()
    const older = await bob!.space.castBallot(poll.id, 0)
    await w.settle()
    const newer = await bob!.space.castBallot(poll.id, 1)
    await w.settle()
    expect(newer.refs.map(String)).toContain(older.id)
    // The closer saw the newer ballot (it names it) and commits the older one.
    const stale = await sign(w.founder, w.founder.identity, 'close', closeBody(poll.cid, [older.cid]), [poll.cid, newer.cid], Date.now())
    await deliver(w, [stale])
    for (const peer of w.peers) {
      expect(peer.space.getHeld().get(stale.id)).toMatchObject({ reason: 'stale-ballot' })
      expect(peer.space.getHeld().get(stale.id)?.detail).toMatch(/newer ballot/)
      expect(peer.space.getPoll(poll.id)!.status).toBe('open')
    }
    // A close that pretends not to have seen the newer ballot stands, but says so to everyone:
    // Bob's latest ballot is late, the one counted is his older one, and his own view shows it.
    const blind = await sign(w.founder, w.founder.identity, 'close', closeBody(poll.cid, [older.cid]), [poll.cid], Date.now())
    await deliver(w, [blind])
    for (const peer of w.peers) {
      expect(peer.space.getPoll(poll.id)).toMatchObject({ status: 'final', final: { counts: [1, 0] }, close: { late: 1 } })
      expect(peer.space.getBallotStanding(poll.id, bob!.identity.did)).toEqual({ standing: 'late', latest: newer.id, counted: older.id })
    }
    // The honest close commits the newer ballot.
    const w2 = await world({ visibility: 'public' })
    try {
      const [carol] = await voters(w2, 1)
      const poll2 = await w2.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality' })
      await w2.settle()
      await carol!.space.castBallot(poll2.id, 0)
      await w2.settle()
      const latest = await carol!.space.castBallot(poll2.id, 1)
      await w2.settle()
      await w2.founder.space.closePoll(poll2.id)
      await w2.settle()
      expect(carol!.space.getPoll(poll2.id)).toMatchObject({ status: 'final', final: { counts: [0, 1] }, close: { late: 0, leftOut: [] } })
      expect(carol!.space.getBallotStanding(poll2.id)).toEqual({ standing: 'counted', latest: latest.id, counted: latest.id })
    } finally {
      await w2.close()
    }
  })

  it('attack 2b: a close that leaves out a ballot its past holds lists that voter as left out', async () => {
    w = await world({ visibility: 'public' })
    const [bob, carol] = await voters(w, 2)
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality' })
    await w.settle()
    const bobs = await bob!.space.castBallot(poll.id, 0)
    const carols = await carol!.space.castBallot(poll.id, 1)
    await w.settle()
    const close = await sign(w.founder, w.founder.identity, 'close', closeBody(poll.cid, [bobs.cid]), [poll.cid, carols.cid], Date.now())
    await deliver(w, [close])
    for (const peer of w.peers) {
      expect(peer.space.getPoll(poll.id)).toMatchObject({
        status: 'final',
        final: { counts: [1, 0] },
        close: { leftOut: [carol!.identity.did], late: 0 },
      })
      expect(peer.space.getBallotStanding(poll.id, carol!.identity.did)).toMatchObject({ standing: 'left-out', latest: carols.id })
    }
  })

  it('attack 3: a backdated revocation of the closer makes a revealed secret poll disputed, never open again', async () => {
    w = await world({ visibility: 'public' })
    const [admin, ...people] = await voters(w, 3)
    const grant = await w.founder.space.grantRole(admin!.identity.did, 'admin')
    await w.settle()
    const poll = await people[0]!.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality', secret: true })
    await w.settle()
    for (const [i, peer] of people.entries()) await peer.space.castBallot(poll.id, i % 2)
    await w.settle()
    const close = await admin!.space.closePoll(poll.id)
    await w.settle()
    for (const peer of w.peers) expect(peer.space.getPoll(poll.id)).toMatchObject({ status: 'final', final: { counts: [1, 1] } })

    // The founder revokes the admin, claiming a clock before the close and naming only the grant.
    const revoke = await sign(
      w.founder,
      w.founder.identity,
      'role',
      { member: admin!.identity.did, role: null },
      [grant.cid],
      close.hlc[0] - 1,
    )
    await deliver(w, [revoke])
    for (const peer of w.peers) {
      const view = peer.space.getPoll(poll.id)!
      expect(view.status).toBe('disputed')
      expect(view.dispute!.contested).toEqual([{ close: close.id, by: admin!.identity.did, changes: [revoke.id] }])
      expect(peer.space.getRole(admin!.identity.did)).toBeNull()
      await expect(peer.space.castBallot(poll.id, 0)).rejects.toThrow(/disputed/)
    }
  })

  it('attack 3b: a revocation that had seen the close cannot touch it', async () => {
    w = await world({ visibility: 'public' })
    const [admin, voter] = await voters(w, 2)
    await w.founder.space.grantRole(admin!.identity.did, 'admin')
    await w.settle()
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality', secret: true })
    await w.settle()
    await voter!.space.castBallot(poll.id, 1)
    await w.settle()
    await admin!.space.closePoll(poll.id)
    await w.settle()
    // An honest revocation names what the founder has seen, the close included, whatever clock it claims.
    await w.founder.space.revokeRole(admin!.identity.did)
    await w.settle()
    for (const peer of w.peers) expect(peer.space.getPoll(poll.id)).toMatchObject({ status: 'final', final: { counts: [0, 1] } })
  })

  it('attack 4: a close naming a part that never arrives holds nothing up; a later close takes effect', async () => {
    w = await world({ visibility: 'public' })
    const [admin, voter] = await voters(w, 2)
    await w.founder.space.grantRole(admin!.identity.did, 'admin')
    await w.settle()
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality' })
    await w.settle()
    await voter!.space.castBallot(poll.id, 1)
    await w.settle()
    const ghost = CID.createV1(0x71, await sha256.digest(new TextEncoder().encode('a part nobody will ever publish')))
    const ghostClose = await sign(
      w.founder,
      w.founder.identity,
      'close',
      { poll: poll.cid, count: 1, digest: ballotSetDigest([voter!.space.getMyBallot(poll.id)!.cid]), ballots: [], parts: [ghost] },
      seenBy(w.founder.space),
      Date.now(),
    )
    await deliver(w, [ghostClose])
    for (const peer of w.peers) {
      expect(peer.space.getPoll(poll.id)).toMatchObject({
        status: 'open',
        pending: [{ id: ghostClose.id, waitingFor: [ghost.toString()] }],
      })
      expect(peer.space.getHeld().get(ghostClose.id)?.reason).toBe('missing-dependency')
    }
    // Voting goes on, and an honest close ends it.
    await voter!.space.castBallot(poll.id, 0)
    await w.settle()
    await admin!.space.closePoll(poll.id)
    await w.settle()
    for (const peer of w.peers) expect(peer.space.getPoll(poll.id)).toMatchObject({ status: 'final', final: { counts: [1, 0] } })
  })

  it('attack 4b: a close committing a ballot that never arrives shows what it waits for, and a later close takes effect', async () => {
    w = await world({ visibility: 'public' })
    const [voter] = await voters(w, 1)
    const poll = await w.founder.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality' })
    await w.settle()
    const ballot = await voter!.space.castBallot(poll.id, 1)
    await w.settle()
    const ghost = CID.createV1(0x71, await sha256.digest(new TextEncoder().encode('a ballot nobody will ever publish')))
    const ghostClose = await sign(
      w.founder,
      w.founder.identity,
      'close',
      closeBody(poll.cid, [ballot.cid, ghost]),
      seenBy(w.founder.space),
      Date.now(),
    )
    await deliver(w, [ghostClose])
    for (const peer of w.peers)
      expect(peer.space.getPoll(poll.id)).toMatchObject({ status: 'syncing', close: { missing: 1, waitingFor: [ghost.toString()] } })
    await w.founder.space.closePoll(poll.id)
    await w.settle()
    for (const peer of w.peers) expect(peer.space.getPoll(poll.id)).toMatchObject({ status: 'final', final: { counts: [0, 1] } })
  })
})
