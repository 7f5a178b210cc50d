import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { dagValue as dagValueOf } from '../test/support/dag-value.js'
import { DecodeLimitError, decodeFirstUntrusted, decodeUntrusted, encode, MAX_DEPTH } from './codec.js'

const hex = (text: string): Uint8Array =>
  Uint8Array.from(
    text
      .replace(/\s/g, '')
      .match(/../g)!
      .map((pair) => parseInt(pair, 16)),
  )
const bytes = (...values: number[]) => new Uint8Array(values)
const repeat = (value: number, count: number): number[] => Array<number>(count).fill(value)

/** Runs the decoder and returns what it threw (or undefined when it returned). */
function thrown(input: Uint8Array, maxDepth?: number): unknown {
  try {
    decodeUntrusted(input, maxDepth)
    return undefined
  } catch (error) {
    return error
  }
}

/** Arrays nested `depth` deep where each array has two items, the nested one first: [[[1, 1], 1], 1]. */
const nestedPairs = (depth: number) => bytes(...repeat(0x82, depth), 0x01, ...repeat(0x01, depth))
/** Maps nested `depth` deep: {a: {a: ... 1, b: 1}, b: 1}. */
const nestedMaps = (depth: number) => {
  const out: number[] = []
  for (let i = 0; i < depth; i++) out.push(0xa2, 0x61, 0x61)
  out.push(0x01)
  for (let i = 0; i < depth; i++) out.push(0x61, 0x62, 0x01)
  return new Uint8Array(out)
}

const cidOf = (data: Uint8Array) => CID.createV1(0x71, createDigest(0x12, sha256(data)))
const cidArb = fc.uint8Array({ minLength: 1, maxLength: 16 }).map(cidOf)

const dagValue = dagValueOf()

