/**
 * The public-key rule without point decompression (`acceptablePublicKey`): a key is acceptable when
 * its y is canonical and not that of a small-order point; a canonical key off the curve is refused
 * by either backend's verification. Together that must be exactly the old rule, which decompressed
 * the point with @noble/curves: canonical, on the curve, not of small order.
 */
import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { acceptablePublicKey, ed25519Backend, nobleBackend } from './ed25519.js'

const decodes = (key: Uint8Array): boolean => {
  try {
    ed25519.Point.fromBytes(key, false)
    return true
  } catch {
    return false
  }
}
const oldRule = (key: Uint8Array): boolean => {
  try {
    return !ed25519.Point.fromBytes(key, false).isSmallOrder()
  } catch {
    return false
  }
}

/** The 8 points of order dividing 8, their encodings with the x sign bit flipped, and non-canonical y. */
function specialKeys(): Uint8Array[] {
  const keys: Uint8Array[] = []
  const eight = ed25519.Point.fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05')
  let point = ed25519.Point.ZERO
  for (let k = 0; k < 8; k++) {
    const encoded = point.toBytes()
    const flipped = new Uint8Array(encoded)
    flipped[31]! ^= 0x80
    keys.push(encoded, flipped, ed25519.Point.BASE.add(point).toBytes())
    point = point.add(eight)
  }
  for (let low = 0xe0; low <= 0xff; low++) {
    for (const sign of [0, 0x80]) {
      const key = new Uint8Array(32).fill(0xff)
      key[0] = low
      key[31] = 0x7f | sign
      keys.push(key)
    }
  }
  return keys
}

describe('acceptablePublicKey', () => {
  it('refuses every small-order point and every non-canonical y, whatever the sign bit', () => {
    for (const key of specialKeys()) expect(acceptablePublicKey(key) && decodes(key), Buffer.from(key).toString('hex')).toBe(oldRule(key))
    expect(acceptablePublicKey(new Uint8Array(31))).toBe(false)
  })

  it('together with decoding, agrees with the old decompressing check on random keys', () => {
    assertProperty(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        expect(acceptablePublicKey(key) && decodes(key)).toBe(oldRule(key))
      }),
      { runs: 2000 },
    )
  })

  it('a canonical key off the curve verifies nothing on either backend', async () => {
    const offCurve: Uint8Array[] = []
    for (let i = 0; offCurve.length < 20; i++) {
      const key = new Uint8Array(32)
      new DataView(key.buffer).setUint32(0, i + 2, true)
      if (acceptablePublicKey(key) && !decodes(key)) offCurve.push(key)
    }
    const message = new Uint8Array([1, 2, 3])
    const signature = ed25519.sign(message, new Uint8Array(32).fill(9))
    for (const backend of [nobleBackend, await ed25519Backend()]) {
      for (const key of offCurve) expect(await backend.verify(key, signature, message)).toBe(false)
    }
  })
})
