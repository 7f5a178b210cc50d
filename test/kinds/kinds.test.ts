/**
 * App-defined record kinds: defining and registering them (names, clashes), their bodies through
 * core validators or any Standard Schema, their views on every peer, and records of a kind a peer
 * has not registered: held, still replicated, and folded once the kind is registered.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  CORE_KINDS,
  createIdentity,
  defineKind,
  defineView,
  InvalidArgumentError,
  InvalidRecordError,
  isStandardSchema,
  KindClashError,
  KindRegistry,
  NotAuthorizedError,
  rules,
  schema as s,
  Space,
  UnknownKindError,
  type Replica,
  type ReplicaEntry,
  type StandardSchemaV1,
} from '../../core/index.js'
import { world, type World } from '../helpers.js'
import { calendar, event, eventKinds, guests, rsvp } from './events.js'

let w: World | undefined
afterEach(async () => {
  await w?.close()
  w = undefined
})

const title = s.object({ title: s.string({ min: 1, max: 100 }) })

describe('defineKind and the registry', () => {
  it('takes namespaced names and refuses core names and names without a namespace as clashes', () => {
    expect(defineKind({ name: 'org.example/task', body: title, authorize: rules.participant }).name).toBe('org.example/task')
    for (const name of ['post', 'ballot', 'rsvp']) {
      expect(() => defineKind({ name, body: title, authorize: rules.participant })).toThrow(KindClashError)
    }
    for (const name of ['example/rsvp', 'Org.Example/rsvp', 'org.example/', '/rsvp', `org.example/${'x'.repeat(200)}`]) {
      expect(() => defineKind({ name, body: title, authorize: rules.participant }), name).toThrow(InvalidArgumentError)
    }
  })

  it('needs a schema and a rule', () => {
    expect(() => defineKind({ name: 'org.example/a', body: {} as never, authorize: rules.participant })).toThrow(InvalidArgumentError)
    expect(() => defineKind({ name: 'org.example/a', body: title, authorize: undefined as never })).toThrow(InvalidArgumentError)
  })

  it('starts from core kinds, adds the app kinds once each, and names the unknown with a typed error', () => {
    const registry = new KindRegistry([event])
    expect(registry.list().map((kind) => kind.name)).toEqual([...CORE_KINDS.map((kind) => kind.name), 'org.example/event'])
    expect(registry.get('post')?.part).toBe('feed')
    expect(registry.register(event)).toBe(false)
    expect(registry.register(rsvp)).toBe(true)
    const twin = defineKind({ name: 'org.example/event', body: title, authorize: rules.participant })
    expect(() => registry.register(twin)).toThrow(KindClashError)
    // Core's own definitions are there already; a copy of one under another name is not an app's kind.
    const post = CORE_KINDS.find((kind) => kind.name === 'post')!
    expect(registry.register(post)).toBe(false)
    expect(() => registry.register({ ...post, name: 'org.example/post' })).toThrow(KindClashError)
    expect(() => registry.register({ ...post })).toThrow(KindClashError)
    const unknown = (() => {
      try {
        registry.require('org.example/nothing')
      } catch (error) {
        return error
      }
    })()
    expect(unknown).toBeInstanceOf(UnknownKindError)
    expect(unknown).toMatchObject({ code: 'UNKNOWN_KIND', kind: 'org.example/nothing' })
  })

  it('refuses two views of one name on a space, before changing anything', async () => {
    const other = defineView({ name: 'org.example/guests', init: () => 0, add: (n: number) => n + 1 })
    const clash = defineKind({ name: 'org.example/other', body: title, authorize: rules.participant, views: [other] })
    w = await world({ kinds: eventKinds })
    await expect(w.founder.space.registerKind(clash)).rejects.toBeInstanceOf(KindClashError)
    expect(w.founder.space.hasKind('org.example/other')).toBe(false)
    const identity = await createIdentity()
    await expect(
      Space.create({ identity, name: 'x', replica: () => w!.network.replica('x'), kinds: [rsvp, clash] }),
    ).rejects.toBeInstanceOf(KindClashError)
  })
})

describe('Standard Schema bodies', () => {
  /** Written from the spec by hand: a title of 1 to 20 characters. */
  const handWritten: StandardSchemaV1<unknown, { title: string }> = {
    '~standard': {
      version: 1,
      vendor: 'hand',
      validate: (value) => {
        const t = (value as { title?: unknown } | null)?.title
        return typeof t === 'string' && t.length >= 1 && t.length <= 20
          ? { value: { title: t } }
          : { issues: [{ message: 'a title of 1 to 20 characters', path: [{ key: 'title' }] }] }
      },
    },
  }

  it('recognises the interface and nothing else', () => {
    expect(isStandardSchema(handWritten)).toBe(true)
    expect(isStandardSchema(z.string())).toBe(true)
    expect(isStandardSchema(title)).toBe(false)
    expect(isStandardSchema({ '~standard': { version: 2, vendor: 'x', validate: () => ({ value: 1 }) } })).toBe(false)
    expect(isStandardSchema({ '~standard': { version: 1, vendor: 'x' } })).toBe(false)
    expect(isStandardSchema(null)).toBe(false)
  })

  it('checks bodies with a hand-written schema, naming the path of the first issue', () => {
    const kind = defineKind({ name: 'org.example/hand', body: handWritten, authorize: rules.participant })
    expect(kind.validate({ title: 'ok' }, 'body')).toEqual({ ok: true, value: { title: 'ok' } })
    expect(kind.validate({ title: '' }, 'body')).toEqual({ ok: false, error: 'body.title: a title of 1 to 20 characters' })
  })

  it('checks bodies with Zod, keeping only what the schema describes', () => {
    const kind = defineKind({
      name: 'org.example/zod',
      body: z.object({ title: z.string().min(1), seats: z.number().int().positive() }),
      authorize: rules.participant,
    })
    expect(kind.validate({ title: 'Picnic', seats: 4, extra: true }, 'body')).toEqual({ ok: true, value: { title: 'Picnic', seats: 4 } })
    const refused = kind.validate({ title: 'Picnic', seats: -1 }, 'body')
    expect(refused.ok).toBe(false)
    expect(!refused.ok && refused.error).toMatch(/^body\.seats: /)
  })

  it('refuses a body when the schema answers asynchronously: validity may not wait on anything', () => {
    const later: StandardSchemaV1 = { '~standard': { version: 1, vendor: 'later', validate: async (value) => ({ value }) } }
    const kind = defineKind({ name: 'org.example/later', body: later, authorize: rules.participant })
    const checked = kind.validate({}, 'body')
    expect(checked.ok).toBe(false)
    expect(!checked.ok && checked.error).toContain('asynchronous')
  })

  it('replicates a Zod-defined kind between peers', async () => {
    const note = defineKind({
      name: 'org.example/note',
      body: z.object({ text: z.string().min(1).max(50) }),
      authorize: rules.participant,
      views: [
        defineView({
          name: 'org.example/notes',
          init: () => [] as string[],
          add: (all, r: { body: { text: string } }) => [...all, r.body.text].sort(),
        }),
      ],
    })
    w = await world({ kinds: [note] })
    const peer = await w.join()
    await w.founder.space.publish(note, { text: 'hello' })
    await expect(w.founder.space.publish(note, { text: '' })).rejects.toMatchObject({ name: 'InvalidRecordError', reason: 'schema' })
    await w.settle()
    expect(peer.space.getView<string[]>('org.example/notes')).toEqual(['hello'])
  })
})