describe('codec', () => {
  it('decodeUntrusted round-trips encode for dag-cbor values', () => {
    assertProperty(
      fc.property(dagValue, (value) => {
        const encoded = encode(value)
        const decoded = decodeUntrusted(encoded)
        expect(decoded).toEqual(value)
        expect(encode(decoded)).toEqual(encoded)
      }),
    )
  })

  it('round-trips CIDs (tag 42)', () => {
    const cid = cidOf(bytes(1, 2, 3))
    const decoded = decodeUntrusted(encode({ link: cid, list: [cid] })) as { link: CID; list: CID[] }
    expect(decoded.link.equals(cid)).toBe(true)
    expect(decoded.list[0]!.equals(cid)).toBe(true)
    assertProperty(
      fc.property(cidArb, (c) => {
        expect((decodeUntrusted(encode(c)) as CID).toString()).toBe(c.toString())
      }),
    )
  })

  it('decodes every kind of CID exactly as multiformats does, including the fast sha2-256 path', () => {
    const kinds = fc.oneof(
      // CIDv1, one- and two-byte codecs, sha2-256: the fast path and its neighbours.
      fc
        .tuple(fc.constantFrom(0x55, 0x71, 0x70, 0x7f, 0x80, 0x0129), fc.uint8Array({ minLength: 1, maxLength: 64 }))
        .map(([codec, data]) => CID.createV1(codec, createDigest(0x12, sha256(data)))),
      // Other hashes and digest lengths, and CIDv0.
      fc.uint8Array({ minLength: 0, maxLength: 40 }).map((data) => CID.createV1(0x71, createDigest(0x00, data))),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((data) => CID.createV0(createDigest(0x12, sha256(data)))),
    )
    assertProperty(
      fc.property(kinds, (cid) => {
        const decoded = decodeUntrusted(encode({ link: cid })) as { link: CID }
        const reference = CID.decode(cid.bytes)
        expect(decoded.link.equals(reference)).toBe(true)
        expect([decoded.link.version, decoded.link.code, decoded.link.multihash.code, decoded.link.multihash.size]).toEqual([
          reference.version,
          reference.code,
          reference.multihash.code,
          reference.multihash.size,
        ])
        expect([...decoded.link.bytes]).toEqual([...reference.bytes])
        expect([...decoded.link.multihash.digest]).toEqual([...reference.multihash.digest])
        expect(decoded.link.toString()).toBe(reference.toString())
        expect(encode(decoded)).toEqual(encode({ link: cid }))
      }),
      { runs: 300 },
    )
    // A sha2-256 CID cut short, or with a byte too many, is refused as before.
    const good = encode(cidOf(bytes(9))) // d8 2a 58 25 00 <36 CID bytes>
    expect([...good.subarray(0, 5)]).toEqual([0xd8, 0x2a, 0x58, 0x25, 0x00])
    const short = good.slice(0, -1)
    short[3] = 0x24
    expect(thrown(short)).toBeInstanceOf(Error)
    const long = new Uint8Array([...good, 0])
    long[3] = 0x26
    expect(thrown(long)).toBeInstanceOf(Error)
    expect(thrown(hex('d82a4101'))).toBeInstanceOf(Error) // tag 42 without the 0x00 prefix
  })

  it('hands out one CID again for the same bytes, never one tied to the buffer it was read from', () => {
    // More distinct CIDs than are remembered, repeated in runs and interleaved.
    const distinct = [1, 2, 3, 4, 5, 6].map((n) => CID.createV1(0x71, createDigest(0x12, sha256(bytes(n)))))
    const order = [0, 0, 1, 0, 1, 2, 3, 4, 5, 0, 5, 5, 2]
    const input = encode(order.map((i) => distinct[i]!))
    const decoded = decodeUntrusted(input) as CID[]
    const strings = decoded.map((cid) => cid.toString())
    expect(strings).toEqual(order.map((i) => distinct[i]!.toString()))
    expect(decoded[1]).toBe(decoded[0]) // a run reuses the CID it just built
    input.fill(0)
    expect(decoded.map((cid) => cid.toString())).toEqual(strings)
    expect(decoded.every((cid, i) => cid.equals(distinct[order[i]!]!))).toBe(true)
  })

  it('encodes deterministically: map keys sorted by length then bytes, whatever the insertion order', () => {
    expect(encode({ b: 1, a: 2 })).toEqual(encode({ a: 2, b: 1 }))
    expect(encode({ bb: 1, a: 2 })).toEqual(hex('a2 6161 02 626262 01'))
  })

  it('a decode that fails part-way leaves nothing behind for the next one (one tokenizer serves all)', () => {
    expect(thrown(nestedPairs(MAX_DEPTH + 1))).toBeInstanceOf(DecodeLimitError)
    // Containers left open by the failure would count against this one's depth.
    expect(thrown(nestedPairs(MAX_DEPTH))).toBeUndefined()
    expect(thrown(hex('83 01 02'))).toBeInstanceOf(Error)
    expect(decodeUntrusted(hex('82 01 02'))).toEqual([1, 2])
  })

  it('decodeFirstUntrusted reads one item and says how many bytes it took', () => {
    assertProperty(
      fc.property(dagValue, fc.uint8Array({ maxLength: 8 }), (value, after) => {
        const item = encode(value)
        const [decoded, length] = decodeFirstUntrusted(new Uint8Array([...item, ...after]))
        expect(decoded).toEqual(value)
        expect(length).toBe(item.length)
      }),
    )
    expect(() => decodeFirstUntrusted(nestedPairs(3), 2)).toThrow(DecodeLimitError)
  })

  describe('depth bound', () => {
    it(`accepts nesting up to MAX_DEPTH (${MAX_DEPTH}) and rejects one deeper (two-item arrays)`, () => {
      expect(() => decodeUntrusted(nestedPairs(MAX_DEPTH))).not.toThrow()
      const error = thrown(nestedPairs(MAX_DEPTH + 1))
      expect(error).toBeInstanceOf(DecodeLimitError)
      expect((error as Error).message).toMatch(/nesting deeper than 16/)
    })

    it('accepts nesting up to MAX_DEPTH and rejects one deeper (maps)', () => {
      expect(() => decodeUntrusted(nestedMaps(MAX_DEPTH))).not.toThrow()
      expect(thrown(nestedMaps(MAX_DEPTH + 1))).toBeInstanceOf(DecodeLimitError)
    })

    it('honours a custom maxDepth', () => {
      expect(() => decodeUntrusted(nestedPairs(3), 3)).not.toThrow()
      expect(thrown(nestedPairs(4), 3)).toBeInstanceOf(DecodeLimitError)
    })

    it('a deeply nested value fails with an Error, never a non-Error', () => {
      const error = thrown(bytes(...repeat(0x81, 100_000), 0x01))
      expect(error).toBeInstanceOf(Error)
    })

    // Regression test (was a bug): consumeItem() popped a container's counter as soon as its last item *starts*, so a container whose nested child is its last item no longer counts towards the depth. Arrays of one item ([[[...]]], bytes
    it('rejects 0x81 repeated MAX_DEPTH + 1 times (single-item arrays)', () => {
      expect(thrown(bytes(...repeat(0x81, MAX_DEPTH + 1), 0x01))).toBeInstanceOf(DecodeLimitError)
    })

    // Regression test: with maps whose only value is the nested map: {a: {a: {...}}}.
    it('rejects single-entry maps nested MAX_DEPTH + 1 deep', () => {
      const out: number[] = []
      for (let i = 0; i <= MAX_DEPTH; i++) out.push(0xa1, 0x61, 0x61)
      out.push(0x01)
      expect(thrown(new Uint8Array(out))).toBeInstanceOf(DecodeLimitError)
    })

    // Regression test: the bound should stop this long before the stack runs out.
    it('rejects 100 000 nested single-item arrays with DecodeLimitError rather than a stack overflow', () => {
      expect(thrown(bytes(...repeat(0x81, 100_000), 0x01))).toBeInstanceOf(DecodeLimitError)
    })
  })

  describe('declared lengths', () => {
    it('rejects an array header claiming 2^32 items with few bytes, without allocating', () => {
      const error = thrown(hex('9b 00000001 00000000 01 02'))
      expect(error).toBeInstanceOf(DecodeLimitError)
      expect((error as Error).message).toMatch(/declares 4294967296 items/)
    })

    it('rejects a map header claiming more entries than bytes remain', () => {
      expect(thrown(hex('b9 ffff 6161 01'))).toBeInstanceOf(DecodeLimitError)
      // 3 entries need at least 6 items; 5 bytes remain
      expect(thrown(hex('a3 61 61 01 61 62'))).toBeInstanceOf(DecodeLimitError)
    })

    it('rejects byte and text strings longer than the input', () => {
      expect(thrown(hex('5a ffffffff 00'))).toBeInstanceOf(Error)
      expect(thrown(hex('7a ffffffff 61'))).toBeInstanceOf(Error)
    })
  })

  describe('rejects', () => {
    it('truncated input: every strict prefix of an encoded value', () => {
      const encoded = encode({ list: [1, 2, 3], text: 'hello', nested: { bytes: bytes(1, 2, 3) } })
      for (let length = 0; length < encoded.length; length++) {
        expect(thrown(encoded.subarray(0, length)), `prefix of ${length} bytes`).toBeInstanceOf(Error)
      }
    })

    it('indefinite-length arrays, maps, byte strings and text strings', () => {
      for (const input of ['9f 01 ff', 'bf 6161 01 ff', '5f 4101 ff', '7f 6161 ff']) {
        expect(thrown(hex(input)), input).toBeInstanceOf(Error)
      }
    })

    it('trailing bytes after a complete item', () => {
      expect(thrown(hex('01 01'))).toBeInstanceOf(Error)
      expect(thrown(new Uint8Array([...encode({ a: 1 }), 0x00]))).toBeInstanceOf(Error)
    })

    it('empty input', () => {
      expect(thrown(new Uint8Array(0))).toBeInstanceOf(Error)
    })

    it('NaN and infinities in every float width', () => {
      for (const input of ['f9 7e00', 'fa 7fc00000', 'fb 7ff8000000000000', 'f9 7c00', 'fb 7ff0000000000000', 'fb fff0000000000000']) {
        expect(thrown(hex(input)), input).toBeInstanceOf(Error)
      }
    })

    it('non-minimal integer encodings', () => {
      for (const input of ['18 01', '19 0001', '1a 00000001', '38 00']) {
        expect(thrown(hex(input)), input).toBeInstanceOf(Error)
      }
    })

    it('duplicate map keys, non-string map keys, unknown tags and simple values', () => {
      for (const input of ['a2 6161 01 6161 02', 'a1 01 01', 'c1 01', 'd8 2b 01', 'f0', 'f8 20']) {
        expect(thrown(hex(input)), input).toBeInstanceOf(Error)
      }
    })

    it('tag 42 around something that is not a CID', () => {
      for (const input of ['d82a 01', 'd82a 43 010203', 'd82a 41 00']) {
        expect(thrown(hex(input)), input).toBeInstanceOf(Error)
      }
    })

    // Regression test: @ipld/dag-cbor's decodeOptions set coerceUndefinedToNull, so 0xf7 decodes as null. parseRecord's re-encode check then rejects it as 'malformed' (record.test.ts), but decodeUntrusted alone is not as st
    it('undefined (0xf7), which dag-cbor does not allow', () => {
      expect(thrown(hex('f7'))).toBeInstanceOf(Error)
    })

    // dag-cbor allows only 64-bit floats, but cborg has no option to refuse narrower ones on decode.
    // Records are safe regardless: parseRecord's canonical re-encode check rejects them (record.test.ts).
    it('decodes floats narrower than 64 bits (records containing them are rejected by parseRecord)', () => {
      expect(decodeUntrusted(hex('f9 3e00'))).toBe(1.5)
    })
  })

  it('random bytes never crash the decoder: it returns a value or throws an Error', () => {
    assertProperty(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        const error = thrown(input)
        if (error !== undefined) expect(error).toBeInstanceOf(Error)
      }),
      { runs: 500 },
    )
  })

  it('byte flips in valid encodings never crash the decoder', () => {
    assertProperty(
      fc.property(dagValue, fc.nat(), fc.integer({ min: 1, max: 255 }), (value, position, mask) => {
        const encoded = new Uint8Array(encode(value))
        encoded[position % encoded.length]! ^= mask
        const error = thrown(encoded)
        if (error !== undefined) expect(error).toBeInstanceOf(Error)
      }),
    )
  })
})
