import fc from 'fast-check'
import type { CID } from 'multiformats/cid'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Did } from './did.js'
import { identityFromSecretKey, type Identity } from './identity.js'
import { inviteKeyPair, signInviteProof } from './invite.js'
import type { BodyOf, GrantableRole } from './kinds.js'
import { foldMembership, rankOf, type Membership } from './membership.js'
import { signRecord, type SignedRecord } from './record.js'

type Genesis = SignedRecord<BodyOf<'space'>>

let founder: Identity
let alice: Identity
let bob: Identity
let carol: Identity
let dave: Identity
let openGenesis: Genesis
let closedGenesis: Genesis

const seed = (n: number) => new Uint8Array(32).fill(n)

async function makeGenesis(identity: Identity, policy: 'open' | 'invite-only'): Promise<Genesis> {
  return signRecord(identity, {
    kind: 'space',
    space: null,
    hlc: [1, 0],
    refs: [],
    body: { name: `space ${policy}`, description: '', policy, nonce: new Uint8Array(16).fill(policy === 'open' ? 1 : 2) },
  })
}

function record<B>(genesis: Genesis, author: Identity, kind: string, wall: number, body: B, counter = 0): Promise<SignedRecord<B>> {
  return signRecord(author, { kind, space: genesis.cid, hlc: [wall, counter], refs: [], body })
}

const grant = (genesis: Genesis, author: Identity, member: Did, role: GrantableRole | null, wall: number) =>
  record(genesis, author, 'role', wall, { member, role })

async function invite(genesis: Genesis, author: Identity, wall: number, role: GrantableRole, maxUses: number | null) {
  const key = await inviteKeyPair()
  const signed = await record(genesis, author, 'invite', wall, { key: key.did, maxUses, role })
  return { record: signed, seed: key.seed, key: key.did }
}

async function join(genesis: Genesis, member: Identity, wall: number, inv?: { record: SignedRecord; seed: Uint8Array }, counter = 0) {
  if (!inv) return record(genesis, member, 'join', wall, {}, counter)
  const { key, proof } = await signInviteProof(inv.seed, genesis.cid, inv.record.cid, member.did)
  return record(genesis, member, 'join', wall, { invite: inv.record.cid as CID, key, proof }, counter)
}

const rejection = (membership: Membership, record: SignedRecord) => membership.rejected.get(record.id)?.reason

beforeAll(async () => {
  ;[founder, alice, bob, carol, dave] = (await Promise.all([1, 2, 3, 4, 5].map((n) => identityFromSecretKey(seed(n))))) as [
    Identity,
    Identity,
    Identity,
    Identity,
    Identity,
  ]
  openGenesis = await makeGenesis(founder, 'open')
  closedGenesis = await makeGenesis(founder, 'invite-only')
})

