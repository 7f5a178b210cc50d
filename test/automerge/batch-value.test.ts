/**
 * Batch values: what the Automerge replica writes for records that arrive together, and which
 * values it is willing to read as a batch.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { batchValues, encodeBatch, idOf, MAX_BATCH_VALUE_BYTES, readBatch } from '../../adapters/automerge/batch-value.js'
import { concatBytes } from '../../core/bytes.js'
import { encode } from '../../core/codec.js'
import { assertProperty } from '../property/runs.js'

const record = (i: number, size = 100) => new Uint8Array(size).fill(i)

describe('batch values', () => {
  it('sorts records by id and splits them by size, each value under the id of its bytes', async () => {
    const records = await Promise.all([1, 2, 3, 4, 5].map(async (i) => [await idOf(record(i)), record(i)] as const))
    const values = await batchValues([...records].reverse(), 250)
    expect(values.map((value) => value.ids.length)).toEqual([2, 2, 1])
    expect(values.flatMap((value) => value.ids)).toEqual(records.map(([id]) => id).sort())
    for (const value of values) {
      expect(value.key).toBe(await idOf(value.bytes))
      expect(readBatch(value.bytes)).toHaveLength(value.ids.length)
    }
    // Whoever writes the same records writes the same values.
    expect((await batchValues(records, 250)).map((value) => value.key)).toEqual(values.map((value) => value.key))
  })

  it('reads only canonical batches of bytes', () => {
    const good = encodeBatch([record(1), record(2)])
    expect(readBatch(good)).toEqual([record(1), record(2)])
    expect(readBatch(encode({ townhall: 2, records: [record(1)] }))).toBeUndefined()
    expect(readBatch(encode({ townhall: 1, records: [record(1), 'text'] }))).toBeUndefined()
    expect(readBatch(encode({ townhall: 1, records: [record(1)], extra: true }))).toBeUndefined()
    expect(readBatch(encode([record(1)]))).toBeUndefined()
    expect(readBatch(new Uint8Array([0xa2, 0xff]))).toBeUndefined()
    expect(readBatch(new Uint8Array(0))).toBeUndefined()
    // Keys out of canonical order (dag-cbor puts the shorter "records" first): it decodes, but encoding
    // it again would not give these bytes, so a healed copy would differ from it.
    const reordered = concatBytes(new Uint8Array([0xa2]), encode('townhall'), encode(1), encode('records'), encode([record(1), record(2)]))
    expect(reordered).toHaveLength(good.length)
    expect(reordered).not.toEqual(good)
    expect(readBatch(reordered)).toBeUndefined()
    const huge = encodeBatch([new Uint8Array(MAX_BATCH_VALUE_BYTES)])
    expect(readBatch(huge)).toBeUndefined()
    // Lengths in a longer header than they need: valid CBOR, not dag-cbor.
    const two = encodeBatch([record(1, 3), record(2, 3)])
    const at = 1 + 8 // after the map header and the key "records"
    expect(two[at]).toBe(0x82)
    expect(readBatch(concatBytes(two.subarray(0, at), Uint8Array.of(0x98, 2), two.subarray(at + 1)))).toBeUndefined()
    expect(readBatch(concatBytes(two.subarray(0, at + 1), Uint8Array.of(0x58, 3), two.subarray(at + 2)))).toBeUndefined()
    expect(readBatch(concatBytes(two, Uint8Array.of(0)))).toBeUndefined()
    expect(readBatch(two.subarray(0, two.length - 1))).toBeUndefined()
  })

  it('reads back exactly what it encodes, at every header size', () => {
    for (const size of [0, 23, 24, 255, 256, 65_535, 65_536]) {
      const records = [record(1, size), record(2, 5)]
      expect(readBatch(encodeBatch(records))?.map((bytes) => bytes.length)).toEqual([size, 5])
    }
    const many = Array.from({ length: 300 }, (_, i) => record(i % 256, 3))
    expect(readBatch(encodeBatch(many))).toHaveLength(300)
    assertProperty(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }), (records) => {
        expect(readBatch(encodeBatch(records))?.map((bytes) => [...bytes])).toEqual(records.map((bytes) => [...bytes]))
      }),
    )
  })

  it('takes nothing for a batch that it would not encode the same way', () => {
    // Mutated batches: whatever still reads must encode back to the very same bytes.
    const base = encodeBatch([record(1, 30), record(2, 300)])
    assertProperty(
      fc.property(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), (index, byte) => {
        const mutated = new Uint8Array(base)
        mutated[index] = byte
        const records = readBatch(mutated)
        if (records) expect(encodeBatch(records)).toEqual(mutated)
      }),
      { runs: 2000 },
    )
  })
})