describe('a space with app kinds', () => {
  it('publishes, authorizes and folds app records into views on every peer', async () => {
    w = await world({ kinds: eventKinds })
    const founder = w.founder.space
    const member = await w.join()
    const heard: unknown[] = []
    const stop = member.space.subscribeView(guests, (value) => heard.push(value))
    const picnic = await founder.publish(event, { title: 'Picnic' })
    // A member is not a moderator: refused locally, before anything is published.
    await expect(member.space.publish(event, { title: 'Mine' })).rejects.toBeInstanceOf(NotAuthorizedError)
    await w.settle()
    await member.space.publish(rsvp, { event: picnic.cid, answer: 'maybe' }, [picnic.cid])
    await member.space.publish(rsvp, { event: picnic.cid, answer: 'going' }, [picnic.cid])
    await founder.publish(rsvp, { event: picnic.cid, answer: 'no' }, [picnic.cid])
    await w.settle()
    const expected = { [picnic.id]: { [w.founder.identity.did]: 'no', [member.identity.did]: 'going' } }
    for (const space of [founder, member.space]) {
      expect(space.getView(guests)).toEqual(expected)
      expect(space.getView(calendar)).toEqual({ [picnic.id]: 'Picnic' })
    }
    expect(heard.at(-1)).toEqual(expected)
    const count = heard.length
    stop()
    await founder.post('not an rsvp')
    await w.settle()
    expect(heard.length).toBe(count)
    // An rsvp must name an event: refused with the rule's own reason.
    const post = founder.getFeed()[0]!
    await expect(
      founder.publish(rsvp, { event: founder.getRecords().find((r) => r.id === post.id)!.cid, answer: 'going' }),
    ).rejects.toMatchObject({
      name: 'InvalidRecordError',
      reason: 'invalid-reference',
    })
  })

  it('lets a rule see only the records its record names, so that no peer judges by what another lacks', async () => {
    let probe: { named?: string; other?: string } = {}
    const seen: Array<{ named: boolean; other: boolean }> = []
    const pin = defineKind({
      name: 'org.example/pin',
      body: s.object({ post: s.cid }),
      authorize: ({ get }) => void seen.push({ named: get(probe.named!) !== undefined, other: get(probe.other!) !== undefined }),
    })
    w = await world({ kinds: [pin] })
    // The genesis is in every record's past but named by none (refs leave it out).
    probe = { named: (await w.founder.space.post('pinned')).id, other: w.founder.space.id }
    const post = w.founder.space.getRecords().find((r) => r.id === probe.named)!
    await w.founder.space.publish(pin, { post: post.cid })
    expect(seen.at(-1)).toEqual({ named: true, other: false })
  })

  it('names unknown kinds and views with typed errors', async () => {
    w = await world()
    await expect(w.founder.space.publish('org.example/rsvp', {})).rejects.toBeInstanceOf(UnknownKindError)
    expect(() => w!.founder.space.getView(guests)).toThrow(UnknownKindError)
    await expect(w.founder.space.publish('post', { text: 42 })).rejects.toBeInstanceOf(InvalidRecordError)
  })

  it('seals app records in a private space like every other record', async () => {
    for (const visibility of ['private', 'public'] as const) {
      w = await world({ kinds: eventKinds, visibility })
      const record = await w.founder.space.publish(event, { title: 'Picnic' })
      await w.settle()
      const observer = w.network.replica(w.founder.space.id, { peerId: `observer-${visibility}` })
      await w.network.flush()
      const entries = await observer.getAll()
      expect(entries.length).toBeGreaterThan(1)
      const plain = entries.some((entry) => entry.bytes instanceof Uint8Array && sameBytes(entry.bytes, record.bytes))
      expect(plain, visibility).toBe(visibility === 'public')
      await observer.close()
      await w.close()
      w = undefined
    }
  })
})

