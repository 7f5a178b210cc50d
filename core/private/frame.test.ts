import { describe, expect, it } from 'vitest'
import { randomBytes, utf8 } from '../bytes.js'
import { FRAME_MAGIC, isSealedFrame, MAX_FRAME_OVERHEAD, openFrame, readFrameHeader, sealFrame } from './frame.js'
import { nativeXChaCha, portableXChaCha } from './xchacha.js'
import { epochZeroKey, Keyring, MAX_KEYS_PER_EPOCH } from './keyring.js'

const record = Uint8Array.from({ length: 300 }, (_, i) => i % 251)

describe('sealed frames', () => {
  it('open under the key and epoch they were sealed with, and add 42 bytes below epoch 128', () => {
    const key = randomBytes(32)
    for (const epoch of [0, 1, 127, 128, 16_383, 2 ** 28 - 1]) {
      const frame = sealFrame(key, epoch, record)
      const header = readFrameHeader(frame)!
      expect(header.epoch).toBe(epoch)
      expect(openFrame(key, frame, header)).toEqual(record)
      expect(frame.length - record.length).toBeLessThanOrEqual(MAX_FRAME_OVERHEAD)
    }
    expect(sealFrame(key, 5, record).length - record.length).toBe(42)
  })

  it('seal one record to one frame, and different records to different nonces', () => {
    const key = randomBytes(32)
    expect(sealFrame(key, 0, record)).toEqual(sealFrame(key, 0, record))
    const other = Uint8Array.from(record, (byte, i) => (i === 0 ? byte ^ 1 : byte))
    expect(sealFrame(key, 0, other).subarray(2, 26)).not.toEqual(sealFrame(key, 0, record).subarray(2, 26))
  })

  it('do not open under another key, in another epoch, or with any byte changed', () => {
    const key = randomBytes(32)
    const frame = sealFrame(key, 3, record)
    expect(openFrame(randomBytes(32), frame, readFrameHeader(frame)!)).toBeUndefined()
    const moved = Uint8Array.from(frame)
    moved[1] = 4
    expect(openFrame(key, moved, readFrameHeader(moved)!)).toBeUndefined()
    for (const at of [2, 20, 30, frame.length - 1]) {
      const changed = Uint8Array.from(frame)
      changed[at]! ^= 0x40
      expect(openFrame(key, changed, readFrameHeader(changed)!), `byte ${at}`).toBeUndefined()
    }
  })

  it('are told from records and junk by their shape alone', () => {
    const frame = sealFrame(randomBytes(32), 1, record)
    expect(isSealedFrame(frame)).toBe(true)
    // A signed record starts with a dag-cbor map header, never 0xE5.
    expect(isSealedFrame(Uint8Array.of(0xa8, ...record))).toBe(false)
    expect(isSealedFrame(frame.subarray(0, 2 + 24 + 16))).toBe(false)
    // A padded epoch (0x80 0x00 for 0) would give one frame two encodings.
    expect(isSealedFrame(Uint8Array.of(FRAME_MAGIC, 0x80, 0x00, ...new Uint8Array(60)))).toBe(false)
    expect(isSealedFrame(Uint8Array.of(FRAME_MAGIC, 0xff, 0xff, 0xff, 0xff, 0x01, ...new Uint8Array(60)))).toBe(false)
    expect(isSealedFrame('frame')).toBe(false)
  })
})

describe('keyrings', () => {
  it('derive epoch 0 from the secret alone, the same on every peer and apart from any other secret', () => {
    const secret = randomBytes(32)
    expect(epochZeroKey(secret)).toEqual(epochZeroKey(Uint8Array.from(secret)))
    expect(epochZeroKey(secret)).not.toEqual(epochZeroKey(randomBytes(32)))
  })

  it('hand the earlier keys to whoever holds a later one, and nothing to anyone else', () => {
    const founder = new Keyring()
    founder.add(0, randomBytes(32))
    founder.add(1, randomBytes(32))
    founder.add(1, randomBytes(32))
    const key = randomBytes(32)
    const chain = founder.chainBelow(2, key)
    const newcomer = new Keyring()
    expect(newcomer.addChain(chain, key, 2)).toBe(3)
    expect(newcomer.of(1)).toEqual(founder.of(1))
    expect(new Keyring().addChain(chain, randomBytes(32), 2)).toBeUndefined()
    // A chain may only name epochs below the one it came with.
    expect(new Keyring().addChain(chain, key, 1)).toBeUndefined()
  })

  it('keep at most a bounded number of keys per epoch', () => {
    const ring = new Keyring()
    for (let i = 0; i < MAX_KEYS_PER_EPOCH + 5; i++) ring.add(7, randomBytes(32))
    expect(ring.of(7)).toHaveLength(MAX_KEYS_PER_EPOCH)
  })
})

describe('XChaCha20-Poly1305 on node:crypto', () => {
  const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16))
  // draft-irtf-cfrg-xchacha-03, appendix A.3.1.
  const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f')
  const nonce = hex('404142434445464748494a4b4c4d4e4f5051525354555657')
  const aad = hex('50515253c0c1c2c3c4c5c6c7')
  const plaintext = utf8(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  )

  it("is the native path in Node, and gives the draft's tag and the portable cipher's bytes", () => {
    expect(nativeXChaCha).toBeDefined()
    const sealed = nativeXChaCha!.seal(key, nonce, aad, plaintext)
    expect(sealed.subarray(-16)).toEqual(hex('c0875924c1c7987947deafd8780acf49'))
    expect(sealed).toEqual(portableXChaCha.seal(key, nonce, aad, plaintext))
    expect(portableXChaCha.open(key, nonce, aad, sealed)).toEqual(plaintext)
    expect(nativeXChaCha!.open(key, nonce, aad, sealed)).toEqual(plaintext)
  })

  it('refuses, as the portable cipher does, a changed byte, other associated data or a short input', () => {
    const sealed = nativeXChaCha!.seal(key, nonce, aad, plaintext)
    for (const at of [0, 50, sealed.length - 1]) {
      const changed = Uint8Array.from(sealed)
      changed[at]! ^= 1
      expect(nativeXChaCha!.open(key, nonce, aad, changed), `byte ${at}`).toBeUndefined()
      expect(portableXChaCha.open(key, nonce, aad, changed), `byte ${at}`).toBeUndefined()
    }
    expect(nativeXChaCha!.open(key, nonce, aad.subarray(1), sealed)).toBeUndefined()
    expect(nativeXChaCha!.open(key, nonce, aad, sealed.subarray(0, 15))).toBeUndefined()
  })

  it('opens frames whose bytes sit at any offset of a larger buffer', () => {
    const frame = sealFrame(key, 1, plaintext)
    for (const shift of [1, 2, 3, 5]) {
      const buffer = new Uint8Array(frame.length + shift)
      buffer.set(frame, shift)
      const view = buffer.subarray(shift)
      expect(openFrame(key, view, readFrameHeader(view)!)).toEqual(plaintext)
    }
  })
})
