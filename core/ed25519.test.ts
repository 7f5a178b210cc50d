import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import { describe, expect, it } from 'vitest'
import { ed25519Backend, nobleBackend, nodeCryptoBackend, useEd25519Backend, webCryptoBackend, type Ed25519Backend } from './ed25519.js'
import { builtin } from './node-builtins.js'

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g)!.map((pair) => parseInt(pair, 16)))
const toHex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')

// RFC 8032 section 7.1, TEST 1
const RFC_SECRET = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
const RFC_PUBLIC = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
const RFC_SIGNATURE = hex(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
)

// The first call in this file: nothing has pinned a backend yet, so this is the runtime probe.
const selectedPromise = ed25519Backend()

// Every backend a runtime may select; results must agree, since peers on different runtimes must
// accept and reject the same records.
const webcrypto = webCryptoBackend(globalThis.crypto.subtle)
// The modules as core reaches them (node-builtins.ts describes only the parts it calls).
const node = nodeCryptoBackend(builtin('node:crypto')!)
const nodeWorkers = nodeCryptoBackend(builtin('node:crypto')!, { threads: builtin('node:worker_threads')!, workers: 2 })

async function backends(): Promise<Array<[string, Ed25519Backend]>> {
  return [
    ['noble', nobleBackend],
    ['webcrypto', webcrypto],
    ['node', node],
    ['node on workers', nodeWorkers],
  ]
}

