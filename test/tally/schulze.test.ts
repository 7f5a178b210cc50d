import { describe, expect, it } from 'vitest'
import { schulze, strongestPaths, tally } from '../../core/tally/index.js'
import { Ch, K, M, N, TENNESSEE, WIKIPEDIA_SCHULZE, ctx, expand } from './helpers.js'

const [A, B, C, D, E] = [0, 1, 2, 3, 4] as const

describe('schulze', () => {
  it('Wikipedia example: full pairwise and strongest-path matrices, E > A > C > B > D', () => {
    expect(tally(schulze, {}, WIKIPEDIA_SCHULZE, ctx(5))).toEqual({
      method: 'schulze',
      ballots: 45,
      // d[A][B] = 5 ACBED + 5 ADECB + 3 CABED + 7 CAEBD = 20, and so on; diagonal 0.
      pairwise: [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
      ],
      strongestPaths: [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
      ],
      beats: [3, 1, 2, 0, 4],
      ranking: [E, A, C, B, D],
      winner: E,
      tieBroken: false,
    })
  })

  it('Wikipedia example does not depend on tieOrder (no ties)', () => {
    expect(tally(schulze, {}, WIKIPEDIA_SCHULZE, ctx(5, [4, 3, 2, 1, 0])).ranking).toEqual([E, A, C, B, D])
  })

  it('Tennessee: Nashville is the Condorcet winner', () => {
    expect(tally(schulze, {}, expand(TENNESSEE), ctx(4))).toEqual({
      method: 'schulze',
      ballots: 100,
      // Nashville beats Memphis 58-42, Chattanooga 68-32, Knoxville 68-32;
      // Chattanooga beats Memphis 58-42 and Knoxville 83-17; Knoxville beats Memphis 58-42.
      pairwise: [
        [0, 42, 42, 42],
        [58, 0, 68, 68],
        [58, 32, 0, 83],
        [58, 32, 17, 0],
      ],
      // No cycles: every strongest path is the direct win, and losers have no path back.
      strongestPaths: [
        [0, 0, 0, 0],
        [58, 0, 68, 68],
        [58, 0, 0, 83],
        [58, 0, 0, 0],
      ],
      beats: [0, 3, 2, 1],
      ranking: [N, Ch, K, M],
      winner: N,
      tieBroken: false,
    })
  })

  it('partial rankings: unranked options tie below every ranked one', () => {
    const r = tally(schulze, {}, [[2], [0, 1]], ctx(3))
    // [2]: C over A and B. [0,1]: A over B, A over C, B over C.
    expect(r.pairwise).toEqual([
      [0, 1, 1],
      [0, 0, 1],
      [1, 1, 0],
    ])
  })

  it('a perfect tie is decided by tieOrder', () => {
    const ballots = [
      [0, 1, 2],
      [1, 2, 0],
      [2, 0, 1],
    ]
    const a = tally(schulze, {}, ballots, ctx(3, [1, 2, 0]))
    expect(a).toMatchObject({ beats: [0, 0, 0], ranking: [1, 2, 0], winner: 1, tieBroken: true })
    expect(tally(schulze, {}, ballots, ctx(3, [2, 0, 1])).winner).toBe(2)
  })

  it('zero ballots', () => {
    const r = tally(schulze, {}, [], ctx(3, [2, 1, 0]))
    expect(r).toMatchObject({ ballots: 0, ranking: [2, 1, 0], winner: null, tieBroken: false })
    expect(r.pairwise).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ])
  })

  it('strongestPaths is usable on its own', () => {
    expect(
      strongestPaths([
        [0, 2],
        [1, 0],
      ]),
    ).toEqual([
      [0, 2],
      [0, 0],
    ])
  })

  it('checkChoice rejects rankings with duplicates or unknown options', () => {
    expect(schulze.checkChoice([0, 0], {}, 3)).toEqual({
      ok: false,
      reason: 'Option 0 is listed more than once.',
    })
    expect(schulze.checkChoice([5], {}, 3)).toEqual({
      ok: false,
      reason: 'Option 5 does not exist (options are 0 to 2).',
    })
  })

  it('removing a ranking that was never added throws and changes nothing', () => {
    const acc = schulze.createAccumulator({}, 3)
    acc.add([0, 1, 2])
    expect(() => acc.remove([2, 1, 0])).toThrow(/not counted/)
    expect(acc.matrix()).toEqual([
      [0, 1, 1],
      [0, 0, 1],
      [0, 0, 0],
    ])
  })
})
