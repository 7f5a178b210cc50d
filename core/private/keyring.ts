/**
 * The epoch keys one member holds for a private space: epoch 0 from the share link's secret, later
 * ones from the epoch records sealed to this member (key-box.ts) and from the chain of earlier keys
 * each epoch record carries. Two admins who rotate concurrently both make an epoch n: a keyring
 * keeps every key of an epoch, and a frame opens under whichever of them sealed it.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { concatBytes, equalBytes, randomBytes, utf8 } from '../bytes.js'
import { decodeUntrusted, encode } from '../codec.js'
import { EPOCH_KEY_BYTES, NONCE_BYTES } from './frame.js'

/**
 * Epoch 0's key, from the share link's secret. Its own HKDF label, so it is independent of the
 * transport keys adapters derive from the same secret (a signaling server that learns a room name
 * learns nothing of this key).
 */
export function epochZeroKey(secret: Uint8Array): Uint8Array {
  return hkdf(sha256, secret, utf8('townhall/space-key'), utf8('epoch 0'), EPOCH_KEY_BYTES)
}

export class Keyring {
  private readonly keys = new Map<number, Uint8Array[]>()
  private readonly listeners = new Set<(epoch: number) => void>()

  /**
   * Adds a key; returns whether it was new. At most `MAX_KEYS_PER_EPOCH` per epoch: keys come from
   * any signed epoch record addressed to this member, and every frame of an epoch tries each one.
   */
  add(epoch: number, key: Uint8Array): boolean {
    const known = this.keys.get(epoch) ?? []
    if (known.length >= MAX_KEYS_PER_EPOCH || known.some((k) => equalBytes(k, key))) return false
    this.keys.set(epoch, [...known, key])
    for (const listener of this.listeners) listener(epoch)
    return true
  }

  of(epoch: number): readonly Uint8Array[] {
    return this.keys.get(epoch) ?? []
  }

  epochs(): number[] {
    return [...this.keys.keys()].sort((a, b) => a - b)
  }

  /** Told of every new key (the sealed replica then retries the frames it could not open). */
  onKey(listener: (epoch: number) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * The earlier keys an epoch record hands to whoever holds its own key (members who join later
   * read history through it): every key this keyring holds below `epoch`, sealed under `key`.
   */
  chainBelow(epoch: number, key: Uint8Array): Uint8Array {
    const entries: [number, Uint8Array][] = []
    for (const [n, keys] of this.keys) if (n < epoch) for (const k of keys) entries.push([n, k])
    entries.sort((a, b) => a[0] - b[0])
    const nonce = randomBytes(NONCE_BYTES)
    return concatBytes(nonce, xchacha20poly1305(key, nonce, CHAIN_AAD).encrypt(encode(entries)))
  }

  /** Adds the keys of a chain sealed under `key`; returns how many were new, or undefined when it does not open. */
  addChain(chain: Uint8Array, key: Uint8Array, below: number): number | undefined {
    let entries: unknown
    try {
      const opened = xchacha20poly1305(key, chain.subarray(0, NONCE_BYTES), CHAIN_AAD).decrypt(chain.subarray(NONCE_BYTES))
      entries = decodeUntrusted(opened)
    } catch {
      return undefined
    }
    if (!Array.isArray(entries)) return undefined
    let added = 0
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 2) return undefined
      const [n, k] = entry as [unknown, unknown]
      if (!Number.isSafeInteger(n) || (n as number) < 0 || (n as number) >= below) return undefined
      if (!(k instanceof Uint8Array) || k.length !== EPOCH_KEY_BYTES) return undefined
      if (this.add(n as number, k)) added++
    }
    return added
  }
}

/** Concurrent rotations make a few keys per epoch; more is someone filling the keyring. */
export const MAX_KEYS_PER_EPOCH = 16

const CHAIN_AAD = utf8('townhall/epoch-chain/v1')
