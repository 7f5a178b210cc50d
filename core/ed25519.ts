/**
 * Ed25519 signing and verification behind one interface. WebCrypto is used where the runtime
 * implements Ed25519 (Node >= 20, current browsers): it is an order of magnitude faster than pure JS.
 * The audited @noble/curves implementation is the fallback, so the same code runs everywhere.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { concatBytes, ownBytes } from './bytes.js'

export interface Ed25519Backend {
  readonly name: 'webcrypto' | 'noble'
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
 */
const keyVerdicts = new Map<string, boolean>()
export function acceptablePublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false
  const cacheKey = String.fromCharCode(...publicKey)
  let verdict = keyVerdicts.get(cacheKey)
  if (verdict === undefined) {
    try {
      const point = ed25519.Point.fromBytes(publicKey, false)
      verdict = !point.isSmallOrder()
    } catch {
      verdict = false
    }
    if (keyVerdicts.size >= 50_000) keyVerdicts.clear()
    keyVerdicts.set(cacheKey, verdict)
  }
  return verdict
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

function webCryptoBackend(subtle: SubtleCrypto): Ed25519Backend {
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

let selected: Promise<Ed25519Backend> | undefined

/** Probes the runtime once: WebCrypto Ed25519 if it signs and verifies a known vector, noble otherwise. */
export function ed25519Backend(): Promise<Ed25519Backend> {
  selected ??= (async () => {
    const subtle = globalThis.crypto?.subtle
    if (!subtle) return nobleBackend
    try {
      const backend = webCryptoBackend(subtle)
      const seed = new Uint8Array(32).fill(7)
      const message = new Uint8Array([1, 2, 3])
      const signature = await backend.sign(seed, message)
      const ok = await backend.verify(await backend.publicKey(seed), signature, message)
      return ok ? backend : nobleBackend
    } catch {
      return nobleBackend
    }
  })()
  return selected
}

/** For tests and embedders that must pin a backend (for example to compare them). */
export function useEd25519Backend(backend: Ed25519Backend): void {
  selected = Promise.resolve(backend)
}
