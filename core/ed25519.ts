/**
 * Ed25519 signing and verification behind one interface. WebCrypto is used where the runtime
 * implements Ed25519 (Node >= 20, current browsers): it is an order of magnitude faster than pure JS.
 * The audited @noble/curves implementation is the fallback, so the same code runs everywhere.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { concatBytes, ownBytes, toBase64Url } from './bytes.js'
import { builtin, type NodeCrypto, type NodeKey, type NodeWorkerThreads } from './node-builtins.js'
import { verifyPool, type InThreadVerify, type VerifyPool } from './verify-workers.js'

export interface Ed25519Backend {
  readonly name: 'node' | 'webcrypto' | 'noble'
  sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array>
  verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean>
  publicKey(seed: Uint8Array): Promise<Uint8Array>
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410): WebCrypto cannot import raw private keys.
const PKCS8_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])

/**
 * Both backends must agree on every signature, or peers on different runtimes would disagree on
 * which records are valid. The common rule: RFC 8032 strict verification (no ZIP-215 leniency),
 * and public keys must be canonical, on the curve and not of small order. WebCrypto (OpenSSL)
 * already verifies strictly but accepts small-order keys, so keys are checked here for both.
 *
 * The check needs no point decompression (which cost as much as a verification): `y` must be
 * below p, and must not be the `y` of one of the 8 small-order points (whatever the sign bit: the
 * other sign is either the negated point, also of small order, or an invalid x = 0 encoding).
 * A canonical key that is not on the curve fails inside either backend's verification.
 */
const SMALL_ORDER_Y = [
  '0100000000000000000000000000000000000000000000000000000000000000', // (0, 1): the identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // (0, -1): order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // (±sqrt(-1), 0): order 4
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
].map((hex) => Uint8Array.from(hex.match(/../g)!, (byte) => parseInt(byte, 16)))

export function acceptablePublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false
  const top = publicKey[31]! & 0x7f
  // Canonical: y < p = 2^255 - 19, i.e. not 0x7fff...ffed to 0x7fff...ffff.
  if (top === 0x7f && publicKey[0]! >= 0xed) {
    let i = 1
    while (i < 31 && publicKey[i] === 0xff) i++
    if (i === 31) return false
  }
  for (const y of SMALL_ORDER_Y) {
    if (top !== y[31]) continue
    let i = 0
    while (i < 31 && publicKey[i] === y[i]) i++
    if (i === 31) return false
  }
  return true
}

export const nobleBackend: Ed25519Backend = {
  name: 'noble',
  sign: async (seed, message) => ed25519.sign(message, seed),
  verify: async (publicKey, signature, message) => {
    if (!acceptablePublicKey(publicKey)) return false
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false })
    } catch {
      return false
    }
  },
  publicKey: async (seed) => ed25519.getPublicKey(seed),
}

export function webCryptoBackend(subtle: SubtleCrypto): Ed25519Backend {
  // Importing a key costs about as much as a verification, so imported keys are cached.
  const verifyKeys = new Map<string, Promise<CryptoKey>>()
  const signKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>()
  const KEY_CACHE_LIMIT = 50_000
  const algorithm = { name: 'Ed25519' }

  const verifyKey = (publicKey: Uint8Array): Promise<CryptoKey> => {
    const cacheKey = String.fromCharCode(...publicKey)
    let key = verifyKeys.get(cacheKey)
    if (!key) {
      if (verifyKeys.size >= KEY_CACHE_LIMIT) verifyKeys.clear()
      key = subtle.importKey('raw', ownBytes(publicKey), algorithm, false, ['verify'])
      verifyKeys.set(cacheKey, key)
      key.catch(() => verifyKeys.delete(cacheKey))
    }
    return key
  }
  const signKey = (seed: Uint8Array): Promise<CryptoKey> => {
    let key = signKeys.get(seed)
    if (!key) {
      key = subtle.importKey('pkcs8', ownBytes(concatBytes(PKCS8_PREFIX, seed)), algorithm, false, ['sign'])
      signKeys.set(seed, key)
    }
    return key
  }
  return {
    name: 'webcrypto',
    async sign(seed, message) {
      return new Uint8Array(await subtle.sign(algorithm, await signKey(seed), ownBytes(message)))
    },
    async verify(publicKey, signature, message) {
      if (signature.length !== 64 || !acceptablePublicKey(publicKey)) return false
      try {
        return await subtle.verify(algorithm, await verifyKey(publicKey), ownBytes(signature), ownBytes(message))
      } catch {
        // Keys that are not valid curve points fail to import: that is a failed verification, not a crash.
        return false
      }
    },
    // WebCrypto has no "public key from seed"; noble's derivation is cheap and runs once per identity.
    publicKey: async (seed) => ed25519.getPublicKey(seed),
  }
}

