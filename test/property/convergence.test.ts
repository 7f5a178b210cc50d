/**
 * Convergence under an adversarial network: 3 to 12 peers act at random while the network
 * reorders, duplicates and loses messages (repaired by anti-entropy) and partitions heal. At the end
 * every peer shows the same views, equal to a fresh peer that received all records one by one
 * in yet another order.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createIdentity, Space, type Identity } from '../../core/index.js'
import { memoryNetwork, seededRandom } from '../../testing/index.js'
import { snapshot } from '../helpers.js'
import { assertProperty } from './runs.js'

type Op =
  | {
      type:
        'post' | 'reply' | 'edit' | 'retract' | 'react' | 'unreact' | 'profile' | 'hide' | 'grant' | 'revoke' | 'invite' | 'redeem' | 'join'
      peer: number
      pick: number
    }
  | { type: 'partition'; pick: number }
  | { type: 'heal' }
  | { type: 'deliver' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      type: fc.constantFrom(
        'post',
        'post',
        'reply',
        'edit',
        'retract',
        'react',
        'unreact',
        'profile',
        'hide',
        'grant',
        'revoke',
        'invite',
        'redeem',
        'join',
      ),
      peer: fc.nat(11),
      pick: fc.nat(1000),
    }),
    weight: 10,
  },
  { arbitrary: fc.record({ type: fc.constant('partition' as const), pick: fc.nat(1000) }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constantFrom('heal' as const, 'deliver' as const) }), weight: 2 },
) as fc.Arbitrary<Op>

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  peers: fc.integer({ min: 3, max: 12 }),
  policy: fc.constantFrom('open' as const, 'invite-only' as const),
  seed: fc.nat(),
  loss: fc.constantFrom(0, 0.1, 0.3),
  duplicate: fc.constantFrom(0, 0.2),
  ops: fc.array(opArb, { minLength: 5, maxLength: 30 }),
})

// Identities are expensive-ish to derive and irrelevant to the property: share a pool across runs.
const pool: Identity[] = []
async function identities(n: number): Promise<Identity[]> {
  while (pool.length < n) pool.push(await createIdentity())
  return pool.slice(0, n)
}

interface Scenario {
  peers: number
  policy: 'open' | 'invite-only'
  seed: number
  loss: number
  duplicate: number
  ops: Op[]
}

async function run(scenario: Scenario): Promise<void> {
  const network = memoryNetwork({ mode: 'manual', seed: scenario.seed, loss: scenario.loss, duplicate: scenario.duplicate })
  const random = seededRandom(scenario.seed)
  const [founderId, ...others] = await identities(scenario.peers)
  const founder = await Space.create({
    identity: founderId!,
    name: 'prop',
    policy: scenario.policy,
    replica: (id) => network.replica(id, { peerId: 'p0' }),
  })
  const spaces = [founder]
  for (const [i, identity] of others.entries()) {
    spaces.push(await Space.open({ id: founder.id, identity, replica: network.replica(founder.id, { peerId: `p${i + 1}` }) }))
  }
  const invites: Array<{ id: string; secret: Uint8Array }> = []
  const postsOf = (space: Space) => space.getRecords().filter((r) => r.kind === 'post')
  const settle = async () => {
    for (let i = 0; i < 50 && (network.inFlight > 0 || i === 0); i++) {
      await network.flush()
      await Promise.all(spaces.map((s) => s.idle()))
    }
  }

  for (const op of scenario.ops) {
    if (op.type === 'heal' || op.type === 'deliver') {
      if (op.type === 'heal') network.heal()
      else await settle()
    } else if (op.type === 'partition') {
      const ids = network.peers
      const cut = 1 + (op.pick % Math.max(1, ids.length - 1))
      network.partition([ids.slice(0, cut), ids.slice(cut)])
    } else {
      const space = spaces[op.peer % spaces.length]!
      const posts = postsOf(space)
      const post = posts.length ? posts[op.pick % posts.length]! : undefined
      const member = spaces[op.pick % spaces.length]!.identity.did
      try {
        switch (op.type) {
          case 'post':
            await space.post(`post ${op.pick}`)
            break
          case 'reply':
            if (post) await space.reply(post.id, `reply ${op.pick}`)
            break
          case 'edit':
            if (post) await space.editPost(post.id, `edit ${op.pick}`)
            break
          case 'retract':
            if (post) await space.retractPost(post.id)
            break
          case 'react':
            if (post) await space.react(post.id, ['👍', '🎉', '❤️'][op.pick % 3]!)
            break
          case 'unreact':
            if (post) await space.unreact(post.id, ['👍', '🎉', '❤️'][op.pick % 3]!)
            break
          case 'profile':
            await space.setProfile({ name: `name ${op.pick}` })
            break
          case 'hide':
            if (post) await space.hidePost(post.id, { hidden: op.pick % 2 === 0 })
            break
          case 'grant':
            await space.grantRole(member, (['admin', 'moderator', 'member'] as const)[op.pick % 3]!)
            break
          case 'revoke':
            await space.revokeRole(member)
            break
          case 'invite':
            invites.push(await space.createInvite({ maxUses: 1 + (op.pick % 2) }))
            break
          case 'join':
            await space.join()
            break
          case 'redeem': {
            const invite = invites[op.pick % Math.max(1, invites.length)]
            if (invite && space.hasRecord(invite.id)) await space.redeemInvite(invite)
            break
          }
        }
      } catch (error) {
        // Refusals are expected (a peer acting beyond its current rights); anything else is a bug.
        if (!(error instanceof Error) || !/^(NotAuthorizedError|InvalidRecordError)$/.test(error.name)) throw error
      }
    }
  }
  network.heal()
  await settle()

  const views = spaces.map(snapshot)
  for (const view of views.slice(1)) expect(view).toEqual(views[0])

  // A fresh peer that receives the union of all records one at a time, in a shuffled order.
  const union = new Map(spaces.flatMap((s) => s.getRecords().map((r) => [r.id, r.bytes] as const)))
  const reference = await Space.open({ id: founder.id, identity: pool[0]!, replica: memoryNetwork().replica(founder.id) })
  for (const bytes of random.shuffle([...union.values()])) await reference.ingest([{ bytes, source: 'reference' }])
  expect(snapshot(reference)).toEqual(views[0])
  await reference.close()
  for (const space of spaces) await space.close()
}

describe('convergence', () => {
  it('every peer and a one-by-one reference peer show identical views', async () => {
    await assertProperty(fc.asyncProperty(scenarioArb, run), { endOnFailure: false })
  }, 600_000)
})
