/**
 * Attacks 1 and 3 of the finality review again, over a real adapter across processes: Automerge
 * peers, each in its own process, syncing through a `townhall sync-server` on 127.0.0.1. The
 * attacker publishes its hand-signed record through its own replica, as a modified client would.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { ballotSetDigest, createIdentity, signRecord, Space } from '../../core/index.js'
import { eventually } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'
import { startSyncServerProcess, stopAllSyncServers } from '../support/sync-server-process.js'

const open: Space[] = []
afterEach(async () => {
  for (const space of open.splice(0)) await space.close().catch(() => {})
  await killAllPeers()
  await stopAllSyncServers()
})

interface Peer {
  readonly space: Space
  readonly replica: ProcessReplica
}

/** A founder and `count` members, each in its own process, all synced. */
async function community(count: number): Promise<Peer[]> {
  const server = await startSyncServerProcess()
  let founderReplica: ProcessReplica | undefined
  const founder = await Space.create({
    visibility: 'public',
    identity: await createIdentity(),
    name: 'finality',
    replica: async (spaceId) => (founderReplica = await processReplica('automerge-peer.ts', { spaceId, url: server.url })),
  })
  open.push(founder)
  const peers: Peer[] = [{ space: founder, replica: founderReplica! }]
  for (let i = 0; i < count; i++) {
    const replica = await processReplica('automerge-peer.ts', { spaceId: founder.id, url: server.url })
    const space = await Space.open({ id: founder.id, identity: await createIdentity(), replica })
    open.push(space)
    await eventually(() => expect(space.getInfo()).toBeDefined(), 20_000)
    await space.join()
    peers.push({ space, replica })
  }
  await everywhere(peers, (space) => expect(space.getMembers()).toHaveLength(count + 1))
  return peers
}

const everywhere = (peers: readonly Peer[], check: (space: Space) => void) =>
  Promise.all(peers.map(({ space }) => eventually(() => check(space), 30_000)))

describe('finality over Automerge across processes', () => {
  it('attack 1: a backdated second close of a revealed secret poll makes it disputed on every peer, never final with another result', async () => {
    const peers = await community(3)
    const [author, ...voters] = peers
    const poll = await author!.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality', secret: true })
    await everywhere(peers, (space) => expect(space.getPoll(poll.id)).toBeDefined())
    const choices = [0, 1, 1]
    for (const [i, voter] of voters.entries()) await voter.space.castBallot(poll.id, choices[i])
    await everywhere([author!], (space) => expect(space.getPoll(poll.id)!.turnout).toBe(3))
    const first = await author!.space.closePoll(poll.id)
    await everywhere(peers, (space) => expect(space.getPoll(poll.id)).toMatchObject({ status: 'final', final: { counts: [1, 2] } }))

    // The author, knowing every choice, commits Bob's and Carol's ballots only, dated before the first close.
    const keep = voters.slice(0, 2).map(({ space }) => space.getMyBallot(poll.id)!.cid)
    const second = await signRecord(author!.space.identity, {
      kind: 'close',
      space: CID.parse(author!.space.id),
      hlc: [first.hlc[0] - 1, 0],
      refs: [poll.cid],
      body: { poll: poll.cid, count: keep.length, digest: ballotSetDigest(keep), ballots: keep, parts: [] },
    })
    await author!.replica.add([second.bytes])
    // Every honest peer (the attacker's own client never folds what it slipped into its replica).
    await everywhere(voters, (space) => {
      const view = space.getPoll(poll.id)!
      expect(view.status).toBe('disputed')
      expect(view.final).toBeUndefined()
      expect(view.dispute!.closes.map((close) => close.id).sort()).toEqual([first.id, second.id].sort())
    })
  }, 120_000)

  it('attack 3: a backdated revocation of the closer makes a revealed secret poll disputed on every peer, never open again', async () => {
    const peers = await community(3)
    const [founder, admin, ...voters] = peers
    const grant = await founder!.space.grantRole(admin!.space.identity.did, 'admin')
    await everywhere(peers, (space) => expect(space.getRole(admin!.space.identity.did)).toBe('admin'))
    const poll = await voters[0]!.space.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality', secret: true })
    await everywhere(peers, (space) => expect(space.getPoll(poll.id)).toBeDefined())
    for (const [i, voter] of voters.entries()) await voter.space.castBallot(poll.id, i)
    await everywhere([admin!], (space) => expect(space.getPoll(poll.id)!.turnout).toBe(2))
    const close = await admin!.space.closePoll(poll.id)
    await everywhere(peers, (space) => expect(space.getPoll(poll.id)).toMatchObject({ status: 'final', final: { counts: [1, 1] } }))

    const revoke = await signRecord(founder!.space.identity, {
      kind: 'role',
      space: CID.parse(founder!.space.id),
      hlc: [close.hlc[0] - 1, 0],
      refs: [grant.cid],
      body: { member: admin!.space.identity.did, role: null },
    })
    await founder!.replica.add([revoke.bytes])
    const honest = [admin!, ...voters]
    await everywhere(honest, (space) => {
      const view = space.getPoll(poll.id)!
      expect(view.status).toBe('disputed')
      expect(view.dispute!.contested).toEqual([{ close: close.id, by: admin!.space.identity.did, changes: [revoke.id] }])
    })
    for (const { space } of honest) await expect(space.castBallot(poll.id, 0)).rejects.toThrow(/disputed/)
  }, 120_000)
})
