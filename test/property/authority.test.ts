/**
 * Authority and finality under Byzantine signers (issue 21): honest peers on a partitioned memory
 * network, plus a Byzantine founder, admin and closer who sign records by hand with arbitrary
 * claimed clocks and arbitrary refs, delivered to arbitrary peers, duplicated, in any order.
 *
 * Invariants, checked on every honest peer after every step:
 * - a poll a peer showed as final with result R is afterwards final with R or disputed;
 * - a secret poll whose reveals a peer holds is never open again, and once revealing, final or
 *   disputed, no poll goes back to open or syncing; disputed stays disputed;
 * and once everything is delivered everywhere:
 * - honest peers holding the same records show the same polls, members and held records;
 * - no poll is syncing (every record its closes name is present).
 */
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { ballotSetDigest, createIdentity, signRecord, Space, type Identity, type PollView, type SignedRecord } from '../../core/index.js'
import { memoryNetwork } from '../../testing/index.js'
import { snapshot } from '../helpers.js'
import { assertProperty } from './runs.js'

const HONEST = 3

/** Who signs a Byzantine record: the founder, the admin they appoint, or an honest peer's poll's author (none: honest). */
const byzantine = fc.constantFrom('founder' as const, 'admin' as const)
/** Indices into the records that exist when the step runs (taken modulo their count). */
const picks = fc.array(fc.nat(), { maxLength: 5 })
/** Any clock at all: far past, now-ish, far future. */
const wall = fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }), fc.nat())
const peers = fc.uniqueArray(fc.nat(HONEST - 1), { minLength: 1, maxLength: HONEST })

const step = fc.oneof(
  { weight: 2, arbitrary: fc.record({ t: fc.constant('grant' as const), refs: picks, wall }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('revoke' as const), refs: picks, wall }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('poll' as const),
      by: fc.oneof(byzantine, fc.nat(HONEST - 1)),
      secret: fc.boolean(),
      refs: picks,
      wall,
    }),
  },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('vote' as const), peer: fc.nat(HONEST - 1), poll: fc.nat(), choice: fc.nat(1) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('close' as const),
      by: byzantine,
      poll: fc.nat(),
      pick: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
      refs: picks,
      wall,
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('honest-close' as const), peer: fc.nat(HONEST - 1), poll: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('send' as const), to: peers, duplicate: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('partition' as const), cut: fc.nat(HONEST) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('flush' as const) }) },
)
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never

interface Coverage {
  runs: number
  final: number
  disputed: number
  contested: number
  stale: number
  revealed: number
  partitioned: number
}

