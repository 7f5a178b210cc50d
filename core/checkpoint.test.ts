import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import { describe, expect, it } from 'vitest'
import {
  decodeCheckpoint,
  describeEntries,
  encodeCheckpoint,
  FOLD_VERSION,
  HELD,
  matchCheckpoint,
  NOT_HELD,
  type PollOutcome,
} from './checkpoint.js'
import type { ReplicaEntry } from './replica.js'

const SPACE = 'bafyspace'
const outcome: PollOutcome = {
  status: 'open',
  turnout: 2,
  live: { method: 'plurality', ballots: 2, ranking: [1, 0], winner: 1, tieBroken: false },
  final: undefined,
  revealed: undefined,
  close: undefined,
}
const entry = (id: string, hashed = true): ReplicaEntry => ({ bytes: new Uint8Array([1]), claimedId: id, hashed, source: 'local' })

describe('checkpoint format', () => {
  it('describes entries as runs, and finds them again in the same order only', async () => {
    const entries = ['g', 'p', 'b1', 'x', 'b2', 'post'].map((id) => entry(id))
    const kinds: Record<string, string> = { g: 'space', p: 'poll', b1: 'ballot', b2: 'ballot', post: 'post' }
    const checkpoint = await describeEntries(SPACE, 'did:key:zMe', entries, (id) => kinds[id], [
      {
        id: 'p',
        ballots: new Map([
          ['b1', 0],
          ['b2', 1],
        ]),
        outcome,
        mine: 'b2',
      },
    ])
    expect(checkpoint.runs).toEqual([
      [HELD, 2],
      [0, 1],
      [NOT_HELD, 1],
      [0, 1],
      [HELD, 1],
    ])
    const decoded = decodeCheckpoint(encodeCheckpoint(checkpoint), SPACE)
    expect(decoded).toEqual({ ...checkpoint, polls: [{ id: 'p', count: 2, outcome, mine: 'b2' }] })

    const plan = (await matchCheckpoint([...entries, entry('later')], decoded!))!
    expect(plan.unread[0]!.map((e) => e.claimedId)).toEqual(['b1', 'b2'])
    expect(plan.rest.map((e) => e.claimedId)).toEqual(['g', 'p', 'x', 'post', 'later'])
    expect([...plan.held]).toEqual(['g', 'p', 'post'])
    expect(plan.fresh).toBe(1)
    // Another order, a missing entry, or an id the replica did not compute: not these entries.
    expect(await matchCheckpoint([entries[1]!, entries[0]!, ...entries.slice(2)], decoded!)).toBeUndefined()
    expect(await matchCheckpoint(entries.slice(1), decoded!)).toBeUndefined()
    expect(await matchCheckpoint([entry('g', false), ...entries.slice(1)], decoded!)).toBeUndefined()
    expect(decodeCheckpoint(encodeCheckpoint(checkpoint), 'bafyother')).toBeUndefined()
  })

  it('leaves out a poll whose valid ballots are not all among the entries', async () => {
    const checkpoint = await describeEntries(SPACE, 'w', [entry('b1')], () => 'ballot', [
      {
        id: 'p',
        ballots: new Map([
          ['b1', 0],
          ['b9', 0],
        ]),
        outcome,
        mine: undefined,
      },
    ])
    expect(checkpoint.polls).toEqual([])
    expect(checkpoint.runs).toEqual([[HELD, 1]])
  })

  it('reads anything else as no checkpoint, never a throw', () => {
    const header = (changes: Record<string, unknown>) =>
      new TextEncoder().encode(
        JSON.stringify({
          format: 1,
          fold: FOLD_VERSION,
          space: SPACE,
          writer: 'w',
          entries: 1,
          digest: 'd',
          runs: [[0, 1]],
          polls: [{ id: 'p', count: 1, outcome }],
          ...changes,
        }),
      )
    expect(decodeCheckpoint(header({}), SPACE)?.polls).toHaveLength(1)
    for (const changes of [
      { runs: [[0, 2]] },
      { runs: [[1, 1]] },
      { runs: [[-3, 1]] },
      { polls: [{ id: 'p', count: 2, outcome }] },
      { polls: [{ id: 'p', count: 1, outcome: { ...outcome, status: 'won' } }] },
      { fold: 0 },
      { entries: -1 },
    ]) {
      expect(decodeCheckpoint(header(changes), SPACE)).toBeUndefined()
    }
    assertProperty(
      fc.property(
        fc.oneof(
          fc.uint8Array(),
          fc.jsonValue().map((value) => new TextEncoder().encode(JSON.stringify(value))),
        ),
        (bytes) => {
          expect(() => decodeCheckpoint(bytes, SPACE)).not.toThrow()
        },
      ),
      { runs: 300 },
    )
  })
})
