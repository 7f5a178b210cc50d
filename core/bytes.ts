/** Byte helpers that work the same in browsers, workers and Node (no Buffer). */
import { base64url } from 'multiformats/bases/base64'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export const utf8 = (text: string): Uint8Array => encoder.encode(text)
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes)

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** base64url without padding or multibase prefix: the form used in share links and exports. */
export const toBase64Url = (bytes: Uint8Array): string => base64url.baseEncode(bytes)
export function fromBase64Url(text: string): Uint8Array {
  // One text form per byte string: padding and non-alphabet characters are refused.
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new SyntaxError('not unpadded base64url')
  return base64url.baseDecode(text)
}

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  globalThis.crypto.getRandomValues(out)
  return out
}

/** Uint8Array whose buffer is exactly its own bytes, as WebCrypto and some codecs prefer. */
export function ownBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes as Uint8Array<ArrayBuffer>
  }
  return new Uint8Array(bytes) as Uint8Array<ArrayBuffer>
}
