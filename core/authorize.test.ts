import type { CID } from 'multiformats/cid'
import { beforeAll, describe, expect, it } from 'vitest'
import { authorizeContent, type AuthorizationContext } from './authorize.js'
import { identityFromSecretKey, type Identity } from './identity.js'
import type { BodyOf } from './kinds.js'
import { foldMembership, type Membership } from './membership.js'
import { signRecord, type SignedRecord } from './record.js'

let founder: Identity
let member: Identity
let moderator: Identity
let stranger: Identity
let closed: SignedRecord<BodyOf<'space'>>
let open: SignedRecord<BodyOf<'space'>>
let closedMembership: Membership
let openMembership: Membership

const at = (genesis: SignedRecord, author: Identity, kind: string, wall: number, body: unknown) =>
  signRecord(author, { kind, space: genesis.cid, hlc: [wall, 0], refs: [], body })

beforeAll(async () => {
  ;[founder, member, moderator, stranger] = (await Promise.all(
    [1, 2, 3, 4].map((n) => identityFromSecretKey(new Uint8Array(32).fill(n))),
  )) as [Identity, Identity, Identity, Identity]
  const genesis = (policy: 'open' | 'invite-only') =>
    signRecord(founder, {
      kind: 'space',
      space: null,
      hlc: [1, 0],
      refs: [],
      body: { name: 'S', description: '', policy, nonce: new Uint8Array(16) },
    })
  closed = await genesis('invite-only')
  open = await genesis('open')
  const grants = async (g: SignedRecord) => [
    await at(g, founder, 'role', 10, { member: member.did, role: 'member' }),
    await at(g, founder, 'role', 11, { member: moderator.did, role: 'moderator' }),
  ]
  closedMembership = foldMembership(closed, await grants(closed))
  openMembership = foldMembership(open, await grants(open))
})

const ctx = (membership: Membership, posts: Record<string, string> = {}): AuthorizationContext => ({
  membership,
  postAuthor: (id) => posts[id],
})

describe('authorizeContent', () => {
  it("invite-only: posts, reactions and profiles need membership at the record's time", async () => {
    for (const kind of ['post', 'react', 'profile']) {
      expect(authorizeContent(await at(closed, member, kind, 20, {}), ctx(closedMembership))).toBeUndefined()
      const refusal = authorizeContent(await at(closed, stranger, kind, 20, {}), ctx(closedMembership))
      expect(refusal?.reason).toBe('not-authorized')
      expect(refusal?.author).toBe(stranger.did)
    }
    // before the grant at hlc 10, the member was not one yet
    expect(authorizeContent(await at(closed, member, 'post', 5, {}), ctx(closedMembership))?.reason).toBe('not-authorized')
  })

  it('open: anyone may post', async () => {
    expect(authorizeContent(await at(open, stranger, 'post', 20, {}), ctx(openMembership))).toBeUndefined()
  })

  it("edits and retractions: only of one's own posts, when the post is known", async () => {
    const target = await at(closed, member, 'post', 20, { text: 'x' })
    const posts = { [target.id]: member.did }
    for (const kind of ['edit', 'retract']) {
      const own = await at(closed, member, kind, 30, { post: target.cid as CID, text: 'y' })
      expect(authorizeContent(own, ctx(closedMembership, posts))).toBeUndefined()
      const others = await at(closed, moderator, kind, 30, { post: target.cid as CID, text: 'y' })
      expect(authorizeContent(others, ctx(closedMembership, posts))?.reason).toBe('invalid-reference')
      // unknown post: judged on membership only
      expect(authorizeContent(others, ctx(closedMembership))).toBeUndefined()
      const byStranger = await at(closed, stranger, kind, 30, { post: target.cid as CID, text: 'y' })
      expect(authorizeContent(byStranger, ctx(closedMembership))?.reason).toBe('not-authorized')
    }
  })

  it('moderation needs moderator, admin or founder, in open spaces too', async () => {
    const body = { author: member.did, hidden: true }
    expect(authorizeContent(await at(open, moderator, 'moderate', 20, body), ctx(openMembership))).toBeUndefined()
    expect(authorizeContent(await at(open, founder, 'moderate', 20, body), ctx(openMembership))).toBeUndefined()
    expect(authorizeContent(await at(open, member, 'moderate', 20, body), ctx(openMembership))?.reason).toBe('not-authorized')
    expect(authorizeContent(await at(open, stranger, 'moderate', 20, body), ctx(openMembership))?.reason).toBe('not-authorized')
    expect(authorizeContent(await at(open, moderator, 'moderate', 5, body), ctx(openMembership))?.reason).toBe('not-authorized')
  })

  it('refuses kinds it has no rule for', async () => {
    expect(authorizeContent(await at(open, founder, 'telepathy', 20, {}), ctx(openMembership))?.reason).toBe('unknown-kind')
  })
})
