import { beforeAll, describe, expect, it } from 'vitest'
import { createIdentity } from './identity.js'
import { pollBodies } from './poll-kinds.js'
import { quorumView, requiredBallots } from './quorum.js'

let dids: string[] = []
const did = (n: number) => dids[n]!
beforeAll(async () => {
  dids = await Promise.all([0, 1, 2].map(async () => (await createIdentity()).did))
})
const poll = (extra: Record<string, unknown>) => ({
  question: 'Q',
  description: '',
  options: ['A', 'B'],
  method: 'plurality',
  eligibility: { type: 'members' },
  secret: false,
  ...extra,
})
const check = (extra: Record<string, unknown>) => pollBodies.poll(poll(extra), 'body')

describe('quorum', () => {
  it('asks for n ballots, or a share of a list rounded up', () => {
    expect(requiredBallots({ minBallots: 3 }, { type: 'members' })).toBe(3)
    expect(requiredBallots({ percent: 50 }, { type: 'list', voters: [did(0), did(1), did(2)] })).toBe(2)
    expect(requiredBallots({ percent: 100 }, { type: 'list', voters: [did(0), did(1), did(2)] })).toBe(3)
  })

  it('is met at exactly the required number of ballots, not one fewer', () => {
    expect(quorumView({ minBallots: 2 }, { type: 'members' }, 1)).toEqual({ required: 2, ballots: 1, met: false })
    expect(quorumView({ minBallots: 2 }, { type: 'members' }, 2)).toEqual({ required: 2, ballots: 2, met: true })
    expect(quorumView(undefined, { type: 'members' }, 2)).toBeUndefined()
  })

  it('is accepted by the poll schema in either form, and absent by default', () => {
    expect(check({}).ok).toBe(true)
    expect(check({ quorum: { minBallots: 5 } }).ok).toBe(true)
  })

  it('refuses a share without an explicit list, since membership differs between peers while syncing', () => {
    expect(check({ quorum: { percent: 50 } })).toEqual({
      ok: false,
      error: 'body: a quorum given as a percent needs an explicit list of voters',
    })
  })

  it('refuses malformed rules and one a list can never meet', () => {
    for (const quorum of [{}, { minBallots: 0 }, { minBallots: 2, percent: 50 }, { percent: 101 }, { minBallots: 1.5 }, { other: 1 }])
      expect(check({ quorum }).ok, JSON.stringify(quorum)).toBe(false)
    const list = { type: 'list', voters: [did(0), did(1)] }
    expect(check({ eligibility: list, quorum: { minBallots: 3 } })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/2 listed voters/),
    })
    expect(check({ eligibility: list, quorum: { minBallots: 2 } }).ok).toBe(true)
  })
})
