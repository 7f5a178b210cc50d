import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import { base58btc } from 'multiformats/bases/base58'
import { describe, expect, it } from 'vitest'
import { didFromPublicKey, isDid, publicKeyFromDid } from './did.js'
import { InvalidArgumentError } from './errors.js'

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g)!.map((pair) => parseInt(pair, 16)))
const toHex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')

/** `did:key:z` + base58btc of the given multikey bytes, built without did.ts. */
const didOfMultikey = (multikey: Uint8Array): string => `did:key:${base58btc.encode(multikey)}`

describe('did:key', () => {
  it('round-trips any 32-byte public key through its did', () => {
    assertProperty(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        const did = didFromPublicKey(key)
        expect(did.startsWith('did:key:z6Mk')).toBe(true)
        expect(isDid(did)).toBe(true)
        expect(toHex(publicKeyFromDid(did)!)).toBe(toHex(key))
      }),
    )
  })

  it('maps distinct keys to distinct dids', () => {
    assertProperty(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
        fc.pre(toHex(a) !== toHex(b))
        expect(didFromPublicKey(a)).not.toBe(didFromPublicKey(b))
      }),
    )
  })

  // Known pair from a did:key resolver's Ed25519 fixture (publicKeyBase58 of the verification method).
  it('matches a published Ed25519 did:key vector', () => {
    const key = base58btc.baseDecode('8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K')
    expect(toHex(key)).toBe('6c2d48b1605684ef94363dc6158eeb6577466e1a36a740f2fc624617edb7712e')
    expect(didFromPublicKey(key)).toBe('did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th')
    expect(toHex(publicKeyFromDid('did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th')!)).toBe(toHex(key))
  })

  it('encodes exactly the multicodec ed25519-pub prefix 0xed01 followed by the key', () => {
    const key = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
    const did = didFromPublicKey(key)
    const multikey = base58btc.decode(did.slice('did:key:'.length))
    expect(toHex(multikey)).toBe(`ed01${toHex(key)}`)
  })

  it('refuses to build a did from a key that is not 32 bytes', () => {
    for (const length of [0, 31, 33, 64]) {
      expect(() => didFromPublicKey(new Uint8Array(length))).toThrow(InvalidArgumentError)
    }
  })

  describe('rejects', () => {
    const key = new Uint8Array(32).fill(9)

    it('another multicodec (x25519-pub 0xec01, secp256k1-pub 0xe701)', () => {
      for (const prefix of [
        [0xec, 0x01],
        [0xe7, 0x01],
        [0xed, 0x02],
        [0x01, 0xed],
      ]) {
        const multikey = new Uint8Array(34)
        multikey.set(prefix)
        multikey.set(key, 2)
        const did = didOfMultikey(multikey)
        expect(publicKeyFromDid(did)).toBeUndefined()
        expect(isDid(did)).toBe(false)
      }
    })

    it('an Ed25519 multikey of the wrong length', () => {
      for (const length of [0, 1, 31, 33]) {
        const multikey = new Uint8Array(2 + length)
        multikey.set([0xed, 0x01])
        multikey.fill(5, 2)
        expect(publicKeyFromDid(didOfMultikey(multikey))).toBeUndefined()
      }
      // published "too small for ed keys" fixture of the did:key test suite
      expect(publicKeyFromDid('did:key:zTjsVPtY')).toBeUndefined()
    })

    it('a multibase prefix other than z (base58btc)', () => {
      const did = didFromPublicKey(key)
      const rest = did.slice('did:key:z'.length)
      for (const prefix of ['b', 'm', 'u', 'Z', '']) {
        expect(publicKeyFromDid(`did:key:${prefix}${rest}`)).toBeUndefined()
      }
      expect(publicKeyFromDid(did.replace('did:key:', 'did:web:'))).toBeUndefined()
      expect(publicKeyFromDid(did.toUpperCase())).toBeUndefined()
    })

    it('garbage text and characters outside the base58 alphabet', () => {
      const did = didFromPublicKey(key)
      for (const text of ['', 'did:key:', 'did:key:z', 'did:key:z0OIl', `${did.slice(0, -1)}0`, `${did} `, ` ${did}`, 'hello']) {
        expect(publicKeyFromDid(text)).toBeUndefined()
        expect(isDid(text)).toBe(false)
      }
    })

    it('values that are not strings', () => {
      for (const value of [undefined, null, 42, {}, [], key, Symbol('did'), () => 'did:key:z']) {
        expect(isDid(value)).toBe(false)
        expect(publicKeyFromDid(value as unknown as string)).toBeUndefined()
      }
    })

    it('over-long strings, including a valid did with padding appended', () => {
      const did = didFromPublicKey(key)
      expect(publicKeyFromDid(`did:key:z${'1'.repeat(10_000)}${did.slice(9)}`)).toBeUndefined()
      expect(publicKeyFromDid(`${did}${'1'.repeat(20)}`)).toBeUndefined()
      expect(publicKeyFromDid(`did:key:z${'2'.repeat(1_000_000)}`)).toBeUndefined()
    })

    it('leading base58 zeros that would decode to the same key', () => {
      const did = didFromPublicKey(key)
      expect(publicKeyFromDid(`did:key:z1${did.slice(9)}`)).toBeUndefined()
    })

    it('random strings after the prefix unless they decode to ed01 + 32 bytes', () => {
      assertProperty(
        fc.property(fc.string({ maxLength: 80 }), (tail) => {
          const text = `did:key:z${tail}`
          const key = publicKeyFromDid(text)
          if (key !== undefined) expect(didFromPublicKey(key)).toBe(text)
        }),
      )
    })
  })

  // Regression test (was a bug): publicKeyFromDid returned the cached Uint8Array itself, so a caller that mutates the returned key changes what every later call (and every verification using it) sees.
  it('returns a key the caller cannot use to poison the cache', () => {
    const key = new Uint8Array(32).fill(3)
    const did = didFromPublicKey(key)
    const first = publicKeyFromDid(did)!
    first[0] = 0xff
    expect(toHex(publicKeyFromDid(did)!)).toBe(toHex(key))
  })
})
