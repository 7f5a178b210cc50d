import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import { describe, expect, it } from 'vitest'
import { compareHlc, createHlc, isHlc, MAX_COUNTER, type Hlc } from './hlc.js'

/** A wall clock driven by the test. */
function manualClock(start: number) {
  let now = start
  return {
    read: () => now,
    set: (value: number) => {
      now = value
    },
  }
}

describe('hlc', () => {
  it('issues [wall, 0] when the wall clock has moved on', () => {
    const clock = manualClock(1000)
    const hlc = createHlc({ wallClock: clock.read })
    expect(hlc.now()).toEqual([1000, 0])
    clock.set(1005)
    expect(hlc.now()).toEqual([1005, 0])
    expect(hlc.last).toEqual([1005, 0])
  })

  it('stays strictly monotonic under a frozen wall clock', () => {
    const hlc = createHlc({ wallClock: () => 500 })
    const issued = Array.from({ length: 5 }, () => hlc.now())
    expect(issued).toEqual([
      [500, 0],
      [500, 1],
      [500, 2],
      [500, 3],
      [500, 4],
    ])
  })

  it('stays strictly monotonic when the wall clock jumps backwards', () => {
    const clock = manualClock(10_000)
    const hlc = createHlc({ wallClock: clock.read })
    expect(hlc.now()).toEqual([10_000, 0])
    clock.set(9_000)
    expect(hlc.now()).toEqual([10_000, 1])
    clock.set(0)
    expect(hlc.now()).toEqual([10_000, 2])
    clock.set(10_001)
    expect(hlc.now()).toEqual([10_001, 0])
  })

  it('never issues a negative wall time, even from a negative clock', () => {
    const hlc = createHlc({ wallClock: () => -5 })
    expect(hlc.now()).toEqual([0, 1])
    expect(isHlc(hlc.now())).toBe(true)
  })

  it('is strictly monotonic for any sequence of wall readings and observations', () => {
    const step = fc.oneof(
      fc.record({ type: fc.constant('now' as const), wall: fc.integer({ min: 0, max: 10_000 }) }),
      fc.record({
        type: fc.constant('observe' as const),
        wall: fc.integer({ min: 0, max: 10_000 }),
        remote: fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 50 })),
      }),
    )
    assertProperty(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let wall = 0
        const hlc = createHlc({ wallClock: () => wall, maxDriftMs: 1000 })
        let previous: Hlc | undefined
        for (const s of steps) {
          wall = s.wall
          if (s.type === 'observe') {
            const before = hlc.last
            hlc.observe(s.remote)
            expect(compareHlc(hlc.last, before)).toBeGreaterThanOrEqual(0)
            if (s.remote[0] <= wall + 1000) expect(compareHlc(hlc.last, s.remote)).toBeGreaterThanOrEqual(0)
            else expect(hlc.last).toEqual(before)
          } else {
            const next = hlc.now()
            if (previous) expect(compareHlc(next, previous)).toBeGreaterThan(0)
            expect(compareHlc(next, hlc.last)).toBe(0)
            expect(next[0]).toBeGreaterThanOrEqual(wall)
            previous = next
          }
        }
      }),
    )
  })

  it('observe() makes the next timestamp greater than the remote one', () => {
    const hlc = createHlc({ wallClock: () => 1000 })
    hlc.now()
    hlc.observe([1500, 7])
    expect(hlc.last).toEqual([1500, 7])
    expect(hlc.now()).toEqual([1500, 8])
  })

  it('observe() ignores remote timestamps that are not ahead', () => {
    const hlc = createHlc({ wallClock: () => 1000 })
    hlc.now()
    hlc.now()
    hlc.observe([999, 50])
    hlc.observe([1000, 1])
    expect(hlc.last).toEqual([1000, 1])
    expect(hlc.now()).toEqual([1000, 2])
  })

  it('observe() ignores remote timestamps further than maxDriftMs ahead of the wall clock', () => {
    const hlc = createHlc({ wallClock: () => 1000, maxDriftMs: 100 })
    hlc.observe([1101, 0])
    expect(hlc.last).toEqual([0, 0])
    expect(hlc.now()).toEqual([1000, 0])
    hlc.observe([1100, 3]) // exactly at the limit: followed
    expect(hlc.now()).toEqual([1100, 4])
  })

  it('uses a default drift bound of one minute', () => {
    const hlc = createHlc({ wallClock: () => 0 })
    hlc.observe([60_001, 0])
    expect(hlc.now()).toEqual([0, 1])
    hlc.observe([60_000, 0])
    expect(hlc.now()).toEqual([60_000, 1])
  })

  // Regression test (was a bug): now() incremented the counter without a bound. After observing a remote timestamp with counter MAX_COUNTER (which parseRecord accepts), every timestamp issued until the wall clock passes the remote wal
  it('never issues a timestamp that isHlc rejects, even after observing MAX_COUNTER', () => {
    const hlc = createHlc({ wallClock: () => 1000 })
    hlc.observe([1000 + 30_000, MAX_COUNTER])
    const next = hlc.now()
    expect(compareHlc(next, [1000 + 30_000, MAX_COUNTER])).toBeGreaterThan(0)
    expect(isHlc(next)).toBe(true)
  })

  it('compareHlc orders by wall time, then counter', () => {
    expect(compareHlc([1, 0], [2, 0])).toBeLessThan(0)
    expect(compareHlc([2, 0], [1, 99])).toBeGreaterThan(0)
    expect(compareHlc([5, 1], [5, 2])).toBeLessThan(0)
    expect(compareHlc([5, 2], [5, 2])).toBe(0)
    assertProperty(
      fc.property(fc.tuple(fc.nat(), fc.nat()), fc.tuple(fc.nat(), fc.nat()), (a, b) => {
        expect(Math.sign(compareHlc(a, b))).toBe(-Math.sign(compareHlc(b, a)))
        const lexicographic = a[0] !== b[0] ? Math.sign(a[0] - b[0]) : Math.sign(a[1] - b[1])
        expect(Math.sign(compareHlc(a, b))).toBe(lexicographic)
      }),
    )
  })

  it('isHlc accepts pairs of non-negative safe integers with a bounded counter', () => {
    expect(isHlc([0, 0])).toBe(true)
    expect(isHlc([Number.MAX_SAFE_INTEGER, MAX_COUNTER])).toBe(true)
  })

  it('isHlc rejects negatives, floats, unsafe integers, counters above MAX_COUNTER and wrong arity', () => {
    for (const value of [
      [-1, 0],
      [0, -1],
      [1.5, 0],
      [0, 0.5],
      [NaN, 0],
      [Infinity, 0],
      [Number.MAX_SAFE_INTEGER + 1, 0],
      [0, MAX_COUNTER + 1],
      ['1', 0],
      [1n, 0],
      [],
      [1],
      [1, 2, 3],
      { 0: 1, 1: 2, length: 2 },
      '1,2',
      null,
      undefined,
    ]) {
      expect(
        isHlc(value),
        JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
      ).toBe(false)
    }
  })
})
