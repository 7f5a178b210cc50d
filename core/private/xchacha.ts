/**
 * XChaCha20-Poly1305 for sealed frames, natively where core runs in Node.
 *
 * @noble/ciphers is the portable implementation (browsers, workers, any runtime). In Node the
 * same construction runs on node:crypto's ChaCha20-Poly1305: XChaCha20 is HChaCha20 of the key
 * and the nonce's first 16 bytes, giving a subkey, then IETF ChaCha20-Poly1305 under that subkey
 * with the nonce `00000000 || nonce[16..24]` (draft-irtf-cfrg-xchacha §2.3). Opening every frame
 * of a private space is on the ingest path, and the pure-JS cipher (with the copies it makes for
 * unaligned input) cost about a fifth of the main thread there. Both paths give identical bytes;
 * the frame tests check each against the other.
 */
import { hchacha, xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { nodeCryptoModule, type NodeCrypto } from '../node-builtins.js'

const TAG = 16
// "expand 32-byte k" as little-endian words: ChaCha's constant for 256-bit keys.
const SIGMA = Uint32Array.of(0x61707865, 0x3320646e, 0x79622d32, 0x6b206574)
// hchacha reads Uint32Array words in host order; the byte views below are only right on
// little-endian hosts, so big-endian ones keep the portable path.
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

function subkeyAndIv(key: Uint8Array, nonce: Uint8Array): { subkey: Uint8Array; iv: Uint8Array } {
  const words = new Uint32Array(8)
  hchacha(SIGMA, new Uint32Array(key.slice(0, 32).buffer), new Uint32Array(nonce.slice(0, 16).buffer), words)
  const iv = new Uint8Array(12)
  iv.set(nonce.subarray(16, 24), 4)
  return { subkey: new Uint8Array(words.buffer), iv }
}

function nativeSeal(crypto: NodeCrypto, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const { subkey, iv } = subkeyAndIv(key, nonce)
  const cipher = crypto.createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG })
  cipher.setAAD(aad, { plaintextLength: plaintext.length })
  const body = cipher.update(plaintext)
  cipher.final()
  const out = new Uint8Array(body.length + TAG)
  out.set(body)
  out.set(cipher.getAuthTag(), body.length)
  return out
}

function nativeOpen(crypto: NodeCrypto, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < TAG) return undefined
  const { subkey, iv } = subkeyAndIv(key, nonce)
  const decipher = crypto.createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG })
  decipher.setAAD(aad, { plaintextLength: sealed.length - TAG })
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG))
  const body = decipher.update(sealed.subarray(0, sealed.length - TAG))
  try {
    decipher.final()
  } catch {
    return undefined // wrong key, wrong associated data, or a changed byte
  }
  // A Buffer may be a view into Node's shared pool; the record keeps its own bytes.
  return new Uint8Array(body)
}

function portableOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(sealed)
  } catch {
    return undefined
  }
}

export interface XChaCha {
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** The plaintext, or undefined when the tag does not authenticate. */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined
}

export const portableXChaCha: XChaCha = {
  seal: (key, nonce, aad, plaintext) => xchacha20poly1305(key, nonce, aad).encrypt(plaintext),
  open: portableOpen,
}

/** node:crypto's cipher, or undefined outside Node or on a big-endian host. */
export const nativeXChaCha: XChaCha | undefined = nativeFrom(nodeCryptoModule)

function nativeFrom(crypto: NodeCrypto | undefined): XChaCha | undefined {
  if (!crypto?.createCipheriv || !littleEndian) return undefined
  return {
    seal: (key, nonce, aad, plaintext) => nativeSeal(crypto, key, nonce, aad, plaintext),
    open: (key, nonce, aad, sealed) => nativeOpen(crypto, key, nonce, aad, sealed),
  }
}

export const xchacha: XChaCha = nativeXChaCha ?? portableXChaCha