describe('foldMembership', () => {
  it('makes the genesis author the founder, alone at first', () => {
    const m = foldMembership(closedGenesis, [])
    expect(m.founder).toBe(founder.did)
    expect(m.policy).toBe('invite-only')
    expect(m.members()).toEqual([{ did: founder.did, role: 'founder', since: closedGenesis.id }])
    expect(m.roleAt(founder.did)).toBe('founder')
    expect(m.roleAt(founder.did, { hlc: [0, 0], id: '' })).toBe('founder')
    expect(m.roleAt(alice.did)).toBeNull()
    expect(m.rejected.size).toBe(0)
    expect(foldMembership(openGenesis, [openGenesis]).policy).toBe('open')
  })

  it('lets the founder and admins grant roles', async () => {
    const g = closedGenesis
    const makeAdmin = await grant(g, founder, alice.did, 'admin', 10)
    const aliceGrantsBob = await grant(g, alice, bob.did, 'moderator', 20)
    const aliceGrantsCarol = await grant(g, alice, carol.did, 'admin', 30)
    const m = foldMembership(g, [makeAdmin, aliceGrantsBob, aliceGrantsCarol])
    expect(m.rejected.size).toBe(0)
    expect(m.roleAt(alice.did)).toBe('admin')
    expect(m.roleAt(bob.did)).toBe('moderator')
    expect(m.roleAt(carol.did)).toBe('admin')
    const bobEntry = m.members().find((x) => x.did === bob.did)
    expect(bobEntry).toEqual({ did: bob.did, role: 'moderator', since: aliceGrantsBob.id })
  })

  it('lists the founder first, then members sorted by did', async () => {
    const g = closedGenesis
    const m = foldMembership(g, [
      await grant(g, founder, carol.did, 'member', 10),
      await grant(g, founder, alice.did, 'member', 11),
      await grant(g, founder, bob.did, 'member', 12),
    ])
    const dids = m.members().map((x) => x.did)
    expect(dids[0]).toBe(founder.did)
    expect(dids.slice(1)).toEqual([alice.did, bob.did, carol.did].sort())
  })

  it('rejects role changes by members, moderators and non-members as not-authorized', async () => {
    const g = closedGenesis
    const base = [await grant(g, founder, alice.did, 'member', 10), await grant(g, founder, bob.did, 'moderator', 11)]
    const byMember = await grant(g, alice, carol.did, 'member', 20)
    const byModerator = await grant(g, bob, carol.did, 'member', 21)
    const byStranger = await grant(g, dave, carol.did, 'member', 22)
    const selfPromotion = await grant(g, alice, alice.did, 'admin', 23)
    const m = foldMembership(g, [...base, byMember, byModerator, byStranger, selfPromotion])
    for (const r of [byMember, byModerator, byStranger, selfPromotion]) expect(rejection(m, r)).toBe('not-authorized')
    expect(m.rejected.get(byModerator.id)?.detail).toMatch(/needs admin or founder/)
    expect(m.rejected.get(byModerator.id)?.author).toBe(bob.did)
    expect(m.roleAt(carol.did)).toBeNull()
    expect(m.roleAt(alice.did)).toBe('member')
  })

  it('judges a grant by the role its author had at that time, not now', async () => {
    const g = closedGenesis
    const tooEarly = await grant(g, alice, bob.did, 'member', 5)
    const makeAdmin = await grant(g, founder, alice.did, 'admin', 10)
    const inTime = await grant(g, alice, carol.did, 'member', 15)
    const m = foldMembership(g, [inTime, makeAdmin, tooEarly])
    expect(rejection(m, tooEarly)).toBe('not-authorized')
    expect(m.roleAt(bob.did)).toBeNull()
    expect(m.roleAt(carol.did)).toBe('member')
  })

  it('does not let an admin demote another admin, but lets the founder', async () => {
    const g = closedGenesis
    const base = [await grant(g, founder, alice.did, 'admin', 10), await grant(g, founder, bob.did, 'admin', 11)]
    const aliceDemotesBob = await grant(g, alice, bob.did, 'member', 20)
    const aliceRemovesBob = await grant(g, alice, bob.did, null, 21)
    let m = foldMembership(g, [...base, aliceDemotesBob, aliceRemovesBob])
    expect(rejection(m, aliceDemotesBob)).toBe('not-authorized')
    expect(rejection(m, aliceRemovesBob)).toBe('not-authorized')
    expect(m.roleAt(bob.did)).toBe('admin')

    const founderDemotesBob = await grant(g, founder, bob.did, 'member', 30)
    m = foldMembership(g, [...base, founderDemotesBob])
    expect(m.rejected.size).toBe(0)
    expect(m.roleAt(bob.did)).toBe('member')
  })

  it('lets an admin demote a moderator and remove a member', async () => {
    const g = closedGenesis
    const base = [
      await grant(g, founder, alice.did, 'admin', 10),
      await grant(g, founder, bob.did, 'moderator', 11),
      await grant(g, founder, carol.did, 'member', 12),
    ]
    const m = foldMembership(g, [...base, await grant(g, alice, bob.did, 'member', 20), await grant(g, alice, carol.did, null, 21)])
    expect(m.rejected.size).toBe(0)
    expect(m.roleAt(bob.did)).toBe('member')
    expect(m.roleAt(carol.did)).toBeNull()
    expect(m.members().some((x) => x.did === carol.did)).toBe(false)
  })

  it("never grants or invites above the granter's own rank", async () => {
    const g = closedGenesis
    const makeAdmin = await grant(g, founder, alice.did, 'admin', 10)
    // Bodies with role "founder" fail the kind schema; the fold must refuse them anyway.
    const grantFounder = await record(g, alice, 'role', 20, { member: bob.did, role: 'founder' })
    const inviteFounder = await record(g, alice, 'invite', 21, { key: carol.did, maxUses: null, role: 'founder' })
    const m = foldMembership(g, [makeAdmin, grantFounder, inviteFounder])
    expect(rejection(m, grantFounder)).toBe('not-authorized')
    expect(rejection(m, inviteFounder)).toBe('not-authorized')
    expect(m.roleAt(bob.did)).toBeNull()
    expect(m.invites().size).toBe(0)
    expect(rankOf('founder')).toBeGreaterThan(rankOf('admin'))
    expect(rankOf('admin')).toBeGreaterThan(rankOf('moderator'))
    expect(rankOf('moderator')).toBeGreaterThan(rankOf('member'))
    expect(rankOf('member')).toBeGreaterThan(rankOf(null))
  })

  it('never changes the founder role, whoever asks', async () => {
    const g = closedGenesis
    const makeAdmin = await grant(g, founder, alice.did, 'admin', 10)
    const adminDemotesFounder = await grant(g, alice, founder.did, 'member', 20)
    const founderLeaves = await grant(g, founder, founder.did, null, 21)
    const m = foldMembership(g, [makeAdmin, adminDemotesFounder, founderLeaves])
    expect(rejection(m, adminDemotesFounder)).toBe('not-authorized')
    expect(rejection(m, founderLeaves)).toBe('not-authorized')
    expect(m.rejected.get(founderLeaves.id)?.detail).toMatch(/founder role cannot be changed/)
    expect(m.roleAt(founder.did)).toBe('founder')
    expect(m.members()[0]).toEqual({ did: founder.did, role: 'founder', since: g.id })
  })

  it('lets anyone leave by removing their own role', async () => {
    const g = closedGenesis
    const base = [await grant(g, founder, alice.did, 'admin', 10), await grant(g, founder, bob.did, 'member', 11)]
    const aliceLeaves = await grant(g, alice, alice.did, null, 20)
    const bobLeaves = await grant(g, bob, bob.did, null, 21)
    const m = foldMembership(g, [...base, aliceLeaves, bobLeaves])
    expect(m.rejected.size).toBe(0)
    expect(m.roleAt(alice.did)).toBeNull()
    expect(m.roleAt(bob.did)).toBeNull()
    expect(m.members()).toEqual([{ did: founder.did, role: 'founder', since: g.id }])
  })

  it('roleAt answers for the moment just before a record: before and after a grant, after a revoke', async () => {
    const g = closedGenesis
    const granted = await grant(g, founder, alice.did, 'moderator', 10)
    const promoted = await grant(g, founder, alice.did, 'admin', 20)
    const revoked = await grant(g, founder, alice.did, null, 30)
    const m = foldMembership(g, [revoked, granted, promoted])
    expect(m.roleAt(alice.did, { hlc: [5, 0], id: 'x' })).toBeNull()
    expect(m.roleAt(alice.did, granted)).toBeNull() // strictly before the grant itself
    expect(m.roleAt(alice.did, { hlc: [10, 1], id: '' })).toBe('moderator')
    expect(m.roleAt(alice.did, promoted)).toBe('moderator')
    expect(m.roleAt(alice.did, { hlc: [25, 0], id: '' })).toBe('admin')
    expect(m.roleAt(alice.did, revoked)).toBe('admin')
    expect(m.roleAt(alice.did, { hlc: [31, 0], id: '' })).toBeNull()
    expect(m.roleAt(alice.did)).toBeNull()
    // same hlc: the id breaks the tie
    expect(m.roleAt(alice.did, { hlc: [10, 0], id: `${granted.id}0` })).toBe('moderator')
  })

  describe('invites and joins', () => {
    it('a join with a valid invite grants the invite role and uses it up', async () => {
      const g = closedGenesis
      const inv = await invite(g, founder, 10, 'moderator', 2)
      const aliceJoins = await join(g, alice, 20, inv)
      const m = foldMembership(g, [inv.record, aliceJoins])
      expect(m.rejected.size).toBe(0)
      expect(m.roleAt(alice.did)).toBe('moderator')
      const state = m.invites().get(inv.record.id)!
      expect(state.uses).toBe(1)
      expect(state.redeemedBy).toEqual([alice.did])
      expect(state.record.id).toBe(inv.record.id)
    })

    it('with maxUses 1 and two joins, the join earlier in (hlc, id) order wins whatever the input order', async () => {
      const g = closedGenesis
      const inv = await invite(g, founder, 10, 'member', 1)
      const early = await join(g, alice, 20, inv)
      const late = await join(g, bob, 21, inv)
      // and two joins at the same hlc: the smaller id wins
      const inv2 = await invite(g, founder, 11, 'member', 1)
      const tieA = await join(g, carol, 30, inv2)
      const tieB = await join(g, dave, 30, inv2)
      const [tieWinner, tieLoser] = tieA.id < tieB.id ? [tieA, tieB] : [tieB, tieA]
      const all = [inv.record, inv2.record, early, late, tieA, tieB]
      fc.assert(
        fc.property(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), (shuffled) => {
          const m = foldMembership(g, shuffled)
          expect(m.roleAt(alice.did)).toBe('member')
          expect(m.roleAt(bob.did)).toBeNull()
          expect(rejection(m, late)).toBe('not-authorized')
          expect(m.rejected.get(late.id)?.detail).toMatch(/already used 1 time/)
          expect(m.invites().get(inv.record.id)?.redeemedBy).toEqual([alice.did])
          expect(m.roleAt(tieWinner.author)).toBe('member')
          expect(m.roleAt(tieLoser.author)).toBeNull()
          expect(rejection(m, tieLoser)).toBe('not-authorized')
          expect(m.rejected.has(tieWinner.id)).toBe(false)
        }),
        { seed: 42, numRuns: 100 },
      )
    })

    it('an invite with maxUses null has no limit', async () => {
      const g = closedGenesis
      const inv = await invite(g, founder, 10, 'member', null)
      const joins = await Promise.all([alice, bob, carol, dave].map((who, i) => join(g, who, 20 + i, inv)))
      const m = foldMembership(g, [inv.record, ...joins])
      expect(m.rejected.size).toBe(0)
      expect(m.invites().get(inv.record.id)?.uses).toBe(4)
    })

    it('a join by someone who already has that role or better spends no use', async () => {
      const g = closedGenesis
      const makeAdmin = await grant(g, founder, alice.did, 'admin', 5)
      const inv = await invite(g, founder, 10, 'member', 1)
      const aliceJoins = await join(g, alice, 20, inv)
      const bobJoins = await join(g, bob, 30, inv)
      const m = foldMembership(g, [makeAdmin, inv.record, aliceJoins, bobJoins])
      expect(m.rejected.size).toBe(0)
      expect(m.roleAt(alice.did)).toBe('admin')
      expect(m.roleAt(bob.did)).toBe('member')
      expect(m.invites().get(inv.record.id)?.redeemedBy).toEqual([bob.did])
    })

    it('a join naming an unknown invite, or one not valid before it: invalid-reference', async () => {
      const g = closedGenesis
      const inv = await invite(g, founder, 10, 'member', null)
      const unknown = await join(g, alice, 20, inv)
      let m = foldMembership(g, [unknown])
      expect(rejection(m, unknown)).toBe('invalid-reference')
      expect(m.roleAt(alice.did)).toBeNull()

      const beforeInvite = await join(g, bob, 5, inv)
      m = foldMembership(g, [inv.record, beforeInvite])
      expect(rejection(m, beforeInvite)).toBe('invalid-reference')
    })

    it('a join naming something that is not an invite: invalid-reference', async () => {
      const g = closedGenesis
      const notAnInvite = await grant(g, founder, carol.did, 'member', 10)
      const { proof } = await signInviteProof(seed(9), g.cid, notAnInvite.cid, alice.did)
      const bogus = await record(g, alice, 'join', 20, { invite: notAnInvite.cid, key: carol.did, proof })
      const m = foldMembership(g, [notAnInvite, bogus])
      expect(rejection(m, bogus)).toBe('invalid-reference')
    })

    it("a join with a key other than the invite's: invalid-reference", async () => {
      const g = closedGenesis
      const inv = await invite(g, founder, 10, 'member', null)
      const other = await inviteKeyPair()
      const { key, proof } = await signInviteProof(other.seed, g.cid, inv.record.cid, alice.did)
      const wrongKey = await record(g, alice, 'join', 20, { invite: inv.record.cid, key, proof })
      const m = foldMembership(g, [inv.record, wrongKey])
      expect(rejection(m, wrongKey)).toBe('invalid-reference')
      expect(m.roleAt(alice.did)).toBeNull()
      expect(m.invites().get(inv.record.id)?.uses).toBe(0)
    })

    it('invites made by non-admins do not exist, so joins through them fail', async () => {
      const g = closedGenesis
      const makeModerator = await grant(g, founder, alice.did, 'moderator', 5)
      const inv = await invite(g, alice, 10, 'member', null)
      const bobJoins = await join(g, bob, 20, inv)
      const m = foldMembership(g, [makeModerator, inv.record, bobJoins])
      expect(rejection(m, inv.record)).toBe('not-authorized')
      expect(m.invites().size).toBe(0)
      expect(rejection(m, bobJoins)).toBe('invalid-reference')
    })

    it('an admin may invite admins; the invite role is granted on join', async () => {
      const g = closedGenesis
      const makeAdmin = await grant(g, founder, alice.did, 'admin', 5)
      const inv = await invite(g, alice, 10, 'admin', 1)
      const m = foldMembership(g, [makeAdmin, inv.record, await join(g, bob, 20, inv)])
      expect(m.rejected.size).toBe(0)
      expect(m.roleAt(bob.did)).toBe('admin')
    })

    it('open space: a join without invite makes a member', async () => {
      const g = openGenesis
      const aliceJoins = await join(g, alice, 20)
      const m = foldMembership(g, [aliceJoins])
      expect(m.rejected.size).toBe(0)
      expect(m.roleAt(alice.did)).toBe('member')
      expect(m.roleAt(alice.did, aliceJoins)).toBeNull()
      expect(m.members().find((x) => x.did === alice.did)?.since).toBe(aliceJoins.id)
    })

    it('open space: a plain join does not lower an existing role', async () => {
      const g = openGenesis
      const m = foldMembership(g, [await grant(g, founder, alice.did, 'moderator', 10), await join(g, alice, 20)])
      expect(m.roleAt(alice.did)).toBe('moderator')
    })

    it('invite-only space: a join without invite is not-authorized', async () => {
      const g = closedGenesis
      const aliceJoins = await join(g, alice, 20)
      const m = foldMembership(g, [aliceJoins])
      expect(rejection(m, aliceJoins)).toBe('not-authorized')
      expect(m.roleAt(alice.did)).toBeNull()
    })
  })

  describe('order independence', () => {
    let pool: SignedRecord[]

    beforeAll(async () => {
      const g = closedGenesis
      const inv1 = await invite(g, founder, 12, 'member', 1)
      const inv2 = await invite(g, alice, 25, 'moderator', 2)
      pool = [
        await grant(g, founder, alice.did, 'admin', 10),
        await grant(g, founder, bob.did, 'moderator', 11),
        inv1.record,
        inv2.record,
        await join(g, carol, 20, inv1),
        await join(g, dave, 20, inv1),
        await join(g, dave, 30, inv2),
        await join(g, bob, 31, inv2),
        await grant(g, alice, bob.did, 'member', 40),
        await grant(g, bob, carol.did, null, 41),
        await grant(g, alice, alice.did, null, 50),
        await grant(g, alice, carol.did, 'moderator', 55),
        await grant(g, founder, dave.did, null, 60),
        await join(g, carol, 70),
        await grant(g, founder, bob.did, 'admin', 70),
        await grant(g, bob, founder.did, 'member', 80),
      ]
    })

    const view = (m: Membership) => ({
      members: m.members(),
      rejected: [...m.rejected.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      invites: [...m.invites().values()]
        .map((x) => ({ id: x.id, uses: x.uses, redeemedBy: x.redeemedBy }))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
      roles: [founder, alice, bob, carol, dave].map((who) => pool.map((r) => m.roleAt(who.did, r))),
    })

    it('the result depends only on the set of records, not their order', () => {
      const expected = view(foldMembership(closedGenesis, pool))
      expect(expected.rejected.length).toBeGreaterThan(0)
      expect(expected.members.length).toBeGreaterThanOrEqual(2)
      fc.assert(
        fc.property(fc.shuffledSubarray(pool, { minLength: pool.length, maxLength: pool.length }), (shuffled) => {
          expect(view(foldMembership(closedGenesis, shuffled))).toEqual(expected)
        }),
        { seed: 42, numRuns: 100 },
      )
    })

    it('any subset gives the same result in any order', () => {
      fc.assert(
        fc.property(fc.shuffledSubarray(pool), (subset) => {
          const sortedById = [...subset].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
          expect(view(foldMembership(closedGenesis, subset))).toEqual(view(foldMembership(closedGenesis, sortedById)))
        }),
        { seed: 42, numRuns: 100 },
      )
    })
  })
})
