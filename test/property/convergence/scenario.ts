/**
 * Convergence scenarios: what a generated run does, through the public Space API only.
 *
 * A space is founded, two to four members join (by joining an open space or redeeming their own
 * invite), newcomers wait outside with no invite yet, and one member may use a second device with
 * the same identity. Then steps run: single writes; clashes (several devices writing to the same
 * item with no delivery between: edits, reactions, moderation, role changes against the actions
 * they affect); contested invites redeemed by more people than they allow; polls with concurrent
 * ballots and a close; a hostile peer's forged, replayed, oversized and garbage values; partitions,
 * heals and deliveries.
 */
import fc from 'fast-check'

export type WriteAction = 'post' | 'reply' | 'edit' | 'retract' | 'react' | 'unreact' | 'profile'
export type ClashTarget = 'edit' | 'react' | 'moderation' | 'role'

export type Step =
  | { readonly type: 'write'; readonly action: WriteAction; readonly peer: number; readonly pick: number }
  | { readonly type: 'clash'; readonly target: ClashTarget; readonly peers: readonly number[]; readonly pick: number }
  | { readonly type: 'invite'; readonly uses: 1 | 2; readonly pick: number }
  | { readonly type: 'poll'; readonly peers: readonly number[]; readonly pick: number; readonly close: boolean }
  | { readonly type: 'hostile'; readonly kinds: readonly ('forged' | 'replayed' | 'oversized' | 'garbage')[]; readonly pick: number }
  | { readonly type: 'partition'; readonly pick: number }
  | { readonly type: 'heal' }
  | { readonly type: 'deliver' }

export interface Scenario {
  readonly policy: 'open' | 'invite-only'
  /** Private spaces seal every record; their removals and joins rotate keys during the steps. */
  readonly visibility: 'private' | 'public'
  /** Members besides the founder, joined before the steps. */
  readonly members: number
  /** People with no membership yet, who may redeem contested invites. */
  readonly newcomers: number
  /** Whether member 1 also uses a second device, with the same identity. */
  readonly twin: boolean
  readonly seed: number
  readonly loss: number
  readonly duplicate: number
  readonly steps: readonly Step[]
}

const peers = fc.uniqueArray(fc.nat(15), { minLength: 2, maxLength: 4 })

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('write' as const),
      action: fc.constantFrom<WriteAction>('post', 'post', 'reply', 'edit', 'retract', 'react', 'unreact', 'profile'),
      peer: fc.nat(15),
      pick: fc.nat(1000),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant('clash' as const),
      target: fc.constantFrom<ClashTarget>('edit', 'react', 'moderation', 'moderation', 'role'),
      peers,
      pick: fc.nat(1000),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('invite' as const), uses: fc.constantFrom(1 as const, 2 as const), pick: fc.nat(1000) }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('poll' as const), peers, pick: fc.nat(1000), close: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('hostile' as const),
      kinds: fc.uniqueArray(fc.constantFrom('forged' as const, 'replayed' as const, 'oversized' as const, 'garbage' as const), {
        minLength: 1,
        maxLength: 4,
      }),
      pick: fc.nat(1000),
    }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('partition' as const), pick: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('heal' as const) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('deliver' as const) }) },
)

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  policy: fc.constantFrom('open' as const, 'invite-only' as const),
  visibility: fc.constantFrom('private' as const, 'public' as const),
  members: fc.integer({ min: 2, max: 4 }),
  newcomers: fc.integer({ min: 1, max: 2 }),
  twin: fc.boolean(),
  seed: fc.nat(),
  loss: fc.constantFrom(0, 0.1, 0.3),
  duplicate: fc.constantFrom(0, 0.2),
  steps: fc.array(stepArb, { minLength: 6, maxLength: 16 }),
})
