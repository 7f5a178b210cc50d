/**
 * Voting properties at the space level: results depend only on the set of ballots, re-voting moves
 * only that voter's contribution, peers behind partitions agree on live and final results, and a
 * recount of an export reproduces the final result.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import {
  createIdentity,
  exportSpace,
  localReplica,
  methodByName,
  recount,
  signRecord,
  Space,
  tally,
  type Identity,
  type MethodName,
} from '../../core/index.js'
import { memoryNetwork, seededRandom } from '../../testing/index.js'
import { assertProperty } from './runs.js'

const OPTIONS = ['A', 'B', 'C', 'D']
const methodCases: Array<{ method: MethodName; params?: unknown; choice: fc.Arbitrary<unknown> }> = [
  { method: 'plurality', choice: fc.nat(3) },
  {
    method: 'approval',
    params: { min: 1, max: 4 },
    choice: fc.uniqueArray(fc.nat(3), { minLength: 1, maxLength: 4 }).map((a) => a.sort()),
  },
  { method: 'instant-runoff', choice: fc.uniqueArray(fc.nat(3), { minLength: 1, maxLength: 4 }) },
  { method: 'schulze', choice: fc.uniqueArray(fc.nat(3), { minLength: 1, maxLength: 4 }) },
  { method: 'copeland', choice: fc.uniqueArray(fc.nat(3), { minLength: 1, maxLength: 4 }) },
  { method: 'score', params: { min: 0, max: 5 }, choice: fc.array(fc.nat(5), { minLength: 4, maxLength: 4 }) },
  { method: 'quadratic', params: { credits: 16 }, choice: fc.array(fc.nat(2), { minLength: 4, maxLength: 4 }) },
  { method: 'weighted', params: { points: 3 }, choice: fc.constantFrom([3, 0, 0, 0], [1, 1, 1, 0], [0, 2, 0, 1], [0, 0, 0, 3]) },
]

const voterPool: Identity[] = []
async function voters(n: number) {
  while (voterPool.length < n) voterPool.push(await createIdentity())
  return voterPool.slice(0, n)
}

const caseArb = fc.nat(methodCases.length - 1).chain((index) =>
  fc.record({
    index: fc.constant(index),
    seed: fc.nat(),
    // (voter, choice) pairs in casting order: repeated voters re-vote
    casts: fc.array(fc.tuple(fc.nat(7), methodCases[index]!.choice), { minLength: 1, maxLength: 25 }),
  }),
)

/** The method's own tally of a list of choices, as a recount from scratch would give it. */
function batch(method: MethodName, params: unknown, choices: readonly unknown[], tieOrder: readonly number[]) {
  const tallyMethod = methodByName(method)!
  const parsed = tallyMethod.parseParams(params, OPTIONS.length)
  if (!parsed.ok) throw new Error(parsed.reason)
  const normalized = choices.map((choice) => {
    const checked = tallyMethod.checkChoice(choice, parsed.params, OPTIONS.length)
    if (!checked.ok) throw new Error(checked.reason)
    return checked.choice
  })
  return tally(tallyMethod, parsed.params, normalized, { optionCount: OPTIONS.length, tieOrder })
}

async function founded(method: MethodName, params: unknown) {
  const founder = await createIdentity()
  const space = await Space.create({ visibility: 'public', identity: founder, name: 'votes', replica: (id) => localReplica(id) })
  const poll = await space.createPoll({ question: 'Q', options: OPTIONS, method, params, eligibility: { type: 'anyone' } })
  return { space, poll }
}

