import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import { describe, expect, it } from 'vitest'
import { concatBytes, equalBytes, fromBase64Url, fromUtf8, ownBytes, randomBytes, toBase64Url, utf8 } from './bytes.js'

describe('bytes', () => {
  it('utf8 round-trips well-formed text and refuses invalid UTF-8', () => {
    assertProperty(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), (text) => {
        expect(fromUtf8(utf8(text))).toBe(text)
      }),
    )
    expect(() => fromUtf8(new Uint8Array([0xff, 0xfe]))).toThrow()
  })

  it('concatBytes joins parts in order', () => {
    expect([...concatBytes(new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3]))]).toEqual([1, 2, 3])
    expect(concatBytes().length).toBe(0)
  })

  it('equalBytes compares length and content', () => {
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false)
    expect(equalBytes(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false)
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true)
  })

  it('base64url round-trips without padding or multibase prefix', () => {
    assertProperty(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = toBase64Url(bytes)
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/)
        expect(equalBytes(fromBase64Url(text), bytes)).toBe(true)
      }),
    )
    expect(toBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8')
    expect(() => fromBase64Url('ab+/')).toThrow()
    // non-zero leftover bits and impossible lengths are refused, so each byte string has one text form
    expect(() => fromBase64Url('AB')).toThrow()
    expect(() => fromBase64Url('A')).toThrow()
  })

  it('randomBytes returns the requested length', () => {
    expect(randomBytes(0).length).toBe(0)
    expect(randomBytes(32).length).toBe(32)
  })

  it('ownBytes returns a view whose buffer is exactly its bytes', () => {
    const whole = new Uint8Array([1, 2, 3])
    expect(ownBytes(whole)).toBe(whole)
    const view = new Uint8Array([0, 1, 2, 3, 4]).subarray(1, 3)
    const own = ownBytes(view)
    expect(own).not.toBe(view)
    expect(own.byteOffset).toBe(0)
    expect(own.buffer.byteLength).toBe(2)
    expect([...own]).toEqual([1, 2])
  })
})