describe('ed25519 backends', () => {
  it('selects node:crypto on Node and memoizes the choice', async () => {
    const selected = await selectedPromise
    expect(selected.name).toBe('node')
    expect(await ed25519Backend()).toBe(selected)
  })

  it('useEd25519Backend pins a backend', async () => {
    const selected = await selectedPromise
    try {
      useEd25519Backend(nobleBackend)
      expect(await ed25519Backend()).toBe(nobleBackend)
    } finally {
      useEd25519Backend(selected)
    }
    expect(await ed25519Backend()).toBe(selected)
  })

  it('RFC 8032 test 1: both backends derive the public key, produce the signature and verify it', async () => {
    for (const [name, backend] of await backends()) {
      expect(toHex(await backend.publicKey(RFC_SECRET)), name).toBe(toHex(RFC_PUBLIC))
      expect(toHex(await backend.sign(RFC_SECRET, new Uint8Array(0))), name).toBe(toHex(RFC_SIGNATURE))
      expect(await backend.verify(RFC_PUBLIC, RFC_SIGNATURE, new Uint8Array(0)), name).toBe(true)
      expect(await backend.verify(RFC_PUBLIC, RFC_SIGNATURE, new Uint8Array([0])), name).toBe(false)
    }
  })

  it('sign/verify round-trips and cross-verifies between every backend', async () => {
    const list = await backends()
    await assertProperty(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), async (seed, message) => {
        const publicKey = await nobleBackend.publicKey(seed)
        const byNoble = await nobleBackend.sign(seed, message)
        for (const [name, backend] of list) {
          expect(toHex(await backend.publicKey(seed)), name).toBe(toHex(publicKey))
          const signature = await backend.sign(seed, message)
          // Ed25519 is deterministic: every implementation produces the same signature.
          expect(toHex(signature), name).toBe(toHex(byNoble))
          for (const [other, verifier] of list)
            expect(await verifier.verify(publicKey, signature, message), `${name} by ${other}`).toBe(true)
        }
      }),
    )
  })

  it('a tampered message, signature or key fails verification on both backends', async () => {
    const list = await backends()
    await assertProperty(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (seed, message, position, bit) => {
          const publicKey = await nobleBackend.publicKey(seed)
          const signature = await nobleBackend.sign(seed, message)
          const flip = (bytes: Uint8Array) => {
            const copy = new Uint8Array(bytes)
            copy[position % copy.length]! ^= 1 << bit
            return copy
          }
          for (const [name, backend] of list) {
            expect(await backend.verify(publicKey, signature, flip(message)), name).toBe(false)
            expect(await backend.verify(publicKey, flip(signature), message), name).toBe(false)
            expect(await backend.verify(flip(publicKey), signature, message), name).toBe(false)
          }
        },
      ),
    )
  })

  it('returns false, never throws, for keys and signatures of the wrong length or not on the curve', async () => {
    const seed = new Uint8Array(32).fill(1)
    const message = new Uint8Array([1, 2, 3])
    const publicKey = await nobleBackend.publicKey(seed)
    const signature = await nobleBackend.sign(seed, message)
    // y = 2 is not the y-coordinate of any point on edwards25519
    const notAPoint = new Uint8Array(32)
    notAPoint[0] = 2
    const cases: Array<[string, Uint8Array, Uint8Array]> = [
      ['non-point key', notAPoint, signature],
      ['all-0xff key', new Uint8Array(32).fill(0xff), signature],
      ['empty key', new Uint8Array(0), signature],
      ['31-byte key', publicKey.slice(0, 31), signature],
      ['33-byte key', new Uint8Array([...publicKey, 0]), signature],
      ['empty signature', publicKey, new Uint8Array(0)],
      ['63-byte signature', publicKey, signature.slice(0, 63)],
      ['65-byte signature', publicKey, new Uint8Array([...signature, 0])],
      ['zero signature', publicKey, new Uint8Array(64)],
      ['S >= L', publicKey, new Uint8Array([...signature.slice(0, 32), ...new Uint8Array(32).fill(0xff)])],
    ]
    for (const [backendName, backend] of await backends()) {
      for (const [name, key, sig] of cases) {
        await expect(backend.verify(key, sig, message), `${backendName}: ${name}`).resolves.toBe(false)
      }
    }
  })

  it('a rejected key import is not cached as a failure for later valid keys', async () => {
    const notAPoint = new Uint8Array(32)
    notAPoint[0] = 2
    const message = new Uint8Array([4])
    for (const [name, backend] of await backends()) {
      expect(await backend.verify(notAPoint, new Uint8Array(64), message), name).toBe(false)
      expect(await backend.verify(notAPoint, new Uint8Array(64), message), name).toBe(false)
      expect(await backend.verify(RFC_PUBLIC, RFC_SIGNATURE, new Uint8Array(0)), name).toBe(true)
    }
  })

  it('verifies views into larger buffers as the bytes they show', async () => {
    const seed = new Uint8Array(32).fill(3)
    const message = new Uint8Array([5, 6, 7])
    const publicKey = await nobleBackend.publicKey(seed)
    const signature = await nobleBackend.sign(seed, message)
    const backing = new Uint8Array([9, ...publicKey, ...signature, ...message, 9])
    const [key, sig, msg] = [backing.subarray(1, 33), backing.subarray(33, 97), backing.subarray(97, 100)]
    for (const [name, backend] of await backends()) {
      expect(await backend.verify(key, sig, msg), name).toBe(true)
      expect(await backend.verify(key, sig, backing.subarray(97, 101)), name).toBe(false)
    }
  })

  // Regression test (was a bug): noble's `ed25519.verify` defaulted to ZIP-215 rules, which accept non-canonical point encodings; WebCrypto (OpenSSL) follows RFC 8032 and rejects them. Here the key is the identity point (0x01 00..00),
  it('every backend gives the same verdict on a non-canonically encoded R', async () => {
    const identityPoint = new Uint8Array(32)
    identityPoint[0] = 1
    const signature = new Uint8Array(64)
    signature.fill(0xff, 0, 32)
    signature[0] = 0xee
    signature[31] = 0x7f
    const message = new Uint8Array([1, 2, 3])
    const verdicts = await Promise.all((await backends()).map(([, backend]) => backend.verify(identityPoint, signature, message)))
    expect(new Set(verdicts).size).toBe(1)
  })
})
