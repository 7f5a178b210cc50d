/**
 * base58btc encoding (the `z…` multibase of did:key) in big limbs: every record names its author by
 * did:key, and multiformats' encoder (base-x) converts one byte and one output digit at a time and
 * builds the string a character at a time: ~4 µs per key, as much as the rest of reading a record.
 * Here the number is kept in base 58^5 limbs and fed two input bytes at a time (a limb times 2^16
 * plus a carry stays below 2^53), and the digits are written into bytes decoded once into a flat
 * string. The result equals base58btc.encode for every input (checked in base58.test.ts).
 */
const ALPHABET = Uint8Array.from('123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz', (c) => c.charCodeAt(0))
const LIMB = 58 ** 5
// Every output byte is ASCII, which latin1 decodes one to one.
const latin1 = new TextDecoder('latin1')

/** base58btc of `bytes`, without the multibase prefix, after `prefix` (ASCII) in the same flat string. */
export function base58btcEncode(bytes: Uint8Array, prefix = ''): string {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  // log(256) / log(58^5) < 0.273 limbs per byte.
  const limbs = scratchLimbs(Math.ceil((bytes.length - zeros) * 0.273) + 1)
  let used = 0
  let i = zeros
  // An odd count of significant bytes: the first one alone, then pairs.
  if ((bytes.length - zeros) % 2 === 1) used = feed(limbs, used, bytes[i++]!, 256)
  for (; i < bytes.length; i += 2) used = feed(limbs, used, bytes[i]! * 256 + bytes[i + 1]!, 65536)
  const head = prefix.length
  const out = scratchOut(head + zeros + used * 5)
  for (let p = 0; p < head; p++) out[p] = prefix.charCodeAt(p)
  out.fill(ALPHABET[0]!, head, head + zeros)
  let o = out.length
  for (let l = 0; l < used; l++) {
    let limb = limbs[l]!
    for (let d = 0; d < 5; d++) {
      out[--o] = ALPHABET[limb % 58]!
      limb = Math.floor(limb / 58)
    }
  }
  // The top limb was padded with zero digits: drop them (they are not leading zero bytes).
  const first = head + zeros
  let start = first
  while (start < out.length && out[start] === ALPHABET[0]) start++
  if (start > first) out.copyWithin(first, start)
  return latin1.decode(out.subarray(0, out.length - (start - first)))
}

// Scratch space reused by every call (encoding is synchronous): every record read computes its
// author's did:key, and two fresh typed arrays per call were a third of the cost.
let limbScratch = new Float64Array(32)
let outScratch = new Uint8Array(128)

function scratchLimbs(length: number): Float64Array {
  if (limbScratch.length < length) limbScratch = new Float64Array(length)
  return limbScratch.fill(0, 0, length)
}

/** A view of exactly `length` bytes, which the caller fills completely. */
function scratchOut(length: number): Uint8Array {
  if (outScratch.length < length) outScratch = new Uint8Array(length)
  return outScratch.subarray(0, length)
}

/** limbs = limbs * base + value; returns how many limbs are in use. */
function feed(limbs: Float64Array, used: number, value: number, base: number): number {
  let carry = value
  for (let l = 0; l < used; l++) {
    const x = limbs[l]! * base + carry
    carry = Math.floor(x / LIMB)
    limbs[l] = x - carry * LIMB
  }
  while (carry > 0) {
    limbs[used++] = carry % LIMB
    carry = Math.floor(carry / LIMB)
  }
  return used
}