describe('authority and finality properties', () => {
  const fresh = (): Coverage => ({ runs: 0, final: 0, disputed: 0, contested: 0, stale: 0, revealed: 0, partitioned: 0 })
  let coverage = fresh()

  it('no Byzantine founder, admin or closer changes a final result, reopens a revealed poll, or splits honest views', async () => {
    const founder = await createIdentity()
    const admin = await createIdentity()
    const honest = await Promise.all(Array.from({ length: HONEST }, () => createIdentity()))
    await assertProperty(
      fc.asyncProperty(
        // Every run opens with an honest poll and some votes, so closes have something to fight over.
        fc.record({ secret: fc.boolean(), votes: fc.array(fc.tuple(fc.nat(HONEST - 1), fc.nat(1)), { minLength: 1, maxLength: 4 }) }),
        fc.array(step, { minLength: 10, maxLength: 40 }),
        async (prelude, steps) => {
          coverage.runs++
          const seen = { final: false, disputed: false, contested: false, stale: false, revealed: false, partitioned: false }
          const network = memoryNetwork({ mode: 'manual' })
          // The founder's own client opens the space; its records are honest ones, its hand-signed ones are not.
          const origin = await Space.create({
            visibility: 'public',
            identity: founder,
            name: 'p',
            replica: (id) => network.replica(id, { peerId: 'origin' }),
          })
          const spaceCid = CID.parse(origin.id)
          const spaces = [origin]
          for (const [i, identity] of honest.entries()) {
            spaces.push(await Space.open({ id: origin.id, identity, replica: network.replica(origin.id, { peerId: `h${i}` }) }))
          }
          const peerIds = ['origin', ...honest.map((_, i) => `h${i}`)]
          const settle = async () => {
            for (let round = 0; round < 50; round++) {
              await network.flush()
              await Promise.all(spaces.map((space) => space.idle()))
              if (network.inFlight === 0) return
            }
          }
          await settle()
          for (const space of spaces.slice(1)) await space.join()
          await settle()
          const first = await spaces[1]!.createPoll({ question: 'Q', options: ['A', 'B'], method: 'plurality', secret: prelude.secret })
          await settle()
          for (const [peer, choice] of prelude.votes) await spaces[peer + 1]!.castBallot(first.id, choice)
          await settle()

          const forged: SignedRecord[] = []
          let undelivered: SignedRecord[] = []
          const allRecords = () => {
            const byId = new Map<string, SignedRecord>()
            for (const space of spaces) for (const record of space.getRecords()) byId.set(record.id, record)
            for (const record of forged) byId.set(record.id, record)
            return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1))
          }
          const polls = () => allRecords().filter((record) => record.kind === 'poll')
          const sign = async (identity: Identity, kind: string, body: unknown, refs: number[], at: number) => {
            const pool = allRecords().filter((record) => record.kind !== 'space')
            const named = [
              ...new Set(refs.map((i) => pool[i % Math.max(1, pool.length)]).filter((r): r is SignedRecord => r !== undefined)),
            ]
            const record = await signRecord(identity, { kind, space: spaceCid, hlc: [at, 0], refs: named.map((r) => r.cid), body })
            forged.push(record)
            undelivered.push(record)
            return record
          }
          const history = spaces.map(() => new Map<string, PollView>())
          const check = () => {
            for (const [i, space] of spaces.entries()) {
              for (const poll of space.getPolls()) {
                const before = history[i]!.get(poll.id)
                if (before?.status === 'final') {
                  expect(['final', 'disputed']).toContain(poll.status)
                  if (poll.status === 'final') expect(poll.final).toEqual(before.final)
                }
                if (before && ['revealing', 'final', 'disputed'].includes(before.status))
                  expect(['revealing', 'final', 'disputed']).toContain(poll.status)
                if (before?.status === 'disputed') expect(poll.status).toBe('disputed')
                const held = space.getHeld()
                const revealed = space
                  .getRecords()
                  .some((r) => r.kind === 'reveal' && String((r.body as { poll: CID }).poll) === poll.id && !held.has(r.id))
                if (revealed) {
                  seen.revealed = true
                  expect(poll.status).not.toBe('open')
                }
                if (poll.status === 'final') seen.final = true
                if (poll.status === 'disputed') seen.disputed = true
                if (poll.dispute?.contested.length) seen.contested = true
                history[i]!.set(poll.id, poll)
              }
              if ([...space.getHeld().values()].some((r) => r.reason === 'stale-ballot')) seen.stale = true
            }
          }

          try {
            for (const s of steps as Step[]) {
              switch (s.t) {
                case 'grant':
                  await sign(founder, 'role', { member: admin.did, role: 'admin' }, s.refs, s.wall)
                  break
                case 'revoke':
                  await sign(founder, 'role', { member: admin.did, role: null }, s.refs, s.wall)
                  break
                case 'poll': {
                  const body = {
                    question: 'Q',
                    description: '',
                    options: ['A', 'B'],
                    method: 'plurality',
                    eligibility: { type: 'members' as const },
                    secret: s.secret,
                  }
                  if (typeof s.by === 'number') await spaces[s.by + 1]!.createPoll({ ...body, method: 'plurality' }).catch(() => {})
                  else await sign(s.by === 'founder' ? founder : admin, 'poll', body, s.refs, s.wall)
                  break
                }
                case 'vote': {
                  const all = polls()
                  const poll = all[s.poll % Math.max(1, all.length)]
                  if (poll && spaces[s.peer + 1]!.getPoll(poll.id)) await spaces[s.peer + 1]!.castBallot(poll.id, s.choice).catch(() => {})
                  break
                }
                case 'close': {
                  const all = polls()
                  const poll = all[s.poll % Math.max(1, all.length)]
                  if (!poll) break
                  const ballots = allRecords().filter((r) => r.kind === 'ballot' && String((r.body as { poll: CID }).poll) === poll.id)
                  const chosen = ballots.filter((_, i) => s.pick[i % Math.max(1, s.pick.length)] ?? true).map((r) => r.cid)
                  const identity = s.by === 'founder' ? founder : admin
                  await sign(
                    identity,
                    'close',
                    { poll: poll.cid, count: chosen.length, digest: ballotSetDigest(chosen), ballots: chosen, parts: [] },
                    s.refs,
                    s.wall,
                  )
                  break
                }
                case 'honest-close': {
                  const all = polls()
                  const poll = all[s.poll % Math.max(1, all.length)]
                  if (poll && spaces[s.peer + 1]!.getPoll(poll.id)) await spaces[s.peer + 1]!.closePoll(poll.id).catch(() => {})
                  break
                }
                case 'send':
                  for (const index of s.to) {
                    const bytes = undelivered.map((r) => r.bytes)
                    network.inject(peerIds[index + 1]!, s.duplicate ? [...bytes, ...bytes] : bytes)
                  }
                  undelivered = []
                  break
                case 'partition':
                  if (s.cut === 0) network.heal()
                  else {
                    seen.partitioned = true
                    network.partition([peerIds.slice(0, s.cut), peerIds.slice(s.cut)])
                  }
                  break
                case 'flush':
                  await settle()
                  break
              }
              await Promise.all(spaces.map((space) => space.idle()))
              check()
            }

            // Everything everywhere, and twice: honest peers now hold the same records.
            network.heal()
            for (const id of peerIds)
              network.inject(
                id,
                [...forged, ...forged].map((r) => r.bytes),
              )
            await settle()
            await settle()
            check()
            const ids = spaces.map((space) =>
              space
                .getRecords()
                .map((r) => r.id)
                .sort(),
            )
            for (const other of ids.slice(1)) expect(other).toEqual(ids[0])
            const views = spaces.map((space) => ({ ...snapshot(space), polls: space.getPolls() }))
            for (const view of views.slice(1)) expect(view).toEqual(views[0])
            for (const poll of views[0]!.polls) expect(poll.status).not.toBe('syncing')
          } finally {
            for (const space of spaces) await space.close()
          }
          for (const key of Object.keys(seen) as Array<keyof typeof seen>) if (seen[key]) coverage[key]++
        },
      ),
      {
        endOnFailure: true,
        beforeSeed: () => void (coverage = fresh()),
        afterSeed: (seed) => {
          const share = (n: number) => (n / coverage.runs).toFixed(2)
          console.info(
            `authority property, seed ${seed}, ${coverage.runs} runs: final ${share(coverage.final)}, disputed ${share(coverage.disputed)}, ` +
              `contested ${share(coverage.contested)}, stale close ${share(coverage.stale)}, revealed ${share(coverage.revealed)}, ` +
              `partitioned ${share(coverage.partitioned)}`,
          )
          // A generator that stops reaching the hard cases fails here, not silently.
          expect(coverage.final / coverage.runs).toBeGreaterThan(0.3)
          expect(coverage.disputed / coverage.runs).toBeGreaterThan(0.1)
          expect(coverage.stale / coverage.runs).toBeGreaterThan(0.1)
          expect(coverage.revealed / coverage.runs).toBeGreaterThan(0.05)
          expect(coverage.contested).toBeGreaterThan(0)
          expect(coverage.partitioned / coverage.runs).toBeGreaterThan(0.3)
        },
      },
    )
  }, 600_000)
})
