import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import type { CID } from 'multiformats/cid'
import { beforeAll, describe, expect, it } from 'vitest'
import { causalHistory, foldCausally, type CausalHistory } from '../testing/causal-history.js'
import { identityFromSecretKey, type Identity } from './identity.js'
import { inviteKeyPair, signInviteProof } from './invite.js'
import type { GrantableRole } from './kinds.js'
import type { Membership } from './membership.js'
import type { SignedRecord } from './record.js'

let founder: Identity
let alice: Identity
let bob: Identity
let carol: Identity
let dave: Identity

beforeAll(async () => {
  ;[founder, alice, bob, carol, dave] = (await Promise.all(
    [1, 2, 3, 4, 5].map((n) => identityFromSecretKey(new Uint8Array(32).fill(n))),
  )) as [Identity, Identity, Identity, Identity, Identity]
})

type Options = { sees?: readonly SignedRecord[]; wall?: number }
const grant = (h: CausalHistory, by: Identity, member: Identity, role: GrantableRole | null, options?: Options) =>
  h.sign(by, 'role', { member: member.did, role }, options)

async function invite(h: CausalHistory, by: Identity, role: GrantableRole, maxUses: number | null, options?: Options) {
  const key = await inviteKeyPair()
  const record = await h.sign(by, 'invite', { key: key.did, maxUses, role }, options)
  return { record, seed: key.seed }
}

async function join(h: CausalHistory, member: Identity, inv?: { record: SignedRecord; seed: Uint8Array }, options?: Options) {
  if (!inv) return h.sign(member, 'join', {}, options)
  const { key, proof } = await signInviteProof(inv.seed, h.genesis.cid, inv.record.cid, member.did)
  // A join names its invite in its body, so the invite is always in its past.
  return h.sign(member, 'join', { invite: inv.record.cid as CID, key, proof }, options)
}

const fold = (h: CausalHistory, records: readonly SignedRecord[] = h.records) => foldCausally(h.genesis, records).membership
const reason = (m: Membership, record: SignedRecord) => m.rejected.get(record.id)?.reason

