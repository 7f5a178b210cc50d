/** Share links open the app: format with the app's base, read back through the URL fragment and the router. */
import { describe, expect, it } from 'vitest'
import { createIdentity, createSpace, formatShareLink, InvalidShareLinkError, localReplica, parseShareLink } from '../../../core/index.js'
import { appShareLink, joinBase, parseAppLink, spaceShareLink } from './links.js'
import { formatRoute, parseRoute } from './routes.js'

const where = { origin: 'https://example.org', pathname: '/townhall/', href: 'https://example.org/townhall/?signal=x#/s/abc/feed' }

async function sample() {
  const space = await createSpace({
    identity: await createIdentity(),
    name: 'Garden club',
    policy: 'invite-only',
    replica: (id) => localReplica(id),
  })
  const invite = await space.createInvite({ maxUses: 2, base: joinBase(where) })
  await space.close()
  return { space, invite }
}

describe('share links', () => {
  it('round-trips an invite through a real URL and the hash router', async () => {
    const { space, invite } = await sample()
    expect(invite.link.startsWith('https://example.org/townhall/#/join/#space=')).toBe(true)
    const url = new URL(invite.link)
    expect(url.pathname).toBe('/townhall/')
    const route = parseRoute(url.hash)
    expect(route).toEqual({ name: 'join', link: expect.stringMatching(/^#space=/) })
    if (route.name !== 'join' || !route.link) throw new Error('not a join route')
    const parsed = parseAppLink(route.link)
    expect(parsed).toEqual(parseShareLink(invite.link.slice(invite.link.lastIndexOf('#'))))
    expect(parsed.space).toBe(space.id)
    expect(parsed.invite?.id).toBe(invite.id)
    expect(parsed.invite?.secret).toEqual(invite.secret)
    expect(parsed.secret).toEqual(space.secret)
    // The router puts it back as it was; the whole pasted link parses the same.
    expect(formatRoute(route)).toBe(url.hash)
    expect(parseAppLink(invite.link)).toEqual(parsed)
    expect(parseAppLink(`  ${joinBase(where)}${route.link}\n`)).toEqual(parsed)
  })

  it('formats open-space links with the space secret and no invite', async () => {
    const { space } = await sample()
    const link = spaceShareLink(space, joinBase(where))
    expect(parseAppLink(link)).toEqual({ space: space.id, secret: space.secret })
    expect(appShareLink({ space: space.id }, 'x')).toBe(`x#space=${space.id}`)
  })

  it("accepts core's bare link form and bare parameters", async () => {
    const { space } = await sample()
    const bare = formatShareLink({ space: space.id, secret: space.secret! })
    expect(bare.startsWith('townhall:#space=')).toBe(true)
    expect(parseAppLink(bare).space).toBe(space.id)
    expect(parseAppLink(bare.slice(bare.indexOf('#') + 1)).space).toBe(space.id)
  })

  it('refuses damaged links with a message that says what to do', async () => {
    const { invite } = await sample()
    expect(() => parseAppLink('')).toThrow(InvalidShareLinkError)
    expect(() => parseAppLink('https://example.org/townhall/')).toThrow(/after "#"/)
    expect(() => parseAppLink(invite.link.replace(/&key=[^&]+/, ''))).toThrow(/incomplete invite/)
    expect(() => parseAppLink(invite.link.replace(/secret=[^&]+/, 'secret=abc'))).toThrow(/wrong length/)
  })

  it('uses the address without its fragment when the page has no origin (file://)', () => {
    expect(joinBase({ origin: 'null', pathname: '/x/index.html', href: 'file:///x/index.html#/s/a/polls' })).toBe(
      'file:///x/index.html#/join/',
    )
    expect(joinBase({ origin: 'null', pathname: '/x/index.html', href: 'file:///x/index.html?signal=y#/s/a/polls' }, 'automerge')).toBe(
      'file:///x/index.html?adapter=automerge#/join/',
    )
  })

  it('names the adapter in links when it is not the default, so they open the app on the same transport', async () => {
    expect(joinBase(where, 'yjs')).toBe('https://example.org/townhall/#/join/')
    expect(joinBase(where, 'automerge')).toBe('https://example.org/townhall/?adapter=automerge#/join/')
    const { space } = await sample()
    const link = spaceShareLink(space, joinBase(where, 'automerge'))
    expect(new URL(link).searchParams.get('adapter')).toBe('automerge')
    expect(parseAppLink(link)).toEqual({ space: space.id, secret: space.secret })
  })
})

describe('routes', () => {
  it('parses and formats every route', async () => {
    const { space } = await sample()
    const cases = [
      ['#/', { name: 'home' }],
      ['#/new', { name: 'new' }],
      ['#/join', { name: 'join' }],
      ['#/settings', { name: 'settings' }],
      [`#/s/${space.id}/polls`, { name: 'space', id: space.id, tab: 'polls' }],
      [`#/s/${space.id}/feed`, { name: 'space', id: space.id, tab: 'feed' }],
    ] as const
    for (const [hash, route] of cases) {
      expect(parseRoute(hash)).toEqual(route)
      expect(formatRoute(route)).toBe(hash)
    }
    expect(parseRoute('')).toEqual({ name: 'home' })
    expect(parseRoute(`#/s/${space.id}`)).toEqual({ name: 'space', id: space.id, tab: 'polls' })
    expect(parseRoute('#/s/not-a-cid/polls').name).toBe('not-found')
    expect(parseRoute(`#/s/${space.id}/nope`).name).toBe('not-found')
    expect(parseRoute('#/s/%E0%A4%A/polls').name).toBe('not-found')
  })
})
