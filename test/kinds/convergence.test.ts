/**
 * Convergence with an app-defined kind beside core's: a founder and members create events (only
 * moderators may), answer them concurrently (latest answer wins), post and react, while roles
 * change under them, the network reorders, loses, duplicates and partitions, and a hostile peer
 * sends forged and garbage copies. One peer has no module for the app's kinds until the end,
 * when it registers them. Every peer, and a fresh peer that receives all valid records one by one
 * in another order, shows the same core and app views.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Space, type SignedRecord } from '../../core/index.js'
import { sealFrame } from '../../core/private/frame.js'
import { epochZeroKey } from '../../core/private/keyring.js'
import { memoryNetwork, seededRandom } from '../../testing/index.js'
import { snapshot } from '../helpers.js'
import { identities } from '../property/convergence/driver.js'
import { forge, garbage } from '../property/convergence/hostile.js'
import { assertProperty } from '../property/runs.js'
import { calendar, event, eventKinds, guests, rsvp } from './events.js'

type Step =
  | { readonly type: 'event' | 'post' | 'react' | 'role' | 'hostile'; readonly peer: number; readonly pick: number }
  | { readonly type: 'rsvp'; readonly peers: readonly number[]; readonly pick: number }
  | { readonly type: 'partition'; readonly pick: number }
  | { readonly type: 'heal' | 'deliver' }

interface Scenario {
  readonly policy: 'open' | 'invite-only'
  readonly visibility: 'private' | 'public'
  readonly members: number
  readonly seed: number
  readonly loss: number
  readonly duplicate: number
  readonly steps: readonly Step[]
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('event' as const), peer: fc.nat(7), pick: fc.nat(1000) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('rsvp' as const),
      peers: fc.uniqueArray(fc.nat(7), { minLength: 1, maxLength: 4 }),
      pick: fc.nat(1000),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constantFrom('post' as const, 'react' as const), peer: fc.nat(7), pick: fc.nat(1000) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('role' as const), peer: fc.nat(7), pick: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('hostile' as const), peer: fc.nat(7), pick: fc.nat(1000) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('partition' as const), pick: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('heal' as const) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('deliver' as const) }) },
)

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  policy: fc.constantFrom('open' as const, 'invite-only' as const),
  visibility: fc.constantFrom('private' as const, 'public' as const),
  members: fc.integer({ min: 2, max: 3 }),
  seed: fc.nat(),
  loss: fc.constantFrom(0, 0.2),
  duplicate: fc.constantFrom(0, 0.2),
  steps: fc.array(stepArb, { minLength: 4, maxLength: 12 }),
})

const ANSWERS = ['going', 'maybe', 'no'] as const
/** Refusals of a peer acting beyond its rights (an event by a non-moderator); anything else is a bug. */
const EXPECTED = /^(NotAuthorizedError|InvalidRecordError)$/

const views = (space: Space) => ({ ...snapshot(space), guests: space.getView(guests), calendar: space.getView(calendar) })

/** What the runs exercised, summed over one seed's runs, with floors so that a generator gone quiet fails. */
let covered = { events: 0, rsvps: 0, held: 0, refused: 0, folded: 0 }

