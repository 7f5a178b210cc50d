import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import { base58btc } from 'multiformats/bases/base58'
import { describe, expect, it } from 'vitest'
import { base58btcEncode } from './base58.js'

describe('base58btcEncode', () => {
  it('equals multiformats base58btc for any bytes, leading zeros included', () => {
    const input = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 80 }),
      fc
        .tuple(fc.nat(5), fc.uint8Array({ maxLength: 40 }))
        .map(([zeros, rest]) => new Uint8Array([...new Array<number>(zeros).fill(0), ...rest])),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((key) => new Uint8Array([0xed, 0x01, ...key])),
    )
    assertProperty(
      fc.property(input, (bytes) => {
        expect(base58btcEncode(bytes)).toBe(base58btc.encode(bytes).slice(1))
      }),
      { runs: 3000 },
    )
  })

  it('puts a prefix in front', () => {
    const key = new Uint8Array([0xed, 0x01, ...new Array<number>(32).fill(7)])
    expect(base58btcEncode(key, 'did:key:z')).toBe(`did:key:${base58btc.encode(key)}`)
    expect(base58btcEncode(new Uint8Array([0, 0, 1]), 'x')).toBe(`x${base58btc.encode(new Uint8Array([0, 0, 1])).slice(1)}`)
  })

  it('handles the edges of the limb arithmetic', () => {
    for (const bytes of [
      [],
      [0],
      [0, 0],
      [255],
      [0, 255],
      [1, 0],
      [255, 255, 255, 255, 255, 255, 255, 255],
      new Array<number>(34).fill(255),
      new Array<number>(34).fill(0),
    ]) {
      const array = new Uint8Array(bytes)
      expect(base58btcEncode(array)).toBe(base58btc.encode(array).slice(1))
    }
  })
})
