/**
 * The string form of a CIDv1 (multibase base32, lowercase, no padding: `b…`), as
 * `CID.prototype.toString()` gives it, computed without multiformats' string building and per-CID
 * cache: that took ~10 µs per CID seen for the first time, and ids are computed for every record
 * received and for every ballot id a close commits to.
 */
import type { CID } from 'multiformats/cid'

const ALPHABET = Uint8Array.from('abcdefghijklmnopqrstuvwxyz234567', (c) => c.charCodeAt(0))
const PREFIX = 'b'.charCodeAt(0)
// Every output byte is ASCII, which latin1 decodes one to one.
const latin1 = new TextDecoder('latin1')

// Output bytes, reused by every call (encoding is synchronous): ids are computed for every record read.
let scratch = new Uint8Array(64)
// The last CID asked for and its string: records come in runs naming one CID instance (the
// space interns them), such as a poll's ballots, each asked for its poll's id.
let lastCid: CID | undefined
let lastString = ''

export function cidString(cid: CID): string {
  if (cid === lastCid) return lastString
  if (cid.version !== 1) return cid.toString()
  const bytes = cid.bytes
  const length = 1 + Math.ceil((bytes.length * 8) / 5)
  if (scratch.length < length) scratch = new Uint8Array(length)
  const out = scratch
  out[0] = PREFIX
  let o = 1
  let bits = 0
  let buffer = 0
  for (let i = 0; i < bytes.length; i++) {
    buffer = ((buffer << 8) | bytes[i]!) & 0xfff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out[o++] = ALPHABET[(buffer >> bits) & 31]!
    }
  }
  if (bits > 0) out[o++] = ALPHABET[(buffer << (5 - bits)) & 31]!
  lastCid = cid
  lastString = latin1.decode(out.subarray(0, o))
  return lastString
}
