/**
 * Creating, joining and reopening spaces through the registry, on the simulated network: an
 * invite link is redeemed once the genesis and the invite arrive, an open space is joined, and
 * the pending steps survive a "reload" (a new registry over the same storage).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, InvalidArgumentError, memorySecretStore, NotAuthorizedError, type Space } from '../../../core/index.js'
import { eventually, memoryNetwork } from '../../../testing/index.js'
import { publishProfile } from './identity.js'
import { joinBase, spaceShareLink } from './links.js'
import { keyValueSecretStore } from './secrets.js'
import {
  addSpaceFromLink,
  checkNewSpace,
  completeMembership,
  createNewSpace,
  loadSpaceRegistry,
  openSpaceEntry,
  type MembershipStep,
  type SpaceServices,
} from './spaces.js'
import { memoryKeyValueStore } from './storage.js'

const base = joinBase({ origin: 'https://example.org', pathname: '/', href: 'https://example.org/' })
const open: Space[] = []
afterEach(async () => {
  for (const space of open.splice(0)) await space.close()
})

async function peers() {
  const network = memoryNetwork()
  const device = async (peerId: string): Promise<SpaceServices & { store: ReturnType<typeof memoryKeyValueStore> }> => ({
    identity: await createIdentity(),
    replica: (spaceId) => network.replica(spaceId, { peerId }),
    secrets: memorySecretStore(),
    store: memoryKeyValueStore(),
  })
  return { network, alice: await device('alice'), bob: await device('bob'), carol: await device('carol') }
}

const track = (space: Space) => (open.push(space), space)

describe('spaces', () => {
  it('creates a space and remembers it with its secret', async () => {
    const { alice } = await peers()
    const registry = await loadSpaceRegistry(alice.store)
    const space = track(await createNewSpace(alice, registry, { name: ' Garden club ', description: '', policy: 'invite-only' }, 5))
    expect(registry.list()).toEqual([
      {
        id: space.id,
        name: 'Garden club',
        policy: 'invite-only',
        link: expect.stringMatching(/^townhall:#space=.+&secret=/),
        addedAt: 5,
        openedAt: 5,
      },
    ])
    await expect(createNewSpace(alice, registry, { name: '  ', description: '', policy: 'open' })).rejects.toThrow(InvalidArgumentError)
    expect(checkNewSpace({ name: 'x'.repeat(101), description: '', policy: 'open' })).toMatch(/100/)

    // Reopened from the registry entry: same transport secret, same records.
    await space.close()
    const again = track(await openSpaceEntry(alice, (await loadSpaceRegistry(alice.store)).get(space.id)!))
    expect(again.secret).toEqual(space.secret)
  })

  it('joins an invite-only space from an invite link, and remembers the last space', async () => {
    const { alice, bob } = await peers()
    const founder = track(
      await createNewSpace(alice, await loadSpaceRegistry(alice.store), { name: 'Club', description: '', policy: 'invite-only' }),
    )
    const invite = await founder.createInvite({ maxUses: 1, base })

    const registry = await loadSpaceRegistry(bob.store)
    const entry = await addSpaceFromLink(registry, invite.link, 7)
    expect(entry).toMatchObject({ id: founder.id, name: '', invite: expect.stringMatching(/^townhall:#.*invite=/) })
    expect(entry.link).not.toMatch(/invite=|key=/)
    const space = track(await openSpaceEntry(bob, entry))
    expect(space.secret).toEqual(founder.secret)
    const steps: MembershipStep[] = []
    await expect(completeMembership(space, entry, { onStep: (step) => steps.push(step) })).resolves.toBe('done')
    expect(steps).toEqual(['waiting-for-space', 'redeeming-invite', 'done'])
    expect(space.getRole()).toBe('member')
    await registry.update(space.id, { invite: undefined, name: 'Club' })
    await registry.setLast(space.id)

    const reloaded = await loadSpaceRegistry(bob.store)
    expect(reloaded.get(space.id)).not.toHaveProperty('invite')
    expect(reloaded.get(space.id)?.name).toBe('Club')
    expect(reloaded.last()).toBe(space.id)
    await eventually(() => expect(founder.getMembers().map((m) => m.did)).toContain(bob.identity.did))
  })

  it('refuses an invite that is used up, with NotAuthorizedError', async () => {
    const { alice, bob, carol } = await peers()
    const founder = track(
      await createNewSpace(alice, await loadSpaceRegistry(alice.store), { name: 'Club', description: '', policy: 'invite-only' }),
    )
    const invite = await founder.createInvite({ maxUses: 1, base })
    for (const [device, expected] of [
      [bob, 'done'],
      [carol, NotAuthorizedError],
    ] as const) {
      const entry = await addSpaceFromLink(await loadSpaceRegistry(device.store), invite.link)
      const space = track(await openSpaceEntry(device, entry))
      if (expected === 'done') {
        await expect(completeMembership(space, entry)).resolves.toBe('done')
        await eventually(() => expect(founder.getRole(bob.identity.did)).toBe('member'))
      } else {
        await space.whenRecord(space.id)
        await eventually(() => expect(space.getRole(bob.identity.did)).toBe('member'))
        await expect(completeMembership(space, entry)).rejects.toThrow(expected)
      }
    }
  })

  it('joins an open space from its share link, and publishes the profile', async () => {
    const { alice, bob } = await peers()
    const founder = track(
      await createNewSpace(alice, await loadSpaceRegistry(alice.store), { name: 'Open club', description: 'Hi', policy: 'open' }),
    )
    const registry = await loadSpaceRegistry(bob.store)
    const entry = await addSpaceFromLink(registry, spaceShareLink(founder, base))
    expect(entry.joinPending).toBe(true)
    expect(entry).not.toHaveProperty('invite')
    // A space new to this device starts as a preview; the link pasted again keeps it one until confirmed.
    expect(entry.preview).toBe(true)
    expect((await addSpaceFromLink(registry, spaceShareLink(founder, base))).preview).toBe(true)
    await registry.update(entry.id, { preview: undefined })
    expect(await addSpaceFromLink(registry, spaceShareLink(founder, base))).not.toHaveProperty('preview')
    const space = track(await openSpaceEntry(bob, entry))
    expect(space.secret).toEqual(founder.secret)
    await expect(completeMembership(space, entry)).resolves.toBe('done')
    expect(space.getRole()).toBe('member')
    expect(await publishProfile(space, { name: 'Bob', avatar: '' })).toBe(true)
    expect(await publishProfile(space, { name: 'Bob', avatar: '' })).toBe(false)
    await eventually(() => expect(founder.getMembers().find((m) => m.did === bob.identity.did)?.profile?.name).toBe('Bob'))
  })

  it('stops waiting when the space is closed or the wait aborted', async () => {
    const { bob } = await peers()
    const other = await createIdentity()
    // A space id nobody serves: the genesis never arrives.
    const lonely = memoryNetwork()
    const founder = track(
      await createNewSpace(
        { identity: other, replica: (id) => lonely.replica(id), secrets: memorySecretStore() },
        await loadSpaceRegistry(memoryKeyValueStore()),
        { name: 'Elsewhere', description: '', policy: 'open' },
      ),
    )
    const entry = await addSpaceFromLink(await loadSpaceRegistry(bob.store), `${base}#space=${founder.id}`)
    const space = track(await openSpaceEntry(bob, entry))
    const abort = new AbortController()
    const waiting = completeMembership(space, entry, { signal: abort.signal })
    abort.abort(new Error('user left'))
    await expect(waiting).rejects.toThrow('user left')
  })
})

describe('secret ballot store', () => {
  it('keeps salts and choices, ignores foreign values', async () => {
    const store = memoryKeyValueStore()
    const secrets = keyValueSecretStore(store)
    const salt = new Uint8Array(32).fill(7)
    await secrets.set('ballot-1', { poll: 'poll-1', choice: [2, 0, 1], salt })
    expect(await secrets.get('ballot-1')).toEqual({ poll: 'poll-1', choice: [2, 0, 1], salt })
    await store.set('ballot-2', { poll: 'poll-1', salt: 'not bytes' })
    expect(await secrets.get('ballot-2')).toBeUndefined()
    expect(await secrets.get('missing')).toBeUndefined()
  })
})
