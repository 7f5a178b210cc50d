/** What every adapter's `add` keeps of a batch: records it does not hold, each once, in order. */
import { describe, expect, it } from 'vitest'
import { cidString } from '../../core/cid-string.js'
import { recordCid } from '../../core/record.js'
import { freshRecords, storedRecords } from '../../core/adapter/index.js'
import type { LoadedRecord } from '../../core/adapter/index.js'

const idOf = async (bytes: Uint8Array) => cidString(await recordCid(bytes))

describe('freshRecords', () => {
  it('keeps each record not held once, keyed by its id, in batch order', async () => {
    const [a, b, c] = [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])]
    const held = new Map([[await idOf(b), b]])
    const fresh = await freshRecords([c, a, b, c, new Uint8Array([1])], held)
    expect([...fresh.keys()]).toEqual([await idOf(c), await idOf(a)])
    expect([...fresh.values()]).toEqual([c, a])
  })

  it('hands out plain Uint8Arrays for Buffers and other views', async () => {
    const fresh = await freshRecords([Buffer.from([7, 7]), new Uint8Array([0, 8, 8]).subarray(1)], new Map())
    for (const bytes of fresh.values()) expect(bytes.constructor).toBe(Uint8Array)
    expect([...fresh.values()].map((bytes) => [...bytes])).toEqual([
      [7, 7],
      [8, 8],
    ])
  })

  it('dedupes a large batch in which every record comes twice', async () => {
    const batch = Array.from({ length: 40_000 }, (_, i) => new Uint8Array(new Uint32Array([i % 20_000]).buffer))
    const fresh = await freshRecords(batch, new Map())
    expect(fresh.size).toBe(20_000)
  })
})

describe('storedRecords', () => {
  it("keys a store's records by the ids it kept, hashes those without one, and keeps the first of each", async () => {
    const [a, b, c, d] = [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3]), new Uint8Array([4])]
    const loaded = [
      { id: 'kept-id-of-a', bytes: a },
      { bytes: b },
      { id: '', bytes: c },
      { id: 42, bytes: d } as unknown as LoadedRecord,
      { id: 'kept-id-of-a', bytes: b },
    ]
    const held = await storedRecords(loaded)
    // Taken as given, not checked: the store vouches for its ids (see LoadedRecord).
    expect([...held]).toEqual([
      ['kept-id-of-a', a],
      [await idOf(b), b],
      [await idOf(c), c],
      [await idOf(d), d],
    ])
  })

  it('hands out plain Uint8Arrays for Buffers a store returns', async () => {
    const held = await storedRecords([{ id: 'x', bytes: Buffer.from([7, 7]) }, { bytes: Buffer.from([8]) }])
    for (const bytes of held.values()) expect(bytes.constructor).toBe(Uint8Array)
    expect([...held.values()].map((bytes) => [...bytes])).toEqual([[7, 7], [8]])
  })
})
