/**
 * Sealed frames: how a record of a private space travels and rests in every replica.
 *
 *   [0xE5] [epoch: unsigned LEB128, 1–4 bytes] [nonce: 24 bytes] [XChaCha20-Poly1305 ciphertext + 16-byte tag]
 *
 * The plaintext is the whole signed record, so everything a record says (kind, author, refs, body,
 * signature) is hidden; a replica, a server or an outsider sees only that this is a frame, its
 * epoch, its length, and the id the replica files it under (the hash of the frame). The header is
 * the AEAD's associated data, so moving a frame to another epoch fails to open. 0xE5 is a CBOR
 * "simple value" that dag-cbor never writes, so a frame can never be read as a record or a record
 * as a frame. Overhead: 42 bytes for epochs below 128, 43 below 16384.
 *
 * The nonce is derived from the key and the record (HMAC-SHA256, cut to 24 bytes), as in SIV
 * schemes: sealing one record twice gives the same frame, so a record added again is a duplicate
 * that every replica collapses, not a second copy; distinct records get distinct nonces. What it
 * shows is only whether two frames hold the same record.
 */
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8 } from '../bytes.js'
import { xchacha } from './xchacha.js'

export const FRAME_MAGIC = 0xe5
export const NONCE_BYTES = 24
export const TAG_BYTES = 16
/** Epochs are numbered from 0 (the share link's key) and stay below 2^28: four varint bytes. */
export const MAX_EPOCH = 2 ** 28 - 1
export const EPOCH_KEY_BYTES = 32
/** The most a frame adds to the record it seals: magic, a four-byte epoch, nonce and tag. */
export const MAX_FRAME_OVERHEAD = 1 + 4 + NONCE_BYTES + TAG_BYTES
/** An epoch key sealed to one member (key-box.ts): HPKE's enc (32), the key (32), the tag (16). */
export const KEY_BOX_BYTES = 80
const AAD_DOMAIN = utf8('townhall/sealed/v1\n')
const NONCE_DOMAIN = utf8('townhall/sealed-nonce/v1\n')

export interface FrameHeader {
  readonly epoch: number
  /** Where the nonce starts. */
  readonly offset: number
}

/**
 * The header of `bytes` if they are shaped as a frame (magic, a minimal epoch varint, room for a
 * nonce, a tag and at least one byte), else undefined. Shape only: anyone can make a well-shaped
 * frame, and only opening it under the epoch's key says it is genuine.
 */
export function readFrameHeader(bytes: Uint8Array): FrameHeader | undefined {
  if (bytes.length < 2 || bytes[0] !== FRAME_MAGIC) return undefined
  let epoch = 0
  let i = 1
  for (let shift = 0; shift < 28; shift += 7) {
    const byte = bytes[i]
    if (byte === undefined) return undefined
    i++
    epoch += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) {
      // A zero last byte after the first is a padded varint: two frames with one meaning.
      if (byte === 0 && i > 2) return undefined
      return bytes.length >= i + NONCE_BYTES + TAG_BYTES + 1 ? { epoch, offset: i } : undefined
    }
  }
  return undefined
}

export const isSealedFrame = (bytes: unknown): bytes is Uint8Array => bytes instanceof Uint8Array && readFrameHeader(bytes) !== undefined

function header(epoch: number): Uint8Array {
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new RangeError(`epoch ${epoch} is out of range`)
  const out = [FRAME_MAGIC]
  let rest = epoch
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

/** Seals a signed record's bytes under an epoch key. */
export function sealFrame(key: Uint8Array, epoch: number, plaintext: Uint8Array): Uint8Array {
  const head = header(epoch)
  const nonce = hmac(sha256, key, concatBytes(NONCE_DOMAIN, head, plaintext)).subarray(0, NONCE_BYTES)
  const sealed = xchacha.seal(key, nonce, concatBytes(AAD_DOMAIN, head), plaintext)
  return concatBytes(head, nonce, sealed)
}

/** The record inside a frame, or undefined when the key is not the one it was sealed under or a byte was changed. */
export function openFrame(key: Uint8Array, bytes: Uint8Array, frame: FrameHeader): Uint8Array | undefined {
  const head = bytes.subarray(0, frame.offset)
  const nonce = bytes.subarray(frame.offset, frame.offset + NONCE_BYTES)
  return xchacha.open(key, nonce, concatBytes(AAD_DOMAIN, head), bytes.subarray(frame.offset + NONCE_BYTES))
}