describe('records of a kind not registered', () => {
  it('are held as unknown-kind, still replicated, and folded once the kind is registered, nothing lost', async () => {
    w = await world({ kinds: eventKinds })
    const founder = w.founder.space
    const member = await w.join()
    const bare = await w.join(undefined, { kinds: [] })
    const picnic = await founder.publish(event, { title: 'Picnic' })
    await w.settle()
    await member.space.publish(rsvp, { event: picnic.cid, answer: 'going' }, [picnic.cid])
    await founder.publish(rsvp, { event: picnic.cid, answer: 'maybe' }, [picnic.cid])
    await w.settle()
    const appIds = founder
      .getRecords()
      .filter((r) => r.kind.startsWith('org.example/'))
      .map((r) => r.id)
    expect(appIds).toHaveLength(3)

    // The bare peer holds the event; the rsvps wait for it (they name it).
    const held = bare.space.getHeld()
    expect(held.get(picnic.id)?.reason).toBe('unknown-kind')
    expect(appIds.every((id) => held.has(id))).toBe(true)
    expect(() => bare.space.getView(guests)).toThrow(UnknownKindError)

    // Still replicated: a newcomer that reaches only the bare peer gets every app record.
    await member.space.close()
    await founder.close()
    w.peers.splice(0, 2)
    const late = await w.join()
    expect(late.space.getView(guests)).toEqual(founderView(picnic.id, w.founder.identity.did, member.identity.did))

    // Registered later, in either order: the rsvp first waits for its event, then all fold.
    await bare.space.registerKind(rsvp)
    await bare.space.idle()
    expect(bare.space.getView(guests)).toEqual({})
    await bare.space.registerKind(event)
    await bare.space.idle()
    expect(bare.space.getView(guests)).toEqual(late.space.getView(guests))
    expect(bare.space.getView(calendar)).toEqual({ [picnic.id]: 'Picnic' })
    expect([...bare.space.getHeld().keys()].filter((id) => appIds.includes(id))).toEqual([])
    expect(new Set(bare.space.getRecords().map((r) => r.id))).toEqual(new Set(late.space.getRecords().map((r) => r.id)))
  })

  it('are folded when the space is opened again with the kind', async () => {
    w = await world({ kinds: eventKinds })
    const picnic = await w.founder.space.publish(event, { title: 'Picnic' })
    await w.founder.space.publish(rsvp, { event: picnic.cid, answer: 'going' }, [picnic.cid])
    await w.settle()
    const observer = w.network.replica(w.founder.space.id, { peerId: 'disk' })
    await w.network.flush()
    // The sealed entries as a device would have stored them.
    const stored = await observer.getAll()
    await observer.close()
    const identity = await createIdentity()
    const open = (kinds: typeof eventKinds | []) =>
      Space.open({ id: w!.founder.space.id, identity, secret: secretOf(w!), replica: storedReplica(w!.founder.space.id, stored), kinds })
    const without = await open([])
    expect([...without.getHeld().values()].map((r) => r.reason)).toEqual(['unknown-kind', 'unknown-kind'])
    await without.close()
    const withKinds = await open(eventKinds)
    expect(withKinds.getView(guests)).toEqual({ [picnic.id]: { [w.founder.identity.did]: 'going' } })
    expect([...withKinds.getHeld().values()]).toEqual([])
    await withKinds.close()
  })
})

const founderView = (event: string, founder: string, member: string) => ({ [event]: { [founder]: 'maybe', [member]: 'going' } })

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

/** The share link's secret the world's spaces were opened with. */
function secretOf(world: World): Uint8Array {
  return world.founder.space.secret!
}

/** A replica over entries a device stored earlier; closing it keeps them. */
function storedReplica(spaceId: string, entries: readonly ReplicaEntry[]): Replica {
  const bytes = entries.map((entry) => entry.bytes as Uint8Array)
  return {
    spaceId,
    add: async (records) => void bytes.push(...records),
    getAll: async () => bytes.map((value) => ({ bytes: value, source: 'local' })),
    subscribe: () => () => {},
    getSyncState: () => ({ peers: 0, synced: true, bytesInFlight: 0, received: 0 }),
    subscribeSyncState: () => () => {},
    close: async () => {},
  }
}
