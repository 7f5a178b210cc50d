import { describe, expect, it } from 'vitest'
import { instantRunoff, tally } from '../../core/tally/index.js'
import { Ch, K, M, N, TENNESSEE, ctx, expand } from './helpers.js'

describe('instant-runoff', () => {
  it('Tennessee: Chattanooga then Nashville are eliminated, Knoxville wins with 58', () => {
    expect(tally(instantRunoff, {}, expand(TENNESSEE), ctx(4))).toEqual({
      method: 'instant-runoff',
      ballots: 100,
      ranking: [K, M, N, Ch],
      winner: K,
      tieBroken: false,
      rounds: [
        {
          counts: [42, 26, 15, 17],
          eliminated: [Ch],
          transfers: [{ from: Ch, to: K, votes: 15 }],
          exhausted: 0,
        },
        {
          counts: [42, 26, 0, 32],
          eliminated: [N],
          transfers: [{ from: N, to: K, votes: 26 }],
          exhausted: 0,
        },
        { counts: [42, 0, 0, 58], eliminated: [], transfers: [], exhausted: 0 },
      ],
    })
  })

  it('a first-round majority ends the count; the rest rank by votes', () => {
    // A 5, B 2, C 2: A has 5/9 > 50%. B and C tie on votes, so tieOrder [2,1,0] puts C first,
    // which is a tie below the winner and so does not set tieBroken.
    const r = tally(
      instantRunoff,
      {},
      expand([
        [5, [0]],
        [2, [1, 0]],
        [2, [2]],
      ]),
      ctx(3, [2, 1, 0]),
    )
    expect(r).toEqual({
      method: 'instant-runoff',
      ballots: 9,
      ranking: [0, 2, 1],
      winner: 0,
      tieBroken: false,
      rounds: [{ counts: [5, 2, 2], eliminated: [], transfers: [], exhausted: 0 }],
    })
  })

  describe('partial rankings, exhaustion and elimination ties', () => {
    // 4 A; 3 B; 2 C>B; 2 C. Round 1: A 4, B 3, C 4 of 11, no majority; B goes, its 3 ballots
    // rank nothing else: exhausted. Round 2: A 4, C 4 of 8 continuing: 4 is not > 4, so the
    // elimination tie decides. C>B ballots have B already out, so C's 4 ballots exhaust too.
    const ballots = expand([
      [4, [0]],
      [3, [1]],
      [2, [2, 1]],
      [2, [2]],
    ])

    it('eliminates the option later in tieOrder', () => {
      expect(tally(instantRunoff, {}, ballots, ctx(3, [0, 1, 2]))).toEqual({
        method: 'instant-runoff',
        ballots: 11,
        ranking: [0, 2, 1],
        winner: 0,
        tieBroken: true,
        rounds: [
          {
            counts: [4, 3, 4],
            eliminated: [1],
            transfers: [{ from: 1, to: null, votes: 3 }],
            exhausted: 0,
          },
          {
            counts: [4, 0, 4],
            eliminated: [2],
            transfers: [{ from: 2, to: null, votes: 4 }],
            exhausted: 3,
          },
          { counts: [4, 0, 0], eliminated: [], transfers: [], exhausted: 7 },
        ],
      })
    })

    it('a different tieOrder changes the winner', () => {
      const r = tally(instantRunoff, {}, ballots, ctx(3, [2, 1, 0]))
      expect(r).toMatchObject({ ranking: [2, 0, 1], winner: 2, tieBroken: true })
      expect(r.rounds[1]).toEqual({
        counts: [4, 0, 4],
        eliminated: [0],
        transfers: [{ from: 0, to: null, votes: 4 }],
        exhausted: 3,
      })
    })
  })

  it('options without first preferences go one at a time; their order is not a deciding tie', () => {
    // 4 A; 3 B; 2 C>B; D and E never ranked first. 8 of 9 is no majority for A.
    // E then D (zero-vote tie: later in tieOrder first), then C, whose 2 go to B: B 5 of 9 wins.
    const ballots = expand([
      [4, [0]],
      [3, [1]],
      [2, [2, 1]],
    ])
    const zeroRound = { counts: [4, 3, 2, 0, 0], transfers: [], exhausted: 0 }
    expect(tally(instantRunoff, {}, ballots, ctx(5))).toEqual({
      method: 'instant-runoff',
      ballots: 9,
      ranking: [1, 0, 2, 3, 4],
      winner: 1,
      tieBroken: false,
      rounds: [
        { ...zeroRound, eliminated: [4] },
        { ...zeroRound, eliminated: [3] },
        {
          counts: [4, 3, 2, 0, 0],
          eliminated: [2],
          transfers: [{ from: 2, to: 1, votes: 2 }],
          exhausted: 0,
        },
        { counts: [4, 5, 0, 0, 0], eliminated: [], transfers: [], exhausted: 0 },
      ],
    })
    const reversed = tally(instantRunoff, {}, ballots, ctx(5, [4, 3, 2, 1, 0]))
    expect(reversed).toMatchObject({ ranking: [1, 0, 2, 4, 3], winner: 1, tieBroken: false })
  })

  it('transfers split by next preference, listed by destination', () => {
    // C (fewest, 3) splits: 2 to B, 1 exhausted.
    const r = tally(
      instantRunoff,
      {},
      expand([
        [4, [0, 1]],
        [4, [1]],
        [2, [2, 1]],
        [1, [2]],
      ]),
      ctx(3),
    )
    expect(r.rounds[0]).toEqual({
      counts: [4, 4, 3],
      eliminated: [2],
      transfers: [
        { from: 2, to: 1, votes: 2 },
        { from: 2, to: null, votes: 1 },
      ],
      exhausted: 0,
    })
    expect(r.rounds[1]).toEqual({ counts: [4, 6, 0], eliminated: [], transfers: [], exhausted: 1 })
    expect(r.winner).toBe(1)
  })

  it('zero ballots: no rounds, ranking is the tie order', () => {
    expect(tally(instantRunoff, {}, [], ctx(3, [1, 0, 2]))).toEqual({
      method: 'instant-runoff',
      ballots: 0,
      ranking: [1, 0, 2],
      winner: null,
      tieBroken: false,
      rounds: [],
    })
  })

  it('the accumulator stores identical rankings once', () => {
    const acc = instantRunoff.createAccumulator({}, 4)
    for (const b of expand(TENNESSEE)) acc.add(b)
    expect(acc.ballots).toBe(100)
    expect([...acc.groups()].map((g) => g.count).sort((a, b) => a - b)).toEqual([15, 17, 26, 42])
    expect(() => acc.remove([M, K])).toThrow(/not counted/)
    expect(acc.ballots).toBe(100)
  })

  describe('checkChoice', () => {
    it('accepts partial rankings', () => {
      expect(instantRunoff.checkChoice([2, 0], {}, 4)).toEqual({ ok: true, choice: [2, 0] })
    })
    it.each([
      ['an empty ranking', [], 'A ranking must list at least one option.'],
      ['a duplicate', [1, 2, 1], 'Option 1 is listed more than once.'],
      ['an unknown option', [0, 4], 'Option 4 does not exist (options are 0 to 3).'],
      ['too long', [0, 1, 2, 3, 0], 'A ranking must list at most 4 options.'],
      ['a fraction', [0, 1.5], 'Entry 2 is not an option number.'],
      ['NaN', [NaN], 'Entry 1 is not an option number.'],
      ['a string', 'ABC', 'A ranking must be a list of option numbers.'],
      ['nested arrays', [[0], [1]], 'Entry 1 is not an option number.'],
    ])('rejects %s', (_, raw, reason) => {
      expect(instantRunoff.checkChoice(raw, {}, 4)).toEqual({ ok: false, reason })
    })
    it('rejects a huge array without walking it', () => {
      const huge = new Array<number>(10_000_000)
      expect(instantRunoff.checkChoice(huge, {}, 4)).toEqual({
        ok: false,
        reason: 'A ranking must list at most 4 options.',
      })
    })
    it('takes no parameters', () => {
      expect(instantRunoff.parseParams(undefined, 4)).toEqual({ ok: true, params: {} })
      expect(instantRunoff.parseParams({}, 4)).toEqual({ ok: true, params: {} })
      expect(instantRunoff.parseParams({ rounds: 2 }, 4)).toEqual({
        ok: false,
        reason: 'Unknown parameter "rounds".',
      })
    })
  })
})

describe('instant-runoff majority', () => {
  it('is a majority of the continuing ballots: exhausted ballots leave the count, so A wins in round 2 with 3 of 5', () => {
    // A 3, B 1 (ranks nothing else), C 2. Round 1: 3 of 6 is no majority; B goes and its ballot is
    // exhausted. Round 2: 3 of the 5 continuing ballots is one. Counting all 6 would need round 3.
    const r = tally(
      instantRunoff,
      {},
      expand([
        [3, [0]],
        [1, [1]],
        [2, [2]],
      ]),
      ctx(3),
    )
    expect(r.winner).toBe(0)
    expect(r.rounds).toEqual([
      { counts: [3, 1, 2], eliminated: [1], transfers: [{ from: 1, to: null, votes: 1 }], exhausted: 0 },
      { counts: [3, 0, 2], eliminated: [], transfers: [], exhausted: 1 },
    ])
  })
})
