import { create as createDigest } from 'multiformats/hashes/digest'
import { identity as identityHash } from 'multiformats/hashes/identity'
import { CID } from 'multiformats/cid'
import { sha256 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { didFromPublicKey } from './did.js'
import * as s from './schema.js'

const cidV1 = CID.createV1(0x71, createDigest(0x12, sha256(new Uint8Array([1]))))
const cidV0 = CID.createV0(createDigest(0x12, sha256(new Uint8Array([2]))) as never)
const did = didFromPublicKey(new Uint8Array(32).fill(1))

const accepts = <T>(validator: s.Validator<T>, value: unknown, path = 'x'): T => {
  const checked = validator(value, path)
  if (!checked.ok) throw new Error(`expected ${String(value)} to be accepted, got ${checked.error}`)
  return checked.value
}
const rejects = (validator: s.Validator<unknown>, value: unknown, path = 'x'): string => {
  const checked = validator(value, path)
  if (checked.ok) throw new Error(`expected ${String(value)} to be rejected`)
  return checked.error
}

describe('schema validators', () => {
  it('string: length bounds in UTF-16 code units, type', () => {
    const v = s.string({ min: 2, max: 4 })
    expect(accepts(v, 'ab')).toBe('ab')
    expect(accepts(v, 'abcd')).toBe('abcd')
    expect(rejects(v, 'a')).toBe('x: expected a string of 2 to 4 characters')
    rejects(v, 'abcde')
    rejects(v, 42)
    rejects(v, null)
    rejects(v, new String('abc'))
    // one emoji outside the BMP is two code units
    expect(accepts(s.string({ max: 2 }), '😀')).toBe('😀')
    rejects(s.string({ max: 1 }), '😀')
    // min defaults to 0
    expect(accepts(s.string({ max: 1 }), '')).toBe('')
  })

  it('integer: safe integers within bounds only', () => {
    const v = s.integer(-2, 5)
    for (const value of [-2, 0, 5]) expect(accepts(v, value)).toBe(value)
    for (const value of [-3, 6, 1.5, NaN, Infinity, '1', 1n, null, Number.MAX_SAFE_INTEGER + 1]) rejects(v, value)
    expect(rejects(v, 9)).toBe('x: expected an integer from -2 to 5')
    rejects(s.integer(0, Number.MAX_SAFE_INTEGER * 2), Number.MAX_SAFE_INTEGER + 1)
  })

  it('boolean: only true and false', () => {
    expect(accepts(s.boolean, true)).toBe(true)
    expect(accepts(s.boolean, false)).toBe(false)
    for (const value of [0, 1, 'true', null, undefined]) expect(rejects(s.boolean, value)).toBe('x: expected true or false')
  })

  it('bytes: Uint8Array within bounds only', () => {
    const v = s.bytes({ min: 2, max: 3 })
    expect(accepts(v, new Uint8Array(2))).toEqual(new Uint8Array(2))
    rejects(v, new Uint8Array(1))
    rejects(v, new Uint8Array(4))
    rejects(v, [0, 0])
    rejects(v, new Uint16Array(2))
    rejects(v, new ArrayBuffer(2))
    expect(rejects(v, 'ab')).toBe('x: expected 2 to 3 bytes')
  })

  it('cid: CIDv1 only', () => {
    expect(accepts(s.cid, cidV1).equals(cidV1)).toBe(true)
    expect(rejects(s.cid, cidV0)).toBe('x: expected a CIDv1 link')
    for (const value of [cidV1.toString(), cidV1.bytes, {}, null]) rejects(s.cid, value)
    // any CIDv1, whatever its codec: record-level code decides which codecs it follows
    const raw = CID.createV1(0x55, identityHash.digest(new Uint8Array([1])))
    expect(accepts(s.cid, raw).code).toBe(0x55)
  })

  it('did: Ed25519 did:key only', () => {
    expect(accepts(s.did, did)).toBe(did)
    for (const value of ['did:web:example.com', 'did:key:zabc', '', null, 42]) {
      expect(rejects(s.did, value)).toBe('x: expected an Ed25519 did:key')
    }
  })

  it('literal: exactly one of the options', () => {
    const v = s.literal<'a' | 1 | null>('a', 1, null)
    for (const value of ['a', 1, null]) expect(accepts(v, value)).toBe(value)
    for (const value of ['b', '1', 2, undefined]) rejects(v, value)
    expect(rejects(v, 'b')).toBe('x: expected one of "a", 1, null')
  })

  it('array: bounds, item validation with indexed path, uniqueness', () => {
    const v = s.array(s.integer(0, 9), { min: 1, max: 3 })
    expect(accepts(v, [1, 2, 3])).toEqual([1, 2, 3])
    expect(rejects(v, [])).toBe('x: expected a list of 1 to 3 items')
    rejects(v, [1, 2, 3, 4])
    rejects(v, { 0: 1, length: 1 })
    expect(rejects(v, [1, 10])).toBe('x[1]: expected an integer from 0 to 9')

    const unique = s.array(s.string({ max: 5 }), { max: 5, unique: true })
    expect(accepts(unique, ['a', 'b'])).toEqual(['a', 'b'])
    expect(rejects(unique, ['a', 'b', 'a'])).toBe('x: expected a list without duplicates')
    // duplicates are allowed without `unique`
    expect(accepts(s.array(s.string({ max: 5 }), { max: 5 }), ['a', 'a'])).toEqual(['a', 'a'])

    const uniqueCids = s.array(s.cid, { max: 5, unique: true })
    rejects(uniqueCids, [cidV1, CID.parse(cidV1.toString())])
    const dids = s.array(s.did, { max: 5, unique: true })
    expect(rejects(dids, [did, did])).toBe('x: expected a list without duplicates')
  })

  it('optional and nullable', () => {
    const opt = s.optional(s.integer(0, 1))
    expect(accepts(opt, undefined)).toBeUndefined()
    expect(accepts(opt, 1)).toBe(1)
    rejects(opt, null)
    const nul = s.nullable(s.integer(0, 1))
    expect(accepts(nul, null)).toBeNull()
    expect(accepts(nul, 0)).toBe(0)
    rejects(nul, undefined)
  })

  describe('object', () => {
    const v = s.object({
      name: s.string({ min: 1, max: 10 }),
      age: s.optional(s.integer(0, 200)),
      tags: s.array(s.string({ max: 3 }), { max: 2 }),
    })

    it('accepts exactly its shape and drops absent optionals', () => {
      expect(accepts(v, { name: 'ann', tags: [] })).toEqual({ name: 'ann', tags: [] })
      const value = accepts(v, { name: 'ann', age: 3, tags: ['a'] })
      expect(value).toEqual({ name: 'ann', age: 3, tags: ['a'] })
      expect(Object.keys(accepts(v, { name: 'ann', age: undefined, tags: [] }))).toEqual(['name', 'tags'])
    })

    it('rejects unknown keys, naming them with their path', () => {
      expect(rejects(v, { name: 'ann', tags: [], extra: 1 }, '')).toBe('extra: unexpected field')
      expect(rejects(v, { name: 'ann', tags: [], extra: 1 }, 'body')).toBe('body.extra: unexpected field')
    })

    it('names the failing field with its full path', () => {
      expect(rejects(v, { tags: [] }, 'body')).toBe('body.name: expected a string of 1 to 10 characters')
      expect(rejects(v, { name: 'a', tags: ['abcd'] }, 'body')).toBe('body.tags[0]: expected a string of 0 to 3 characters')
      expect(rejects(v, { name: 'a', tags: ['abcd'] }, '')).toBe('tags[0]: expected a string of 0 to 3 characters')
      const nested = s.object({ inner: s.object({ n: s.integer(0, 1) }) })
      expect(rejects(nested, { inner: { n: 2 } }, 'body')).toBe('body.inner.n: expected an integer from 0 to 1')
      expect(rejects(nested, { inner: { n: 1, m: 1 } }, 'body')).toBe('body.inner.m: unexpected field')
    })

    it('rejects things that are not plain maps', () => {
      for (const value of [null, [], 'x', 1, new Uint8Array(1), cidV1]) {
        expect(rejects(v, value, 'body')).toBe('body: expected a map')
      }
      expect(rejects(v, null, '')).toBe('value: expected a map')
    })

    // Regression test (was a bug): `key in shape` also saw Object.prototype, so keys such as "constructor", "toString", "hasOwnProperty" or "__proto__" pass the unknown-field check; they are then neither validated nor copied to the re
    it('rejects unknown keys that are also Object.prototype property names', () => {
      for (const key of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
        expect(rejects(v, { name: 'ann', tags: [], [key]: 1 }, '')).toBe(`${key}: unexpected field`)
      }
    })
  })

  it('refine: runs only after the inner validator accepts, and prefixes the path', () => {
    let calls = 0
    const even = s.refine(s.integer(0, 100), (value) => {
      calls++
      return value % 2 === 0 ? undefined : 'must be even'
    })
    expect(accepts(even, 4)).toBe(4)
    expect(rejects(even, 3, 'n')).toBe('n: must be even')
    expect(rejects(even, 3, '')).toBe('value: must be even')
    expect(calls).toBe(3)
    expect(rejects(even, 101, 'n')).toBe('n: expected an integer from 0 to 100')
    expect(calls).toBe(3)
  })

  it('uses "value" as the path of a top-level failure', () => {
    expect(rejects(s.boolean, 1, '')).toBe('value: expected true or false')
  })
})
