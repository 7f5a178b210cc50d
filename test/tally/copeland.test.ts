import { describe, expect, it } from 'vitest'
import { copeland, schulze, tally } from '../../core/tally/index.js'
import { Ch, K, M, N, TENNESSEE, WIKIPEDIA_SCHULZE, ctx, expand } from './helpers.js'

describe('copeland', () => {
  it('Tennessee: Nashville 3, Chattanooga 2, Knoxville 1, Memphis 0', () => {
    expect(tally(copeland, {}, expand(TENNESSEE), ctx(4))).toEqual({
      method: 'copeland',
      ballots: 100,
      pairwise: [
        [0, 42, 42, 42],
        [58, 0, 68, 68],
        [58, 32, 0, 83],
        [58, 32, 17, 0],
      ],
      scores: [0, 3, 2, 1],
      wins: [0, 3, 2, 1],
      losses: [3, 0, 1, 2],
      ties: [0, 0, 0, 0],
      ranking: [N, Ch, K, M],
      winner: N,
      tieBroken: false,
    })
  })

  it('Schulze Wikipedia ballots: E wins 3 matches; A, B, C win 2 each and tie on score', () => {
    // From the pairwise matrix: A beats C (26-19), D (30-15); B beats A (25-20), D (33-12);
    // C beats B (29-16), E (24-21); D beats C (28-17); E beats A (23-22), B (27-18), D (31-14).
    const r = tally(copeland, {}, WIKIPEDIA_SCHULZE, ctx(5))
    expect(r).toMatchObject({
      scores: [2, 2, 2, 1, 3],
      wins: [2, 2, 2, 1, 3],
      losses: [2, 2, 2, 3, 1],
      ties: [0, 0, 0, 0, 0],
      ranking: [4, 0, 1, 2, 3],
      winner: 4,
      tieBroken: false,
    })
    expect(tally(copeland, {}, WIKIPEDIA_SCHULZE, ctx(5, [2, 1, 0, 3, 4])).ranking).toEqual([4, 2, 1, 0, 3])
  })

  it('a pairwise tie scores half a point each', () => {
    const r = tally(copeland, {}, [[0, 1], [1, 0], [2]], ctx(3))
    // [0,1]: A>B>C; [1,0]: B>A>C; [2]: C above both. A-B 1:1 (tie), A-C 2:1, B-C 2:1.
    expect(r).toMatchObject({
      pairwise: [
        [0, 1, 2],
        [1, 0, 2],
        [1, 1, 0],
      ],
      scores: [1.5, 1.5, 0],
      wins: [1, 1, 0],
      losses: [0, 0, 2],
      ties: [1, 1, 0],
      ranking: [0, 1, 2],
      winner: 0,
      tieBroken: true,
    })
    expect(tally(copeland, {}, [[0, 1], [1, 0], [2]], ctx(3, [1, 0, 2])).winner).toBe(1)
  })

  it('zero ballots: every match tied, ranking is the tie order', () => {
    expect(tally(copeland, {}, [], ctx(3, [2, 0, 1]))).toMatchObject({
      scores: [1, 1, 1],
      ties: [2, 2, 2],
      ranking: [2, 0, 1],
      winner: null,
      tieBroken: false,
    })
  })

  it('shares its accumulator with Schulze', () => {
    const acc = copeland.createAccumulator({}, 4)
    for (const b of expand(TENNESSEE)) acc.add(b)
    expect(schulze.result(acc, ctx(4)).winner).toBe(N)
    expect(copeland.result(acc, ctx(4)).winner).toBe(N)
  })
})