describe('foldMembership', () => {
  it('makes the genesis author the founder, alone at first', async () => {
    const h = await causalHistory(founder)
    const m = fold(h)
    expect(m.founder).toBe(founder.did)
    expect(m.policy).toBe('invite-only')
    expect(m.members()).toEqual([{ did: founder.did, role: 'founder', since: h.genesis.id }])
    expect(m.roleAt(founder.did)).toBe('founder')
    expect(m.roleAt(alice.did)).toBeNull()
    expect(fold(await causalHistory(founder, 'open')).policy).toBe('open')
  })

  it('lets the founder and admins grant roles, listing the founder first, then members by did', async () => {
    const h = await causalHistory(founder)
    await grant(h, founder, alice, 'admin')
    await grant(h, alice, bob, 'moderator')
    await grant(h, alice, carol, 'member')
    const m = fold(h)
    expect(m.rejected.size).toBe(0)
    expect(m.members().map((x) => [x.did, x.role])).toEqual([
      [founder.did, 'founder'],
      ...[
        [alice.did, 'admin'],
        [bob.did, 'moderator'],
        [carol.did, 'member'],
      ].sort(([a], [b]) => (a! < b! ? -1 : 1)),
    ])
  })

  it('rejects role changes by members, moderators and non-members as not-authorized', async () => {
    const h = await causalHistory(founder)
    await grant(h, founder, alice, 'member')
    await grant(h, founder, bob, 'moderator')
    const byMember = await grant(h, alice, carol, 'member')
    const byModerator = await grant(h, bob, carol, 'member')
    const byStranger = await grant(h, dave, carol, 'member')
    const m = fold(h)
    for (const record of [byMember, byModerator, byStranger]) expect(reason(m, record)).toBe('not-authorized')
    expect(m.roleAt(carol.did)).toBeNull()
  })

  it('judges a grant by the role its author had in its own past, whatever clock it claims', async () => {
    const h = await causalHistory(founder)
    const makeAdmin = await grant(h, founder, alice, 'admin', { wall: 100 })
    // Alice grants before she has seen her own promotion (her record names only the genesis), with a later clock.
    const early = await grant(h, alice, bob, 'member', { sees: [], wall: 200 })
    // After seeing it, with a clock claiming to be before the promotion.
    const later = await grant(h, alice, carol, 'member', { sees: [makeAdmin], wall: 50 })
    const m = fold(h)
    expect(reason(m, early)).toBe('not-authorized')
    expect(m.rejected.get(early.id)?.detail).toMatch(/in this record's past/)
    expect(reason(m, later)).toBeUndefined()
    expect(m.roleAt(carol.did)).toBe('member')
  })

  it('does not let an admin demote another admin, but lets the founder', async () => {
    const h = await causalHistory(founder)
    await grant(h, founder, alice, 'admin')
    await grant(h, founder, bob, 'admin')
    const byAdmin = await grant(h, alice, bob, 'member')
    const byFounder = await grant(h, founder, alice, 'moderator')
    const m = fold(h)
    expect(reason(m, byAdmin)).toBe('not-authorized')
    expect(reason(m, byFounder)).toBeUndefined()
    expect([m.roleAt(alice.did), m.roleAt(bob.did)]).toEqual(['moderator', 'admin'])
  })

  it("never grants or invites above the granter's own rank, and never changes the founder role", async () => {
    const h = await causalHistory(founder)
    await grant(h, founder, alice, 'admin')
    await grant(h, founder, bob, 'moderator')
    const modGrantsMember = await grant(h, bob, carol, 'member')
    const adminInvitesAdmin = await invite(h, alice, 'admin', 1)
    const demoteFounder = await h.sign(alice, 'role', { member: founder.did, role: 'member' })
    const founderSelf = await h.sign(founder, 'role', { member: founder.did, role: null })
    const m = fold(h)
    expect(reason(m, modGrantsMember)).toBe('not-authorized')
    expect(reason(m, adminInvitesAdmin.record)).toBeUndefined()
    expect(reason(m, demoteFounder)).toBe('not-authorized')
    expect(reason(m, founderSelf)).toBe('not-authorized')
    expect(m.roleAt(founder.did)).toBe('founder')
  })

  it('says why each refused record is refused: the details a space lists with its rejections', async () => {
    const h = await causalHistory(founder)
    const byStranger = await grant(h, alice, bob, 'member')
    await grant(h, founder, alice, 'admin')
    await grant(h, founder, carol, 'admin')
    await grant(h, founder, bob, 'member')
    const adminOnAdmin = await grant(h, alice, carol, 'member')
    const byMember = await grant(h, bob, dave, 'member')
    const inviteByMember = await invite(h, bob, 'member', 1)
    const inviteByStranger = await invite(h, dave, 'member', 1)
    const demoteFounder = await h.sign(alice, 'role', { member: founder.did, role: 'member' })
    const uninvited = await join(h, dave)
    const once = await invite(h, founder, 'member', 1)
    await join(h, dave, once)
    const eve = await identityFromSecretKey(new Uint8Array(32).fill(6))
    const tooLate = await join(h, eve, once)
    const other = await inviteKeyPair()
    const signed = await signInviteProof(other.seed, h.genesis.cid, once.record.cid, eve.did)
    const wrongKey = await h.sign(eve, 'join', { invite: once.record.cid, key: signed.key, proof: signed.proof })
    const throughRefused = await join(h, eve, inviteByMember)
    const m = fold(h)
    const detail = (record: SignedRecord) => m.rejected.get(record.id)?.detail
    expect(detail(byStranger)).toBe(`changing roles needs admin or founder; ${alice.did} was not a member in this record's past`)
    expect(detail(byMember)).toBe(`changing roles needs admin or founder; ${bob.did} was member in this record's past`)
    expect(detail(adminOnAdmin)).toBe('a admin cannot change the role of a admin')
    expect(detail(inviteByMember.record)).toBe(`creating invites needs admin or founder; ${bob.did} was member in this record's past`)
    expect(detail(inviteByStranger.record)).toBe(
      `creating invites needs admin or founder; ${dave.did} was not a member in this record's past`,
    )
    expect(detail(demoteFounder)).toBe('the founder role cannot be changed')
    expect(detail(uninvited)).toBe('this space is invite-only; joining needs an invite')
    expect(detail(tooLate)).toBe(`invite ${once.record.id} was already used 1 time(s)`)
    expect(detail(wrongKey)).toBe("the join was signed with a key that is not this invite's key")
    expect(detail(throughRefused)).toBe(`invite ${inviteByMember.record.id} is not a valid invite in this join's past`)
    expect(m.rejected.get(tooLate.id)).toMatchObject({ reason: 'not-authorized', id: tooLate.id, author: eve.did })
  })

  it('lets anyone leave by removing their own role', async () => {
    const h = await causalHistory(founder)
    await grant(h, founder, alice, 'moderator')
    const leave = await grant(h, alice, alice, null)
    const m = fold(h)
    expect(reason(m, leave)).toBeUndefined()
    expect(m.roleAt(alice.did)).toBeNull()
  })

  it("roleAt answers from a record's past: before a grant, after it, after a revoke", async () => {
    const h = await causalHistory(founder)
    const before = await h.sign(alice, 'post', { text: 'hi' })
    const promote = await grant(h, founder, alice, 'member')
    const during = await h.sign(alice, 'post', { text: 'hi' })
    await grant(h, founder, alice, null)
    const after = await h.sign(alice, 'post', { text: 'hi' })
    const m = fold(h)
    expect([m.roleAt(alice.did, before), m.roleAt(alice.did, promote), m.roleAt(alice.did, during), m.roleAt(alice.did, after)]).toEqual([
      null,
      null,
      'member',
      null,
    ])
  })

  describe('authority from the causal past', () => {
    it('a backdated revocation cannot undo what is in its own past', async () => {
      const h = await causalHistory(founder)
      const makeAdmin = await grant(h, founder, alice, 'admin', { wall: 10 })
      const aliceGrants = await grant(h, alice, bob, 'moderator', { wall: 20 })
      // The founder saw Alice's grant, and claims a clock before everything.
      await grant(h, founder, alice, null, { sees: [aliceGrants], wall: 2 })
      const m = fold(h)
      expect(reason(m, aliceGrants)).toBeUndefined()
      expect(m.roleAt(bob.did)).toBe('moderator')
      expect(m.roleAt(alice.did)).toBeNull()
      expect(m.settledRoleAt(alice.did, aliceGrants)).toBe('admin')
      expect(makeAdmin.kind).toBe('role')
    })

    it('a revocation wins over what the revoked did concurrently (conservative), and says so', async () => {
      const h = await causalHistory(founder)
      const makeAdmin = await grant(h, founder, alice, 'admin')
      const revoke = await grant(h, founder, alice, null, { sees: [makeAdmin] })
      // Alice, not having seen the revocation, keeps granting.
      const concurrent = await grant(h, alice, bob, 'moderator', { sees: [makeAdmin] })
      const m = fold(h)
      expect(reason(m, concurrent)).toBe('not-authorized')
      expect(m.roleAt(bob.did)).toBeNull()
      // Settled (its own past alone) it was allowed: what closes and polls go by.
      expect(m.settledRoleAt(alice.did, concurrent)).toBe('admin')
      expect(m.concurrentChanges(alice.did, concurrent).map((change) => change.id)).toEqual([revoke.id])
    })

    it('a grant the author had not seen gives no authority, whatever its clock', async () => {
      const h = await causalHistory(founder)
      const promote = await grant(h, founder, alice, 'admin', { sees: [], wall: 1 })
      const blind = await grant(h, alice, bob, 'member', { sees: [], wall: 1000 })
      const m = fold(h)
      expect(reason(m, blind)).toBe('not-authorized')
      expect(reason(m, promote)).toBeUndefined()
    })

    it('of two concurrent changes of one role, both seen later, the lower one counts', async () => {
      const h = await causalHistory(founder)
      const up = await grant(h, founder, alice, 'admin', { sees: [] })
      const down = await grant(h, founder, alice, 'member', { sees: [] })
      const after = await h.sign(alice, 'post', { text: 'x' }, { sees: [up, down] })
      const m = fold(h)
      expect(m.roleAt(alice.did, after)).toBe('member')
      expect(m.settledRoleAt(alice.did, after)).toBe('member')
      expect(m.roleAt(alice.did)).toBe('member')
    })
  })

  describe('invites and joins', () => {
    it('a join with a valid invite grants the invite role and uses it up', async () => {
      const h = await causalHistory(founder)
      const inv = await invite(h, founder, 'moderator', 2)
      const aliceJoins = await join(h, alice, inv)
      const m = fold(h)
      expect(m.rejected.size).toBe(0)
      expect(m.roleAt(alice.did)).toBe('moderator')
      expect(m.invites().get(inv.record.id)).toMatchObject({ uses: 1, redeemedBy: [alice.did] })
      expect(m.members().find((x) => x.did === alice.did)?.since).toBe(aliceJoins.id)
    })

    it('an invite used beyond its limit by concurrent joins keeps the first joins in record order, whatever the input order', async () => {
      const h = await causalHistory(founder)
      const inv = await invite(h, founder, 'member', 1)
      const first = await join(h, alice, inv, { sees: [inv.record], wall: 50 })
      const second = await join(h, bob, inv, { sees: [inv.record], wall: 60 })
      // Carol had seen Alice's join: settled, the invite was used up for her.
      const third = await join(h, carol, inv, { sees: [first] })
      const expected = fold(h)
      expect(reason(expected, first)).toBeUndefined()
      expect(reason(expected, second)).toBe('not-authorized')
      expect(reason(expected, third)).toBe('not-authorized')
      assertProperty(
        fc.property(fc.shuffledSubarray(h.records, { minLength: h.records.length }), (shuffled) => {
          expect(fold(h, shuffled).members()).toEqual(expected.members())
        }),
        { seeds: [7] },
      )
    })

    it('an invite with maxUses null has no limit', async () => {
      const h = await causalHistory(founder)
      const inv = await invite(h, founder, 'member', null)
      for (const who of [alice, bob, carol, dave]) await join(h, who, inv)
      expect(fold(h).invites().get(inv.record.id)?.uses).toBe(4)
    })

    it('a join by someone who already has that role or better spends no use', async () => {
      const h = await causalHistory(founder)
      await grant(h, founder, alice, 'admin')
      const inv = await invite(h, founder, 'member', 1)
      await join(h, alice, inv)
      const bobJoins = await join(h, bob, inv)
      const m = fold(h)
      expect(reason(m, bobJoins)).toBeUndefined()
      expect(m.roleAt(alice.did)).toBe('admin')
      expect(m.invites().get(inv.record.id)?.redeemedBy).toEqual([bob.did])
    })

    it('a join naming something that is not a valid invite, or with another key: invalid-reference', async () => {
      const h = await causalHistory(founder)
      const notAnInvite = await grant(h, founder, carol, 'member')
      const { proof } = await signInviteProof(new Uint8Array(32).fill(9), h.genesis.cid, notAnInvite.cid, alice.did)
      const bogus = await h.sign(alice, 'join', { invite: notAnInvite.cid, key: carol.did, proof })
      const inv = await invite(h, founder, 'member', null)
      const other = await inviteKeyPair()
      const signed = await signInviteProof(other.seed, h.genesis.cid, inv.record.cid, bob.did)
      const wrongKey = await h.sign(bob, 'join', { invite: inv.record.cid, key: signed.key, proof: signed.proof })
      const m = fold(h)
      expect(reason(m, bogus)).toBe('invalid-reference')
      expect(reason(m, wrongKey)).toBe('invalid-reference')
      expect(m.invites().get(inv.record.id)?.uses).toBe(0)
    })

    it('invites made by non-admins are refused, so joins through them fail', async () => {
      const h = await causalHistory(founder)
      await grant(h, founder, alice, 'moderator')
      const inv = await invite(h, alice, 'member', null)
      const bobJoins = await join(h, bob, inv)
      const m = fold(h)
      expect(reason(m, inv.record)).toBe('not-authorized')
      expect(m.invites().size).toBe(0)
      expect(reason(m, bobJoins)).toBe('invalid-reference')
    })

    it('an invite made by an admin revoked concurrently is not in force, nor are joins through it', async () => {
      const h = await causalHistory(founder)
      const makeAdmin = await grant(h, founder, alice, 'admin')
      await grant(h, founder, alice, null, { sees: [makeAdmin] })
      const inv = await invite(h, alice, 'member', null, { sees: [makeAdmin] })
      const bobJoins = await join(h, bob, inv)
      const m = fold(h)
      expect(reason(m, inv.record)).toBe('not-authorized')
      expect(reason(m, bobJoins)).toBe('invalid-reference')
      expect(m.roleAt(bob.did)).toBeNull()
    })

    it('open space: a join without invite makes a member and does not lower an existing role', async () => {
      const h = await causalHistory(founder, 'open')
      const aliceJoins = await join(h, alice)
      await grant(h, founder, bob, 'moderator')
      await join(h, bob)
      const m = fold(h)
      expect(m.rejected.size).toBe(0)
      expect(m.roleAt(alice.did)).toBe('member')
      expect(m.roleAt(alice.did, aliceJoins)).toBeNull()
      expect(m.roleAt(bob.did)).toBe('moderator')
    })

    it('invite-only space: a join without invite is not-authorized', async () => {
      const h = await causalHistory(founder)
      const aliceJoins = await join(h, alice)
      expect(reason(fold(h), aliceJoins)).toBe('not-authorized')
    })
  })

  describe('order independence', () => {
    let h: CausalHistory

    beforeAll(async () => {
      h = await causalHistory(founder)
      const makeAlice = await grant(h, founder, alice, 'admin')
      await grant(h, founder, bob, 'moderator')
      const inv1 = await invite(h, founder, 'member', 1)
      const inv2 = await invite(h, alice, 'moderator', 2)
      await join(h, carol, inv1, { sees: [inv1.record, inv2.record] })
      await join(h, dave, inv1, { sees: [inv1.record, inv2.record] })
      await join(h, dave, inv2)
      await join(h, bob, inv2)
      await grant(h, alice, bob, 'member')
      const revokeAlice = await grant(h, founder, alice, null, { sees: [makeAlice] })
      await grant(h, bob, carol, null)
      await grant(h, alice, carol, 'moderator', { sees: [h.records[h.records.length - 2]!] })
      await grant(h, founder, dave, null, { sees: [revokeAlice] })
      await join(h, carol)
      await grant(h, founder, bob, 'admin', { sees: [] })
      await grant(h, bob, founder, 'member')
    })

    const view = (m: Membership) => ({
      members: m.members(),
      rejected: [...m.rejected.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      invites: [...m.invites().values()]
        .map((x) => ({ id: x.id, uses: x.uses, redeemedBy: x.redeemedBy }))
        .sort((a, b) => (a.id < b.id ? -1 : 1)),
      roles: [founder, alice, bob, carol, dave].map((who) => h.records.map((r) => [m.roleAt(who.did, r), m.settledRoleAt(who.did, r)])),
    })

    it('the result depends only on the set of records, not the order they arrive in', () => {
      const expected = view(fold(h))
      expect(expected.rejected.length).toBeGreaterThan(0)
      expect(expected.members.length).toBeGreaterThanOrEqual(2)
      assertProperty(
        fc.property(fc.shuffledSubarray(h.records, { minLength: h.records.length }), (shuffled) => {
          expect(view(fold(h, shuffled))).toEqual(expected)
        }),
        { seeds: [42] },
      )
    })
  })
})
