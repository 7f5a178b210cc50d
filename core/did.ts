/**
 * did:key identifiers for Ed25519 public keys (https://w3c-ccg.github.io/did-method-key/):
 * `did:key:z` + base58btc(multicodec ed25519-pub 0xed01 ‖ 32-byte key).
 */
import { base58btc } from 'multiformats/bases/base58'
import { base58btcEncode } from './base58.js'
import { InvalidArgumentError } from './errors.js'

export type Did = `did:key:z${string}`

const PREFIX = 'did:key:'
const ED25519_PUB = [0xed, 0x01] as const
const cache = new Map<string, Uint8Array>()
const CACHE_LIMIT = 10_000

// Reused by every call (synchronous): a did is computed for every record read.
const multikey = Uint8Array.of(...ED25519_PUB, ...new Uint8Array(32))

export function didFromPublicKey(publicKey: Uint8Array): Did {
  if (publicKey.length !== 32) throw new InvalidArgumentError(`An Ed25519 public key has 32 bytes, got ${publicKey.length}.`)
  multikey.set(publicKey, 2)
  // A flat string (see base58.ts): every record keeps its author's did.
  return base58btcEncode(multikey, `${PREFIX}z`) as Did
}

/** The raw public key of a did:key, or undefined when the string is not an Ed25519 did:key. */
export function publicKeyFromDid(did: string): Uint8Array | undefined {
  const hit = cache.get(did)
  // A copy, so a caller that writes into the result cannot change the key others get.
  if (hit) return hit.slice()
  if (typeof did !== 'string' || !did.startsWith(`${PREFIX}z`) || did.length > 64) return undefined
  let multikey: Uint8Array
  try {
    multikey = base58btc.decode(did.slice(PREFIX.length))
  } catch {
    return undefined
  }
  if (multikey.length !== 34 || multikey[0] !== ED25519_PUB[0] || multikey[1] !== ED25519_PUB[1]) return undefined
  const key = multikey.slice(2)
  if (cache.size >= CACHE_LIMIT) cache.clear()
  cache.set(did, key)
  return key.slice()
}

export const isDid = (value: unknown): value is Did => typeof value === 'string' && publicKeyFromDid(value) !== undefined
