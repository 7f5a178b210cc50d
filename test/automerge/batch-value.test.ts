/**
 * Batch values: what the Automerge replica writes for records that arrive together, and which
 * values it is willing to read as a batch.
 */
import { describe, expect, it } from 'vitest'
import { batchValues, encodeBatch, idOf, MAX_BATCH_VALUE_BYTES, readBatch } from '../../adapters/automerge/batch-value.js'
import { concatBytes } from '../../core/bytes.js'
import { encode } from '../../core/codec.js'

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
  })
})
