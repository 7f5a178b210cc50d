import type { CID } from 'multiformats/cid'
import { beforeAll, describe, expect, it } from 'vitest'
import { causalHistory, foldCausally, type CausalHistory } from '../testing/causal-history.js'
import { authorizeContent, type AuthorizationContext } from './authorize.js'
import { identityFromSecretKey, type Identity } from './identity.js'
import { signRecord, type SignedRecord } from './record.js'

let founder: Identity
let member: Identity
let moderator: Identity
let stranger: Identity
let closed: CausalHistory
let open: CausalHistory

beforeAll(async () => {
  ;[founder, member, moderator, stranger] = (await Promise.all(
    [1, 2, 3, 4].map((n) => identityFromSecretKey(new Uint8Array(32).fill(n))),
  )) as [Identity, Identity, Identity, Identity]
  closed = await causalHistory(founder, 'invite-only')
  open = await causalHistory(founder, 'open')
  for (const h of [closed, open]) {
    await h.sign(founder, 'role', { member: member.did, role: 'member' })
    await h.sign(founder, 'role', { member: moderator.did, role: 'moderator' })
  }
})

/** A record that has seen the grants (or, with `sees: []`, nothing but the genesis), judged with its history folded. */
async function judged(
  h: CausalHistory,
  author: Identity,
  kind: string,
  body: unknown,
  options: { sees?: SignedRecord[]; posts?: Record<string, string>; kinds?: Record<string, string>; also?: SignedRecord[] } = {},
) {
  const sees = options.sees ?? h.records.slice(0, 2)
  const record = await signRecord(author, { kind, space: h.genesis.cid, hlc: [100, 0], refs: sees.map((r) => r.cid), body })
  const { membership, copyOf } = foldCausally(h.genesis, [...h.records, ...(options.also ?? []), record])
  const ctx: AuthorizationContext = { membership, postAuthor: (id) => options.posts?.[id], kindOf: (id) => options.kinds?.[id] }
  return authorizeContent(copyOf(record), ctx)
}

describe('authorizeContent', () => {
  it("invite-only: posts, reactions and profiles need membership in the record's past", async () => {
    for (const kind of ['post', 'react', 'profile']) {
      expect(await judged(closed, member, kind, {})).toBeUndefined()
      const refusal = await judged(closed, stranger, kind, {})
      expect(refusal?.reason).toBe('not-authorized')
      expect(refusal?.author).toBe(stranger.did)
    }
    // Not having seen the grant, the member was not one yet, whatever clock the record claims.
    expect((await judged(closed, member, 'post', {}, { sees: [] }))?.reason).toBe('not-authorized')
  })

  it('open: anyone may post', async () => {
    expect(await judged(open, stranger, 'post', {})).toBeUndefined()
  })

  it('a reply answers a post or a poll (a comment), nothing else', async () => {
    const poll = await signRecord(founder, { kind: 'poll', space: open.genesis.cid, hlc: [20, 0], refs: [], body: {} })
    const post = await signRecord(member, { kind: 'post', space: open.genesis.cid, hlc: [21, 0], refs: [], body: { text: 'x' } })
    const role = open.records[1]!
    const kinds = { [poll.id]: 'poll', [post.id]: 'post', [role.id]: 'role' }
    const replyTo = (target: SignedRecord) => judged(open, member, 'post', { text: 'y', replyTo: target.cid }, { kinds })
    expect(await replyTo(post)).toBeUndefined()
    expect(await replyTo(poll)).toBeUndefined()
    expect(await replyTo(role)).toMatchObject({
      reason: 'invalid-reference',
      detail: `a reply names a post or a poll; ${role.id} is a role`,
    })
  })

  it("edits and retractions: only of one's own posts, when the post is known", async () => {
    const target = await signRecord(member, { kind: 'post', space: closed.genesis.cid, hlc: [20, 0], refs: [], body: { text: 'x' } })
    const posts = { [target.id]: member.did }
    for (const kind of ['edit', 'retract']) {
      const body = { post: target.cid as CID, text: 'y' }
      const also = [target]
      expect(await judged(closed, member, kind, body, { posts, also })).toBeUndefined()
      expect((await judged(closed, moderator, kind, body, { posts, also }))?.reason).toBe('invalid-reference')
      // unknown post: judged on membership only
      expect(await judged(closed, moderator, kind, body, { also })).toBeUndefined()
      expect((await judged(closed, stranger, kind, body, { also }))?.reason).toBe('not-authorized')
    }
  })

  it('moderation needs moderator, admin or founder, in open spaces too', async () => {
    const body = { author: member.did, hidden: true }
    expect(await judged(open, moderator, 'moderate', body)).toBeUndefined()
    expect(await judged(open, founder, 'moderate', body)).toBeUndefined()
    expect((await judged(open, member, 'moderate', body))?.reason).toBe('not-authorized')
    expect((await judged(open, stranger, 'moderate', body))?.reason).toBe('not-authorized')
    expect((await judged(open, moderator, 'moderate', body, { sees: [] }))?.reason).toBe('not-authorized')
  })

  it('a moderator revoked concurrently cannot moderate; one revoked after the hide keeps it', async () => {
    const h = await causalHistory(founder, 'open')
    const promote = await h.sign(founder, 'role', { member: moderator.did, role: 'moderator' })
    const hide = await h.sign(moderator, 'moderate', { author: member.did, hidden: true }, { sees: [promote] })
    const revokeAfter = await h.sign(founder, 'role', { member: moderator.did, role: null }, { sees: [hide] })
    const { membership, copyOf } = foldCausally(h.genesis, h.records)
    const ctx: AuthorizationContext = { membership, postAuthor: () => undefined, kindOf: () => undefined }
    expect(authorizeContent(copyOf(hide), ctx)).toBeUndefined()
    // The same hide, had the revocation not named it: concurrent, and the revocation wins.
    const h2 = await causalHistory(founder, 'open')
    const promote2 = await h2.sign(founder, 'role', { member: moderator.did, role: 'moderator' })
    const hide2 = await h2.sign(moderator, 'moderate', { author: member.did, hidden: true }, { sees: [promote2] })
    await h2.sign(founder, 'role', { member: moderator.did, role: null }, { sees: [promote2], wall: 1 })
    const second = foldCausally(h2.genesis, h2.records)
    expect(
      authorizeContent(second.copyOf(hide2), { membership: second.membership, postAuthor: () => undefined, kindOf: () => undefined })
        ?.reason,
    ).toBe('not-authorized')
    expect(revokeAfter.kind).toBe('role')
  })

  it('refuses kinds it has no rule for', async () => {
    expect((await judged(open, founder, 'telepathy', {}))?.reason).toBe('unknown-kind')
  })
})