/**
 * node:crypto, for Node. WebCrypto in Node runs on the same OpenSSL, but every call pays for
 * WebCrypto's algorithm normalization and `CryptoKey` objects on the main thread (~45 µs per new
 * key and verification, measured), which limited ingest of ballots from distinct voters. Here a
 * key is a `KeyObject` from JWK (~20 µs; DER import measured ~95 µs). With `workers`, verifications
 * are batched onto worker threads (verify-workers.ts); otherwise `crypto.verify` gets a callback,
 * which moves part of the work to libuv's thread pool.
 */
export function nodeCryptoBackend(crypto: NodeCrypto, options: { threads?: NodeWorkerThreads; workers?: number } = {}): Ed25519Backend {
  const verifyKeys = new Map<string, NodeKey>()
  const signKeys = new WeakMap<Uint8Array, NodeKey>()
  // Smaller than WebCrypto's: ballots come from distinct voters, so the cache mostly saves memory by being small.
  const KEY_CACHE_LIMIT = 10_000
  const verifyKey = (publicKey: Uint8Array) => {
    const x = toBase64Url(publicKey)
    let key = verifyKeys.get(x)
    if (!key) {
      if (verifyKeys.size >= KEY_CACHE_LIMIT) verifyKeys.clear()
      key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
      verifyKeys.set(x, key)
    }
    return key
  }
  const signKey = (seed: Uint8Array) => {
    let key = signKeys.get(seed)
    if (!key) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(ed25519.getPublicKey(seed)), d: toBase64Url(seed) } as const
      key = crypto.createPrivateKey({ key: jwk, format: 'jwk' })
      signKeys.set(seed, key)
    }
    return key
  }
  const inThread: InThreadVerify = (publicKey, signature, message) =>
    new Promise((resolve) => {
      try {
        crypto.verify(null, message, verifyKey(publicKey), signature, (error, valid) => resolve(!error && valid))
      } catch {
        // A key that is not a valid encoding fails to import: a failed verification, not a crash.
        resolve(false)
      }
    })
  // Started on the first verification, so processes that never verify never start workers.
  let pool: VerifyPool | undefined
  const verifier = (): InThreadVerify => {
    if (!options.threads || !options.workers) return inThread
    pool ??= verifyPool(options.threads, options.workers, inThread)
    return pool.verify
  }
  return {
    name: 'node',
    sign: async (seed, message) => new Uint8Array(crypto.sign(null, message, signKey(seed))),
    verify(publicKey, signature, message) {
      if (signature.length !== 64 || !acceptablePublicKey(publicKey)) return Promise.resolve(false)
      return verifier()(publicKey, signature, message)
    },
    publicKey: async (seed) => ed25519.getPublicKey(seed),
  }
}

let selected: Promise<Ed25519Backend> | undefined

/**
 * Workers for verification: one per core, at least two, at most four. The main thread waits on
 * them part of the time, so as many workers as cores kept both cores of the test machine busier
 * than one (100k ballots: 11.1k/s with two, 10.1k/s with one).
 */
function verifyWorkers(): number {
  const os = builtin('node:os')
  const cores = os?.availableParallelism?.() ?? 2
  return Math.max(2, Math.min(4, cores))
}

/** Signs and verifies a known vector: a backend that cannot is not used. */
async function works(backend: Ed25519Backend): Promise<boolean> {
  try {
    const seed = new Uint8Array(32).fill(7)
    const message = new Uint8Array([1, 2, 3])
    const signature = await backend.sign(seed, message)
    return await backend.verify(await backend.publicKey(seed), signature, message)
  } catch {
    return false
  }
}

/** Probes the runtime once: node:crypto in Node, WebCrypto Ed25519 elsewhere, noble where neither works. */
export function ed25519Backend(): Promise<Ed25519Backend> {
  selected ??= (async () => {
    const nodeCrypto = builtin('node:crypto')
    if (nodeCrypto) {
      const threads = builtin('node:worker_threads')
      const backend = nodeCryptoBackend(nodeCrypto, threads ? { threads, workers: verifyWorkers() } : {})
      if (await works(backend)) return backend
    }
    const subtle = globalThis.crypto?.subtle
    if (subtle) {
      const backend = webCryptoBackend(subtle)
      if (await works(backend)) return backend
    }
    return nobleBackend
  })()
  return selected
}

/** For tests and embedders that must pin a backend (for example to compare them). */
export function useEd25519Backend(backend: Ed25519Backend): void {
  selected = Promise.resolve(backend)
}
