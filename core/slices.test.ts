import { describe, expect, it } from 'vitest'
import { foldInSlices, FOLD_AT_ONCE, inSlices, mapConcurrently, sliceClock, yieldToEventLoop } from './slices.js'

/** A yield that counts itself and still gives the event loop a turn. */
function countingYield() {
  const counter = { yields: 0, run: () => ((counter.yields += 1), yieldToEventLoop()) }
  return counter
}

describe('inSlices', () => {
  it('runs every item once, in order, in several slices with a yield between each two', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i)
    const counter = countingYield()
    const slices = await inSlices(items, (slice) => [...slice], { yieldNow: counter.run, budgetMs: 0 })
    expect(slices.flat()).toEqual(items)
    expect(slices.length).toBeGreaterThan(1)
    expect(counter.yields).toBe(slices.length - 1)
  })

  it('stops before the next slice once asked to', async () => {
    const seen: number[] = []
    let calls = 0
    await inSlices(
      Array.from({ length: 1000 }, (_, i) => i),
      (slice) => seen.push(...slice),
      { budgetMs: 0, stop: () => ++calls >= 2 },
    )
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.length).toBeLessThan(1000)
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i))
  })
})

describe('mapConcurrently', () => {
  const square = (n: number) => n * n
  const items = Array.from({ length: 500 }, (_, i) => i)

  it('gives results in input order, sync and async alike, yielding when the budget is used', async () => {
    const counter = countingYield()
    const mixed = (n: number) => (n % 3 === 0 ? Promise.resolve(square(n)) : square(n))
    expect(await mapConcurrently(items, 16, mixed, sliceClock(0, counter.run))).toEqual(items.map(square))
    expect(counter.yields).toBeGreaterThan(0)
  })

  it('runs a run of synchronous results without yielding while the slice has budget', async () => {
    const counter = countingYield()
    expect(await mapConcurrently(items, 16, square, sliceClock(60_000, counter.run))).toEqual(items.map(square))
    expect(counter.yields).toBe(0)
  })
})

describe('sliceClock', () => {
  it('makes every caller that is due at once wait on one yield', async () => {
    const counter = countingYield()
    const clock = sliceClock(0, counter.run)
    expect(clock.due()).toBe(true)
    await Promise.all([clock.pause(), clock.pause(), clock.pause()])
    expect(counter.yields).toBe(1)
  })
})

describe('yieldToEventLoop', () => {
  it("uses the runtime's scheduler.yield where there is one", async () => {
    const global = globalThis as { scheduler?: unknown }
    const before = global.scheduler
    let used = 0
    global.scheduler = { yield: () => ((used += 1), Promise.resolve()) }
    try {
      await yieldToEventLoop()
    } finally {
      global.scheduler = before
    }
    expect(used).toBe(1)
  })
})

describe('foldInSlices', () => {
  const fold = (slice: readonly number[], rejected: string[]) => ({ added: [...slice], rejected, membershipChanged: slice.includes(7) })

  it('folds a small batch in one call', async () => {
    const calls: number[] = []
    const change = await foldInSlices([1, 2, 3], ['bad'], (slice, rejected) => (calls.push(slice.length), fold(slice, rejected)))
    expect(calls).toEqual([3])
    expect(change).toEqual({ added: [1, 2, 3], rejected: ['bad'], membershipChanged: false })
  })

  it('folds a large batch in slices and reports one change for all of it, rejections once', async () => {
    const items = Array.from({ length: FOLD_AT_ONCE * 4 }, (_, i) => i)
    const rejectedPerCall: string[][] = []
    const change = await foldInSlices(items, ['bad'], (slice, rejected) => (rejectedPerCall.push(rejected), fold(slice, rejected)), {
      budgetMs: 0,
    })
    expect(rejectedPerCall.length).toBeGreaterThan(1)
    expect(rejectedPerCall.flat()).toEqual(['bad'])
    expect(change).toEqual({ added: items, rejected: ['bad'], membershipChanged: true })
  })
})
