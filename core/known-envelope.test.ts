import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { dagValue } from '../test/support/dag-value.js'
import { encode } from './codec.js'
import { readKnownEnvelope } from './known-envelope.js'
import { parseRecord, type ParsedRecord } from './record.js'

const sha256Cid = (codec: number, data: Uint8Array) => CID.createV1(codec, createDigest(0x12, sha256(data)))
/** CIDs the reader reads in place (v1, one-byte codec, sha2-256) and ones it leaves to the generic decoder. */
const readableCid = fc
  .tuple(fc.constantFrom(0x55, 0x71, 0x7f), fc.uint8Array({ maxLength: 8 }))
  .map(([codec, data]) => sha256Cid(codec, data))
const otherCid = fc.oneof(
  fc.uint8Array({ maxLength: 8 }).map((data) => sha256Cid(0x80, data)),
  fc.uint8Array({ maxLength: 20 }).map((data) => CID.createV1(0x71, createDigest(0x00, data))),
)

// Byte strings past 64 bytes take a longer header; CIDs inside bodies go through the decoder's tag.
const body = dagValue({ maxBytes: 70, leaves: [readableCid] })

/** Envelope fields as a record carries them; `cid` picks which CIDs the refs and space may be. */
const wire = (cid: fc.Arbitrary<CID>) =>
  fc.record({
    k: fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }).filter((kind) => kind.length <= 64),
    s: fc.option(cid, { nil: null }),
    a: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    t: fc.tuple(fc.maxSafeNat(), fc.integer({ min: 0, max: 0x7fffffff })),
    r: fc.uniqueArray(cid, { maxLength: 5, selector: (c) => c.toString() }),
    b: body,
    x: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  })

/** Parsed fields with CIDs and bytes as plain values, to compare two parses. */
function plain(record: ParsedRecord): unknown {
  const simplify = (value: unknown): unknown => {
    const cid = CID.asCID(value)
    if (cid) return { cid: cid.toString(), bytes: [...cid.bytes], digest: [...cid.multihash.digest] }
    if (value instanceof Uint8Array) return { bytes: [...value] }
    if (Array.isArray(value)) return value.map(simplify)
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, simplify(v)]))
    return value
  }
  return simplify(record)
}

describe('readKnownEnvelope', () => {
  it('reads what the generic parse reads, for every record whose CIDs it knows', () => {
    assertProperty(
      fc.property(wire(readableCid), (fields) => {
        const bytes = encode({ v: 2, ...fields })
        const generic = parseRecord(bytes, 1 << 20)
        expect(generic.ok).toBe(true)
        if (!generic.ok) return
        expect(readKnownEnvelope(bytes)).toBeDefined()
        const known = parseRecord(bytes, 1 << 20, { checkedBefore: true })
        expect(known.ok).toBe(true)
        if (known.ok) expect(plain(known.value)).toEqual(plain(generic.value))
      }),
      { runs: 300 },
    )
  })

  it("reads CIDs that do not hold on to the record's bytes", () => {
    const space = sha256Cid(0x71, new Uint8Array([1]))
    const ref = sha256Cid(0x71, new Uint8Array([2]))
    const fields = { k: 'post', s: space, a: new Uint8Array(32), t: [1, 0], r: [ref], b: { text: 'x' }, x: new Uint8Array(64) }
    const bytes = encode({ v: 2, ...fields })
    const read = readKnownEnvelope(bytes)!
    bytes.fill(0)
    expect([read.space?.toString(), read.refs[0]?.toString()]).toEqual([space.toString(), ref.toString()])
  })

  it('leaves other CID forms to the generic parse, which gives the same record either way', () => {
    assertProperty(
      fc.property(wire(fc.oneof(readableCid, otherCid)), (fields) => {
        const bytes = encode({ v: 2, ...fields })
        const generic = parseRecord(bytes, 1 << 20)
        const known = parseRecord(bytes, 1 << 20, { checkedBefore: true })
        expect(known.ok).toBe(generic.ok)
        if (known.ok && generic.ok) expect(plain(known.value)).toEqual(plain(generic.value))
        const unreadable = [...fields.r, ...(fields.s ? [fields.s] : [])].some((c) => c.code >= 0x80 || c.multihash.code !== 0x12)
        if (unreadable) expect(readKnownEnvelope(bytes)).toBeUndefined()
      }),
      { runs: 300 },
    )
  })

  it('gives undefined for bytes laid out otherwise, never a wrong record', () => {
    const fields = { v: 2, k: 'post', s: null, a: new Uint8Array(32).fill(7), t: [1, 2], r: [], b: { text: 'hi' }, x: new Uint8Array(64) }
    const bytes = encode(fields)
    expect(readKnownEnvelope(bytes)?.kind).toBe('post')
    // Another version, an extra field, a short signature, trailing bytes, a cut: not this layout.
    expect(readKnownEnvelope(encode({ ...fields, v: 1 }))).toBeUndefined()
    expect(readKnownEnvelope(encode({ ...fields, v: 3 }))).toBeUndefined()
    expect(readKnownEnvelope(encode({ ...fields, y: 1 }))).toBeUndefined()
    expect(readKnownEnvelope(encode({ ...fields, x: new Uint8Array(63) }))).toBeUndefined()
    expect(readKnownEnvelope(new Uint8Array([...bytes, 0]))).toBeUndefined()
    expect(readKnownEnvelope(bytes.subarray(0, bytes.length - 1))).toBeUndefined()
    expect(readKnownEnvelope(new Uint8Array(0))).toBeUndefined()
  })
})