describe('voting properties', () => {
  it('results depend only on the ballot set: order and duplication do not matter; recount agrees', async () => {
    await assertProperty(
      fc.asyncProperty(caseArb, async ({ index, seed, casts }) => {
        const { method, params } = methodCases[index]!
        const { space, poll } = await founded(method, params)
        const ids = await voters(8)
        const spaceCid = CID.parse(space.id)
        const ballots = await Promise.all(
          casts.map(([voter, choice], i) =>
            signRecord(ids[voter]!, { kind: 'ballot', space: spaceCid, hlc: [1000 + i, 0], refs: [], body: { poll: poll.cid, choice } }),
          ),
        )
        const random = seededRandom(seed)
        const replay = async (order: Uint8Array[]) => {
          const other = await Space.open({ id: space.id, identity: ids[0]!, replica: localReplica(space.id) })
          const base = space.getRecords().map((r) => r.bytes)
          for (const bytes of random.shuffle([...base, ...order])) await other.ingest([{ bytes, source: 'p' }])
          return other
        }
        await space.ingest(ballots.map((b) => ({ bytes: b.bytes, source: 'p' })))
        const shuffled = await replay(random.shuffle(ballots.map((b) => b.bytes)))
        const duplicated = await replay(random.shuffle([...ballots, ...ballots].map((b) => b.bytes)))
        expect(shuffled.getPoll(poll.id)).toEqual(space.getPoll(poll.id))
        expect(duplicated.getPoll(poll.id)).toEqual(space.getPoll(poll.id))
        // Live equals a batch tally of each voter's latest ballot (the last cast: each later one has a
        // later clock at the same depth), counted from scratch by the method alone.
        const last = new Map<number, unknown>()
        for (const [voter, choice] of casts) last.set(voter, choice)
        const shown = space.getPoll(poll.id)!
        expect(shown.turnout).toBe(last.size)
        expect(shown.live).toEqual(batch(method, params, [...last.values()], shown.tieOrder))
        await space.closePoll(poll.id)
        const final = space.getPoll(poll.id)!
        expect(final.status).toBe('final')
        // The final result is the batch tally of the committed set: here, each voter's latest ballot.
        const committed = space.getRecords().find((r) => r.kind === 'close')!.body as { ballots: CID[] }
        const byId = new Map(ballots.map((b, i) => [b.id, casts[i]![1]]))
        expect(committed.ballots.map(String).sort()).toEqual(
          [...last.keys()].map((voter) => ballots[casts.map(([v]) => v).lastIndexOf(voter)]!.id).sort(),
        )
        expect(final.final).toEqual(
          batch(
            method,
            params,
            committed.ballots.map((id) => byId.get(String(id))),
            final.tieOrder,
          ),
        )
        const recounted = await recount(exportSpace(space))
        expect(recounted.polls[0]!.final).toEqual(final.final)
        for (const s of [space, shuffled, duplicated]) await s.close()
      }),
    )
  }, 600_000)

  it("replacing a ballot with a later one changes only that voter's contribution", async () => {
    await assertProperty(
      fc.asyncProperty(fc.array(fc.nat(3), { minLength: 2, maxLength: 8 }), fc.nat(3), async (choices, replacement) => {
        const { space, poll } = await founded('plurality', undefined)
        const ids = await voters(choices.length)
        const spaceCid = CID.parse(space.id)
        const sign = (voter: number, choice: number, wall: number) =>
          signRecord(ids[voter]!, { kind: 'ballot', space: spaceCid, hlc: [wall, 0], refs: [], body: { poll: poll.cid, choice } })
        await space.ingest(await Promise.all(choices.map(async (c, v) => ({ bytes: (await sign(v, c, 1000)).bytes, source: 'p' }))))
        const before = (space.getTally(poll.id) as unknown as { counts: number[] }).counts
        await space.ingest([{ bytes: (await sign(0, replacement, 2000)).bytes, source: 'p' }])
        const after = (space.getTally(poll.id) as unknown as { counts: number[] }).counts
        const expected = [...before]
        expected[choices[0]!]!--
        expected[replacement]!++
        expect(after).toEqual(expected)
        await space.close()
      }),
    )
  }, 600_000)

  it('peers behind partitions agree on live and final results', async () => {
    await assertProperty(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 6 }),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(5), fc.nat(3), fc.boolean()), { minLength: 3, maxLength: 20 }),
        async (n, seed, steps) => {
          const network = memoryNetwork({ mode: 'manual', seed, loss: 0.2, duplicate: 0.2 })
          const ids = await voters(n)
          const founder = await Space.create({
            visibility: 'public',
            identity: ids[0]!,
            name: 'p',
            replica: (id) => network.replica(id, { peerId: 'q0' }),
          })
          const spaces = [founder]
          for (let i = 1; i < n; i++)
            spaces.push(await Space.open({ id: founder.id, identity: ids[i]!, replica: network.replica(founder.id, { peerId: `q${i}` }) }))
          const poll = await founder.createPoll({ question: 'Q', options: OPTIONS, method: 'schulze', eligibility: { type: 'anyone' } })
          const settle = async () => {
            for (let i = 0; i < 50 && (i === 0 || network.inFlight > 0); i++) {
              await network.flush()
              await Promise.all(spaces.map((s) => s.idle()))
            }
          }
          await settle()
          for (const [peer, first, cut] of steps) {
            const space = spaces[peer % n]!
            if (cut) network.partition([network.peers.slice(0, 1 + (peer % (n - 1)))])
            else network.heal()
            await space.castBallot(poll.id, [first, (first + 1) % 4])
            await network.flush()
          }
          network.heal()
          await settle()
          const live = spaces.map((s) => s.getPoll(poll.id))
          for (const view of live) expect(view).toEqual(live[0])
          await founder.closePoll(poll.id)
          await settle()
          const finals = spaces.map((s) => s.getPoll(poll.id))
          for (const view of finals) expect(view).toMatchObject({ status: 'final', final: live[0]!.live })
          for (const s of spaces) await s.close()
        },
      ),
    )
  }, 900_000)
})