async function run(scenario: Scenario): Promise<void> {
  const network = memoryNetwork({ mode: 'manual', seed: scenario.seed, loss: scenario.loss, duplicate: scenario.duplicate })
  const random = seededRandom(scenario.seed)
  const people = await identities(1 + scenario.members)
  const secret = Uint8Array.from({ length: 32 }, () => random.int(0, 255))
  const common = { secret, keyRotationDelayMs: 0 }
  const founder = await Space.create({
    ...common,
    identity: people[0]!,
    name: 'kinds',
    policy: scenario.policy,
    visibility: scenario.visibility,
    kinds: eventKinds,
    replica: (id) => network.replica(id, { peerId: 'p0' }),
  })
  const spaces = [founder]
  // The last member has no module for the app's kinds until the end.
  for (const [i, identity] of people.slice(1).entries()) {
    const kinds = i === scenario.members - 1 ? [] : eventKinds
    spaces.push(
      await Space.open({ ...common, id: founder.id, identity, kinds, replica: network.replica(founder.id, { peerId: `p${i + 1}` }) }),
    )
  }
  const late = spaces.at(-1)!
  const settle = async () => {
    for (let i = 0; i < 50 && (network.inFlight > 0 || i === 0); i++) {
      await network.flush()
      await Promise.all(spaces.map((space) => space.idle()))
    }
  }
  try {
    await settle()
    for (const space of spaces.slice(1)) {
      if (scenario.policy === 'open') await space.join()
      else {
        const invite = await founder.createInvite({ maxUses: 1 })
        await settle()
        await space.redeemInvite(invite)
      }
    }
    await settle()
    await founder.grantRole(people[1]!.did, 'moderator')
    await founder.publish(event, { title: 'first' })
    await settle()

    const made: SignedRecord[] = []
    const attempt = async (call: () => Promise<SignedRecord>) => {
      try {
        made.push(await call())
      } catch (error) {
        if (!(error instanceof Error) || !EXPECTED.test(error.name)) throw error
        covered.refused++
      }
    }
    const space = (n: number) => spaces[n % spaces.length]!
    /** Events this peer can answer: the app peers only (the late one cannot read events yet). */
    const eventsOf = (s: Space) => (s === late ? [] : s.getRecords().filter((r) => r.kind === event.name))
    for (const step of scenario.steps) {
      if (step.type === 'event') {
        const s = space(step.peer) === late ? founder : space(step.peer)
        await attempt(() => s.publish(event, { title: `event ${step.pick}` }))
      } else if (step.type === 'rsvp') {
        // Several peers answer the same event with no delivery between: concurrent answers.
        for (const [i, n] of step.peers.entries()) {
          const s = space(n)
          const events = eventsOf(s)
          const target = events[step.pick % Math.max(1, events.length)]
          if (!target) continue
          await attempt(() => s.publish(rsvp, { event: target.cid, answer: ANSWERS[(step.pick + i) % 3]! }, [target.cid]))
        }
      } else if (step.type === 'post') await attempt(() => space(step.peer).post(`post ${step.pick}`))
      else if (step.type === 'react') {
        const s = space(step.peer)
        const post = s.getFeed()[step.pick % Math.max(1, s.getFeed().length)]
        if (post) await attempt(() => s.react(post.id, '👍', step.pick % 2 === 0))
      } else if (step.type === 'role') {
        // Moderators come and go while events are being made: authorization is judged in each record's past.
        const target = people[1 + (step.pick % scenario.members)]!.did
        await attempt(() => founder.grantRole(target, founder.getRole(target) === 'moderator' ? 'member' : 'moderator'))
      } else if (step.type === 'hostile') {
        const sample = made[step.pick % Math.max(1, made.length)]
        const values: Uint8Array[] = []
        if (sample) values.push(forge(sample.bytes, sample.author, people[0]!.did, random))
        values.push(...garbage(sample?.bytes, random).filter((value): value is Uint8Array => value instanceof Uint8Array))
        const sealed = scenario.visibility === 'private' ? values.map((value) => sealFrame(epochZeroKey(secret), 0, value)) : values
        network.inject(`p${step.peer % spaces.length}`, sealed, 'hostile')
      } else if (step.type === 'partition') {
        const ids = random.shuffle([...network.peers])
        const cut = 1 + (step.pick % Math.max(1, ids.length - 1))
        network.partition([ids.slice(0, cut), ids.slice(cut)])
      } else if (step.type === 'heal') network.heal()
      else await settle()
    }
    network.heal()
    await settle()

    const held = [...late.getHeld().values()].filter((r) => r.reason === 'unknown-kind').length
    covered.held += held
    await late.registerKind(event)
    await late.registerKind(rsvp)
    await settle()
    if (held > 0) covered.folded++
    covered.events += founder.getRecords().filter((r) => r.kind === event.name).length
    covered.rsvps += founder.getRecords().filter((r) => r.kind === rsvp.name).length

    const seen = spaces.map(views)
    for (const [i, view] of seen.entries()) expect(view, `p${i} differs from p0`).toEqual(seen[0])
    expect([...late.getHeld().values()].filter((r) => r.reason === 'unknown-kind')).toEqual([])

    // A fresh peer with the kinds, given all valid records one at a time in a shuffled order.
    const union = new Map(spaces.flatMap((s) => s.getRecords().map((r) => [r.id, r.bytes] as const)))
    const reference = await Space.open({
      id: founder.id,
      identity: people[0]!,
      plainRecords: true,
      kinds: eventKinds,
      replica: memoryNetwork().replica(founder.id),
    })
    for (const id of random.shuffle([...union.keys()])) await reference.ingest([{ bytes: union.get(id)!, source: 'reference' }])
    expect(views(reference)).toEqual(seen[0])
    await reference.close()
  } finally {
    for (const s of spaces) await s.close()
  }
}

describe('convergence with an app-defined kind', () => {
  it('every peer, the one that registered the kinds last, and a one-by-one reference peer show identical views', async () => {
    await assertProperty(fc.asyncProperty(scenarioArb, run), {
      endOnFailure: false,
      beforeSeed: () => void (covered = { events: 0, rsvps: 0, held: 0, refused: 0, folded: 0 }),
      afterSeed: (seed) => {
        console.info(`seed ${seed}: ${JSON.stringify(covered)}`)
        // Floors well under what the generator gives (about 940 rsvps, 200 runs with held records and 20 to 35 refusals per seed), so that one that stops making these cases fails.
        expect(covered.rsvps).toBeGreaterThan(200)
        expect(covered.folded).toBeGreaterThan(100)
        expect(covered.refused).toBeGreaterThan(5)
      },
    })
  }, 900_000)
})
